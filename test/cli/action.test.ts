/** The GitHub Action: action.yml's wiring, and its script run locally the way the runner runs it. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/paths';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'action', 'run.sh');

interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: {
    using: string;
    steps: Array<{ id?: string; uses?: string; run?: string; if?: string; env?: Record<string, string>; with?: Record<string, string> }>;
  };
}

describe('GitHub Action', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-action-'));
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, 'train.py'), 'import torch\nm = torch.load("m.pt", weights_only=False)\n');
    fs.mkdirSync(path.join(dir, 'lib'));
    fs.writeFileSync(path.join(dir, 'lib', 'io.py'), 'import yaml\nc = yaml.load(open("c.yml"))\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the action's script as its Scan step does: inputs in MLSEC_* variables, outputs to GITHUB_OUTPUT. */
  function runStep(inputs: Record<string, string>) {
    const outputFile = path.join(dir, 'github-output');
    fs.writeFileSync(outputFile, '');
    const result = spawnSync('bash', [SCRIPT], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', GITHUB_OUTPUT: outputFile, ...inputs },
    });
    const outputs = Object.fromEntries(
      fs
        .readFileSync(outputFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, outputs };
  }

  it('declares the inputs, passes them to the script as environment (never into the shell text), uploads SARIF on request', () => {
    const action = parse(fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as Action;
    assert.equal(action.runs.using, 'composite');
    for (const input of ['paths', 'fail-on', 'sarif', 'baseline', 'upload-sarif']) assert.ok(action.inputs[input], input);
    const scan = action.runs.steps.find((s) => s.id === 'scan');
    assert.ok(scan?.run?.includes('scripts/action/run.sh'));
    assert.deepEqual(scan?.env, {
      MLSEC_PATHS: '${{ inputs.paths }}',
      MLSEC_FAIL_ON: '${{ inputs.fail-on }}',
      MLSEC_SARIF: '${{ inputs.sarif }}',
      MLSEC_BASELINE: '${{ inputs.baseline }}',
      MLSEC_ANNOTATIONS: '${{ inputs.annotations }}',
      MLSEC_ARGS: '${{ inputs.args }}',
    });
    for (const step of action.runs.steps) assert.doesNotMatch(step.run ?? '', /\$\{\{/, 'no expression is expanded into a shell script');
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'));
    assert.match(upload?.if ?? '', /inputs\.upload-sarif == 'true'/);
    assert.equal(upload?.with?.sarif_file, '${{ steps.scan.outputs.sarif }}');
    const last = action.runs.steps[action.runs.steps.length - 1];
    assert.match(last.if ?? '', /steps\.scan\.outputs\.exit-code != '0'/, 'findings fail the job after the upload');
    assert.equal(action.outputs['exit-code'].value, '${{ steps.scan.outputs.exit-code }}');
  });

  it('writes SARIF and annotations and records exit code 1 for findings, without failing the step', () => {
    const run = runStep({ MLSEC_PATHS: 'train.py\nlib', MLSEC_SARIF: 'reports/mlsec.sarif' });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.outputs, { sarif: 'reports/mlsec.sarif', 'exit-code': '1' });
    const sarif = JSON.parse(fs.readFileSync(path.join(dir, 'reports', 'mlsec.sarif'), 'utf8')) as {
      version: string;
      runs: Array<{ results: Array<{ ruleId: string }> }>;
    };
    assert.equal(sarif.version, '2.1.0');
    assert.deepEqual(sarif.runs[0].results.map((r) => r.ruleId).sort(), ['MLS102', 'MLS106']);
    assert.match(run.stdout, /^::error file=train\.py,line=2,/m);
    assert.match(run.stdout, /^::warning file=lib\/io\.py,line=2,/m);
  });

  it('honours fail-on and the baseline', () => {
    assert.equal(runStep({ MLSEC_FAIL_ON: 'never', MLSEC_SARIF: '' }).outputs['exit-code'], '0');
    const recorded = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'mlsec.js'), 'baseline', '.'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(recorded.status, 0, recorded.stderr);
    const run = runStep({ MLSEC_BASELINE: '.mlsec/baseline.json', MLSEC_FAIL_ON: 'info' });
    assert.equal(run.outputs['exit-code'], '0');
    assert.doesNotMatch(run.stdout, /^::/m, 'no annotation for known findings');
  });

  it('stops with exit code 2 on a usage error', () => {
    const run = runStep({ MLSEC_FAIL_ON: 'sometimes' });
    assert.equal(run.code, 2);
    assert.equal(run.outputs['exit-code'], '2');
    assert.match(run.stderr, /--fail-on must be/);
  });
});

describe('pre-commit hooks file', () => {
  it('declares a node hook on Python files, notebooks and model files, run once for all files', () => {
    const hooks = parse(fs.readFileSync(path.join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Array<{
      id: string;
      entry: string;
      language: string;
      files: string;
      require_serial?: boolean;
    }>;
    const hook = hooks.find((h) => h.id === 'mlsec');
    assert.ok(hook);
    assert.equal(hook.language, 'node');
    assert.equal(hook.entry, 'mlsec scan');
    assert.equal(hook.require_serial, true);
    const files = new RegExp(hook.files);
    for (const name of ['train.py', 'src/x.pyi', 'nb/explore.ipynb', 'model.pt', 'weights.safetensors', 'clf.pkl', 'model.onnx', 'm.h5'])
      assert.ok(files.test(name), name);
    for (const name of ['README.md', 'notes.txt', 'train.py.orig', 'setup.cfg']) assert.ok(!files.test(name), name);
  });
});
