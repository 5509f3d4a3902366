#!/usr/bin/env node
// @ts-check
// `npm run bench`: whole-tree scan speed of mlsec next to Ruff's WebAssembly build (S rules only),
// measured side by side in one run on the same files. A measurement, not a test: it never fails
// because a machine is slow. Run `node esbuild.mjs` first (npm run bench builds).
//
//   node scripts/bench.mjs [--corpus DIR]... [--reps N] [--scales 1,2,4] [--jobs N]
//                          [--no-sequential] [--no-v8-defaults] [--no-editor] [--no-long-files]
//                          [--out FILE] [--record] [--workspace] [--dataflow]
//
// --workspace also times a workspace scan of each corpus folder in the language server and edits
// during it (scripts/bench/workspace.mjs); --dataflow measures the data-flow rules' share of the
// scan's CPU time on each corpus folder (scripts/bench/dataflow.mjs). docs/benchmarks.md lists
// the ML corpora and how to get them; give one --corpus per run to get each corpus's figures.
//
// --record writes the run's table, machine and command into docs/results.md as a dated section
// (one per day and corpus, replaced by a later run the same day; scripts/bench/record.mjs).
//
// At the first scale mlsec also runs with one thread (`--jobs 1`) and with V8's default
// settings (MLSEC_V8_DEFAULTS=1, see server/src/cli/jitTuning.ts), to show what the worker
// threads and the CLI's V8 tuning each bring.
//
// Corpus: the standard library of this machine's python3 plus the project's fixtures
// (test/rules/fixtures, test/corpus, examples), or the trees given with --corpus. Only .py files
// (Ruff's WebAssembly API takes Python source, not notebooks). The 2x and 4x corpora repeat the
// same file list through symbolic links to the corpus folders (no file is copied), so the cost
// of a larger tree can be compared with the 1x one.
//
// Each tool runs in its own child process (`mlsec scan --format sarif` with the file list, and
// scripts/bench/ruff-runner.mjs), both reading every file from disk; wall time is measured around
// the process, peak RSS inside it (scripts/bench/rss-probe.cjs). Runs alternate between the tools,
// which go first in turn, and medians of --reps repetitions (default 5) are reported.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, recordSection } from './bench/record.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const MLSEC = join(ROOT, 'bin', 'mlsec.js');
const RUFF_RUNNER = join(ROOT, 'scripts', 'bench', 'ruff-runner.mjs');
const RSS_PROBE = join(ROOT, 'scripts', 'bench', 'rss-probe.cjs');
const EDITOR_BENCH = join(ROOT, 'scripts', 'bench-editor.mjs');
// Issue 21: at least twice Ruff-wasm's speed on every corpus, at most 250 MB peak RSS.
const TARGETS = { speedup: 2.0, rssMb: 250 };
const WORKSPACE_BENCH = join(ROOT, 'scripts', 'bench', 'workspace.mjs');
const DATAFLOW_BENCH = join(ROOT, 'scripts', 'bench', 'dataflow.mjs');

// ---------------------------------------------------------------------------------------------
// Options

const args = process.argv.slice(2);
/** @param {string} name */
const flag = (name) => args.includes(name);
/** @param {string} name */
const values = (name) => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]] : []));
/**
 * @template {string | undefined} F
 * @param {string} name
 * @param {F} fallback
 * @returns {string | F}
 */
const value = (name, fallback) => values(name).at(-1) ?? fallback;
if (flag('--help') || flag('-h')) {
  process.stdout.write(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(2, 23)
      .map((l) => l.replace(/^\/\/ ?/, ''))
      .join('\n') + '\n',
  );
  process.exit(0);
}
const reps = Math.max(1, Number(value('--reps', '5')));
const scales = value('--scales', '1,2,4')
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n >= 1);
const jobs = value('--jobs', undefined);
const outFile = resolve(value('--out', join(ROOT, 'bench-results', 'bench.json')));

if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  process.stderr.write('bench: dist/cli.js is missing; run `node esbuild.mjs` (or `npm run bench`, which builds) first\n');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Corpus

function pythonStdlib() {
  const run = spawnSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' });
  const dir = run.status === 0 ? run.stdout.trim() : '';
  const version = spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout?.trim();
  return dir && existsSync(dir) ? { dir, version } : undefined;
}

