/**
 * A realistic small project (test/noise-corpus) scanned as users run mlsec: the test-code policy,
 * the summary of repeated findings, one reviewed comment or config entry taking a file out,
 * Bandit suppressions, `.gitignore` following git, a notebook whose outputs are large, and the
 * report of what was skipped (issue 16).
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/paths';
import { buildGitIndex } from '../support/gitIndexFixture';

const BIN = path.join(REPO_ROOT, 'bin', 'mlsec.js');
const CORPUS = path.join(REPO_ROOT, 'test', 'noise-corpus');
/** Files the project commits: everything but the local experiment its .gitignore matches. */
const UNTRACKED = 'src/lab/scratch.local.py';

function mlsec(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function listFiles(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')],
    );
}

/** Copies the corpus, makes it a git working tree (with git when there is one, else a generated index). */
function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-noise-'));
  fs.cpSync(CORPUS, dir, { recursive: true });
  fs.renameSync(path.join(dir, 'gitignore.txt'), path.join(dir, '.gitignore'));
  // The notebook's plot grows to 3 MB of PNG data: over the 2 MiB limit, while its code is tiny.
  const notebookFile = path.join(dir, 'notebooks', 'explore.ipynb');
  const notebook = JSON.parse(fs.readFileSync(notebookFile, 'utf8'));
  notebook.cells[2].outputs[0].data['image/png'] = 'iVBORw0KGgo' + 'A'.repeat(3 * 1024 * 1024);
  fs.writeFileSync(notebookFile, JSON.stringify(notebook));
  const tracked = listFiles(dir)
    .filter((f) => f !== UNTRACKED)
    .sort();
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    git('add', '-A');
    // Committed although .gitignore matches it, as generated code often is.
    git('add', '-f', 'src/lab/generated/hub_client.py');
  } catch {
    fs.rmSync(path.join(dir, '.git'), { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, '.git', 'index'), buildGitIndex(2, tracked));
  }
  return dir;
}

interface JsonFinding {
  file: string;
  line: number;
  code: string;
  severity: string;
  message: string;
  suppressed?: { justification: string };
  testCode?: { reason: string; severity: string; mode: string };
}

