/**
 * Fuzz test of `mlsec scan` over generated hostile inputs (test/support/hostile.ts), with a fixed
 * seed (MLSEC_FUZZ_SEED to try another) and a bounded count. For every run:
 * - it ends within a time limit (killed and failed past it), within a heap limit, and with a peak
 *   resident memory (`--stats` maxRssMb, WebAssembly and workers included) under a bound;
 * - no JavaScript stack trace is printed;
 * - every input file is either analysed or reported by name;
 * - the exit code agrees with the report: 2 when an internal error was reported, else 1 exactly
 *   when there is an open error finding or a file that was not analysed (docs/scan-results.md).
 *
 * SARIF says `executionSuccessful: false` whenever a file was not analysed or mlsec failed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FUZZ_SEED, ODD_CONFIGS, seeded, writeHostileTree } from '../support/hostile';
import { REPO_ROOT } from '../support/paths';

const BIN = path.join(REPO_ROOT, 'bin', 'mlsec.js');
const LIMIT_MS = 20_000;
const HEAP_MB = 768;
/** Peak resident memory a scan of this corpus may reach (its files are at most a few hundred KB). */
const MAX_RSS_MB = 1024;

interface Report {
  files: number;
  findings: Array<{ file: string; code: string; severity: string; suppressed?: unknown }>;
  problems: Array<{ file: string; message: string; line?: number }>;
}

interface Outcome {
  code: number | null;
  report: Report;
  sarif?: { runs: Array<{ invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications: unknown[] }> }> };
  stats: { analysedFiles: number; files: number; maxRssMb: number };
  stderr: string;
}

function scan(dir: string, extra: string[], what: string, sarif = false): Outcome {
  const stats = path.join(dir, '..', 'stats.json');
  const sarifFile = path.join(dir, '..', 'out.sarif');
  fs.rmSync(stats, { force: true });
  const run = spawnSync(
    process.execPath,
    [`--max-old-space-size=${HEAP_MB}`, BIN, 'scan', '.', '--format', 'json', '--stats', stats, ...extra],
    {
      cwd: dir,
      encoding: 'utf8',
      timeout: LIMIT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  const context = `${what} (seed ${FUZZ_SEED})`;
  assert.equal(
    run.signal,
    null,
    `${context}: killed by ${run.signal} (a hang past ${LIMIT_MS} ms, or the ${HEAP_MB} MB heap exceeded)\n${(run.stderr ?? '').slice(-2000)}`,
  );
  assert.ok(run.status === 0 || run.status === 1 || run.status === 2, `${context}: exit ${run.status}`);
  assert.doesNotMatch(run.stderr, /^\s+at .+:\d+:\d+\)?$/m, `${context}: a stack trace was printed\n${run.stderr.slice(-2000)}`);
  let report: Report;
  try {
    report = JSON.parse(run.stdout) as Report;
  } catch {
    throw new assert.AssertionError({
      message: `${context}: output is not JSON (exit ${run.status})\n${run.stdout.slice(0, 500)}\n${run.stderr.slice(-2000)}`,
    });
  }
  let sarifLog: Outcome['sarif'];
  if (sarif) {
    const sarifRun = spawnSync(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, BIN, 'scan', '.', '--format', 'sarif', '-o', sarifFile, ...extra],
      { cwd: dir, encoding: 'utf8', timeout: LIMIT_MS, killSignal: 'SIGKILL' },
    );
    assert.equal(sarifRun.signal, null, `${context}: the SARIF run was killed`);
    assert.equal(sarifRun.status, run.status, `${context}: SARIF and JSON runs disagree on the exit code`);
    sarifLog = JSON.parse(fs.readFileSync(sarifFile, 'utf8')) as Outcome['sarif'];
  }
  return {
    code: run.status,
    report,
    sarif: sarifLog,
    stats: JSON.parse(fs.readFileSync(stats, 'utf8')) as Outcome['stats'],
    stderr: run.stderr,
  };
}

