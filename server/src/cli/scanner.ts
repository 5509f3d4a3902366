/**
 * The scan behind `mlsec scan`: expand paths, analyse each file with the configuration that
 * governs it, collect findings and the problems met on the way. Files are analysed on worker
 * threads when there are enough of them to pay for the workers' start-up (`scanParallel`); the
 * outcome is the same as the sequential `scan`, in the same order.
 *
 * Workers are the CLI bundle itself, started again with `workerData` marking it as a scan worker
 * (see `isScanWorker` and `serveScanWorker`), so the package needs no extra file. Each worker
 * loads the parser and the rules once, then takes batches of files one after another from a
 * counter all threads share, so large files do not leave the others idle. The main thread
 * analyses batches too: with `--jobs N` it and N - 1 workers do.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, parentPort } from 'node:worker_threads';
import type { Analyzer } from '../engine/pipeline/analyzer';
import { ConfigResolver } from '../engine/config/projectConfig';
import type { ConfigProblem, FailOn, ProjectConfig } from '../engine/config/projectConfig';
import { collectSourceFiles } from '../engine/io/sourceFiles';
import type { FileAnalysisOptions, FileReport } from '../engine/pipeline/fileAnalysis';
import { analyzeFiles, SelectionCache, wasAnalysed } from '../engine/pipeline/fileAnalysis';
import { SkipReport } from '../engine/io/skipReport';
import { RULE_CATALOGUE } from '../rules/catalogue';
import { tuneHeapForLargeScan } from './jitTuning';

export interface ScanOptions {
  paths: string[];
  select?: string[];
  ignore?: string[];
  configFile?: string;
  respectGitignore?: boolean;
  maxFileSize?: number;
  failOn?: FailOn;
  /** Extra OSV advisory data (folders, .json or OSV .zip files) on top of the bundled set. */
  advisories?: string[];
  /**
   * Threads that analyse files in `scanParallel` (default: the number of CPUs): the calling
   * thread and `jobs - 1` workers. 1 analyses on the calling thread alone, and so do fewer files
   * than PARALLEL_MIN_FILES.
   */
  jobs?: number;
  /** Parse every file and keep its imports (for `mlsec checklist`), even where no rule can fire. */
  force?: boolean;
}

export interface ScanOutcome {
  files: FileReport[];
  configProblems: ConfigProblem[];
  /** Paths given on the command line that do not exist. */
  missing: string[];
  /** `fail-on` from the nearest configuration of the first path, if any. */
  configuredFailOn?: FailOn;
  /** `baseline` from the nearest configuration of the first path, if any. */
  configuredBaseline?: string;
  durationMs: number;
  /** Milliseconds spent finding the files (walking folders, reading .gitignore and configs). */
  walkMs?: number;
  /** Worker threads that analysed files besides the calling thread (0: it did alone). */
  workers?: number;
  /** Files the workers analysed (the calling thread analysed the others). */
  workerFiles?: number;
  /** Model files read (cli/models.ts), when they were scanned. */
  models?: import('./models').ModelScanStats;
  /** What was left out, by mechanism (engine/skipReport.ts). */
  skips?: SkipReport;
}

/** Below this many files, starting workers (tens of milliseconds each) costs more than it saves. */
export const PARALLEL_MIN_FILES = 48;

/** Files per message to a worker: large enough to amortise messaging, small enough to balance. */
const BATCH_SIZE = 16;

/** Near the end of a scan a batch is at most 1/TAIL_SHARES of the files left per thread. */
const TAIL_SHARES = 3;

/**
 * The old-generation heap of a scan worker, in MB. Without a limit V8 lets a long scan's heap grow
 * well past what it holds alive (a file's trees and models are dropped after it): one thread on
 * the stdlib four times over peaked at 209 MB, and at 165 MB with 96 MB of old generation, in the
 * same time. A worker that runs out of memory on a file hands its batches back (runWorkers), and
 * what no worker can take is analysed on the calling thread, which has no such limit: a limit
 * costs time on a pathological file, never a finding. `MLSEC_WORKER_HEAP_MB` overrides it (tests).
 */
const WORKER_HEAP_MB = 96;

/**
 * The young generation of a scan worker, in MB. A file's trees, models and reports die young, so
 * a smaller nursery collects them as well: with 16 MB the peak RSS of a scan of diffusers went
 * from 242–246 to 194–197 MB and of the four LLM-serving trees from 261–264 to 218–219 MB, with
 * the scan time within the runs' noise (V8's default is sized for long-lived programs).
 */
const WORKER_YOUNG_MB = 16;

function workerHeapMb(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.MLSEC_WORKER_HEAP_MB);
  return Number.isFinite(asked) && asked > 0 ? asked : WORKER_HEAP_MB;
}

