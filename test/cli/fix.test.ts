/** `mlsec scan --fix / --unsafe-fixes / --diff`, through the built CLI and the fix module. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigResolver } from '../../server/src/engine/config/projectConfig';
import { fixReports, applyNotebookEdits } from '../../server/src/cli/fix';
import { diffLines, unifiedDiff } from '../../server/src/cli/diff';
import { analyzeFile, SelectionCache } from '../../server/src/engine/pipeline/fileAnalysis';
import { analyzer } from '../support/engine';
import { REPO_ROOT } from '../support/paths';

const BIN = path.join(REPO_ROOT, 'bin', 'mlsec.js');

function mlsec(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Python's own parser says whether the file is valid Python. */
function parsesWithPython(file: string): boolean {
  const run = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1], encoding="utf-8").read())', file], {
    encoding: 'utf8',
  });
  if (run.error) throw run.error;
  return run.status === 0;
}

const PYTHON = [
  'import yaml',
  'import torch',
  '',
  'def load(p):',
  '    a = yaml.load(open(p))',
  '    b = yaml.load_all(',
  '        open(p))',
  '    return torch.load(p, weights_only=False), a, b',
  '',
].join('\n');

const NOTEBOOK = `{
 "cells": [
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": ["# Caf\\u00e9\\n"]
  },
  {
   "cell_type": "code",
   "execution_count": 3,
   "metadata": {"tags": ["keep"]},
   "outputs": [{"name": "stdout", "output_type": "stream", "text": ["loaded\\n"]}],
   "source": [
    "import yaml, torch\\n",
    "label = \\"caf\\u00e9\\"\\n",
    "cfg = yaml.load(open('c.yml'))\\n",
    "m = torch.load('m.pt', weights_only=False)"
   ]
  }
 ],
 "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
 "nbformat": 4,
 "nbformat_minor": 5
}
`;

