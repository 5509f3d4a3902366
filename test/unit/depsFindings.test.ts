/** Dependency findings and fixes: pins, ranges, locks deciding, notebooks, fixed files still parse. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzeManifestText } from '../../server/src/deps/analyze';
import { loadAdvisories } from '../../server/src/deps/bundled';
import { manifestKindOf, readManifest } from '../../server/src/deps/manifests';
import type { ReadText } from '../../server/src/deps/requirementsTxt';
import { dependencyFindings } from '../../server/src/deps/scanHook';
import type { Finding } from '../../server/src/engine/findings';
import type { TextEdit } from '../../server/src/engine/rule';
import { resolveSelection } from '../../server/src/engine/config/selection';
import { ALL_RULES } from '../../server/src/rules/index';

const selection = resolveSelection(ALL_RULES, {});
const db = loadAdvisories();

function analyze(name: string, text: string, files: Record<string, string> = {}): Finding[] {
  const readText: ReadText = (file) =>
    files[path.basename(file)] !== undefined ? { text: files[path.basename(file)] } : { error: 'ENOENT' };
  const result = analyzeManifestText(path.join('/project', name), text, { db, selection, readText });
  assert.deepEqual(result.problems, []);
  return result.findings;
}

function apply(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.newText + out.slice(edit.end);
  return out;
}

/** Applies a finding's fix and checks that the file parses and the requirement is no longer flagged. */
function fixed(name: string, text: string, finding: Finding): string {
  assert.equal(finding.fixes.length, 1, finding.message);
  const result = apply(text, finding.fixes[0].edits);
  const report = readManifest(manifestKindOf(name)!, result, `/project/${name}`, () => ({ error: 'ENOENT' }));
  assert.deepEqual(report.problems, [], `the fixed ${name} still parses`);
  return result;
}

