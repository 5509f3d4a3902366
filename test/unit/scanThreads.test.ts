/**
 * How `mlsec scan` shares files between the main thread and its workers (cli/scanner.ts
 * runWorkers), with workers played by the test: every thread takes batches from one shared
 * counter, and whatever a worker took without reporting it (it failed, or ended early) is
 * analysed by the main thread once the workers are done. The reports must be those of a
 * sequential analysis, in the order of the files, whatever the workers do.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FromWorker, StartedWorker, ToWorker, WorkerEvents } from '../../server/src/cli/scanner';
import { makeResolver, runWorkers } from '../../server/src/cli/scanner';
import { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import type { FileReport } from '../../server/src/engine/pipeline/fileAnalysis';
import { analyzeFiles, SelectionCache } from '../../server/src/engine/pipeline/fileAnalysis';
import { ALL_RULES } from '../../server/src/rules/index';
import { REPO_ROOT } from '../support/paths';

type Work = Extract<ToWorker, { type: 'work' }>;

/** A worker played by the test: `behave` runs (after the current turn) when the work arrives. */
class FakeWorker implements StartedWorker {
  handlers?: WorkerEvents;
  stopped = false;
  constructor(private readonly behave: (work: Work, say: (message: FromWorker) => void, events: WorkerEvents) => Promise<void> | void) {}
  post(message: ToWorker): void {
    if (message.type !== 'work') return;
    setImmediate(() => {
      if (this.stopped || !this.handlers) return;
      const handlers = this.handlers;
      void this.behave(message, (m) => this.stopped || handlers.message(m), handlers);
    });
  }
  listen(handlers: WorkerEvents): void {
    this.handlers = handlers;
  }
  stop(): void {
    this.stopped = true;
  }
}

/** Takes the next batch as a worker does; undefined when none is left. */
function take(work: Work): { id: number; files: string[] } | undefined {
  const id = Atomics.add(new Int32Array(work.next), 0, 1);
  return id < work.starts.length - 1 ? { id, files: work.files.slice(work.starts[id], work.starts[id + 1]) } : undefined;
}

/** What a report says, without its timings. */
function said(reports: FileReport[]): unknown[] {
  return reports.map(({ file, findings, problems, lines, parsed }) => ({ file, findings, problems, lines, parsed }));
}

describe('scan threads', function () {
  this.timeout(60_000);
  const fixtures = path.join(REPO_ROOT, 'test', 'rules', 'fixtures');
  const files = fs
    .readdirSync(fixtures)
    .filter((f) => f.endsWith('.py'))
    .sort()
    .map((f) => path.join(fixtures, f));
  let analyzer: Analyzer;
  let expected: unknown[];
  const resolver = makeResolver({ paths: [fixtures] });
  // The workers' failures are reported on standard error; the test keeps that quiet.
  let write: typeof process.stderr.write;
  let written = '';

  before(async () => {
    analyzer = await Analyzer.create(ALL_RULES);
    expected = said(await analyzeFiles(analyzer, files, resolver, new SelectionCache(analyzer)));
    assert.ok(files.length > 20, 'enough files for several batches');
  });
  beforeEach(() => {
    written = '';
    write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => ((written += String(chunk)), true)) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stderr.write = write;
  });

  it('shares the batches: a worker that reports what it takes gives the sequential reports', async () => {
    const worker = new FakeWorker(async (work, say) => {
      say({ type: 'ready' });
      for (let batch = take(work); batch; batch = take(work)) {
        say({ type: 'done', id: batch.id, reports: await analyzeFiles(analyzer, batch.files, resolver, new SelectionCache(analyzer)) });
        await new Promise((resume) => setImmediate(resume));
      }
      say({ type: 'finished' });
    });
    const { reports, workerFiles } = await runWorkers(files, [worker], Promise.resolve(analyzer), resolver, {});
    assert.deepEqual(said(reports), expected);
    assert.ok(workerFiles > 0 && workerFiles < files.length, `the worker analysed ${workerFiles} of ${files.length} files`);
    assert.equal(worker.stopped, true);
  });

  it('analyses again what a failed worker took but did not report', async () => {
    let lost = 0;
    const worker = new FakeWorker(async (work, say, events) => {
      say({ type: 'ready' });
      const first = take(work)!;
      say({ type: 'done', id: first.id, reports: await analyzeFiles(analyzer, first.files, resolver, new SelectionCache(analyzer)) });
      // Takes two more batches, then dies without reporting them.
      lost = take(work)!.files.length + take(work)!.files.length;
      events.error(new Error('JS heap out of memory'));
    });
    const { reports, workerFiles } = await runWorkers(files, [worker], Promise.resolve(analyzer), resolver, {});
    assert.ok(lost > 0);
    assert.deepEqual(said(reports), expected);
    assert.ok(workerFiles > 0, 'the worker reported its first batch');
    assert.match(written, /a scan worker failed: JS heap out of memory/);
  });

  it('analyses again what a worker took before it ended without a word', async () => {
    const worker = new FakeWorker((work, say, events) => {
      say({ type: 'ready' });
      take(work);
      events.exit();
    });
    const { reports, workerFiles } = await runWorkers(files, [worker], Promise.resolve(analyzer), resolver, {});
    assert.deepEqual(said(reports), expected);
    assert.equal(workerFiles, 0);
  });

  it('does not wait for a worker that never starts, and stops it', async () => {
    const worker = new FakeWorker(() => undefined);
    const { reports, workerFiles } = await runWorkers(files, [worker], Promise.resolve(analyzer), resolver, {});
    assert.deepEqual(said(reports), expected);
    assert.equal(workerFiles, 0);
    assert.equal(worker.stopped, true);
  });

  it('analyses what a worker took when it never said it was ready', async () => {
    // Its "ready" is lost (or late): the main thread does not wait for it, and the batch it took
    // is analysed after it is stopped.
    const worker = new FakeWorker((work) => {
      take(work);
    });
    const { reports } = await runWorkers(files, [worker], Promise.resolve(analyzer), resolver, {});
    assert.deepEqual(said(reports), expected);
  });
});
