/** `mlsec advisories`, `--advisories` and manifest findings in the CLI's text, JSON and SARIF output. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { REPO_ROOT } from '../support/paths';

const BIN = path.join(REPO_ROOT, 'bin', 'mlsec.js');

function mlsec(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('mlsec dependency advisories (CLI)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-adv-'));
    fs.mkdirSync(path.join(dir, '.git'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists what is loaded, bundled and from an OSV zip', () => {
    const entry = {
      id: 'PYSEC-2099-7',
      modified: '2099-01-02T00:00:00Z',
      summary: 'A test advisory.',
      affected: [
        {
          package: { ecosystem: 'PyPI', name: 'demo-lib' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.5' }] }],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, 'all.zip'), zipSync({ 'PYSEC-2099-7.json': strToU8(JSON.stringify(entry)) }));
    const bundled = mlsec(['advisories'], dir);
    assert.equal(bundled.code, 0);
    assert.match(bundled.stdout, /^bundled: (\d+) PyPI advisories, newest entry modified \d{4}-\d\d-\d\d$/m);
    const more = mlsec(['advisories', '--advisories', 'all.zip', '--format', 'json'], dir);
    assert.equal(more.code, 0, more.stderr);
    const data = JSON.parse(more.stdout) as { advisories: number; newest: string; sources: { source: string; count: number }[] };
    assert.equal(data.newest, '2099-01-02T00:00:00Z');
    assert.deepEqual(data.sources.map((s) => s.count).slice(1), [1]);
    assert.equal(mlsec(['advisories', '--advisories', 'missing.zip'], dir).code, 2);

    fs.writeFileSync(path.join(dir, 'requirements.txt'), 'demo-lib==1.4  # pinned\n');
    const scan = mlsec(['scan', '.', '--advisories', 'all.zip'], dir);
    assert.equal(scan.code, 0, 'a warning (no label, no vector) does not fail at the default level');
    assert.match(
      scan.stdout,
      /^requirements\.txt:1:1: warning\s+MLS701 demo-lib pinned to 1\.4 is affected by PYSEC-2099-7: A test advisory\. Fixed in 1\.5\./m,
    );
  });

  it('reports manifest findings with locations in the manifest in JSON and SARIF', () => {
    fs.writeFileSync(path.join(dir, 'requirements.txt'), '# models\ntorch==2.5.1\n');
    const json = mlsec(['scan', '.', '--format', 'json'], dir);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as { findings: { file: string; line: number; code: string; fixes: { safe: boolean }[] }[] };
    assert.equal(report.findings.length, 1, 'one finding for the pinned line');
    assert.ok(report.findings.every((f) => f.file === 'requirements.txt' && f.line === 2 && f.code === 'MLS701' && f.fixes.length === 1));
    const sarif = JSON.parse(mlsec(['scan', '.', '--format', 'sarif'], dir).stdout) as {
      runs: {
        results: {
          ruleId: string;
          locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
        }[];
      }[];
    };
    const results = sarif.runs[0].results.filter((r) => r.ruleId === 'MLS701');
    assert.equal(results.length, 1);
    for (const result of results) {
      assert.match(result.locations[0].physicalLocation.artifactLocation.uri, /requirements\.txt$/);
      assert.equal(result.locations[0].physicalLocation.region.startLine, 2);
    }
  });

  it('names a broken manifest and its line and goes on with the other files', () => {
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\ndependencies = ["torch==2.5.1"\n');
    fs.writeFileSync(path.join(dir, 'requirements.txt'), 'keras==3.7.0\n-e ./local-package\n');
    const run = mlsec(['scan', '.', '--format', 'json'], dir);
    const report = JSON.parse(run.stdout) as {
      findings: { file: string }[];
      problems: { file: string; line?: number; message: string }[];
      skipped: { file: string; line: number; reason: string }[];
    };
    assert.deepEqual(
      report.skipped.map((s) => `${s.file}:${s.line}`),
      ['requirements.txt:2'],
    );
    assert.match(report.skipped[0].reason, /editable install/);
    assert.ok(report.findings.some((f) => f.file === 'requirements.txt'));
    const problem = report.problems.find((p) => p.file === 'pyproject.toml');
    assert.ok(problem, 'the broken pyproject.toml is reported');
    assert.match(problem.message, /invalid TOML at line \d+/);
    assert.equal(typeof problem.line, 'number');
  });
});
