/**
 * The `.pre-commit-hooks.yaml` hook, run by Debian's `pre-commit` the way a team adds it:
 * `pre-commit try-repo` against a local clone of this repository, in a throwaway project. It
 * installs mlsec as pre-commit does (`language: node`: npm install, npm pack with `prepack`
 * building dist/, npm install -g), so it needs the npm registry and takes a few minutes; it runs
 * in `npm run test:integrations` (CI runs it after `scripts/e2e/ci-prereqs.sh` installs
 * `pre-commit`), not in `npm test`. Only committed files are in the clone.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/paths';

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env, timeout: 15 * 60 * 1000 });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('pre-commit hook (pre-commit try-repo)', () => {
  let dir: string;
  before(function () {
    const found = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
    if (found.error) throw new Error('pre-commit is not installed: run `bash scripts/e2e/ci-prereqs.sh` (Debian package pre-commit)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-pre-commit-'));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a commit with an unsafe load in a Python file or notebook, and passes once fixed', () => {
    const clone = path.join(dir, 'mlsec');
    assert.equal(run('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, clone], dir).code, 0);
    assert.ok(fs.existsSync(path.join(clone, '.pre-commit-hooks.yaml')), 'the hooks file is committed');

    const project = path.join(dir, 'project');
    fs.mkdirSync(project);
    const git = (...args: string[]) => assert.equal(run('git', args, project).code, 0, `git ${args.join(' ')}`);
    git('init', '--quiet');
    git('config', 'user.email', 'ci@example.invalid');
    git('config', 'user.name', 'CI');
    fs.writeFileSync(path.join(project, 'train.py'), 'import torch\nmodel = torch.load("m.pt", weights_only=False)\n');
    const notebook = (source: string) =>
      JSON.stringify({
        cells: [{ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source: ['import yaml\n', source] }],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      });
    fs.writeFileSync(path.join(project, 'explore.ipynb'), notebook("cfg = yaml.load(open('c.yml'), Loader=yaml.UnsafeLoader)"));
    // Not a file the hook takes: never handed to mlsec.
    fs.writeFileSync(path.join(project, 'notes.txt'), 'torch.load("m.pt", weights_only=False)\n');
    git('add', '-A');

    const env = {
      ...process.env,
      PRE_COMMIT_HOME: path.join(dir, 'cache'),
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    const failing = run('pre-commit', ['try-repo', clone, 'mlsec', '--all-files', '--verbose'], project, env);
    assert.equal(failing.code, 1, failing.output);
    assert.match(failing.output, /mlsec \(ML security\)\.+Failed/);
    assert.match(failing.output, /train\.py:2:\d+: error\s+MLS102/);
    assert.match(failing.output, /explore\.ipynb:cell 1:2:\d+: error\s+MLS106/);
    assert.doesNotMatch(failing.output, /notes\.txt/);

    fs.writeFileSync(path.join(project, 'train.py'), 'import torch\nmodel = torch.load("m.pt", weights_only=True)\n');
    fs.writeFileSync(path.join(project, 'explore.ipynb'), notebook("cfg = yaml.safe_load(open('c.yml'))"));
    git('add', '-A');
    const passing = run('pre-commit', ['try-repo', clone, 'mlsec', '--all-files'], project, env);
    assert.equal(passing.code, 0, passing.output);
    assert.match(passing.output, /mlsec \(ML security\)\.+Passed/);
  });
});
