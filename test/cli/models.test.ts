/** `mlsec scan` on model files and `mlsec lock`, through the built bundle. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/paths';

const BIN = path.join(REPO_ROOT, 'bin', 'mlsec.js');
const FIXTURES = path.join(REPO_ROOT, 'test', 'artifacts', 'fixtures');

function mlsec(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('mlsec CLI: model files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-models-'));
    fs.mkdirSync(path.join(dir, '.git'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const copy = (fixture: string, to: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, fixture), path.join(dir, to));
  };

  it('scans model files in a git-ignored folder by default and names file, global and byte offset', () => {
    copy('unusual_folder.pt', 'models/finetuned.pt');
    copy('state_dict.pt', 'models/base.pt');
    fs.writeFileSync(path.join(dir, '.gitignore'), 'models/\n');
    fs.writeFileSync(path.join(dir, 'train.py'), 'print(1)\n');
    const run = mlsec(['scan'], dir);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^models\/finetuned\.pt@59: error\s+MLS601 posix\.system .*zz_weird-folder\.v2\/data\.pkl/m);
    assert.doesNotMatch(run.stdout, /base\.pt/);
    const ignored = mlsec(['scan', '--models-gitignore'], dir);
    assert.equal(ignored.code, 0);
    const none = mlsec(['scan', '--no-models'], dir);
    assert.doesNotMatch(none.stdout, /MLS6/);
  });

  it('reads an explicit file by content with --models-only, whatever its extension', () => {
    copy('protocol0_system.pkl', 'notes.txt');
    fs.writeFileSync(path.join(dir, 'a.py'), 'import torch\ntorch.load("x", weights_only=False)\n');
    const run = mlsec(['scan', '--models-only', 'notes.txt', 'a.py', '-f', 'json'], dir);
    const report = JSON.parse(run.stdout) as { findings: Array<{ file: string; code: string; byteOffset?: number }> };
    assert.deepEqual(
      report.findings.map((f) => [f.file, f.code, f.byteOffset]),
      [['notes.txt', 'MLS601', 0]],
    );
  });

  it('writes SARIF with a byteOffset region, the member and MLS6xx rule descriptors', () => {
    copy('unusual_folder.pt', 'hub/models--x/snapshots/abc/pytorch_model.bin');
    const run = mlsec(['scan', 'hub', '-f', 'sarif'], dir);
    const sarif = JSON.parse(run.stdout) as {
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string }> } };
        results: Array<{
          ruleId: string;
          ruleIndex: number;
          locations: Array<{ physicalLocation: { region?: { byteOffset: number } } }>;
          properties: { archiveMember?: string };
        }>;
      }>;
    };
    const [result] = sarif.runs[0].results;
    assert.equal(result.ruleId, 'MLS601');
    assert.equal(result.locations[0].physicalLocation.region?.byteOffset, 59);
    assert.equal(result.properties.archiveMember, 'zz_weird-folder.v2/data.pkl');
    assert.equal(sarif.runs[0].tool.driver.rules[result.ruleIndex].id, 'MLS601');
  });

  it('follows Hugging Face cache links from snapshots to blobs, but not out of the scanned folder', () => {
    copy('bypass_timeit.pkl', 'hub/models--org--m/blobs/0123abcd');
    fs.mkdirSync(path.join(dir, 'hub/models--org--m/snapshots/rev1'), { recursive: true });
    fs.symlinkSync('../../blobs/0123abcd', path.join(dir, 'hub/models--org--m/snapshots/rev1/pytorch_model.bin'));
    copy('bypass_importlib.pkl', 'outside/evil.pkl');
    fs.symlinkSync(path.join(dir, 'outside/evil.pkl'), path.join(dir, 'hub/models--org--m/snapshots/rev1/escape.pkl'));
    const run = mlsec(['scan', '--models-only', 'hub'], dir);
    assert.match(run.stdout, /^hub\/models--org--m\/snapshots\/rev1\/pytorch_model\.bin@\d+: error\s+MLS601 timeit\.timeit/m);
    assert.doesNotMatch(run.stdout, /importlib/);
  });

  it('honours --select and --ignore for model-file rules', () => {
    copy('object_array.npy', 'data/labels.npy');
    assert.match(mlsec(['scan'], dir).stdout, /MLS603/);
    assert.doesNotMatch(mlsec(['scan', '--ignore', 'MLS603'], dir).stdout, /MLS603/);
    assert.doesNotMatch(mlsec(['scan', '--select', 'MLS601'], dir).stdout, /MLS603/);
  });

  it('takes extra allowed globals from [tool.mlsec] artifact-allow', () => {
    copy('sequential_model.pth', 'm/ok.pth');
    // A whole-model pickle of a user class: unknown until the project allows its module.
    const pickle = Buffer.from('\x80\x02cmypkg.layers\nScaler\n)\x81}b.', 'latin1');
    fs.writeFileSync(path.join(dir, 'm', 'custom.pkl'), pickle);
    assert.match(mlsec(['scan'], dir).stdout, /warning\s+MLS602 mypkg\.layers\.Scaler/);
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.mlsec]\nartifact-allow = ["mypkg.layers.*"]\n');
    const run = mlsec(['scan'], dir);
    assert.equal(run.code, 0);
    assert.doesNotMatch(run.stdout, /MLS602/);
  });

  it('locks model files and reports changed, missing and unlocked ones', () => {
    copy('state_dict.pt', 'models/a.pt');
    copy('model.safetensors', 'models/b.safetensors');
    assert.equal(mlsec(['scan'], dir).stdout.includes('MLS610'), false, 'no "not locked" before a lock exists');
    const lock = mlsec(['lock'], dir);
    assert.equal(lock.code, 0, lock.stderr);
    const text = fs.readFileSync(path.join(dir, 'mlsec.lock'), 'utf8');
    assert.ok(text.indexOf('models/a.pt') < text.indexOf('models/b.safetensors'), 'sorted');
    assert.match(text, /sha256 = "[0-9a-f]{64}"/);
    assert.equal(mlsec(['scan'], dir).code, 0);
    fs.appendFileSync(path.join(dir, 'models', 'a.pt'), 'tampered');
    fs.rmSync(path.join(dir, 'models', 'b.safetensors'));
    copy('numeric.npy', 'models/c.npy');
    const run = mlsec(['scan', '--verify-hashes'], dir);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /models\/a\.pt: error\s+MLS608 /);
    assert.match(run.stdout, /mlsec\.lock: warning MLS609 models\/b\.safetensors/);
    assert.match(run.stdout, /models\/c\.npy: info\s+MLS610 /);
  });

  it('notices a change of content even when size and mtime are restored, once hashes are verified', () => {
    copy('state_dict.pt', 'm.pt');
    mlsec(['lock'], dir);
    const file = path.join(dir, 'm.pt');
    const stat = fs.statSync(file);
    const bytes = fs.readFileSync(file);
    bytes[100] ^= 0xff;
    fs.writeFileSync(file, bytes);
    fs.utimesSync(file, stat.atime, stat.mtime);
    assert.match(mlsec(['scan', '--verify-hashes'], dir).stdout, /MLS608/);
  });

  it('lists and explains model-file rules', () => {
    const rules = mlsec(['rules'], dir);
    for (const code of ['MLS601', 'MLS605', 'MLS608', 'MLS610']) assert.match(rules.stdout, new RegExp(`^${code} `, 'm'));
    const explain = mlsec(['explain', 'model-code-on-load'], dir);
    assert.equal(explain.code, 0);
    assert.match(explain.stdout, /safetensors/);
  });
});