describe('noise corpus: a realistic project', function () {
  this.timeout(60000);
  let dir: string;
  before(() => (dir = project()));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('demotes test code, keeps credentials and exposed servers, and follows git for .gitignore', () => {
    const run = mlsec(['scan', '--format', 'json', '.'], dir);
    const report = JSON.parse(run.stdout) as { findings: JsonFinding[]; skippedFiles: { byMechanism: object; gitIndex: object } };
    const open = report.findings.filter((f) => !f.suppressed);
    const at = (file: string, code: string) => open.filter((f) => f.file === file && f.code === code);
    // Test code by path, by fixture and by a TestCase class in a package module.
    assert.deepEqual(
      at('tests/test_models.py', 'MLS201').map((f) => [f.severity, f.testCode]),
      [['info', { reason: 'in a tests/ folder', severity: 'error', mode: 'demote' }]],
    );
    assert.equal(at('tests/conftest.py', 'MLS101')[0]?.severity, 'info');
    assert.match(at('tests/conftest.py', 'MLS101')[0].message, /\(in test code\)$/);
    assert.deepEqual(
      at('src/lab/checks.py', 'MLS102').map((f) => `${f.line}:${f.severity}:${f.testCode?.reason ?? '-'}`),
      ['8:error:-', '14:info:test function test_round_trip'],
    );
    // Kept whoever runs them: the committed token, the test server on every interface.
    assert.deepEqual(
      at('tests/conftest.py', 'MLS501').map((f) => [f.severity, f.testCode?.mode]),
      [['error', 'report']],
    );
    assert.equal(at('tests/test_models.py', 'MLS404')[0]?.severity, 'warning');
    // Committed generated code that .gitignore matches is scanned; the untracked local file is not.
    assert.equal(at('src/lab/generated/hub_client.py', 'MLS203').length, 1);
    assert.ok(!report.findings.some((f) => f.file === UNTRACKED));
    assert.deepEqual(report.skippedFiles, {
      byMechanism: { gitignore: { files: 1, folders: 0 } },
      gitIndex: { read: 1, trackedKept: 1, unreadable: [] },
    });
    // The notebook is 3 MB of outputs around a few lines of code: analysed.
    assert.equal(at('notebooks/explore.ipynb', 'MLS104').length, 1);
  });

  it('keeps every repeated finding, and one comment or config entry takes a file of them out', () => {
    const report = JSON.parse(mlsec(['scan', '--format', 'json', '.'], dir).stdout) as { findings: JsonFinding[] };
    const inFile = (file: string) => report.findings.filter((f) => f.file === file && f.code === 'MLS201');
    assert.equal(inFile('src/lab/catalog.py').filter((f) => !f.suppressed).length, 8);
    const adapters = inFile('src/lab/adapters.py');
    assert.equal(adapters.length, 6);
    assert.ok(adapters.every((f) => f.suppressed?.justification.startsWith('partner code is reviewed')));
    assert.deepEqual(inFile('src/lab/zoo.py'), []);
    assert.ok(!report.findings.some((f) => f.code === 'MLS001'), 'the ignore-file comment is used and explained');
    // A line reviewed for Bandit.
    const cache = report.findings.find((f) => f.file === 'src/lab/serve.py' && f.line === 24);
    assert.equal(cache?.suppressed?.justification, 'reviewed for Bandit (# nosec B301)');
  });

  it('summarises repeats, test code and skipped files in the text output', () => {
    const run = mlsec(['scan', '.'], dir);
    const catalog = run.stdout.split('\n').filter((line) => line.startsWith('src/lab/catalog.py'));
    assert.equal(catalog.length, 4, run.stdout);
    assert.equal(catalog[3], 'src/lab/catalog.py: … and 5 more like this (MLS201; --show-repeats lists them, docs/noise.md)');
    assert.match(run.stdout, /^Found 22 open findings \(5 error, 12 warning, 5 info\) in 7 of 11 files; 7 in test code, 7 suppressed/m);
    assert.match(run.stdout, /^Files skipped 1 file \(\.gitignore: 1 file\); 1 tracked file scanned although \.gitignore matches\.$/m);
    const all = mlsec(['scan', '--show-repeats', '.'], dir);
    assert.equal(all.stdout.split('\n').filter((line) => line.startsWith('src/lab/catalog.py:')).length, 8);
    // With nothing left out, the tracked file kept against .gitignore is still worth a line.
    const scratch = path.join(dir, UNTRACKED);
    const kept = fs.readFileSync(scratch);
    fs.rmSync(scratch);
    try {
      assert.match(mlsec(['scan', '.'], dir).stdout, /^Files skipped nothing; 1 tracked file scanned although \.gitignore matches\.$/m);
    } finally {
      fs.writeFileSync(scratch, kept);
    }
  });

  it('puts the test-code marks and the skip report in SARIF and --statistics', () => {
    const sarif = JSON.parse(mlsec(['scan', '--format', 'sarif', '.'], dir).stdout);
    const run = sarif.runs[0];
    assert.deepEqual(run.invocations[0].properties.skipped.byMechanism, { gitignore: { files: 1, folders: 0 } });
    const demoted = run.results.find(
      (r: { ruleId: string; properties: Record<string, unknown> }) => r.ruleId === 'MLS201' && r.properties.testCode === true,
    );
    assert.equal(demoted.level, 'note');
    assert.equal(demoted.properties.ruleLevel, 'error');
    assert.equal(demoted.properties.testCodeMode, 'demote');
    const stats = mlsec(['scan', '--statistics', '.'], dir);
    assert.match(stats.stdout, /^\s*9\tMLS201\ttrust-remote-code \(1 in test code\)$/m);
    assert.match(stats.stderr, /^mlsec: files skipped 1 file \(\.gitignore: 1 file\)/m);
  });

  it('skips test code when configured, except the rules kept everywhere', () => {
    const config = path.join(dir, 'pyproject.toml');
    const original = fs.readFileSync(config, 'utf8');
    try {
      fs.writeFileSync(
        config,
        original.replace('[tool.mlsec.per-file-ignores]', '[tool.mlsec]\ntests = "skip"\n\n[tool.mlsec.per-file-ignores]'),
      );
      const report = JSON.parse(mlsec(['scan', '--format', 'json', '.'], dir).stdout) as { findings: JsonFinding[] };
      const inTests = report.findings.filter((f) => f.testCode).map((f) => `${f.file}:${f.code}`);
      assert.deepEqual(inTests.sort(), ['tests/conftest.py:MLS501', 'tests/test_models.py:MLS404']);
    } finally {
      fs.writeFileSync(config, original);
    }
  });
});