export function makeResolver(options: ScanOptions): ConfigResolver {
  const overrides: Partial<ProjectConfig> = {};
  if (options.select) overrides.select = options.select;
  if (options.ignore) overrides.ignore = options.ignore;
  if (options.respectGitignore === false) overrides.respectGitignore = false;
  if (options.maxFileSize) overrides.maxFileSize = options.maxFileSize;
  // With the rule catalogue, rule names in config files are checked (see engine/ruleNames.ts).
  return new ConfigResolver(overrides, options.configFile, RULE_CATALOGUE);
}

interface Plan {
  resolver: ConfigResolver;
  files: string[];
  missing: string[];
  listingProblems: FileReport[];
  walkMs: number;
  skips: SkipReport;
}

function plan(options: ScanOptions, onFound?: (count: number) => void): Plan {
  const started = performance.now();
  const resolver = makeResolver(options);
  const missing: string[] = [];
  const listingProblems: FileReport[] = [];
  const skips = new SkipReport();
  const files = collectSourceFiles(options.paths, {
    resolver,
    onFound,
    skips,
    onProblem: (file, message) => {
      if (message === 'no such file or folder') missing.push(file);
      else listingProblems.push({ file, findings: [], problems: [{ message }], lines: 0 });
    },
  });
  return { resolver, files, missing, listingProblems, walkMs: performance.now() - started, skips };
}

function outcome(
  options: ScanOptions,
  planned: Plan,
  reports: FileReport[],
  started: number,
  workers: number,
  workerFiles = 0,
): ScanOutcome {
  const { resolver } = planned;
  const first = options.paths[0] ? path.resolve(options.paths[0]) : process.cwd();
  // Files the reader refused (size, binary, encoding) join the walk's count.
  for (const report of reports) if (!wasAnalysed(report)) for (const problem of report.problems) planned.skips.addProblem(problem);
  return {
    skips: planned.skips,
    files: [...reports, ...planned.listingProblems],
    configProblems: resolver.problems,
    missing: planned.missing,
    configuredFailOn: resolver.forFolder(first).failOn ?? resolver.forFile(path.join(first, 'x.py')).failOn,
    configuredBaseline: resolver.forFolder(first).baseline ?? resolver.forFile(path.join(first, 'x.py')).baseline,
    durationMs: performance.now() - started,
    walkMs: planned.walkMs,
    workers,
    workerFiles,
  };
}

/** Scans on the calling thread. */
export async function scan(analyzer: Analyzer, options: ScanOptions): Promise<ScanOutcome> {
  const started = performance.now();
  const planned = plan(options);
  const selections = new SelectionCache(analyzer);
  const reports = await analyzeFiles(analyzer, planned.files, planned.resolver, selections, {
    advisories: options.advisories,
    force: options.force,
  });
  return outcome(options, planned, reports, started, 0);
}

/** The default number of workers: one per CPU the process may use. */
export function defaultJobs(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/**
 * The most workers a scan starts: analysis is CPU-bound, so a worker beyond the CPUs the process
 * may use only adds its memory (each holds its own parser and rules, tens of MB) and start-up.
 * `--jobs` above this is lowered to it (the CLI says so).
 */
export function maxJobs(): number {
  return defaultJobs();
}

/**
 * Worker threads for `files` files when `jobs` are asked for. The threads that analyse are the
 * calling thread and the workers: none below PARALLEL_MIN_FILES, else one per BATCH_SIZE files
 * at most and never more than the CPUs (maxJobs); the workers are those threads but one.
 *
 * The calling thread takes part because a worker is slow to start: it loads the bundle, the
 * parser and the rules again (150-250 ms before its first file on a 2-core machine, more while
 * the main thread still lists the files), whereas the calling thread has the code loaded and
 * starts analysing as soon as the files are listed. On diffusers with two CPUs, the main thread
 * and one worker finish sooner than two workers, with one start-up less.
 */
export function workersFor(jobs: number, files: number): number {
  if (jobs <= 1 || files < PARALLEL_MIN_FILES) return 0;
  const threads = Math.min(Math.floor(jobs), maxJobs(), Math.ceil(files / BATCH_SIZE));
  return threads > 1 ? threads - 1 : 0;
}

/** What the main thread puts in `workerData` to start a scan worker. */
interface ScanWorkerData {
  mlsecScanWorker: 1;
  options: ScanOptions;
}

/**
 * `work`: the files and the batches (batch i is files[starts[i]] to files[starts[i + 1]]); the
 * worker takes the next batch by incrementing the shared counter `next`, as the main thread does,
 * so no thread waits for another to hand it work.
 */
export type ToWorker = { type: 'work'; files: string[]; starts: Int32Array; next: SharedArrayBuffer } | { type: 'stop' };
export type FromWorker =
  { type: 'ready' } | { type: 'done'; id: number; reports: FileReport[] } | { type: 'finished' } | { type: 'failed'; message: string };

/** True in a thread started by `scanParallel`. */
export function isScanWorker(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as Partial<ScanWorkerData>).mlsecScanWorker === 1;
}