/** Folders never part of the corpus: installed packages, caches, VCS data. */
const SKIP_DIRS = new Set(['site-packages', 'dist-packages', '__pycache__', 'node_modules', '.git', '.hg', '.venv', 'venv', '.tox']);

/** @param {string} root @returns {string[]} */
function pythonFiles(root) {
  /** @type {string[]} */
  const found = [];
  /** @param {string} dir */
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(full);
      } else if (entry.isFile() && entry.name.endsWith('.py')) found.push(full);
    }
  };
  walk(root);
  return found;
}

const given = values('--corpus').map((d) => resolve(d));
const stdlib = given.length === 0 ? pythonStdlib() : undefined;
const roots =
  given.length > 0
    ? given
    : [
        ...(stdlib ? [stdlib.dir] : []),
        ...['test/rules/fixtures', 'test/corpus', 'examples'].map((d) => join(ROOT, d)).filter((d) => existsSync(d)),
      ];
if (given.length === 0 && !stdlib) process.stderr.write('bench: python3 not found; the corpus is the project fixtures only\n');
const corpus = roots.map((root) => ({ root, files: pythonFiles(root) }));
const baseFiles = corpus.flatMap((c) => c.files);
let baseLines = 0;
let baseBytes = 0;
// Characters (UTF-16 code units, as the engine counts them in --stats' parsedUnits): the share of
// the text that was parsed is parsedUnits over these.
let baseUnits = 0;
const utf8 = new TextDecoder('utf-8');
for (const file of baseFiles) {
  const bytes = readFileSync(file);
  baseBytes += bytes.length;
  baseUnits += utf8.decode(bytes).length;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) baseLines++;
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 10) baseLines++;
}
if (baseFiles.length === 0) {
  process.stderr.write('bench: no Python files in the corpus\n');
  process.exit(2);
}

// Scale k: the base list plus k-1 copies reached through symbolic links to each corpus root.
const work = mkdtempSync(join(os.tmpdir(), 'mlsec-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
/** @type {Map<number, { list: string; files: number; lines: number; bytes: number }>} */
const lists = new Map();
for (const scale of scales) {
  const files = [...baseFiles];
  for (let copy = 1; copy < scale; copy++) {
    corpus.forEach(({ root, files: rootFiles }, index) => {
      const alias = join(work, `copy${copy}`, `${index}-${basename(root)}`);
      if (!existsSync(alias)) {
        mkdirSync(dirname(alias), { recursive: true });
        symlinkSync(root, alias, 'dir');
      }
      for (const file of rootFiles) files.push(join(alias, relative(root, file)));
    });
  }
  const list = join(work, `files-${scale}x.txt`);
  writeFileSync(list, files.join('\n') + '\n');
  lists.set(scale, { list, files: files.length, lines: baseLines * scale, bytes: baseBytes * scale });
}

// ---------------------------------------------------------------------------------------------
// Runs

/**
 * @typedef {{ wallMs: number; rssBytes: number; cpuMs: number; stdout: string; stderr: string }} ProcessRun
 * @typedef {ProcessRun & { results: number; stats: any }} MlsecRun
 * @typedef {ProcessRun & { report: any }} RuffRun
 * @typedef {{ tool: string; scale: number; files: number; lines: number; wallMs: number; cpuMs: number; linesPerSecond: number;
 *   peakRssMb: number; runs: number[]; findings?: number; workers?: number; stats?: any; failures?: number;
 *   inProcessMs?: number; checkMs?: number }} Row
 */

/**
 * @param {string[]} argv
 * @param {string} label
 * @param {Record<string, string>} [env]
 * @returns {ProcessRun}
 */
function runProcess(argv, label, env = {}) {
  const rssFile = join(work, `rss-${label}`);
  rmSync(rssFile, { force: true });
  const started = performance.now();
  const run = spawnSync(process.execPath, ['-r', RSS_PROBE, ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, MLSEC_BENCH_RSS_FILE: rssFile, NO_COLOR: '1', ...env },
  });
  const wallMs = performance.now() - started;
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`${label} failed (exit ${run.status}): ${(run.stderr || '').slice(0, 2000)}`);
  }
  const { rssBytes, cpuMs } = existsSync(rssFile) ? JSON.parse(readFileSync(rssFile, 'utf8')) : { rssBytes: NaN, cpuMs: NaN };
  return { wallMs, rssBytes, cpuMs, stdout: run.stdout, stderr: run.stderr };
}

