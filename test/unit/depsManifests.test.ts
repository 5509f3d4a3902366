/** Manifest readers and the PEP 440 layer: every format, includes, markers, continuations, broken files. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { manifestKindOf, readManifest } from '../../server/src/deps/manifests';
import type { ManifestReport } from '../../server/src/deps/model';
import {
  compareVersions,
  isEmpty,
  intersect,
  normalizeName,
  pinnedVersion,
  satisfies,
  specifierInterval,
  inInterval,
} from '../../server/src/deps/pep440';
import { poetryConstraint } from '../../server/src/deps/poetry';
import type { ReadText } from '../../server/src/deps/requirementsTxt';

const noFiles: ReadText = () => ({ error: 'ENOENT' });

function read(name: string, text: string, readText: ReadText = noFiles, dir = '/project'): ManifestReport {
  const file = path.join(dir, name);
  const kind = manifestKindOf(file);
  assert.ok(kind, `${name} is a manifest`);
  return readManifest(kind, text, file, readText);
}

/** name → [specifier, written text of the requirement, line] */
function summary(report: ManifestReport, text: string): Record<string, [string, string, number]> {
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length - 1;
  return Object.fromEntries(
    report.requirements.map((r) => [r.name, [r.specifier, text.slice(r.span.start, r.span.end), lineOf(r.span.start)]]),
  );
}

describe('PEP 440 layer', () => {
  it('normalises names per PEP 503', () => {
    assert.equal(normalizeName('Llama_CPP.Python'), 'llama-cpp-python');
    assert.equal(normalizeName('scikit__learn'), 'scikit-learn');
  });

  it('finds pins and only pins', () => {
    assert.equal(pinnedVersion('==2.5.1'), '2.5.1');
    assert.equal(pinnedVersion('===2.5.1'), '2.5.1');
    assert.equal(pinnedVersion('==2.5.1+cu121'), '2.5.1+cu121');
    assert.equal(pinnedVersion('==2.5.*'), undefined);
    assert.equal(pinnedVersion('>=2.5.1'), undefined);
    assert.equal(pinnedVersion('==2.5.1,!=2.5.0'), undefined);
  });

  it('orders pre-releases, post-releases and local versions', () => {
    assert.ok(compareVersions('2.6.0rc1', '2.6.0') < 0);
    assert.ok(compareVersions('2.6.0.post1', '2.6.0') > 0);
    assert.ok(compareVersions('2.5.1+cu121', '2.6.0') < 0);
    assert.ok(compareVersions('1!0.1', '2.0') > 0);
  });

  it('evaluates specifiers on tricky cases', () => {
    assert.equal(satisfies('2.5.1', '~=2.5'), true);
    assert.equal(satisfies('3.0', '~=2.5'), false);
    assert.equal(satisfies('2.5.1', '==2.5.*'), true);
    assert.equal(satisfies('2.6.0', '==2.5.*'), false);
    assert.equal(satisfies('2.5.1', '!=2.5.1'), false);
    assert.equal(satisfies('2.5.1', '===2.5.1'), true);
    assert.equal(satisfies('2.5.1+cu121', '==2.5.1'), true);
    assert.equal(satisfies('2.6.0rc1', '>=2.6.0'), false);
    assert.equal(satisfies('anything', ''), true);
  });

  it('computes the interval a specifier admits', () => {
    const tilde = specifierInterval('~=2.5')!;
    assert.equal(inInterval('2.9', tilde), true);
    assert.equal(inInterval('3.0', tilde), false);
    const wildcard = specifierInterval('==1.4.*')!;
    assert.equal(inInterval('1.4.7', wildcard), true);
    assert.equal(inInterval('1.5.0', wildcard), false);
    const affected = { lower: { version: '0', inclusive: true }, upper: { version: '2.6.0', inclusive: false } };
    assert.equal(isEmpty(intersect(specifierInterval('>=2.0')!, affected)), false);
    assert.equal(isEmpty(intersect(specifierInterval('>=2.6.0')!, affected)), true);
    assert.equal(isEmpty(intersect(specifierInterval('>2.5.1,<2.6')!, affected)), false);
    assert.equal(isEmpty(intersect(specifierInterval('==2.6.0')!, affected)), true);
    assert.equal(specifierInterval('===foobar'), undefined);
  });

  it('translates Poetry constraints', () => {
    assert.deepEqual(poetryConstraint('^2.5.1'), ['>=2.5.1,<3']);
    assert.deepEqual(poetryConstraint('^0.2.3'), ['>=0.2.3,<0.3']);
    assert.deepEqual(poetryConstraint('~1.2.3'), ['>=1.2.3,<1.3']);
    assert.deepEqual(poetryConstraint('2.5.1'), ['==2.5.1']);
    assert.deepEqual(poetryConstraint('*'), ['']);
    assert.deepEqual(poetryConstraint('>=1.0,<2.0'), ['>=1.0,<2.0']);
    assert.deepEqual(poetryConstraint('^1.0 || ^2.0'), ['>=1.0,<2', '>=2.0,<3']);
    assert.equal(poetryConstraint('^banana'), undefined);
  });
});