describe('dependency findings', () => {
  it('reports a pinned vulnerable version at the advisory severity, naming advisory, CVE and fixed release', () => {
    const text = 'torch==2.5.1  # for CUDA 12\n';
    const findings = analyze('requirements.txt', text);
    // One finding for the line, led by the most severe advisory and naming the others.
    assert.equal(findings.length, 1);
    const main = findings[0];
    assert.equal(main.code, 'MLS701');
    assert.equal(main.severity, 'error');
    assert.match(
      main.message,
      /^torch pinned to 2\.5\.1 is affected by GHSA-53q9-r3pm-6pq6 \(CVE-2025-32434, critical\): .*weights_only=True.*\. Also affected by .*CVE-2026-24747.* All fixed in 2\.10\.0\.$/,
    );
    assert.ok(main.cwe.includes(502));
    assert.deepEqual(main.threats, ['model-tampering']);
    assert.deepEqual(main.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 12 } });
    // The fix raises to the release that fixes every advisory on the line.
    assert.equal(main.fixes[0].title, 'Raise torch to 2.10.0');
    assert.equal(main.fixes[0].safe, true);
    assert.equal(fixed('requirements.txt', text, main), 'torch==2.10.0  # for CUDA 12\n');
    assert.equal(analyze('requirements.txt', fixed('requirements.txt', text, main)).length, 0);
  });

  it('keeps extras, markers and comments when raising a range, and marks a major-version jump unsafe', () => {
    const text = 'transformers[torch] >=4.0,<5 ; python_version > "3.8"  # hub models\nurllib3>=1.26\n';
    const findings = analyze('requirements.txt', text);
    const transformers = findings.filter((f) => f.message.startsWith('transformers'));
    assert.equal(transformers.length, 1, 'one finding for the line, whatever the number of advisories');
    assert.ok(transformers.every((f) => f.code === 'MLS702' && f.severity === 'warning'));
    assert.match(transformers[0].message, /transformers >=4\.0,<5 admits releases affected by .*\(affected: <4\.\d+\.0\)/);
    const result = fixed('requirements.txt', text, transformers[0]);
    assert.equal(result.split('\n')[0], 'transformers[torch] >=4.48.0,<5 ; python_version > "3.8"  # hub models');
    assert.equal(transformers[0].fixes[0].safe, true);
    const urllib3 = findings.find((f) => f.message.startsWith('urllib3'))!;
    assert.equal(urllib3.fixes[0].safe, false, '1.x to 2.x crosses a major version');
    assert.equal(fixed('requirements.txt', text, urllib3).split('\n')[1], 'urllib3>=2.0.7');
  });

  it('adds a bound to a bare name and lowers the severity of a range', () => {
    const text = 'gradio\n';
    const findings = analyze('requirements.txt', text);
    assert.equal(findings.length, 1);
    const [severe] = findings;
    assert.equal(severe.severity, 'warning', 'the most severe advisory (high) on a range makes a warning');
    assert.match(
      severe.message,
      /^gradio \(no version constraint\) admits releases affected by .*\(.*high\).*Also affected by .*PYSEC-2024-197/,
    );
    assert.ok(severe.message.includes('PYSEC-2023-249'));
    const target = /Require >=([\d.]+)\.$/.exec(severe.message)![1];
    assert.equal(fixed('requirements.txt', text, severe), `gradio>=${target}\n`);
    assert.equal(analyze('requirements.txt', `gradio>=${target}\n`).length, 0, 'the fix leaves every advisory');
    // A range admitting only a moderate advisory is informational.
    const medium = analyze('requirements.txt', 'gradio>=4.44.0\n');
    assert.ok(medium.every((f) => f.severity === 'info'));
  });

  it('lets a lock decide: ranges pinned by a neighbouring lock are not reported, the lock is', () => {
    const pyproject = '[project]\nname = "demo"\ndependencies = ["torch>=2.0", "keras>=3.0"]\n';
    const lock = '[[package]]\nname = "torch"\nversion = "2.5.1"\n';
    const findings = analyze('pyproject.toml', pyproject, { 'uv.lock': lock });
    assert.ok(
      findings.every((f) => f.message.startsWith('keras')),
      'torch is pinned by uv.lock',
    );
    assert.ok(findings.length > 0);
    const locked = analyze('uv.lock', lock);
    assert.equal(locked.length, 1, 'one finding for the locked package');
    assert.ok(locked.every((f) => f.code === 'MLS701' && f.fixes.length === 0 && /locked at 2\.5\.1/.test(f.message)));
    assert.deepEqual(locked[0].range.start, { line: 2, character: 0 });
  });

  it('lets a -c constraint pin govern a range', () => {
    const findings = analyze('requirements.txt', '-c constraints.txt\ntorch>=2.0\n', { 'constraints.txt': 'torch==2.10.0\n' });
    assert.deepEqual(findings, []);
  });

  it('rewrites Poetry constraints in their own style', () => {
    const text = '[tool.poetry.dependencies]\npython = "^3.10"\nkeras = "^3.1.0"\nmlflow = { version = "2.9.0" }\n';
    const findings = analyze('pyproject.toml', text);
    const keras = findings.find((f) => f.message.startsWith('keras'))!;
    assert.equal(keras.range.start.line, 2);
    assert.equal(fixed('pyproject.toml', text, keras).split('\n')[2], 'keras = "^3.11.3"');
    const mlflow = findings.find((f) => f.message.startsWith('mlflow'))!;
    assert.equal(mlflow.code, 'MLS701');
    assert.equal(fixed('pyproject.toml', text, mlflow).split('\n')[3].includes('version = "'), true);
  });

  it('offers no edit when hashes pin the artifact', () => {
    const findings = analyze('requirements.txt', 'keras==3.7.0 \\\n    --hash=sha256:0123\n');
    assert.equal(findings.length, 1);
    assert.deepEqual(findings[0].fixes, []);
  });

  it('respects the rule selection and severity settings', () => {
    const only701 = resolveSelection(ALL_RULES, { select: ['MLS701'], severity: { MLS701: 'info' } });
    const result = analyzeManifestText('/project/requirements.txt', 'torch==2.5.1\ngradio\n', {
      db,
      selection: only701,
      readText: () => ({ error: 'ENOENT' }),
    });
    assert.ok(result.findings.length > 0);
    assert.ok(result.findings.every((f) => f.code === 'MLS701' && f.severity === 'info'));
  });

  it('reports broken manifests as problems with their line', () => {
    const result = analyzeManifestText('/project/requirements.txt', 'torch==2.5.1\nbad[\n', {
      db,
      selection,
      readText: () => ({ error: 'ENOENT' }),
    });
    assert.deepEqual(
      result.problems.map((p) => p.line),
      [1],
    );
    assert.ok(result.findings.length > 0, 'the rest of the file is still judged');
  });

  it('finds vulnerable installs in notebook cells, with cell-relative ranges and edits', () => {
    const notebook = JSON.stringify({
      cells: [
        { cell_type: 'markdown', source: ['# Setup'] },
        {
          cell_type: 'code',
          source: ['import os\n', '%pip install -q "keras==3.7.0" numpy\n', '!pip install -U torch>=2.10 --index-url https://x\n'],
        },
      ],
      metadata: { language_info: { name: 'python' } },
      nbformat: 4,
      nbformat_minor: 5,
    });
    const result = dependencyFindings('/project/demo.ipynb', notebook, selection, {}, 'notebook')!;
    const keras = result.findings.find((f) => f.message.includes('keras'))!;
    assert.equal(keras.cell, 1);
    assert.equal(keras.code, 'MLS701');
    assert.deepEqual(keras.range, { start: { line: 1, character: 17 }, end: { line: 1, character: 29 } });
    assert.equal(keras.fixes[0].edits[0].cell, 1);
    assert.ok(!result.findings.some((f) => f.message.startsWith('torch')), 'torch>=2.10 admits no bundled advisory');
  });
});
