#!/usr/bin/env node
// @ts-check
// `npm run differential`: the optimised engine against the unoptimised one (no prefilter, no
// partial parsing, every call visited) on every file of the corpora, and the editor's reuse after
// small edits against a fresh analysis on a sample; fails on any difference in findings,
// fingerprints or fixes and prints the first ones (the reference is the unoptimised analysis, or
// for an edit a fresh analysis of the edited text). Known differences (KNOWN_DIFFERENCES) are
// listed without failing, and one that no longer occurs fails the run. The checks are in test/support/differential.ts
// (compiled by `tsc -b`, which `npm run differential` runs first).
//
//   node scripts/differential.mjs [--corpus DIR]... [--no-default] [--jobs N] [--edit-every N]
//                                 [--no-edits-with-findings] [--show N]
//
// Default corpora: this machine's CPython standard library (python3 must be installed; its
// site-packages are left out), test/rules/fixtures, test/corpus and examples. --corpus adds a
// tree (an ML code base, say); --no-default checks only the trees given. Every --edit-every-th
// Python file (default 10) and every file with a finding replays edits on the editor path.
// Exit codes: 0 no difference, 1 differences, 2 the check could not run (or had nothing to check).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHECKS = join(ROOT, 'out', 'test', 'support', 'differential.js');
const require = createRequire(import.meta.url);

const args = process.argv.slice(2);
const knownArgs = new Set(['--corpus', '--no-default', '--jobs', '--edit-every', '--no-edits-with-findings', '--show', '--help', '-h']);
/** @param {string} name */
const flag = (name) => args.includes(name);
/** @param {string} name */
const values = (name) => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]] : []));
/**
 * @param {string} name
 * @param {number} fallback
 */
const number = (name, fallback) => {
  const given = values(name).at(-1);
  if (given === undefined) return fallback;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 0) fail(`${name} takes a whole number, not ${JSON.stringify(given)}`);
  return n;
};

/** @param {string} message @returns {never} */
function fail(message) {
  process.stderr.write(`differential: ${message}\n`);
  process.exit(2);
}

if (flag('--help') || flag('-h')) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8')
    .split('\n')
    .slice(2);
  const header = lines.slice(
    0,
    lines.findIndex((l) => !l.startsWith('//')),
  );
  process.stdout.write(header.map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}
for (const [i, a] of args.entries()) {
  const takesValue = ['--corpus', '--jobs', '--edit-every', '--show'].includes(args[i - 1]);
  if (!takesValue && !knownArgs.has(a)) fail(`unknown argument ${JSON.stringify(a)} (see --help)`);
}
if (!existsSync(CHECKS)) fail(`${relative(ROOT, CHECKS)} is missing; run \`npx tsc -b\` (or \`npm run differential\`, which does) first`);

/** @type {typeof import('../test/support/differential.js')} */
const differential = require(CHECKS);

/** The standard library's folder, from this machine's python3. */
function pythonStdlib() {
  const run = spawnSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' });
  const dir = run.status === 0 ? run.stdout.trim() : '';
  if (!dir || !existsSync(dir))
    fail('python3 was not found (its standard library is the main corpus): install it, or pass --no-default --corpus DIR');
  return dir;
}

/** @type {{ name: string; root: string }[]} */
const roots = [];
if (!flag('--no-default')) {
  roots.push({ name: 'stdlib', root: pythonStdlib() });
  for (const dir of ['test/rules/fixtures', 'test/corpus', 'examples']) roots.push({ name: dir, root: join(ROOT, dir) });
}
for (const dir of values('--corpus')) {
  const root = resolve(dir);
  if (!existsSync(root)) fail(`--corpus ${dir}: no such folder`);
  roots.push({ name: dir, root });
}
if (roots.length === 0) fail('no corpus: --no-default needs at least one --corpus DIR');
const corpora = roots.map(({ name, root }) => ({ name, files: differential.corpusFiles(root) }));
for (const { name, files } of corpora) if (files.length === 0) fail(`${name}: no Python files or notebooks in it`);

const total = corpora.reduce((n, c) => n + c.files.length, 0);
const jobs = number('--jobs', differential.defaultJobs()) || 1;
const started = performance.now();
process.stderr.write(`differential: ${total} files (${corpora.map((c) => `${c.name} ${c.files.length}`).join(', ')}) on ${jobs} threads\n`);
let shownProgress = 0;
const checks = await differential
  .runChecks({
    corpora,
    jobs,
    editEvery: number('--edit-every', 10),
    editWithFindings: !flag('--no-edits-with-findings'),
    onProgress: (done, all) => {
      if (process.stderr.isTTY && done - shownProgress >= 100) {
        shownProgress = done;
        process.stderr.write(`  ${done}/${all}\r`);
      }
    },
  })
  .catch((/** @type {unknown} */ error) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)));
const seconds = (performance.now() - started) / 1000;

const found = checks.flatMap((c) => c.differences);
const differences = found.filter((d) => !d.known);
const known = found.filter((d) => d.known);
// A known difference that no longer occurs on a file that was checked: the list must shrink.
const stale = differential.KNOWN_DIFFERENCES.filter(
  (k) => checks.some((c) => c.file.replaceAll('\\', '/').endsWith(k.file)) && !known.some((d) => differential.knownEntry(d) === k),
);
const notAnalysed = checks.filter((c) => c.notAnalysed);
const sum = (/** @type {(c: import('../test/support/differential.js').FileCheck) => number} */ f) => checks.reduce((n, c) => n + f(c), 0);
const findings = sum((c) => c.findings);
const edits = sum((c) => c.edits);
const reused = sum((c) => c.reused);
const skipped = sum((c) => (c.skipped ? 1 : 0));
const partial = sum((c) => (c.partial ? 1 : 0));

for (const c of notAnalysed) process.stdout.write(`not analysed (either way): ${c.file}: ${c.notAnalysed}\n`);
const show = number('--show', 10);
for (const d of known) process.stdout.write(`known difference (${d.variant}, ${d.fields.join(', ')}): ${d.file}: ${d.known}\n`);
for (const k of stale)
  process.stdout.write(
    `STALE: the known difference in ${k.file} (${k.fields.join(', ')}) no longer occurs: remove it from KNOWN_DIFFERENCES\n`,
  );
for (const d of differences.slice(0, show)) {
  process.stdout.write(`\nDIFFERENCE ${d.variant}: ${d.file}\n${d.lines.map((l) => `  ${l}`).join('\n')}\n`);
}
if (differences.length > show) process.stdout.write(`\n… ${differences.length - show} more differences (--show N prints more)\n`);

process.stdout.write(
  `\ndifferential: ${total} files, ${findings} findings compared four ways (CLI, partial parsing forced, editor open, unoptimised); ` +
    `CLI skipped ${skipped} files unparsed and parsed ${partial} partially; ${edits} editor edits replayed (${reused} reused the previous analysis); ` +
    `${notAnalysed.length} not analysed either way; ${differences.length} differences (${known.length} known); ${seconds.toFixed(1)} s on ${jobs} threads\n`,
);
if (differences.length > 0 || stale.length > 0) process.exit(1);
// A run that compared nothing proves nothing (an empty or unreadable corpus).
if (checks.length === notAnalysed.length) fail('no file could be analysed');