/**
 * The body of a scan worker: builds its analyzer once (parser and grammar initialised once per
 * worker), then analyses batches until told to stop. Trees are freed file by file by the analyzer.
 */
export async function serveScanWorker(data: unknown, createAnalyzer: () => Promise<Analyzer>): Promise<void> {
  const port = parentPort;
  if (!port || !isScanWorker(data)) return;
  const { options } = data as ScanWorkerData;
  let analyzer: Analyzer;
  try {
    analyzer = await createAnalyzer();
  } catch (error) {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
    return;
  }
  // Configuration is resolved again here (cached per folder): the main thread already reported
  // its problems, so this resolver's are dropped.
  const resolver = makeResolver(options);
  const selections = new SelectionCache(analyzer);
  const fileOptions: FileAnalysisOptions = { advisories: options.advisories, force: options.force };
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stop') {
      port.close();
      return;
    }
    const { files, starts } = message;
    const next = new Int32Array(message.next);
    void (async () => {
      for (let id = Atomics.add(next, 0, 1); id < starts.length - 1; id = Atomics.add(next, 0, 1)) {
        const reports = await analyzeFiles(analyzer, files.slice(starts[id], starts[id + 1]), resolver, selections, fileOptions);
        port.postMessage({ type: 'done', id, reports } satisfies FromWorker);
      }
      port.postMessage({ type: 'finished' } satisfies FromWorker);
    })();
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

/**
 * Scans with worker threads when `jobs` > 1 and there are at least PARALLEL_MIN_FILES files, else
 * on the calling thread. `workerScript` is the file that calls `serveScanWorker` when it is
 * loaded in a worker (the CLI bundle). The outcome equals `scan`'s: reports are put back in the
 * order of the files, and configuration problems come from the main thread's resolver, which
 * resolves every file's configuration in the same order as the sequential scan does.
 *
 * Workers are started while this thread lists the files, so that they load the bundle and the
 * parser meanwhile, but only as the files found call for them (`workersFor`): a scan of one file
 * starts none, whatever `jobs` says. This thread's analyzer is made meanwhile too: the parser's
 * WebAssembly is compiled in the background while the folders are read.
 */
export async function scanParallel(
  createAnalyzer: () => Promise<Analyzer>,
  options: ScanOptions,
  workerScript: string,
): Promise<ScanOutcome> {
  const started = performance.now();
  const jobs = Math.max(1, Math.floor(options.jobs ?? defaultJobs()));
  const early: StartedWorker[] = [];
  const onFound = (count: number) => {
    while (early.length < workersFor(jobs, count)) early.push(startWorker(options, workerScript));
  };
  const analyzer = createAnalyzer();
  let planned: Plan;
  try {
    planned = plan(options, jobs > 1 ? onFound : undefined);
  } catch (error) {
    for (const worker of early) worker.stop();
    // The listing's error is the one to report; the analyzer is not needed any more.
    analyzer.catch(() => undefined);
    throw error;
  }
  const { files, resolver } = planned;
  const fileOptions: FileAnalysisOptions = { advisories: options.advisories, force: options.force };
  // Paths named twice are counted once in the end: fewer workers may be needed than were started.
  const workerCount = workersFor(jobs, files.length);
  for (const worker of early.splice(workerCount)) worker.stop();
  if (workerCount === 0) {
    const ready = await analyzer;
    const reports = await analyzeFiles(ready, files, resolver, new SelectionCache(ready), fileOptions);
    return outcome(options, planned, reports, started, 0);
  }
  for (const file of files) {
    resolver.forFile(file);
    resolver.perFileIgnores(file);
  }
  tuneHeapForLargeScan(files.length);
  const { reports, workerFiles } = await runWorkers(files, early, analyzer, resolver, fileOptions);
  return outcome(options, planned, reports, started, workerCount, workerFiles);
}

/** What a scan worker can tell: a message, an error, its end. */
export interface WorkerEvents {
  message(message: FromWorker): void;
  error(error: Error): void;
  exit(): void;
}

/** A started scan worker; what it said before anyone listened is kept for `listen`. */
export interface StartedWorker {
  post(message: ToWorker): void;
  listen(handlers: WorkerEvents): void;
  stop(): void;
}

