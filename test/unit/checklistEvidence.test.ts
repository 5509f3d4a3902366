/** The checklist catalogue, evidence gathering in a workspace, and the evidence-to-status rules. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHECKLIST, THREATS, checklistItem, evidenceStatus, findingCountsAgainst } from '../../common/src/checklist';
import type { ChecklistEvidenceRequest, EvidenceSignal, FindingSummary, ThreatId } from '../../common/src/protocol';
import { gatherChecklistEvidence } from '../../server/src/checklist/evidence';

export function finding(
  file: string,
  line: number,
  code: string,
  severity: FindingSummary['severity'],
  threats: ThreatId[],
  message = `${code} message`,
): FindingSummary {
  return {
    uri: file.startsWith('file:') ? file : pathToFileURL(file).href,
    range: { start: { line, character: 0 }, end: { line, character: 10 } },
    code,
    name: code.toLowerCase(),
    severity,
    message,
    threats,
  };
}

const signal = (file: string, detail: string, weak?: boolean): EvidenceSignal => ({
  file,
  uri: `file:///w/${file}`,
  detail,
  ...(weak ? { weak } : {}),
});

describe('checklist catalogue', () => {
  it('has the threats and practices of secure ML development, with unique ids', () => {
    assert.deepEqual(
      THREATS.map((t) => t.id),
      ['adversarial-input', 'data-poisoning', 'model-extraction', 'model-tampering', 'secrets-exposure'],
    );
    const titles = CHECKLIST.map((i) => i.title);
    for (const title of [
      'Input validation and sanitization',
      'Adversarial training',
      'Data auditing and monitoring',
      'Model versioning and control',
      'Secure model deployment',
      'Continuous security monitoring',
      'Privacy-preserving ML',
      'Model explainability',
      'Regular security audits',
      'Security awareness and training',
      'Collaboration with security experts',
    ])
      assert.ok(titles.includes(title), title);
    assert.equal(new Set(CHECKLIST.map((i) => i.id)).size, CHECKLIST.length);
    assert.deepEqual(CHECKLIST.filter((i) => i.group === 'core').length, 6);
  });

  it('counters every threat and describes every item', () => {
    for (const threat of THREATS)
      assert.ok(
        CHECKLIST.some((i) => i.counters.includes(threat.id)),
        threat.id,
      );
    for (const item of CHECKLIST) {
      assert.match(item.id, /^[a-z]+(-[a-z]+)*$/);
      assert.ok(item.description.length > 60 && item.reviewHint.length > 20, item.id);
      assert.ok(item.packages.length + item.signals.length > 0, `${item.id} has no evidence kind`);
    }
  });

  it('matches findings against items by code prefix or threat', () => {
    const deployment = checklistItem('secure-deployment')!;
    assert.ok(findingCountsAgainst(deployment, finding('/w/a.py', 1, 'MLS401', 'error', ['model-extraction'])));
    assert.ok(findingCountsAgainst(deployment, finding('/w/a.py', 1, 'MLS501', 'error', ['secrets-exposure'])));
    assert.ok(!findingCountsAgainst(deployment, finding('/w/a.py', 1, 'MLS102', 'warning', ['model-tampering'])));
    // Each finding counts against one practice: loading untrusted files is unvalidated input,
    // unpinned downloads are versioning, exposed servers and credentials are deployment.
    assert.ok(findingCountsAgainst(checklistItem('input-validation')!, finding('/w/a.py', 1, 'MLS102', 'warning', ['model-tampering'])));
    assert.ok(!findingCountsAgainst(checklistItem('model-versioning')!, finding('/w/a.py', 1, 'MLS102', 'warning', ['model-tampering'])));
    assert.ok(
      findingCountsAgainst(
        checklistItem('model-versioning')!,
        finding('/w/a.py', 1, 'MLS202', 'warning', ['model-tampering', 'data-poisoning']),
      ),
    );
    assert.ok(
      !findingCountsAgainst(
        checklistItem('data-auditing')!,
        finding('/w/a.py', 1, 'MLS202', 'warning', ['model-tampering', 'data-poisoning']),
      ),
    );
    assert.ok(findingCountsAgainst(checklistItem('input-validation')!, finding('/w/a.py', 1, 'MLS302', 'error', ['adversarial-input'])));
    const everyRule = ['MLS101', 'MLS106', 'MLS201', 'MLS205', 'MLS301', 'MLS303', 'MLS403', 'MLS406', 'MLS501'];
    for (const code of everyRule) {
      const against = CHECKLIST.filter((item) => findingCountsAgainst(item, finding('/w/a.py', 1, code, 'warning', [])));
      assert.equal(against.length, 1, `${code} counts against exactly one practice: ${against.map((i) => i.id).join(', ')}`);
    }
  });
});

describe('evidence to status', () => {
  const versioning = checklistItem('model-versioning')!;
  const deployment = checklistItem('secure-deployment')!;
  const awareness = checklistItem('security-awareness')!;

  it('is none without signals or findings', () => {
    assert.equal(evidenceStatus(versioning, [], []).status, 'none');
  });
  it('is evidence with a strong signal and no findings', () => {
    const result = evidenceStatus(versioning, [signal('dvc.yaml', 'DVC pipeline'), signal('m.safetensors', 'safetensors')], []);
    assert.equal(result.status, 'evidence');
    assert.equal(result.summary, 'Evidence in 2 files');
  });
  it('is partial with only weak signals', () => {
    assert.equal(evidenceStatus(versioning, [signal('requirements.txt', 'declares dvc', true)], []).status, 'partial');
  });
  it('is at risk with an error finding whatever the evidence', () => {
    const result = evidenceStatus(
      versioning,
      [signal('dvc.yaml', 'DVC pipeline')],
      [finding('/w/a.py', 1, 'MLS102', 'error', ['model-tampering'])],
    );
    assert.equal(result.status, 'at-risk');
    assert.match(result.summary, /1 error/);
  });
  it('is partial with evidence and warnings, at risk with warnings alone', () => {
    const warning = finding('/w/a.py', 1, 'MLS102', 'warning', ['model-tampering']);
    assert.equal(evidenceStatus(versioning, [signal('dvc.yaml', 'DVC pipeline')], [warning]).status, 'partial');
    assert.equal(evidenceStatus(versioning, [], [warning]).status, 'at-risk');
  });
  it('ignores informational findings for the status', () => {
    assert.equal(
      evidenceStatus(versioning, [signal('dvc.yaml', 'DVC pipeline')], [finding('/w/a.py', 1, 'MLS2xx', 'info', ['model-tampering'])])
        .status,
      'evidence',
    );
  });
  it('counts clean serving code as evidence of secure deployment', () => {
    assert.equal(evidenceStatus(deployment, [signal('serve.py', 'serving code (FastAPI)', true)], []).status, 'evidence');
    assert.equal(
      evidenceStatus(
        deployment,
        [signal('serve.py', 'serving code (FastAPI)', true)],
        [finding('/w/serve.py', 3, 'MLS401', 'error', ['model-extraction'])],
      ).status,
      'at-risk',
    );
  });
  it('never calls a review-only item done by itself', () => {
    assert.equal(evidenceStatus(awareness, [signal('SECURITY.md', 'security policy', true)], []).status, 'partial');
    assert.equal(evidenceStatus(awareness, [], []).summary, 'Needs a person to confirm');
  });
});

describe('gatherChecklistEvidence', () => {
  let root: string;
  const write = (rel: string, text: string): string => {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };
  const itemOf = (result: ChecklistEvidenceRequest.Result, id: string) => result.items.find((i) => i.id === id)!;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-evidence-'));
    fs.mkdirSync(path.join(root, '.git'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('finds evidence in imports, Python text and workspace files', () => {
    const serve = write(
      'app/serve.py',
      'import os\nfrom fastapi import FastAPI\nfrom pydantic import BaseModel, Field\nimport prometheus_client\n\nclass Request(BaseModel):\n    x: float = Field(ge=0)\n',
    );
    const train = write(
      'train.py',
      'import torch\nimport torchattacks\nfrom transformers import AutoModel\nm = AutoModel.from_pretrained("org/m", revision="0123456789abcdef0123456789abcdef01234567")\nn = AutoModel.from_pretrained("org/n", revision="main")\n',
    );
    const registry = write('register.py', 'import mlflow\nmlflow.register_model("runs:/1/model", "clf")\n');
    const nb = write('explore.ipynb', JSON.stringify({ cells: [{ cell_type: 'code', source: ['import shap\n'] }] }));
    write('dvc.yaml', 'stages: {}\n');
    write('data/train.csv.dvc', 'outs: []\n');
    write('models/classifier.safetensors', 'x');
    write('models.lock', '{}');
    write(
      '.github/workflows/ci.yml',
      'jobs:\n  scan:\n    steps:\n      - run: npx mlsec scan . --format sarif --output mlsec.sarif\n      - uses: github/codeql-action/upload-sarif@v3\n      - run: bandit -r .\n',
    );
    write('requirements.txt', 'torch==2.3.0\nadversarial-robustness-toolbox>=1.17\nopacus ; python_version>"3.8"\ngreat_expectations\n');
    write('SECURITY.md', 'Report to security@example.org\n');
    write('.gitignore', 'ignored/\n');
    write('ignored/model.safetensors', 'x');

    const result = gatherChecklistEvidence({
      folders: [root],
      sourceFiles: [
        { path: serve, imports: ['os', 'fastapi', 'pydantic', 'prometheus_client'] },
        { path: train, imports: ['torch', 'torchattacks', 'transformers'] },
        { path: registry, imports: ['mlflow'] },
        { path: nb, imports: ['shap'] },
      ],
      findings: [],
      scannedAt: '2025-01-01T00:00:00.000Z',
    });

    const validation = itemOf(result, 'input-validation');
    assert.equal(validation.status, 'evidence');
    assert.deepEqual(
      validation.signals.map((s) => [s.file, s.line, s.weak]),
      [['app/serve.py', 2, undefined]],
    );

    const adversarial = itemOf(result, 'adversarial-training');
    assert.equal(adversarial.status, 'evidence');
    const details = adversarial.signals.map((s) => `${s.file}:${s.line}:${s.detail}`);
    assert.ok(
      details.some((d) => d.startsWith('train.py:1:imports torchattacks')),
      details.join('\n'),
    );
    // Declared but never imported: a hint only, on the line that declares it.
    assert.ok(
      adversarial.signals.some((s) => s.file === 'requirements.txt' && s.line === 1 && s.weak),
      details.join('\n'),
    );

    const versioning = itemOf(result, 'model-versioning');
    const files = versioning.signals.map((s) => s.file);
    for (const expected of ['dvc.yaml', 'data/train.csv.dvc', 'models/classifier.safetensors', 'models.lock', 'register.py', 'train.py'])
      assert.ok(files.includes(expected), `${expected} in ${files.join(', ')}`);
    assert.ok(!files.includes('ignored/model.safetensors'), 'gitignored files are not evidence');
    assert.ok(versioning.signals.some((s) => /pins a hub download to commit 0123456789/.test(s.detail) && s.line === 3));
    assert.ok(versioning.signals.some((s) => /revision "main"/.test(s.detail) && s.weak));
    assert.equal(versioning.status, 'evidence');

    const audits = itemOf(result, 'security-audits');
    assert.deepEqual(
      audits.signals.filter((s) => !s.weak).map((s) => [s.detail, s.line]),
      [
        ['runs mlsec in CI', 3],
        ['uploads SARIF results for code scanning', 4],
      ],
    );
    assert.ok(audits.signals.some((s) => s.detail === 'runs Bandit in CI' && s.weak));

    assert.equal(itemOf(result, 'continuous-monitoring').status, 'evidence');
    assert.equal(itemOf(result, 'explainability').status, 'evidence');
    assert.equal(itemOf(result, 'explainability').signals[0].line, undefined, 'no line numbers into notebook JSON');
    assert.equal(itemOf(result, 'privacy-preserving').status, 'partial');
    assert.match(itemOf(result, 'data-auditing').signals[0].detail, /^declares great-expectations \(not imported/);
    assert.equal(itemOf(result, 'secure-deployment').status, 'evidence');
    assert.equal(itemOf(result, 'security-collaboration').status, 'partial');
    assert.equal(result.items.length, CHECKLIST.length);
  });

  it('groups findings by threat, counts them and marks items at risk', () => {
    const serve = write('serve.py', 'from flask import Flask\n');
    const findings = [
      finding(serve, 9, 'MLS401', 'error', ['model-extraction', 'adversarial-input']),
      finding(serve, 2, 'MLS102', 'warning', ['model-tampering']),
      finding(serve, 4, 'MLS501', 'info', ['secrets-exposure']),
    ];
    const result = gatherChecklistEvidence({
      folders: [root],
      sourceFiles: [{ path: serve, imports: ['flask'] }],
      findings,
      scannedAt: 'now',
    });
    assert.deepEqual(result.counts, { error: 1, warning: 1, info: 1 });
    assert.deepEqual(
      result.threats.map((t) => [t.id, t.findings.length]),
      [
        ['adversarial-input', 1],
        ['data-poisoning', 0],
        ['model-extraction', 1],
        ['model-tampering', 1],
        ['secrets-exposure', 1],
      ],
    );
    const deployment = itemOf(result, 'secure-deployment');
    assert.equal(deployment.status, 'at-risk');
    assert.deepEqual(
      deployment.findings.map((f) => f.code),
      ['MLS501', 'MLS401'],
    );
    const validation = itemOf(result, 'input-validation');
    assert.equal(validation.status, 'at-risk');
    assert.equal(itemOf(result, 'model-versioning').status, 'none', 'MLS102 counts against input validation, not versioning');
    assert.deepEqual(
      validation.findings.map((f) => f.code),
      ['MLS102'],
    );
  });

  it('does not count an exported checklist report as security documentation', () => {
    write('ml-security-checklist.md', '# ML security checklist: proj\n\nGenerated by mlsec.\n');
    const own = gatherChecklistEvidence({ folders: [root], sourceFiles: [], findings: [], scannedAt: 'now' });
    assert.ok(!itemOf(own, 'security-audits').signals.some((s) => s.file === 'ml-security-checklist.md'));
    write('docs/security-review.md', '# Security review of the model service\n');
    const real = gatherChecklistEvidence({ folders: [root], sourceFiles: [], findings: [], scannedAt: 'now' });
    assert.ok(
      CHECKLIST.some((item) => itemOf(real, item.id).signals.some((s) => s.file === 'docs/security-review.md')),
      'a real security document still counts',
    );
  });

  it('counts a pydantic import in serving code as evidence only with a model class', () => {
    const config = write(
      'llm/server.py',
      'from fastapi import FastAPI\nfrom pydantic import BaseSettings\n\nclass Settings(BaseSettings):\n    port: int = 8000\n',
    );
    const bare = gatherChecklistEvidence({
      folders: [root],
      sourceFiles: [{ path: config, imports: ['fastapi', 'pydantic'] }],
      findings: [],
      scannedAt: 'now',
    });
    const weak = itemOf(bare, 'input-validation');
    assert.equal(weak.status, 'partial', 'one settings import is a hint, not evidence');
    assert.match(weak.signals[0].detail, /defines no BaseModel class/);
    const api = write(
      'llm/api.py',
      'from fastapi import FastAPI\nfrom pydantic import BaseModel, Field\n\nclass Prompt(BaseModel):\n    text: str = Field(max_length=4096)\n',
    );
    const schema = gatherChecklistEvidence({
      folders: [root],
      sourceFiles: [{ path: api, imports: ['fastapi', 'pydantic'] }],
      findings: [],
      scannedAt: 'now',
    });
    assert.equal(itemOf(schema, 'input-validation').status, 'evidence');
  });

  it('says why input validation has no evidence when serving code exists', () => {
    const serve = write('serve.py', 'import gradio\n');
    const result = gatherChecklistEvidence({
      folders: [root],
      sourceFiles: [{ path: serve, imports: ['gradio'] }],
      findings: [],
      scannedAt: 'now',
    });
    assert.equal(itemOf(result, 'input-validation').summary, '1 serving file, none imports a validation library');
  });

  it('survives unreadable and missing paths', () => {
    const result = gatherChecklistEvidence({
      folders: [root, path.join(root, 'missing')],
      sourceFiles: [{ path: path.join(root, 'gone.py'), imports: ['mlflow', 'transformers'] }],
      findings: [],
      scannedAt: 'now',
    });
    assert.equal(result.items.length, CHECKLIST.length);
  });
});