/** @param {number} scale @returns {{ list: string; files: number; lines: number; bytes: number }} */
function listOf(scale) {
  const found = lists.get(scale);
  if (!found) throw new Error(`bench: no file list for scale ${scale}`);
  return found;
}

/**
 * @param {number} scale
 * @param {number | undefined} jobCount
 * @param {Record<string, string>} [env]
 * @returns {MlsecRun}
 */
function runMlsec(scale, jobCount, env = {}) {
  const { list } = listOf(scale);
  const sarif = join(work, 'out.sarif');
  const stats = join(work, 'stats.json');
  const argv = [MLSEC, 'scan', '--files-from', list, '--format', 'sarif', '-o', sarif, '--fail-on', 'never', '--stats', stats];
  if (jobCount !== undefined) argv.push('--jobs', String(jobCount));
  const run = runProcess(argv, 'mlsec', env);
  const report = JSON.parse(readFileSync(sarif, 'utf8'));
  return { ...run, results: report.runs[0].results.length, stats: JSON.parse(readFileSync(stats, 'utf8')) };
}

/** @param {number} scale @returns {RuffRun} */
function runRuff(scale) {
  const run = runProcess([RUFF_RUNNER, listOf(scale).list], 'ruff');
  return { ...run, report: JSON.parse(run.stdout) };
}

