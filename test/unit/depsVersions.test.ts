/** Version-aware code rules: MLS102 knows the project's torch from its nearest lock or manifest. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectVersionsFor } from '../../server/src/deps/projectVersions';
import { atLeast } from '../../server/src/deps/versionFacts';
import { analyzeText } from '../../server/src/engine/pipeline/fileAnalysis';
import { analyzer } from '../support/engine';

const CODE = 'import torch\nstate = torch.load("model.pt")\n';

describe('project versions and version-aware rules', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-versions-'));
    fs.mkdirSync(path.join(root, '.git'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
    return path.join(root, name);
  };

  async function mls102(file: string) {
    const engine = await analyzer();
    const { findings } = analyzeText(engine, file, fs.readFileSync(file, 'utf8'), engine.defaultSelection);
    return findings.filter((f) => f.code === 'MLS102').map((f) => ({ severity: f.severity, message: f.message }));
  }

  it('makes MLS102 informational where a lock proves torch >= 2.6, and says why', async () => {
    write('poetry.lock', '[[package]]\nname = "torch"\nversion = "2.6.0"\n');
    write('requirements.txt', 'torch==2.4.0\n');
    const file = write('src/pkg/train.py', CODE);
    assert.deepEqual(await mls102(file), [
      {
        severity: 'info',
        message:
          '`torch.load` without `weights_only`: torch 2.6.0 (poetry.lock:3) already defaults to `weights_only=True`; passing it explicitly keeps the call safe where an older torch is installed.',
      },
    ]);
  });

  it('cites an older pinned version in the warning', async () => {
    write('requirements.txt', '# runtime\ntorch==2.5.1+cu121\n');
    const file = write('train.py', CODE);
    assert.deepEqual(await mls102(file), [
      {
        severity: 'warning',
        message:
          '`torch.load` without `weights_only=True` can execute code embedded in the checkpoint (CWE-502). torch 2.5.1 (requirements.txt:2) still defaults to `weights_only=False`.',
      },
    ]);
  });

  it("uses a range's lower bound when it proves the version, and says nothing when it does not", async () => {
    write('pyproject.toml', '[project]\nname = "x"\ndependencies = ["torch>=2.6,<3", "numpy"]\n');
    const file = write('a.py', CODE);
    assert.equal((await mls102(file))[0].severity, 'info');
    fs.writeFileSync(path.join(root, 'pyproject.toml'), '[project]\nname = "x"\ndependencies = ["torch>=2.0"]\n');
    const again = await mls102(file);
    assert.deepEqual(again, [
      { severity: 'warning', message: '`torch.load` without `weights_only=True` can execute code embedded in the checkpoint (CWE-502).' },
    ]);
  });

  it('keeps the default message without any manifest, and still errors on an explicit weights_only=False', async () => {
    const file = write('a.py', CODE);
    assert.deepEqual(await mls102(file), [
      { severity: 'warning', message: '`torch.load` without `weights_only=True` can execute code embedded in the checkpoint (CWE-502).' },
    ]);
    write('requirements.txt', 'torch==2.7.0\n');
    const explicit = write('b.py', 'import torch\nstate = torch.load("m.pt", weights_only=False)\n');
    assert.equal((await mls102(explicit))[0].severity, 'error');
  });

  it('warns that weights_only=True does not protect a torch older than 2.6 (CVE-2025-32434)', async () => {
    write('requirements.txt', 'torch==2.5.1\n');
    const file = write('safe.py', 'import torch\nstate = torch.load("m.pt", weights_only=True)\n');
    assert.deepEqual(await mls102(file), [
      {
        severity: 'warning',
        message:
          '`weights_only=True` does not protect torch 2.5.1 (requirements.txt:1): before 2.6.0 a crafted checkpoint can bypass the restricted unpickler and run code (CVE-2025-32434). Upgrade torch.',
      },
    ]);
    fs.writeFileSync(path.join(root, 'requirements.txt'), 'torch>=2.0\n');
    assert.deepEqual(await mls102(file), [], 'a range proves nothing about the installed version');
  });

  it('answers atLeast from pins and lower bounds only', () => {
    assert.equal(atLeast({ pinned: '2.6.0', where: 'x' }, '2.6.0'), true);
    assert.equal(atLeast({ pinned: '2.6.0rc1', where: 'x' }, '2.6.0'), false);
    assert.equal(atLeast({ minimum: '2.7', where: 'x' }, '2.6.0'), true);
    assert.equal(atLeast({ minimum: '2.0', where: 'x' }, '2.6.0'), undefined);
    assert.equal(atLeast(undefined, '2.6.0'), undefined);
  });

  it('reads nothing until a rule asks', () => {
    const versions = projectVersionsFor(path.join(root, 'deep', 'x.py'));
    write('uv.lock', '[[package]]\nname = "Torch"\nversion = "2.6.0"\n');
    assert.deepEqual(versions.get('torch'), { pinned: '2.6.0', where: 'uv.lock:3' });
  });
});

describe('version-aware Keras loading (MLS107)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-keras-'));
    fs.mkdirSync(path.join(root, '.git'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  async function mls107(requirements: string | undefined) {
    if (requirements !== undefined) fs.writeFileSync(path.join(root, 'requirements.txt'), requirements);
    const file = path.join(root, 'serve.py');
    fs.writeFileSync(file, 'import keras\nmodel = keras.models.load_model("m.keras")\n');
    const engine = await analyzer();
    const { findings } = analyzeText(engine, file, fs.readFileSync(file, 'utf8'), engine.defaultSelection);
    return findings.filter((f) => f.code === 'MLS107').map((f) => f.message);
  }

  it('reports a default load on a Keras that predates safe mode, citing the pin', async () => {
    assert.deepEqual(await mls107('keras==2.12.0\n'), [
      '`keras.models.load_model` on keras 2.12.0 (requirements.txt:1), which predates safe mode (Keras 2.13.0): Lambda layers are rebuilt from bytecode stored in the file, so a crafted model runs code when loaded (CWE-502).',
    ]);
  });

  it('warns that safe mode does not hold on Keras 3 before 3.8 (CVE-2025-1550), default or explicit', async () => {
    const message =
      'Safe mode does not hold on keras 3.7.0 (requirements.txt:1): before 3.8.0 a crafted .keras archive can name arbitrary functions to run while loading, even with `safe_mode=True` (CVE-2025-1550). Upgrade keras.';
    assert.deepEqual(await mls107('keras==3.7.0\n'), [message]);
  });

  it('stays quiet on newer or unknown versions', async () => {
    assert.deepEqual(await mls107('keras==3.8.0\n'), []);
    assert.deepEqual(await mls107(undefined), []);
  });
});