function startWorker(options: ScanOptions, workerScript: string): StartedWorker {
  const workerOptions: ScanOptions = { ...options, jobs: 1 };
  const worker = new Worker(workerScript, {
    workerData: { mlsecScanWorker: 1, options: workerOptions } satisfies ScanWorkerData,
    resourceLimits: { maxOldGenerationSizeMb: workerHeapMb(), maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
  });
  const early: Array<(handlers: WorkerEvents) => void> = [];
  let handlers: WorkerEvents | undefined;
  const deliver = (event: (h: WorkerEvents) => void) => (handlers ? event(handlers) : early.push(event));
  worker.on('message', (message: FromWorker) => deliver((h) => h.message(message)));
  worker.on('error', (error) => deliver((h) => h.error(error)));
  worker.on('exit', () => deliver((h) => h.exit()));
  return {
    post(message) {
      worker.postMessage(message);
    },
    listen(next) {
      handlers = next;
      for (const event of early.splice(0)) event(next);
    },
    stop() {
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
      void worker.terminate();
    },
  };
}

/**
 * Analyses `files` in batches on the calling thread and the workers and puts the reports back in
 * the order of the files. Every thread takes the next batch itself, from a counter they share
 * (`Atomics.add`): when the main thread handed the batches out, a worker waited for it to finish
 * its own batch before it got the next one (270-410 ms idle in a scan of diffusers). Batches are
 * BATCH_SIZE files until the end draws near, then smaller (a share of what is left per thread),
 * so that the threads finish together.
 *
 * A worker still starting when the batches run out is stopped. A worker that fails loses the
 * batch it was on: once the workers have finished, this thread analyses every batch whose
 * reports did not come, so a scan whose workers all fail loses nothing.
 */
export function runWorkers(
  files: string[],
  workers: StartedWorker[],
  analyzer: Promise<Analyzer>,
  resolver: ConfigResolver,
  fileOptions: FileAnalysisOptions,
): Promise<{ reports: FileReport[]; workerFiles: number }> {
  const threads = workers.length + 1;
  const boundaries = [0];
  while (boundaries[boundaries.length - 1] < files.length) {
    const start = boundaries[boundaries.length - 1];
    const size = Math.max(1, Math.min(BATCH_SIZE, Math.ceil((files.length - start) / (threads * TAIL_SHARES))));
    boundaries.push(start + size);
  }
  const starts = Int32Array.from(boundaries);
  const batches = starts.length - 1;
  const counter = new SharedArrayBuffer(4);
  const next = new Int32Array(counter);
  const reports: FileReport[] = new Array(files.length);
  const reported = new Uint8Array(batches);
  let workerFiles = 0;
  const store = (id: number, done: FileReport[]) => {
    done.forEach((report, k) => (reports[starts[id] + k] = report));
    reported[id] = 1;
  };
  // The main thread waits here for the workers to finish their last batches.
  let idle: (() => void) | undefined;
  const wake = () => {
    const resume = idle;
    idle = undefined;
    resume?.();
  };
  const states = workers.map((started) => {
    const state = { ready: false, gone: false, started };
    const retire = () => {
      if (state.gone) return;
      state.gone = true;
      started.stop();
      wake();
    };
    const message = (message: FromWorker) => {
      if (state.gone) return;
      if (message.type === 'ready') state.ready = true;
      else if (message.type === 'done') {
        store(message.id, message.reports);
        workerFiles += message.reports.length;
      } else if (message.type === 'finished') retire();
      else {
        process.stderr.write(`mlsec: a scan worker could not start: ${message.message}\n`);
        retire();
      }
    };
    const error = (error: Error) => {
      if (!state.gone) process.stderr.write(`mlsec: a scan worker failed: ${error.message} (its files are analysed again)\n`);
      retire();
    };
    started.listen({ message, error, exit: retire });
    // Sent now, read when the worker is ready: this thread may be busy with a batch by then.
    started.post({ type: 'work', files, starts, next: counter });
    return { state, retire };
  });
  const local = async (): Promise<{ reports: FileReport[]; workerFiles: number }> => {
    const ready = await analyzer;
    const selections = new SelectionCache(ready);
    const analyse = async (id: number) =>
      store(id, await analyzeFiles(ready, files.slice(starts[id], starts[id + 1]), resolver, selections, fileOptions));
    for (let id = Atomics.add(next, 0, 1); id < batches; id = Atomics.add(next, 0, 1)) {
      await analyse(id);
      // Lets the workers' messages in (finished batches, failures) before the next batch.
      await new Promise<void>((resume) => setImmediate(resume));
    }
    // A worker not ready yet is not waited for: should it have taken a batch meanwhile, the
    // batch is analysed below.
    for (const { state, retire } of states) if (!state.ready) retire();
    while (states.some(({ state }) => !state.gone)) await new Promise<void>((resume) => (idle = resume));
    // What a failed worker was analysing.
    for (let id = 0; id < batches; id++) if (!reported[id]) await analyse(id);
    return { reports, workerFiles };
  };
  return local().finally(() => {
    for (const { retire } of states) retire();
  });
}