/** Every input analysed or reported, and the exit code as the report says. */
function checkConsistent(outcome: Outcome, inputs: readonly string[], what: string): void {
  const context = `${what} (seed ${FUZZ_SEED})`;
  const norm = (file: string) => file.split(path.sep).join('/');
  // A project file's configuration problems say nothing of whether it was read as a manifest.
  // A manifest read with a problem on one of its lines was analysed (its other lines were checked).
  const notRead = (p: { file: string; message: string; line?: number }) =>
    !p.message.startsWith('config:') && !(p.file.endsWith('pyproject.toml') && p.line !== undefined);
  const reported = new Set(
    outcome.report.problems
      .filter(notRead)
      .map((p) => norm(p.file))
      .filter((f) => inputs.includes(f)),
  );
  const analysed = outcome.stats.analysedFiles;
  assert.ok(outcome.stats.maxRssMb < MAX_RSS_MB, `${context}: peak memory ${outcome.stats.maxRssMb} MB (bound ${MAX_RSS_MB} MB)`);
  assert.equal(
    analysed + reported.size,
    inputs.length,
    `${context}: ${analysed} analysed + ${reported.size} reported != ${inputs.length} inputs; reported: ${[...reported].join(', ')}`,
  );
  for (const finding of outcome.report.findings)
    assert.ok(inputs.includes(norm(finding.file)), `${context}: a finding in ${finding.file}, not an input`);
  const internal = outcome.report.problems.filter((p) => /internal error/i.test(p.message));
  const openErrors = outcome.report.findings.filter((f) => !f.suppressed && f.severity === 'error').length;
  if (internal.length === 0)
    assert.equal(
      outcome.code,
      openErrors > 0 || reported.size > 0 ? 1 : 0,
      `${context}: exit ${outcome.code} with ${openErrors} open error finding(s) and ${reported.size} file(s) not analysed`,
    );
  outcomes.push({ outcome, what, reported: reported.size, internal: internal.map((p) => p.file) });
}

/** The runs checked so far, for the SARIF assertions. */
const outcomes: Array<{ outcome: Outcome; what: string; reported: number; internal: string[] }> = [];

describe('fuzz: mlsec scan on hostile input', function () {
  this.timeout(120_000);
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-fuzz-cli-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('analyses or reports every hostile file, without hanging, with and without workers', () => {
    const next = seeded(FUZZ_SEED);
    const dir = path.join(root, 'tree');
    fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
    const inputs = writeHostileTree(dir, next, 64);
    const one = scan(dir, ['--jobs', '1'], 'hostile tree, --jobs 1', true);
    checkConsistent(one, inputs, 'hostile tree, --jobs 1');
    const two = scan(dir, ['--jobs', '2'], 'hostile tree, --jobs 2');
    checkConsistent(two, inputs, 'hostile tree, --jobs 2');
    assert.deepEqual(two.report, one.report, 'workers do not change the report');
    assert.ok(one.report.findings.length > 0 && one.report.problems.length > 0, 'the corpus has both findings and problems');
  });

  it('goes on with every odd configuration', () => {
    // One tree, a folder per configuration (the nearest project file applies to each).
    const next = seeded(FUZZ_SEED + 1);
    const dir = path.join(root, 'configs');
    fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
    const inputs: string[] = [];
    ODD_CONFIGS.forEach((config, index) => {
      const sub = path.join(dir, `c${index}`);
      fs.mkdirSync(sub);
      inputs.push(...writeHostileTree(sub, next, 4).map((name) => `c${index}/${name}`));
      fs.writeFileSync(path.join(sub, config.name), config.text);
      fs.writeFileSync(path.join(sub, 'a.py'), 'import torch\nm = torch.load(p, weights_only=False)\n');
      inputs.push(`c${index}/a.py`);
      // A pyproject.toml is a dependency manifest too: read for advisories, so an input.
      if (config.name === 'pyproject.toml') inputs.push(`c${index}/${config.name}`);
    });
    checkConsistent(scan(dir, ['--jobs', '1'], 'odd configurations'), inputs, 'odd configurations');
  });

  // Exit 2 and `executionSuccessful: false` on internal errors, and `executionSuccessful: false`
  // when files could not be analysed.
  it('marks internal errors and unanalysed files in SARIF and the exit code', function () {
    const withSarif = outcomes.filter((o) => o.outcome.sarif);
    assert.ok(withSarif.length > 0, 'the runs above ran first');
    for (const { outcome, what, reported, internal } of withSarif) {
      const invocation = outcome.sarif!.runs[0].invocations[0];
      if (internal.length > 0) {
        assert.equal(outcome.code, 2, `${what}: internal errors (${internal.join(', ')}) but exit ${outcome.code}`);
        assert.equal(invocation.executionSuccessful, false, `${what}: internal errors but SARIF executionSuccessful is true`);
      }
      if (reported > 0)
        assert.equal(
          invocation.executionSuccessful,
          false,
          `${what}: ${reported} files not analysed but SARIF executionSuccessful is true`,
        );
    }
  });
});