/** @param {number[]} xs */
const median = (xs) => {
  const sorted = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const jobCount = jobs !== undefined ? Number(jobs) : undefined;
const sequential = !flag('--no-sequential') && jobCount !== 1;
const v8Defaults = !flag('--no-v8-defaults');
/** @type {Row[]} */
const rows = [];
/** @param {string} message */
const log = (message) => process.stderr.write(message + '\n');
log(
  `bench: ${baseFiles.length} files, ${baseLines} lines (${(baseBytes / 1e6).toFixed(1)} MB) from ${roots.join(', ')}; ${reps} repetitions, scales ${scales.join(', ')}x`,
);
for (const scale of scales) {
  /** @type {MlsecRun[]} */
  const mlsecRuns = [];
  /** @type {RuffRun[]} */
  const ruffRuns = [];
  /** @type {MlsecRun[]} */
  const sequentialRuns = [];
  /** @type {MlsecRun[]} */
  const defaultsRuns = [];
  for (let rep = 0; rep < reps; rep++) {
    // Alternate which tool goes first, so neither always meets a warm or a cold file cache.
    const order = rep % 2 === 0 ? ['mlsec', 'ruff'] : ['ruff', 'mlsec'];
    for (const tool of order) {
      if (tool === 'mlsec') mlsecRuns.push(runMlsec(scale, jobCount));
      else ruffRuns.push(runRuff(scale));
    }
    if (sequential && scale === scales[0]) sequentialRuns.push(runMlsec(scale, 1));
    if (v8Defaults && scale === scales[0]) defaultsRuns.push(runMlsec(scale, jobCount, { MLSEC_V8_DEFAULTS: '1' }));
    const seconds = (/** @type {ProcessRun[]} */ runs) => ((runs.at(-1)?.wallMs ?? NaN) / 1000).toFixed(2);
    log(
      `  ${scale}x rep ${rep + 1}: mlsec ${seconds(mlsecRuns)} s, ruff ${seconds(ruffRuns)} s` +
        (sequentialRuns.length > rep ? `, mlsec --jobs 1 ${seconds(sequentialRuns)} s` : '') +
        (defaultsRuns.length > rep ? `, mlsec with V8 defaults ${seconds(defaultsRuns)} s` : ''),
    );
  }
  const { files, lines } = listOf(scale);
  /**
   * @param {string} tool
   * @param {ProcessRun[]} runs
   * @param {Partial<Row>} [extra]
   * @returns {Row}
   */
  const summarise = (tool, runs, extra = {}) => {
    const wallMs = median(runs.map((r) => r.wallMs));
    return {
      tool,
      scale,
      files,
      lines,
      wallMs,
      // CPU time of the whole process (all threads): steadier than the wall time on a busy machine.
      cpuMs: median(runs.map((r) => r.cpuMs)),
      linesPerSecond: lines / (wallMs / 1000),
      peakRssMb: median(runs.map((r) => r.rssBytes)) / 1048576,
      runs: runs.map((r) => Math.round(r.wallMs)),
      ...extra,
    };
  };
  // An mlsec row carries the --stats of its median run (workers: 0 when it analysed on one thread).
  /** @param {string} tool @param {MlsecRun[]} runs */
  const summariseMlsec = (tool, runs) => {
    const stats = runs.slice().sort((a, b) => a.wallMs - b.wallMs)[runs.length >> 1].stats;
    return summarise(tool, runs, { findings: runs[0].results, workers: stats.workers, stats });
  };
  rows.push(summariseMlsec('mlsec', mlsecRuns));
  rows.push(
    summarise('ruff-wasm S', ruffRuns, {
      findings: ruffRuns[0].report.diagnostics,
      failures: ruffRuns[0].report.failures,
      // Inside the process, after Ruff's WebAssembly module is loaded: read + check only.
      inProcessMs: median(ruffRuns.map((r) => r.report.totalMs)),
      checkMs: median(ruffRuns.map((r) => r.report.checkMs)),
    }),
  );
  if (sequentialRuns.length > 0) rows.push(summariseMlsec('mlsec --jobs 1', sequentialRuns));
  if (defaultsRuns.length > 0) rows.push(summariseMlsec('mlsec, V8 defaults', defaultsRuns));
}

// ---------------------------------------------------------------------------------------------
// Long files: the cost of one file must grow with its length, not its square. Generated files
// of n and 4n statements of shapes that stress the partial-parse plan (large module-level
// tables, thousands of aliases, one long line), scanned on one thread; the ratio of the scan
// times (from --stats, without Node's start) should be near 4.

/** @param {string} kind @param {number} n */
function longFile(kind, n) {
  const lines = ['import pickle', 'import numpy as np', ''];
  if (kind === 'tables') for (let i = 0; i < n; i++) lines.push(`TABLE_${i} = [${Array.from({ length: 60 }, (_, j) => i * j).join(', ')}]`);
  if (kind === 'aliases')
    for (let i = 0; i < n; i++)
      lines.push(`alias_${i} = np`, `def use_${i}(p):`, `    return alias_${i}.load(p, allow_pickle=${i % 2 ? 'True' : 'False'})`, '');
  if (kind === 'long line') lines.push(`VALUES = [${Array.from({ length: n * 20 }, (_, j) => `"v${j}"`).join(', ')}]`);
  lines.push('', 'def load(blob):', '    return pickle.loads(blob)', '');
  return lines.join('\n');
}

/** @typedef {{ statements: number; bytes: number; wallMs: number }} LongTiming */
/** @type {{ kind: string; small: LongTiming; large: LongTiming; ratio: number }[]} */
const longFiles = [];
if (!flag('--no-long-files')) {
  /** @type {[string, number][]} */
  const shapes = [
    ['tables', 1000],
    ['aliases', 1000],
    ['long line', 2000],
  ];
  for (const [kind, n] of shapes) {
    /** @type {LongTiming[]} */
    const timings = [];
    for (const count of [n, 4 * n]) {
      const file = join(work, `long-${kind.replace(' ', '-')}-${count}.py`);
      writeFileSync(file, longFile(kind, count));
      const bytes = readFileSync(file).length;
      const stats = join(work, 'long-stats.json');
      const runs = Array.from({ length: reps }, () => {
        const run = spawnSync(
          process.execPath,
          [MLSEC, 'scan', file, '--format', 'sarif', '-o', join(work, 'long.sarif'), '--fail-on', 'never', '--jobs', '1', '--stats', stats],
          { cwd: ROOT, encoding: 'utf8' },
        );
        if (run.status !== 0 && run.status !== 1)
          throw new Error(`mlsec failed on a long file (exit ${run.status}): ${run.stderr.slice(0, 500)}`);
        // The scan itself: starting Node and loading the parser are the same for both sizes.
        return JSON.parse(readFileSync(stats, 'utf8')).wallMs.scan;
      });
      timings.push({ statements: count, bytes, wallMs: median(runs) });
    }
    longFiles.push({ kind, small: timings[0], large: timings[1], ratio: timings[1].wallMs / timings[0].wallMs });
  }
}

// ---------------------------------------------------------------------------------------------
// Editor figures (the language server's own benchmark, when present)

/** @type {unknown} */
let editor = 'not available';
if (!flag('--no-editor') && existsSync(EDITOR_BENCH)) {
  const run = spawnSync(process.execPath, [EDITOR_BENCH, '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  try {
    editor = JSON.parse(run.stdout.trim().split('\n').filter(Boolean).at(-1) ?? '');
  } catch {
    editor = `not available (scripts/bench-editor.mjs exited ${run.status}: ${(run.stderr || run.stdout || '').trim().split('\n').at(-1) ?? ''})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const ruffVersion = (() => {
  try {
    return require('@astral-sh/ruff-wasm-nodejs').Workspace.version();
  } catch {
    return 'unknown';
  }
})();
const cpus = os.cpus();
const machine = {
  date: new Date().toISOString().slice(0, 10),
  cpu: `${cpus[0]?.model?.trim() ?? 'unknown CPU'}`,
  cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  python: stdlib?.version ?? null,
  ruff: ruffVersion,
  mlsec: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
  loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
};

/** @param {string} tool @param {number} scale */
const byKey = (tool, scale) => rows.find((r) => r.tool === tool && r.scale === scale);
/** @param {string} tool @param {number} scale @returns {Row} */
const rowOf = (tool, scale) => {
  const row = byKey(tool, scale);
  if (!row) throw new Error(`bench: no ${tool} row at ${scale}x`);
  return row;
};
const comparisons = scales.map((scale) => {
  const m = rowOf('mlsec', scale);
  const r = rowOf('ruff-wasm S', scale);
  return {
    scale,
    mlsecMs: m.wallMs,
    ruffMs: r.wallMs,
    speedup: r.wallMs / m.wallMs,
    // On a busy machine the wall time measures the other load too; CPU time much less so.
    cpuRatio: r.cpuMs / m.cpuMs,
    mlsecRssMb: m.peakRssMb,
    ruffRssMb: r.peakRssMb,
  };
});
const first = rowOf('mlsec', scales[0]);
const linearity = scales.map((scale) => {
  const m = rowOf('mlsec', scale);
  const r = rowOf('ruff-wasm S', scale);
  return {
    scale,
    mlsecMsPerKLine: m.wallMs / (m.lines / 1000),
    ruffMsPerKLine: r.wallMs / (r.lines / 1000),
    mlsecTimeRatio: m.wallMs / first.wallMs,
  };
});

const s = first.stats;
/** @type {Record<string, number>} */
const phaseMs = s.phaseMs;
const cpuTotal = Object.values(phaseMs).reduce((a, b) => a + b, 0);
const profile = {
  scale: scales[0],
  files: s.files,
  parsedFiles: s.parsedFiles,
  parsedFileShare: s.parsedFiles / Math.max(1, s.analysedFiles),
  parsedTextShare: s.parsedUnits / Math.max(1, baseUnits * scales[0]),
  filesPerSecond: first.files / (first.wallMs / 1000),
  linesPerSecond: first.linesPerSecond,
  prefilterSkipRate: s.prefilterSkipRate,
  partiallyParsedFiles: s.partiallyParsedFiles,
  parsedUnits: s.parsedUnits,
  skippedByPartialParse: s.skippedByPartialParse,
  workers: s.workers,
  wallMs: s.wallMs,
  phaseMs: s.phaseMs,
  phaseShare: Object.fromEntries(Object.entries(phaseMs).map(([k, v]) => [k, Math.round((v / cpuTotal) * 1000) / 1000])),
};

/** @param {number | undefined} n @param {number} [digits] */
const fmt = (n, digits = 0) =>
  n !== undefined && Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-';
const table = [
  ['tool', 'corpus', 'files', 'lines', 'wall s (median)', 'cpu s', 'files/s', 'lines/s', 'peak RSS MB', 'findings'],
  ...rows.map((r) => [
    r.tool,
    `${r.scale}x`,
    fmt(r.files),
    fmt(r.lines),
    fmt(r.wallMs / 1000, 2),
    fmt(r.cpuMs / 1000, 2),
    fmt(r.files / (r.wallMs / 1000)),
    fmt(r.linesPerSecond),
    fmt(r.peakRssMb),
    fmt(r.findings),
  ]),
];
const widths = table[0].map((_, c) => Math.max(...table.map((row) => String(row[c]).length)));
/** @param {string[]} row */
const line = (row) => row.map((cell, c) => (c < 2 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');

/** @type {string[]} */
const out = [];
out.push(
  `mlsec vs Ruff (WebAssembly, select = S) — ${machine.date}, ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GiB, ${machine.os}, Node ${machine.node}`,
);
out.push(
  `corpus: ${roots.join(', ')} (${fmt(baseFiles.length)} .py files, ${fmt(baseLines)} lines${stdlib ? `, ${stdlib.version} stdlib` : ''}); ruff ${ruffVersion}; ${reps} reps, medians; load average ${machine.loadAverage.join(' ')}`,
);
out.push('');
out.push(line(table[0]));
out.push(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table.slice(1)) out.push(line(row));
out.push('');
for (const c of comparisons) {
  out.push(
    `${c.scale}x: mlsec/ruff wall-time ratio ${fmt(c.mlsecMs / c.ruffMs, 2)} (mlsec ${fmt(c.speedup, 2)}x as fast as ruff; target ≥ ${TARGETS.speedup}x: ${c.speedup >= TARGETS.speedup ? 'met' : 'NOT met'}); ` +
      `peak RSS ${fmt(c.mlsecRssMb)} MB (target ≤ ${TARGETS.rssMb}: ${c.mlsecRssMb <= TARGETS.rssMb ? 'met' : 'NOT met'}); ` +
      `ruff used ${fmt(c.cpuRatio, 2)}x mlsec's CPU time`,
  );
}
out.push(
  `linearity (ms per 1,000 lines): ${linearity.map((l) => `${l.scale}x mlsec ${fmt(l.mlsecMsPerKLine, 1)} / ruff ${fmt(l.ruffMsPerKLine, 1)}`).join('; ')}`,
);
if (scales.length > 1) {
  // Time should grow with the scale (ratio near the scale, or below it as start-up is shared) and
  // memory should not: the scan holds one file per thread, not the tree.
  out.push(
    `scaling: mlsec time ${linearity.map((l) => `${l.scale}x ${fmt(l.mlsecTimeRatio, 2)}`).join(', ')} of the ${scales[0]}x time; ` +
      `peak RSS ${comparisons.map((c) => `${c.scale}x ${fmt(c.mlsecRssMb)} MB`).join(', ')} (ruff ${comparisons.map((c) => `${fmt(c.ruffRssMb)}`).join(', ')} MB)`,
  );
}
out.push('');
out.push(
  `profile of mlsec at ${profile.scale}x (median run; cpu phases are summed over ${profile.workers > 0 ? `the main thread and ${profile.workers} worker thread${profile.workers > 1 ? 's' : ''}, so they can exceed the wall time` : 'the one analysing thread'}):`,
);
out.push(
  `  prefilter skipped ${fmt(s.skippedByPrefilter)} of ${fmt(s.analysedFiles)} files without parsing (${fmt(s.prefilterSkipRate * 100, 1)} %); ${fmt(s.parsedFiles)} parsed`,
);
out.push(
  `  shares parsed: ${fmt((s.parsedFiles / Math.max(1, s.analysedFiles)) * 100, 1)} % of the files, ` +
    `${fmt((s.parsedUnits / Math.max(1, baseUnits * profile.scale)) * 100, 1)} % of the text (${fmt(s.parsedUnits / 1e6, 1)} of ${fmt((baseUnits * profile.scale) / 1e6, 1)} M characters); ` +
    `${fmt(first.files / (first.wallMs / 1000))} files/s, ${fmt(first.linesPerSecond)} lines/s`,
);
if (s.parsedUnits !== undefined) {
  const whole = s.parsedUnits + s.skippedByPartialParse;
  out.push(
    `  partial parsing: in ${fmt(s.partiallyParsedFiles)} of the parsed files, definitions no rule can fire in were left out: ${fmt(s.skippedByPartialParse / 1e6, 1)} of ${fmt(whole / 1e6, 1)} M characters (${fmt((s.skippedByPartialParse / Math.max(1, whole)) * 100, 1)} %) not parsed`,
  );
}
out.push(`  wall: walk/list ${fmt(s.wallMs.walk)} ms, scan ${fmt(s.wallMs.scan)} ms, SARIF output ${fmt(s.wallMs.output)} ms`);
out.push(
  `  cpu:  ${Object.entries(phaseMs)
    .map(([k, v]) => `${k === 'model' ? 'query (semantic model)' : k} ${fmt(v)} ms (${fmt(profile.phaseShare[k] * 100, 1)} %)`)
    .join(', ')}`,
);
const seq = byKey('mlsec --jobs 1', scales[0]);
if (seq) {
  const how =
    profile.workers > 0
      ? `the main thread and ${profile.workers} worker thread${profile.workers > 1 ? 's' : ''}`
      : 'the default (too few files for workers)';
  out.push(
    `  worker threads: --jobs 1 ${fmt(seq.wallMs / 1000, 2)} s vs ${how} ${fmt(first.wallMs / 1000, 2)} s (${fmt(seq.wallMs / first.wallMs, 2)}x)`,
  );
}
const defaults = byKey('mlsec, V8 defaults', scales[0]);
if (defaults) {
  out.push(
    `  V8 tuning (server/src/cli/jitTuning.ts): with V8's defaults ${fmt(defaults.wallMs / 1000, 2)} s wall, ${fmt(defaults.cpuMs / 1000, 2)} s cpu ` +
      `vs tuned ${fmt(first.wallMs / 1000, 2)} s, ${fmt(first.cpuMs / 1000, 2)} s cpu (${fmt(defaults.wallMs / first.wallMs, 2)}x wall, ${fmt(defaults.cpuMs / first.cpuMs, 2)}x cpu)`,
  );
}
const ruffFirst = rowOf('ruff-wasm S', scales[0]);
out.push(
  `  ruff for comparison: ${fmt(ruffFirst.wallMs / 1000, 2)} s wall, of which ${fmt((ruffFirst.checkMs ?? NaN) / 1000, 2)} s in check() and ` +
    `${fmt((ruffFirst.wallMs - (ruffFirst.inProcessMs ?? NaN)) / 1000, 2)} s starting Node and loading its WebAssembly module`,
);
if (longFiles.length > 0) {
  out.push('');
  out.push('long files (one file, one thread, time of the scan; 4x the statements should cost about 4x, not 16x):');
  for (const l of longFiles) {
    out.push(
      `  ${l.kind}: ${fmt(l.small.statements)} → ${fmt(l.large.statements)} (${fmt(l.small.bytes / 1e6, 2)} → ${fmt(l.large.bytes / 1e6, 2)} MB): ` +
        `${fmt(l.small.wallMs)} → ${fmt(l.large.wallMs)} ms (${fmt(l.ratio, 2)}x)`,
    );
  }
}
out.push('');
out.push(`editor (scripts/bench-editor.mjs): ${typeof editor === 'string' ? editor : JSON.stringify(editor)}`);

// ---------------------------------------------------------------------------------------------
// Optional: the workspace scan in the language server, and the data-flow rules' share

/**
 * Runs one of the scripts under scripts/bench with --json; its last line of output, parsed, or
 * the reason it could not run.
 * @param {string} script @param {string[]} argv
 * @returns {any}
 */
function benchScript(script, argv) {
  const run = spawnSync(process.execPath, [script, ...argv, '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  try {
    return JSON.parse(run.stdout.trim().split('\n').filter(Boolean).at(-1) ?? '');
  } catch {
    return `not available (${basename(script)} exited ${run.status}: ${(run.stderr || run.stdout || '').trim().split('\n').at(-1) ?? ''})`;
  }
}
/** @type {any[]} */
const workspace = [];
if (flag('--workspace')) {
  for (const root of roots) {
    log(`bench: workspace scan of ${root} in the language server`);
    const w = benchScript(WORKSPACE_BENCH, ['--corpus', root]);
    workspace.push(w);
    if (typeof w === 'string') out.push(`workspace scan of ${root}: ${w}`);
    else {
      out.push(
        `workspace scan in the server (scripts/bench/workspace.mjs) of ${root}: ${fmt(w.scan.files)} files, ${fmt(w.scan.findings)} findings, ` +
          `answer after ${fmt(w.scan.answerMs / 1000, 2)} s, server peak RSS ${fmt(w.scan.peakRssMb)} MB; edits to ${basename(w.editFile)} (${fmt(w.editFileLines)} lines): ` +
          `without a scan p50 ${fmt(w.editsWithoutScan.p50Ms, 1)} / p95 ${fmt(w.editsWithoutScan.p95Ms, 1)} ms, ` +
          `during the scan p50 ${fmt(w.editsDuringScan.p50Ms, 1)} / p95 ${fmt(w.editsDuringScan.p95Ms, 1)} ms (${w.editsDuringScan.edits} edits; the scan then took ${fmt(w.editsDuringScan.scanAnswerMs / 1000, 2)} s)`,
      );
    }
  }
}
/** @type {any} */
let dataflow;
if (flag('--dataflow')) {
  log('bench: data-flow rules on and off');
  dataflow = benchScript(DATAFLOW_BENCH, [...roots.flatMap((r) => ['--corpus', r]), '--reps', String(reps)]);
  if (typeof dataflow === 'string') out.push(`data-flow rules: ${dataflow}`);
  else
    for (const d of dataflow)
      out.push(
        `data-flow rules (scripts/bench/dataflow.mjs, --jobs 1) on ${d.corpus}: cpu ${fmt(d.withDataflow.cpuMs / 1000, 2)} s with them, ${fmt(d.withoutDataflow.cpuMs / 1000, 2)} s without: ` +
          `${fmt(d.cpuShare * 100, 1)} % of the CPU (${fmt(d.analysisShare * 100, 1)} % of the analysis phases; target ≤ ${fmt(d.targetShare * 100)} %: ${d.cpuShare <= d.targetShare ? 'met' : 'NOT met'})`,
      );
}
process.stdout.write(out.join('\n') + '\n');

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify(
    {
      machine,
      corpus: { roots, files: baseFiles.length, lines: baseLines, bytes: baseBytes, characters: baseUnits },
      reps,
      targets: TARGETS,
      rows,
      comparisons,
      linearity,
      profile,
      longFiles,
      editor,
      ...(workspace.length > 0 ? { workspace } : {}),
      ...(dataflow !== undefined ? { dataflow } : {}),
    },
    null,
    2,
  ) + '\n',
);
process.stdout.write(`\nwritten to ${relative(process.cwd(), outFile) || outFile}\n`);

// ---------------------------------------------------------------------------------------------
// --record: the figures of this run as a dated section of docs/results.md

if (flag('--record')) {
  const corpusName = given.length > 0 ? given.map((d) => basename(d)).join(' + ') : 'stdlib';
  const shown = (/** @type {string} */ dir) =>
    relative(ROOT, dir).startsWith('..') ? dir.replace(os.homedir(), '~') : relative(ROOT, dir);
  const section = [
    `### ${machine.date}, ${corpusName}`,
    '',
    `\`npm run bench -- ${args.join(' ')}\` on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GiB, ${machine.os}, ` +
      `Node ${machine.node}${machine.python ? `, ${machine.python}` : ''}, Ruff ${machine.ruff}, mlsec ${machine.mlsec}; ` +
      `load average ${machine.loadAverage.join(' ')} at the end; ${reps} repetitions, medians. ` +
      `Corpus: ${roots.map(shown).join(', ')} (${fmt(baseFiles.length)} .py files, ${fmt(baseLines)} lines).`,
    '',
    markdownTable(table),
    '',
    '```text',
    ...out.slice(out.indexOf('', 3) + 1),
    '```',
  ].join('\n');
  const results = join(ROOT, 'docs', 'results.md');
  recordSection(results, `${machine.date} ${corpusName}`, section);
  process.stdout.write(`recorded in ${relative(process.cwd(), results)} (section ${machine.date}, ${corpusName})\n`);
}
