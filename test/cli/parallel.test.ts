/**
 * Worker threads must not change what a scan reports: `--jobs 2` (workers) and `--jobs 1` (the
 * main thread) give the same JSON, in the same order, on the rule fixtures. Runs the built CLI.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { maxJobs, workersFor } from '../../server/src/cli/scanner';
import { REPO_ROOT } from '../support/paths';

const BIN = path.join(REPO_ROOT, 'bin', 'mlsec.js');

function scanJson(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): {
  code: number | null;
  json: { files: number; findings: unknown[]; problems: unknown[] };
  stderr: string;
} {
  const run = spawnSync(process.execPath, [BIN, 'scan', ...args, '--format', 'json', '--fail-on', 'never'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env,
  });
  assert.equal(run.status, 0, run.stderr);
  return { code: run.status, json: JSON.parse(run.stdout), stderr: run.stderr };
}

/**
 * Runs `body` with the rule fixtures and four copies of them reached through symbolic links, so
 * that a scan finds enough files to start workers.
 */
function withFixtureCopies(body: (dir: string, roots: string[]) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-parallel-'));
  try {
    const fixtures = path.join(REPO_ROOT, 'test', 'rules', 'fixtures');
    const roots = [fixtures];
    for (let i = 0; i < 4; i++) {
      const alias = path.join(dir, `copy${i}`);
      fs.symlinkSync(fixtures, alias, 'dir');
      roots.push(alias);
    }
    body(dir, roots);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('mlsec scan --jobs', function () {
  this.timeout(120_000);

  it('reports the same findings, in the same order, with workers and without', () => {
    withFixtureCopies((dir, roots) => {
      const sequential = scanJson([...roots, '--jobs', '1']);
      const parallel = scanJson([...roots, '--jobs', '2', '--stats', path.join(dir, 'stats.json')]);
      const stats = JSON.parse(fs.readFileSync(path.join(dir, 'stats.json'), 'utf8')) as {
        workers: number;
        workerFiles: number;
        files: number;
      };
      assert.ok(sequential.json.files >= 48, `only ${sequential.json.files} files: too few to start workers`);
      // The main thread analyses too: --jobs 2 is the main thread and one worker.
      assert.equal(stats.workers, Math.min(2, maxJobs()) - 1, 'the parallel run used a worker thread (threads at most one per CPU)');
      if (stats.workers > 0) {
        // Both threads analysed files: the worker's reports are put back among the main thread's.
        assert.ok(stats.workerFiles > 0, 'the worker analysed files');
        assert.ok(stats.workerFiles < stats.files, 'the main thread analysed files');
      }
      assert.ok(sequential.json.findings.length > 0);
      assert.deepEqual(parallel.json, sequential.json);
    });
  });

  it('loses nothing when the workers run out of memory: the calling thread analyses their files', () => {
    withFixtureCopies((_dir, roots) => {
      const sequential = scanJson([...roots, '--jobs', '1']);
      // A heap far too small for a worker to load the engine, let alone analyse a file.
      const starved = scanJson([...roots, '--jobs', '2'], { ...process.env, MLSEC_WORKER_HEAP_MB: '2' });
      assert.match(starved.stderr, /a scan worker failed/);
      assert.deepEqual(starved.json, sequential.json);
    });
  });

  it('scans the fixtures alike with any number of jobs', () => {
    const fixtures = path.join('test', 'rules', 'fixtures');
    const one = scanJson([fixtures, '--jobs', '1']);
    const two = scanJson([fixtures, '--jobs', '2']);
    assert.deepEqual(two.json, one.json);
  });

  it('reads the paths to scan from --files-from', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-files-from-'));
    try {
      const fixtures = path.join(REPO_ROOT, 'test', 'rules', 'fixtures');
      const listed = fs
        .readdirSync(fixtures)
        .filter((f) => f.endsWith('.py'))
        .map((f) => path.join(fixtures, f));
      const list = path.join(dir, 'files.txt');
      fs.writeFileSync(list, listed.join('\n') + '\n\n');
      const fromList = scanJson(['--files-from', list]);
      const direct = scanJson(listed);
      assert.equal(fromList.json.files, listed.length);
      assert.deepEqual(fromList.json, direct.json);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts workers by the files found and the CPUs, not by --jobs alone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-jobs-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.py'), 'import torch\n');
      const stats = path.join(dir, 'stats.json');
      // Before, --jobs 512 started 512 workers (3 GB) for this one file and --jobs 100000 never ended.
      for (const jobs of ['512', '100000']) {
        const run = spawnSync(process.execPath, ['--max-old-space-size=256', BIN, 'scan', dir, '--jobs', jobs, '--stats', stats], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 20_000,
          killSignal: 'SIGKILL',
        });
        assert.equal(run.signal, null, `--jobs ${jobs} did not finish`);
        assert.equal(run.status, 0, run.stderr);
        assert.equal(
          (JSON.parse(fs.readFileSync(stats, 'utf8')) as { workers: number }).workers,
          0,
          'one file is analysed on the main thread',
        );
        if (Number(jobs) > maxJobs()) assert.match(run.stderr, new RegExp(`--jobs ${jobs} is more than the ${maxJobs()} CPUs available`));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const cpus = maxJobs();
    assert.equal(workersFor(512, 1), 0);
    assert.equal(workersFor(512, 47), 0, 'below PARALLEL_MIN_FILES');
    assert.equal(workersFor(1, 10_000), 0);
    // Threads: the main thread and the workers.
    assert.equal(workersFor(512, 48), Math.min(cpus, 3) > 1 ? Math.min(cpus, 3) - 1 : 0, 'a thread per 16 files');
    assert.equal(workersFor(2, 10_000), cpus > 1 ? 1 : 0, '--jobs 2: the main thread and one worker');
    assert.equal(workersFor(100_000, 100_000), cpus > 1 ? cpus - 1 : 0, 'never more threads than the CPUs');
  });

  it('rejects a --jobs that is not a positive whole number', () => {
    const run = spawnSync(process.execPath, [BIN, 'scan', 'examples', '--jobs', '0'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--jobs must be a whole number/);
  });
});
