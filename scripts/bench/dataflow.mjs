#!/usr/bin/env node
// @ts-check
// The data-flow analysis's share of scan time: `mlsec scan` on a corpus with every rule and
// with the data-flow rules left out (--ignore MLS304,MLS305,MLS306,MLS307,MLS407,MLS801: LLM
// output or request data executed, SQL built from text, request text in a system prompt, scores
// returned by an endpoint, unvalidated model input), alternating, and the difference in CPU
// time. Leaving them out also lets partial parsing skip more (a file where a flow can exist is
// parsed whole): part of their cost.
// A measurement, not a test. Run `node esbuild.mjs` first (`npm run build` does);
// `node scripts/bench.mjs --dataflow` runs it on each corpus.
//
//   node scripts/bench/dataflow.mjs --corpus DIR [--corpus DIR]... [--together] [--reps N] [--jobs N] [--json]
//
// Each corpus is measured on its own, or with --together all of them as one corpus in one scan
// (as `npm run bench` scans several --corpus: the LLM-serving trees of docs/benchmarks.md); --jobs defaults to 1 (one thread: the CPU time of the
// analysis without worker start-up, the steadiest figure on a shared machine). Medians of --reps
// runs (default 5) of the process CPU time (user + system, all threads) and of the scan phase's
// wall time from --stats; also the share within each repetition's pair of runs (median and range),
// which shows the noise. Target (issue 21): the data-flow rules cost at most 10 % of the scan.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helpIfAsked } from './common.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MLSEC = join(ROOT, 'bin', 'mlsec.js');
const RSS_PROBE = join(ROOT, 'scripts', 'bench', 'rss-probe.cjs');
const DATAFLOW_RULES = ['MLS304', 'MLS305', 'MLS306', 'MLS307', 'MLS407', 'MLS801'];
const TARGET_SHARE = 0.1;

const args = process.argv.slice(2);
helpIfAsked(import.meta.url, args);
/** @param {string} name */
const values = (name) => args.flatMap((a, i) => (args[i - 1] === name ? [a] : []));
const corpora = values('--corpus').map((d) => resolve(d));
const reps = Math.max(1, Number(values('--reps').at(-1) ?? 5));
const jobs = values('--jobs').at(-1) ?? '1';
const json = args.includes('--json');
const together = args.includes('--together');
if (corpora.length === 0 || corpora.some((d) => !existsSync(d))) {
  process.stderr.write('dataflow bench: give one or more --corpus DIR (existing folders)\n');
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  process.stderr.write('dataflow bench: dist/cli.js is missing; run `node esbuild.mjs` (or `npm run build`) first\n');
  process.exit(2);
}