describe('mlsec scan --fix / --diff', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-fix-'));
    fs.mkdirSync(path.join(dir, '.git'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

  it('applies the safe fixes only, keeps the mode, leaves Python parsable, and a second run changes nothing', () => {
    write('train.py', PYTHON);
    fs.chmodSync(path.join(dir, 'train.py'), 0o750);
    const first = mlsec(['scan', '.', '--fix'], dir);
    const fixed = read('train.py');
    assert.match(fixed, /a = yaml\.safe_load\(open\(p\)\)/);
    assert.match(fixed, /b = yaml\.safe_load_all\(\n {8}open\(p\)\)/);
    assert.match(fixed, /weights_only=False/, 'the unsafe fix is not applied without --unsafe-fixes');
    assert.match(first.stderr, /Applied 2 fixes in 1 file; 1 open finding remaining; 1 more fix available with --unsafe-fixes/);
    assert.equal(first.code, 1, 'the remaining error still fails the run');
    assert.match(first.stdout, /train\.py:8:\d+: error\s+MLS102/);
    assert.doesNotMatch(first.stdout, /MLS106/, 'the report describes the fixed file');
    assert.equal(fs.statSync(path.join(dir, 'train.py')).mode & 0o777, 0o750);
    assert.ok(parsesWithPython(path.join(dir, 'train.py')));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.git', 'train.py'], 'no temporary file is left behind');

    const second = mlsec(['scan', '.', '--fix'], dir);
    assert.equal(read('train.py'), fixed, 'a second --fix changes nothing');
    assert.match(second.stderr, /Applied 0 fixes in 0 files/);
  });

  it('applies unsafe fixes with --unsafe-fixes and ends clean', () => {
    write('train.py', PYTHON);
    const run = mlsec(['scan', '.', '--fix', '--unsafe-fixes'], dir);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(read('train.py'), /torch\.load\(p, weights_only=True\)/);
    assert.match(run.stderr, /Applied 3 fixes in 1 file; 0 open findings remaining\./);
    assert.ok(parsesWithPython(path.join(dir, 'train.py')));
    const again = mlsec(['scan', '.', '--fix', '--unsafe-fixes'], dir);
    assert.match(again.stderr, /Applied 0 fixes/);
  });

  it('--diff prints a unified diff that git applies, writes nothing, and exits 1 only when there is something to fix', () => {
    write('train.py', PYTHON);
    const run = mlsec(['scan', '.', '--diff'], dir);
    assert.equal(run.code, 1);
    assert.equal(read('train.py'), PYTHON, '--diff writes nothing');
    assert.match(run.stdout, /^--- a\/train\.py\n\+\+\+ b\/train\.py\n@@ -2,7 \+2,7 @@\n/);
    assert.match(run.stdout, /^- {4}a = yaml\.load\(open\(p\)\)$/m);
    assert.match(run.stdout, /^\+ {4}a = yaml\.safe_load\(open\(p\)\)$/m);
    assert.match(run.stderr, /Would apply 2 fixes in 1 file/);
    // A real consumer of unified diffs: git apply checks and applies the patch.
    fs.writeFileSync(path.join(dir, 'fix.patch'), run.stdout);
    const check = spawnSync('git', ['apply', '--unsafe-paths', 'fix.patch'], { cwd: dir, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    fs.rmSync(path.join(dir, 'fix.patch'));
    assert.equal(mlsec(['scan', '.', '--diff'], dir).code, 0, 'nothing left to fix: exit 0');
    assert.equal(mlsec(['scan', '.', '--diff'], dir).stdout, '');
  });

  it('fixes notebook cells by rewriting only their source lines', () => {
    write('nb.ipynb', NOTEBOOK);
    const run = mlsec(['scan', '.', '--fix', '--unsafe-fixes'], dir);
    assert.equal(run.code, 0, run.stderr);
    const expected = NOTEBOOK.replace("yaml.load(open('c.yml'))", "yaml.safe_load(open('c.yml'))").replace(
      'weights_only=False',
      'weights_only=True',
    );
    assert.equal(read('nb.ipynb'), expected, 'formatting, escapes, outputs and metadata are unchanged');
    assert.equal(mlsec(['scan', '.', '--diff', '--unsafe-fixes'], dir).code, 0);
  });

  it('rewrites a cell whose source is one string, and a cell whose line count changes', () => {
    const json = JSON.stringify(
      {
        cells: [
          { cell_type: 'code', source: 'a = 1\nb = 2' },
          { cell_type: 'code', source: ['x = 1\n', 'y = 2'] },
        ],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      },
      null,
      1,
    );
    const edited = applyNotebookEdits(json, [
      { cell: 0, start: 4, end: 5, newText: '10' },
      { cell: 1, start: 5, end: 6, newText: '\nz = 3\n' },
    ]);
    const data = JSON.parse(edited) as { cells: Array<{ source: string | string[] }> };
    assert.equal(data.cells[0].source, 'a = 10\nb = 2');
    assert.deepEqual(data.cells[1].source, ['x = 1\n', 'z = 3\n', 'y = 2']);
  });

  it('does not overwrite a file that changed on disk during the run', async () => {
    const file = path.join(dir, 'train.py');
    write('train.py', PYTHON);
    const resolver = new ConfigResolver();
    const engine = await analyzer();
    const report = analyzeFile(engine, file, resolver, new SelectionCache(engine));
    const changed = PYTHON + '# edited by someone else meanwhile\n';
    const run = fixReports(engine, [report], resolver, { unsafe: false, write: true, beforeWrite: () => fs.writeFileSync(file, changed) });
    assert.equal(read('train.py'), changed, 'the newer content is kept');
    assert.equal(run.applied, 0);
    assert.match(run.problems[0]?.message ?? '', /changed on disk/);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.git', 'train.py'], 'the temporary file is removed');
  });

  it('keeps a byte order mark and leaves files in other encodings alone, saying why', () => {
    fs.writeFileSync(path.join(dir, 'bom.py'), '\ufeff' + PYTHON);
    const latin1 = Buffer.from('# -*- coding: latin-1 -*-\nimport yaml\nname = "caf\xe9"\nc = yaml.load(open(name))\n', 'latin1');
    fs.writeFileSync(path.join(dir, 'latin.py'), latin1);
    const run = mlsec(['scan', '.', '--fix'], dir);
    const bom = fs.readFileSync(path.join(dir, 'bom.py'));
    assert.deepEqual([...bom.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the byte order mark is kept');
    assert.match(bom.toString('utf8'), /yaml\.safe_load\(open\(p\)\)/);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'latin.py')), latin1, 'a latin-1 file is not rewritten');
    assert.match(run.stderr, /latin\.py: not fixed: only UTF-8 files are rewritten/);
  });

  it('leaves the findings a new scan reports, in a file parsed in part and with the project versions', async () => {
    // Enough definitions that no selected rule can fire in for partial parsing to leave them out,
    // and a torch pin that changes what MLS102 says (torch 2.6 defaults to weights_only=True).
    const filler = Array.from({ length: 80 }, (_, i) => `def helper_${i}(x):\n    return [x * ${i} for _ in range(3)]\n`).join('\n');
    const big = `import yaml\nimport torch\n\n${filler}\ndef load(p):\n    cfg = yaml.load(open(p))\n    return torch.load(p), cfg\n`;
    write('big.py', big);
    write('requirements.txt', 'torch==2.6.0\n');
    const engine = await analyzer();
    const scanned = analyzeFile(
      engine,
      path.join(dir, 'big.py'),
      new ConfigResolver({ select: ['MLS102', 'MLS106'] }),
      new SelectionCache(engine),
    );
    assert.ok((scanned.skippedUnits ?? 0) > big.length / 2, `partial parsing applies (left out ${scanned.skippedUnits} of ${big.length})`);

    const select = ['--select', 'MLS102,MLS106', '--format', 'json'];
    const fixedRun = mlsec(['scan', '.', '--fix', ...select], dir);
    assert.match(fixedRun.stderr, /Applied 1 fix in 1 file; 1 open finding remaining/);
    assert.match(read('big.py'), /cfg = yaml\.safe_load\(open\(p\)\)/);
    const findings = (run: { stdout: string }) => (JSON.parse(run.stdout) as { findings: Array<Record<string, unknown>> }).findings;
    const left = findings(fixedRun);
    assert.deepEqual(
      left.map((f) => [f.code, f.severity]),
      [['MLS102', 'info']],
      'torch.load is judged with the pinned torch, as the scan judges it',
    );
    assert.deepEqual(
      left,
      findings(mlsec(['scan', '.', ...select], dir)),
      'the report after --fix is what a new scan of the fixed file says',
    );
  });

  it('fixes a dependency manifest as the scan judged it', () => {
    write('requirements.txt', 'torch==2.5.1  # for CUDA 12\n');
    const run = mlsec(['scan', '.', '--fix', '--select', 'MLS701'], dir);
    assert.equal(read('requirements.txt'), 'torch==2.10.0  # for CUDA 12\n');
    assert.match(run.stderr, /Applied 1 fix in 1 file; 0 open findings remaining/);
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });

  it('rejects --unsafe-fixes without --fix or --diff', () => {
    write('train.py', PYTHON);
    const run = mlsec(['scan', '.', '--unsafe-fixes'], dir);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--unsafe-fixes goes with --fix or --diff/);
  });

  it('diffs mark a missing final line break', () => {
    const diff = unifiedDiff('x.py', 'a\nb', 'a\nc');
    assert.equal(diff, '--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n');
  });

  it('line diffs rebuild both sides on random inputs', () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: random(12) }, () => 'abcd'[random(4)]);
      const b = Array.from({ length: random(12) }, () => 'abcd'[random(4)]);
      const ops = diffLines(a, b);
      assert.deepEqual(
        ops.filter((op) => op.kind !== '+').map((op) => op.line),
        a,
      );
      assert.deepEqual(
        ops.filter((op) => op.kind !== '-').map((op) => op.line),
        b,
      );
      // Minimal: as many changed lines as the longest common subsequence leaves.
      const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
      for (let i = a.length - 1; i >= 0; i--)
        for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      assert.equal(ops.filter((op) => op.kind !== ' ').length, a.length + b.length - 2 * lcs[0][0]);
    }
  });

  it('line diffs are minimal on a large file with a few changes', () => {
    const a = Array.from({ length: 50000 }, (_, i) => `line ${i}\n`);
    const b = a.map((line, i) => (i % 5000 === 0 ? `changed ${i}\n` : line));
    const ops = diffLines(a, b);
    assert.equal(ops.filter((op) => op.kind === '-').length, 10);
    assert.equal(ops.filter((op) => op.kind === '+').length, 10);
  });
});