describe('manifest readers', () => {
  it('recognises manifest file names', () => {
    for (const name of [
      'requirements.txt',
      'requirements-dev.txt',
      'dev-requirements.txt',
      'requirements.in',
      'constraints.txt',
      'pyproject.toml',
      'setup.cfg',
      'Pipfile',
      'Pipfile.lock',
      'poetry.lock',
      'uv.lock',
      'pylock.toml',
      'pylock.gpu.toml',
      'environment.yml',
    ]) {
      assert.ok(manifestKindOf(`/p/${name}`), name);
    }
    assert.ok(manifestKindOf('/p/requirements/base.txt'));
    for (const name of ['notes.txt', 'setup.py', 'README.md', 'requirements.py'])
      assert.equal(manifestKindOf(`/p/${name}`), undefined, name);
  });

  it('reads requirements files: comments, markers, extras, continuations, hashes, skips', () => {
    const text = [
      'torch==2.5.1  # pinned for CUDA',
      '# a comment',
      'transformers[torch]>=4.0 ; python_version > "3.8"',
      'numpy \\',
      '  ==1.21.0 \\',
      '  --hash=sha256:0123',
      '-e ./local',
      'git+https://github.com/example/pkg',
      'pkg @ https://example.com/pkg-1.0.whl',
      '--index-url https://example.com/simple',
      'requests (>=2.0)',
      'bad[',
      'gradio',
    ].join('\n');
    const report = read('requirements.txt', text);
    assert.deepEqual(summary(report, text), {
      torch: ['==2.5.1', 'torch==2.5.1', 0],
      transformers: ['>=4.0', 'transformers[torch]>=4.0 ; python_version > "3.8"', 2],
      numpy: ['==1.21.0', 'numpy \\\n  ==1.21.0', 3],
      requests: ['>=2.0', 'requests (>=2.0)', 10],
      gradio: ['', 'gradio', 12],
    });
    const transformers = report.requirements.find((r) => r.name === 'transformers')!;
    assert.deepEqual(transformers.extras, ['torch']);
    assert.equal(transformers.marker, 'python_version > "3.8"');
    assert.equal(report.requirements.find((r) => r.name === 'numpy')!.hashed, true);
    assert.deepEqual(
      report.skipped.map((s) => s.line),
      [6, 7, 8],
    );
    assert.match(report.skipped[0].reason, /editable/);
    assert.match(report.skipped[2].reason, /direct URL/);
    assert.deepEqual(
      report.problems.map((p) => p.line),
      [11],
    );
  });

  it('follows -r and -c includes relative to the file, with cycle protection', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-req-'));
    try {
      fs.mkdirSync(path.join(dir, 'reqs'));
      fs.writeFileSync(path.join(dir, 'reqs', 'base.txt'), 'pyyaml==5.3\n-r ../requirements.txt\n');
      fs.writeFileSync(path.join(dir, 'constraints.txt'), 'transformers==4.30.0\n');
      const text = '-r reqs/base.txt\n-c constraints.txt\n-r missing.txt\ntransformers>=4\n';
      const readText: ReadText = (file) => {
        try {
          return { text: fs.readFileSync(file, 'utf8') };
        } catch (error) {
          return { error: (error as NodeJS.ErrnoException).code ?? 'error' };
        }
      };
      const report = read('requirements.txt', text, readText, dir);
      assert.deepEqual(
        [...(report.constraints ?? new Map())],
        [
          ['pyyaml', '5.3'],
          ['transformers', '4.30.0'],
        ],
      );
      assert.deepEqual(
        report.requirements.map((r) => r.name),
        ['transformers'],
      );
      assert.equal(report.problems.length, 1);
      assert.equal(report.problems[0].line, 2);
      assert.match(report.problems[0].message, /missing\.txt.*ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads pyproject.toml: PEP 621, dependency groups, Poetry', () => {
    const text = [
      '[project]',
      'name = "demo"',
      'dependencies = [',
      '  "torch>=2.0",',
      '  "numpy==1.21.0; python_version < \'3.12\'",',
      ']',
      '[project.optional-dependencies]',
      'serve = ["gradio==3.0"]',
      '[dependency-groups]',
      'dev = ["pytest", {include-group = "lint"}]',
      '[tool.poetry.dependencies]',
      'python = "^3.10"',
      'keras = "^3.1.0"',
      'mlflow = { version = "2.9.0", extras = ["extras"] }',
      'local = { path = "../local" }',
    ].join('\n');
    const report = read('pyproject.toml', text);
    const s = summary(report, text);
    assert.deepEqual(s.torch, ['>=2.0', 'torch>=2.0', 3]);
    assert.deepEqual(s.numpy, ['==1.21.0', "numpy==1.21.0; python_version < '3.12'", 4]);
    assert.deepEqual(s.gradio, ['==3.0', 'gradio==3.0', 7]);
    assert.deepEqual(s.pytest, ['', 'pytest', 9]);
    assert.equal(s.keras[0], '>=3.1.0,<4');
    assert.equal(s.keras[2], 12);
    assert.equal(s.mlflow[0], '==2.9.0');
    assert.equal(s.mlflow[2], 13);
    assert.equal(report.requirements.find((r) => r.name === 'keras')!.constraintText, '^3.1.0');
    assert.equal(report.skipped.length, 1);
    assert.equal(report.skipped[0].line, 14);
    assert.equal(s.python, undefined);
  });

  it('reports broken TOML with its line and nothing else', () => {
    const report = read('pyproject.toml', '[project]\ndependencies = ["torch==2.5.1"\nname = \n');
    assert.equal(report.requirements.length, 0);
    assert.equal(report.problems.length, 1);
    assert.match(report.problems[0].message, /invalid TOML at line \d/);
    assert.equal(typeof report.problems[0].line, 'number');
  });

  it('reads setup.cfg install_requires and extras_require', () => {
    const text =
      '[metadata]\nname = demo\n[options]\ninstall_requires =\n    torch==2.5.1\n    numpy>=1.0  # comment\n[options.extras_require]\nserve = gradio==4.0\n';
    const report = read('setup.cfg', text);
    assert.deepEqual(summary(report, text), {
      torch: ['==2.5.1', 'torch==2.5.1', 4],
      numpy: ['>=1.0', 'numpy>=1.0', 5],
      gradio: ['==4.0', 'gradio==4.0', 7],
    });
  });

  it('reads Pipfile packages', () => {
    const text =
      '[packages]\ntorch = "==2.5.1"\nrequests = "*"\nmlflow = {version = ">=2.0", extras = ["x"]}\n[dev-packages]\nlocal = {path = "."}\n';
    const report = read('Pipfile', text);
    const s = summary(report, text);
    assert.deepEqual(Object.keys(s), ['torch', 'requests', 'mlflow']);
    assert.equal(s.torch[0], '==2.5.1');
    assert.equal(s.requests[0], '');
    assert.equal(s.mlflow[2], 3);
    assert.equal(report.skipped.length, 1);
  });

  it('reads the pip section of environment.yml', () => {
    const text =
      'name: demo\ndependencies:\n  - python=3.11\n  - pytorch=2.1\n  - pip:\n    - transformers==4.30.0\n    - "gradio>=3.0"\n    - --extra-index-url https://x\n';
    const report = read('environment.yml', text);
    assert.deepEqual(summary(report, text), { transformers: ['==4.30.0', 'transformers==4.30.0', 5], gradio: ['>=3.0', 'gradio>=3.0', 6] });
    assert.equal(report.skipped.length, 1);
    const broken = read('environment.yml', 'dependencies:\n  - pip:\n    - [unclosed\n');
    assert.equal(broken.problems.length > 0, true);
    assert.equal(typeof broken.problems[0].line, 'number');
  });

  it('reads locks: poetry.lock, uv.lock, pylock.toml, Pipfile.lock', () => {
    const poetry = '[[package]]\nname = "torch"\nversion = "2.5.1"\n\n[[package]]\nname = "numpy"\nversion = "1.26.4"\n';
    const p = read('poetry.lock', poetry);
    assert.deepEqual(
      p.requirements.map((r) => [r.name, r.pinned, r.locked]),
      [
        ['torch', '2.5.1', true],
        ['numpy', '1.26.4', true],
      ],
    );
    assert.deepEqual(
      Object.values(summary(p, poetry)).map((v) => v[2]),
      [2, 6],
    );
    const uv =
      '[[package]]\nname = "demo"\nversion = "0.1.0"\nsource = { editable = "." }\n\n[[package]]\nname = "keras"\nversion = "3.7.0"\nsource = { registry = "https://pypi.org/simple" }\n';
    assert.deepEqual(
      read('uv.lock', uv).requirements.map((r) => [r.name, r.pinned]),
      [['keras', '3.7.0']],
    );
    const pylock = 'lock-version = "1.0"\n[[packages]]\nname = "gradio"\nversion = "4.0.0"\n';
    assert.deepEqual(
      read('pylock.toml', pylock).requirements.map((r) => [r.name, r.pinned]),
      [['gradio', '4.0.0']],
    );
    const pipfileLock = JSON.stringify(
      { _meta: {}, default: { torch: { version: '==2.5.1' }, local: { path: '.' } }, develop: { pytest: { version: '==8.0.0' } } },
      null,
      4,
    );
    const lock = read('Pipfile.lock', pipfileLock);
    assert.deepEqual(
      lock.requirements.map((r) => [r.name, r.pinned, summary(lock, pipfileLock)[r.name][2]]),
      [
        ['torch', '2.5.1', 3],
        ['pytest', '8.0.0', 11],
      ],
    );
    assert.equal(lock.skipped.length, 1);
    const broken = read('Pipfile.lock', '{"default": {');
    assert.equal(broken.problems.length, 1);
  });
});