const work = mkdtempSync(join(os.tmpdir(), 'mlsec-bench-dataflow-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/**
 * One scan of the corpus in its own process: CPU and wall time, the --stats, the findings.
 * @param {string[]} corpus the folders scanned together @param {boolean} withDataflow
 */
function scan(corpus, withDataflow) {
  const stats = join(work, 'stats.json');
  const usage = join(work, 'usage.json');
  const report = join(work, 'report.json');
  rmSync(usage, { force: true });
  const argv = [
    '-r',
    RSS_PROBE,
    MLSEC,
    'scan',
    ...corpus,
    '--no-models',
    '--format',
    'json',
    '-o',
    report,
    '--fail-on',
    'never',
    '--jobs',
    jobs,
    '--stats',
    stats,
  ];
  if (!withDataflow) argv.push('--ignore', DATAFLOW_RULES.join(','));
  const started = performance.now();
  const run = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MLSEC_BENCH_RSS_FILE: usage } });
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`mlsec scan ${corpus.join(' ')} exited ${run.status}: ${run.stderr.slice(0, 1000)}`);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  const findings = JSON.parse(readFileSync(report, 'utf8'));
  const list = Array.isArray(findings) ? findings : (findings.findings ?? findings.results ?? []);
  return {
    wallMs,
    cpuMs: JSON.parse(readFileSync(usage, 'utf8')).cpuMs,
    scanMs: s.wallMs.scan,
    phaseMs: s.phaseMs,
    parsedUnits: s.parsedUnits,
    findings: list.length,
    dataflowFindings: list.filter((/** @type {{ code?: string; rule?: string }} */ f) => DATAFLOW_RULES.includes(f.code ?? f.rule ?? ''))
      .length,
  };
}

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (/** @type {number} */ n, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

const results = [];
for (const corpus of together ? [corpora] : corpora.map((d) => [d])) {
  /** @type {ReturnType<typeof scan>[]} */
  const withRuns = [];
  /** @type {ReturnType<typeof scan>[]} */
  const withoutRuns = [];
  for (let r = 0; r < reps; r++) {
    // Alternate which goes first, so neither always meets a warm or a cold file cache.
    const order = r % 2 === 0 ? [true, false] : [false, true];
    for (const withDataflow of order) (withDataflow ? withRuns : withoutRuns).push(scan(corpus, withDataflow));
  }
  /** @param {ReturnType<typeof scan>[]} runs */
  const summary = (runs) => {
    const mid = runs.slice().sort((a, b) => a.cpuMs - b.cpuMs)[runs.length >> 1];
    return {
      cpuMs: round(median(runs.map((r) => r.cpuMs))),
      scanMs: round(median(runs.map((r) => r.scanMs))),
      wallMs: round(median(runs.map((r) => r.wallMs))),
      phaseMs: Object.fromEntries(Object.entries(mid.phaseMs).map(([k, v]) => [k, round(/** @type {number} */ (v))])),
      parsedUnits: mid.parsedUnits,
      findings: mid.findings,
      dataflowFindings: mid.dataflowFindings,
    };
  };
  const all = summary(withRuns);
  const without = summary(withoutRuns);
  // Each repetition's two runs come one after the other, under the same load: their difference
  // is steadier than the difference of medians taken over the whole run, and the spread of the
  // per-pair shares shows how far one figure can be trusted on this machine.
  const pairShares = withRuns.map((w, i) => (w.cpuMs - withoutRuns[i].cpuMs) / w.cpuMs).sort((a, b) => a - b);
  const analysisCpu = (/** @type {Record<string, number>} */ p) => Object.values(p).reduce((a, b) => a + b, 0);
  results.push({
    corpus: corpus.join(', '),
    reps,
    jobs: Number(jobs),
    withDataflow: all,
    withoutDataflow: without,
    // Share of the whole process's CPU time, and of the analysis phases' CPU (read, prefilter,
    // parse, model, rules: without Node's start and the report).
    cpuShare: round((all.cpuMs - without.cpuMs) / all.cpuMs, 3),
    analysisShare: round((analysisCpu(all.phaseMs) - analysisCpu(without.phaseMs)) / analysisCpu(all.phaseMs), 3),
    scanShare: round((all.scanMs - without.scanMs) / all.scanMs, 3),
    pairShare: { median: round(median(pairShares), 3), min: round(pairShares[0], 3), max: round(pairShares[pairShares.length - 1], 3) },
    targetShare: TARGET_SHARE,
  });
}

if (json) process.stdout.write(JSON.stringify(results) + '\n');
else {
  const pct = (/** @type {number} */ x) => `${(x * 100).toFixed(1)} %`;
  for (const r of results) {
    const a = r.withDataflow;
    const b = r.withoutDataflow;
    process.stdout.write(
      [
        `data-flow rules (${DATAFLOW_RULES.join(', ')}) on ${r.corpus}, --jobs ${r.jobs}, ${r.reps} reps, medians:`,
        `  with them:    cpu ${a.cpuMs} ms, scan ${a.scanMs} ms, ${a.findings} findings (${a.dataflowFindings} data-flow), ${(a.parsedUnits / 1e6).toFixed(1)} M characters parsed; phases ${JSON.stringify(a.phaseMs)}`,
        `  without them: cpu ${b.cpuMs} ms, scan ${b.scanMs} ms, ${b.findings} findings, ${(b.parsedUnits / 1e6).toFixed(1)} M characters parsed; phases ${JSON.stringify(b.phaseMs)}`,
        `  share of the data-flow rules: ${pct(r.cpuShare)} of the process CPU, ${pct(r.analysisShare)} of the analysis phases, ${pct(r.scanShare)} of the scan wall time ` +
          `(target ≤ ${pct(TARGET_SHARE)}: ${r.cpuShare <= TARGET_SHARE ? 'met' : 'NOT met'})`,
        `  per repetition (the two runs back to back): ${pct(r.pairShare.median)} of the process CPU in the median pair, ${pct(r.pairShare.min)} to ${pct(r.pairShare.max)} over the ${r.reps} pairs`,
      ].join('\n') + '\n',
    );
  }
}
