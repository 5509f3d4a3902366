/** `mlsec baseline` and `mlsec scan --baseline`: adopting mlsec in a repository with old findings. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/paths';

const BIN = path.join(REPO_ROOT, 'bin', 'mlsec.js');

function mlsec(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const TRAIN = [
  'import torch, yaml',
  '',
  'def load(p):',
  '    a = torch.load(p, weights_only=False)',
  '    b = yaml.load(open(p))',
  '    return a, b',
  '',
].join('\n');

describe('mlsec baseline', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-baseline-'));
    fs.mkdirSync(path.join(dir, '.git'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  };
  const baselineOf = (file = '.mlsec/baseline.json') =>
    JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
      version: number;
      findings: Array<{ file: string; code: string; fingerprint: string }>;
    };

  it('records open findings sorted, one per line, without line numbers', () => {
    write('src/train.py', TRAIN);
    write(
      'a.py',
      'import torch\nx = torch.load("x.pt", weights_only=False)\ny = torch.load("y.pt", weights_only=False)  # mlsec: ignore[MLS102] ours\n',
    );
    const run = mlsec(['baseline', '.'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /recorded 3 open findings in \.mlsec\/baseline\.json/);
    const text = fs.readFileSync(path.join(dir, '.mlsec', 'baseline.json'), 'utf8');
    const data = baselineOf();
    assert.equal(data.version, 1);
    assert.deepEqual(
      data.findings.map((f) => `${f.file} ${f.code}`),
      ['a.py MLS102', 'src/train.py MLS102', 'src/train.py MLS106'],
      'sorted; the suppressed finding is not recorded',
    );
    for (const entry of data.findings) assert.match(entry.fingerprint, /^[0-9a-f]{32}$/);
    assert.equal(text.split('\n').filter((line) => line.includes('"fingerprint"')).length, 3, 'one entry per line');
    assert.doesNotMatch(text, /"line"/);
    assert.equal(mlsec(['baseline', '.'], dir).code, 0);
    assert.equal(fs.readFileSync(path.join(dir, '.mlsec', 'baseline.json'), 'utf8'), text, 'recording again gives the same file');
  });

  it('reports only new findings after lines are added above and whitespace changes, and lists entries gone', () => {
    write('train.py', TRAIN);
    assert.equal(mlsec(['baseline', '.', '--output', 'ci/known.json'], dir).code, 0);
    assert.equal(baselineOf('ci/known.json').findings.length, 2);
    // Moved down, re-spaced, split over lines: still the recorded findings.
    write(
      'train.py',
      [
        '"""Loading helpers."""',
        'import os',
        'import torch, yaml',
        '',
        '',
        'def load(p):',
        '    a = torch.load( p,',
        '                    weights_only = False )',
        '    b = yaml.load(open(p))',
        '    return a, b',
        '',
      ].join('\n'),
    );
    const moved = mlsec(['scan', '.', '--baseline', 'ci/known.json'], dir);
    assert.equal(moved.code, 0, moved.stdout);
    assert.match(moved.stdout, /No open findings/);
    assert.match(moved.stderr, /2 findings in baseline ci\/known\.json not reported/);
    assert.doesNotMatch(moved.stderr, /no longer found/);

    // One fixed, one new: the new one is reported, the fixed one listed.
    write('train.py', TRAIN.replace('yaml.load(', 'yaml.safe_load(') + 'm = torch.load("m.pt", weights_only=False)\n');
    const changed = mlsec(['scan', '.', '--baseline', 'ci/known.json', '--format', 'json'], dir);
    assert.equal(changed.code, 1);
    const report = JSON.parse(changed.stdout) as { findings: Array<{ line: number; code: string }> };
    assert.deepEqual(
      report.findings.map((f) => `${f.line} ${f.code}`),
      ['7 MLS102'],
    );
    assert.match(changed.stderr, /1 baseline entry no longer found[^\n]*\n {2}train\.py: MLS106 [0-9a-f]{32}/);
  });

  it('an entry absorbs one finding: a copy of a recorded line is new', () => {
    write('a.py', 'import torch\nx = torch.load("x.pt", weights_only=False)\n');
    assert.equal(mlsec(['baseline', '.'], dir).code, 0);
    write('a.py', 'import torch\nx = torch.load("x.pt", weights_only=False)\nx = torch.load("x.pt", weights_only=False)\n');
    const run = mlsec(['scan', '.', '--baseline', '.mlsec/baseline.json', '--format', 'json'], dir);
    assert.equal((JSON.parse(run.stdout) as { findings: unknown[] }).findings.length, 1);
  });

  it('is read from [tool.mlsec] baseline and its fingerprints are the SARIF partialFingerprints', () => {
    write('train.py', TRAIN);
    write('pyproject.toml', '[tool.mlsec]\nbaseline = "security/baseline.json"\n');
    assert.equal(mlsec(['scan', '.', '--format', 'sarif', '--output', 'before.sarif'], dir).code, 1);
    const sarif = JSON.parse(fs.readFileSync(path.join(dir, 'before.sarif'), 'utf8')) as {
      runs: Array<{ results: Array<{ partialFingerprints: Record<string, string> }> }>;
    };
    const recordedRun = mlsec(['baseline', '.'], dir);
    assert.match(recordedRun.stderr, /recorded 2 open findings in security\/baseline\.json/, 'written where the configuration says');
    const recorded = baselineOf('security/baseline.json')
      .findings.map((f) => f.fingerprint)
      .sort();
    assert.deepEqual(sarif.runs[0].results.map((r) => r.partialFingerprints['mlsecFindingHash/v1']).sort(), recorded);
    const run = mlsec(['scan', '.'], dir);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stderr, /2 findings in baseline security\/baseline\.json not reported/);
  });

  it('keeps notebook findings known when a cell is added above', () => {
    const notebook = (cells: string[]) =>
      JSON.stringify(
        {
          cells: cells.map((source) => ({ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source })),
          metadata: {},
          nbformat: 4,
          nbformat_minor: 5,
        },
        null,
        1,
      );
    write('nb.ipynb', notebook(['import torch\n', 'm = torch.load("m.pt", weights_only=False)\n']));
    assert.equal(mlsec(['baseline', '.'], dir).code, 0);
    write('nb.ipynb', notebook(['import torch\n', 'print("hello")\n', 'm = torch.load("m.pt", weights_only=False)\n']));
    assert.equal(mlsec(['scan', '.', '--baseline', '.mlsec/baseline.json'], dir).code, 0);
  });

  it('names a malformed or missing baseline file and exits 2', () => {
    write('train.py', TRAIN);
    write('bad.json', '{"version": 1, "findings": [{"file": "a.py"}]}');
    const bad = mlsec(['scan', '.', '--baseline', 'bad.json'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /baseline bad\.json: entry 1 needs "file", "code" and "fingerprint"/);
    const unwritable = mlsec(['baseline', '.', '-o', 'train.py/baseline.json'], dir);
    assert.equal(unwritable.code, 2);
    assert.match(unwritable.stderr, /cannot write baseline train\.py\/baseline\.json: E[A-Z]+/);
    const missing = mlsec(['scan', '.', '--baseline', 'nope.json'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /baseline file not found: nope\.json/);
  });
});
