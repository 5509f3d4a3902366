/** `mlsec scan --statistics` and `--show-files`. */
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

describe('mlsec scan --statistics / --show-files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-listing-')));
    fs.mkdirSync(path.join(dir, '.git'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  };
  const CODE =
    'import torch, yaml\nm = torch.load("m.pt", weights_only=False)\nc = yaml.load(a)\nd = yaml.load(b)\ne = yaml.load(c)  # mlsec: ignore[MLS106] trusted\n';

  it('counts open findings per rule, most frequent first, marking rules with safe fixes', () => {
    write('a.py', CODE);
    write('b.py', 'import yaml\nyaml.load(x)\n');
    const run = mlsec(['scan', '.', '--statistics'], dir);
    assert.equal(run.code, 1, 'the exit code is the scan’s');
    assert.equal(run.stdout, '3\tMLS106\t[*] yaml-unsafe-load\n1\tMLS102\t[ ] torch-load-unsafe\n');
    const json = mlsec(['scan', '.', '--statistics', '--format', 'json'], dir);
    assert.deepEqual(JSON.parse(json.stdout), [
      { code: 'MLS106', name: 'yaml-unsafe-load', count: 3, fixable: 3, inTestCode: 0 },
      { code: 'MLS102', name: 'torch-load-unsafe', count: 1, fixable: 0, inTestCode: 0 },
    ]);
    assert.equal(mlsec(['scan', '.', '--statistics', '--format', 'sarif'], dir).code, 2);
  });

  it('lists files to scan and what is skipped with the reason, without scanning', () => {
    write('src/train.py', CODE);
    write('src/gen_model.py', CODE);
    write('data/dump.py', CODE);
    write('notes.txt', 'not python');
    write('nb.ipynb', '{"cells": []}');
    write('.gitignore', 'data/\n');
    write('pyproject.toml', '[tool.mlsec]\nexclude = ["src/gen_*.py"]\nmax-file-size = 1000\n');
    write('big.py', '#'.repeat(2000));
    fs.symlinkSync(path.join(dir, 'src', 'train.py'), path.join(dir, 'link.py'));
    const run = mlsec(['scan', '.', '--show-files'], dir);
    assert.equal(run.code, 0);
    assert.equal(
      run.stdout,
      [
        'skip  .git/: default exclude',
        'skip  big.py: 2000 bytes, over the 1000-byte limit (max-file-size)',
        'skip  data/: ignored by .gitignore',
        'skip  link.py: symbolic link (not followed)',
        'scan  nb.ipynb',
        // the project file is also a dependency manifest, checked against advisories
        'scan  pyproject.toml',
        'skip  src/gen_model.py: excluded by pyproject.toml',
        'scan  src/train.py',
        '3 files to scan, 5 skipped',
        '',
      ].join('\n'),
    );
  });
});
