/** The checklist tree model, the status bar text and the Markdown report (all vscode-free). */
import * as assert from 'node:assert/strict';
import { CHECKLIST } from '../../common/src/checklist';
import type { ChecklistEvidenceRequest, FindingSummary } from '../../common/src/protocol';
import {
  CONTEXT,
  buildChecklistTree,
  displayStatus,
  findNode,
  findingGroups,
  findingLabel,
  positionLabel,
  relativeLabel,
  threatTags,
} from '../../client/src/checklist/model';
import type { ChecklistNode } from '../../client/src/checklist/model';
import { renderReport } from '../../client/src/checklist/report';
import { REVIEWED_FIELD, snapshotOf } from '../../client/src/checklist/staleness';
import type { ReviewEntry } from '../../client/src/checklist/reviewFile';
import { statusBarText, statusBarTooltip, statusWarns } from '../../client/src/statusText';

const FOLDER = 'file:///work/proj';

function finding(
  rel: string,
  line: number,
  code: string,
  severity: FindingSummary['severity'],
  threats: FindingSummary['threats'],
  cell?: number,
): FindingSummary {
  return {
    uri: `${FOLDER}/${rel}`,
    range: { start: { line, character: 4 }, end: { line, character: 20 } },
    ...(cell !== undefined ? { cell } : {}),
    code,
    name: `${code.toLowerCase()}-name`,
    severity,
    message: `${code} says [x] | y`,
    threats,
  };
}

function sampleEvidence(): ChecklistEvidenceRequest.Result {
  const load = finding('src/train.py', 11, 'MLS102', 'error', ['model-tampering']);
  const exposed = finding('serve.py', 40, 'MLS401', 'warning', ['model-extraction']);
  const nb = finding('explore.ipynb', 0, 'MLS102', 'warning', ['model-tampering'], 2);
  return {
    items: CHECKLIST.map((item) => {
      if (item.id === 'model-versioning') {
        return {
          id: item.id,
          status: 'at-risk',
          summary: '1 error and 1 warning open against this practice',
          signals: [{ file: 'dvc.yaml', uri: `${FOLDER}/dvc.yaml`, detail: 'DVC pipeline' }],
          findings: [load, nb],
        };
      }
      if (item.id === 'explainability') {
        return {
          id: item.id,
          status: 'evidence',
          summary: 'Evidence in 1 file',
          signals: [{ file: 'explain.py', uri: `${FOLDER}/explain.py`, detail: 'imports shap: attributions with SHAP', line: 2 }],
          findings: [],
        };
      }
      if (item.id === 'secure-deployment') {
        return { id: item.id, status: 'partial', summary: 'Evidence in 1 file, but 1 warning open', signals: [], findings: [exposed] };
      }
      return { id: item.id, status: 'none', summary: 'No evidence found in the workspace', signals: [], findings: [] };
    }),
    threats: [
      { id: 'adversarial-input', findings: [] },
      { id: 'data-poisoning', findings: [] },
      { id: 'model-extraction', findings: [exposed] },
      { id: 'model-tampering', findings: [load, nb] },
      { id: 'secrets-exposure', findings: [] },
    ],
    counts: { error: 1, warning: 2, info: 0 },
    scannedFiles: 7,
    scannedAt: '2025-05-06T07:08:09.000Z',
  };
}

const reviewed: ReviewEntry = { state: 'reviewed', note: 'checked SHAP plots', by: 'Ana', at: '2025-05-01T10:00:00.000Z' };
const notApplicable: ReviewEntry = { state: 'not-applicable', note: 'no personal data', by: 'Bo', at: '2025-05-02T10:00:00.000Z' };

describe('checklist tree model', () => {
  const tree = (
    review = new Map<string, ReviewEntry>(),
    evidence: ChecklistEvidenceRequest.Result | undefined = sampleEvidence(),
  ): ChecklistNode[] =>
    buildChecklistTree({ evidence, review, folders: [FOLDER], evidenceError: evidence ? undefined : 'server not running' });

  it('has threats, practices and further practices at the root', () => {
    const roots = tree();
    assert.deepEqual(
      roots.map((r) => [r.label, r.description]),
      [
        ['Threats', '3 open findings'],
        ['Practices', '0/6 reviewed'],
        ['Further practices', '0/5 reviewed'],
      ],
    );
    assert.deepEqual(
      roots[0].children.map((t) => t.label),
      ['Adversarial attacks', 'Data poisoning', 'Model extraction', 'Model tampering', 'Secrets and exposure'],
    );
  });

  it('shows each threat with its open findings, which open their location', () => {
    const tampering = findNode(tree(), 'threat:model-tampering')!;
    assert.equal(tampering.description, '2 open findings');
    assert.deepEqual(tampering.icon, { id: 'shield', color: 'list.errorForeground' });
    // Grouped by rule, then sorted by file.
    assert.deepEqual(
      tampering.children.map((c) => [c.kind, c.label, c.description]),
      [['rule', 'MLS102 mls102-name', '2 findings in 2 files']],
    );
    assert.equal(tampering.children[0].expanded, true);
    // Findings of one rule in several files: a node per file, the finding's place under it.
    const files = tampering.children[0].children;
    assert.deepEqual(
      files.map((c) => [c.kind, c.label, c.description, c.expanded]),
      [
        ['file', 'explore.ipynb', '1 finding', true],
        ['file', 'src/train.py', '1 finding', true],
      ],
    );
    const findings = files.flatMap((f) => f.children);
    assert.deepEqual(
      findings.map((c) => c.label),
      ['cell 3:1', 'line 12'],
    );
    const first = findings[1];
    // Tagged with the threats it counts against; the tooltip names them too.
    assert.equal(first.description, '[model tampering] MLS102 says [x] | y');
    assert.match(first.tooltip ?? '', /\*Threats:\* Model tampering$/);
    assert.equal(first.contextValue, CONTEXT.finding);
    assert.equal(first.ruleCode, 'MLS102');
    assert.deepEqual(first.location, {
      uri: `${FOLDER}/src/train.py`,
      line: 11,
      character: 4,
      endLine: 11,
      endCharacter: 20,
      cell: undefined,
    });
    assert.equal(findings[0].location?.cell, 2);
    assert.equal(findNode(tree(), 'threat:data-poisoning')!.description, 'no open findings');
  });

  it('lists a rule with findings in one file without a file node, and tags every threat', () => {
    const exposed = finding('serve.py', 40, 'MLS401', 'warning', ['model-extraction', 'secrets-exposure']);
    const other = finding('serve.py', 50, 'MLS401', 'warning', ['model-extraction', 'secrets-exposure']);
    const [rule] = findingGroups([other, exposed], 'p', [FOLDER]);
    assert.equal(rule.description, '2 findings');
    assert.deepEqual(
      rule.children.map((c) => [c.kind, c.label, c.description]),
      [
        ['finding', 'serve.py:41', '[model extraction, secrets and exposure] MLS401 says [x] | y'],
        ['finding', 'serve.py:51', '[model extraction, secrets and exposure] MLS401 says [x] | y'],
      ],
    );
    assert.equal(threatTags(finding('a.py', 0, 'MLS1', 'info', [])), '');
  });

  it('collapses the file nodes of a rule found in many files', () => {
    const many = ['a.py', 'b.py', 'c.py', 'd.py'].map((f) => finding(f, 1, 'MLS101', 'warning', ['model-tampering']));
    const [rule] = findingGroups(many, 'p', [FOLDER]);
    assert.equal(rule.description, '4 findings in 4 files');
    assert.deepEqual(
      rule.children.map((c) => [c.label, c.expanded]),
      [
        ['a.py', false],
        ['b.py', false],
        ['c.py', false],
        ['d.py', false],
      ],
    );
    assert.equal(positionLabel(many[0]), 'line 2');
  });

  it('gives items their automatic status, icon, evidence and findings', () => {
    const versioning = findNode(tree(), 'item:model-versioning')!;
    assert.equal(versioning.status, 'at-risk');
    assert.deepEqual(versioning.icon, { id: 'error', color: 'list.errorForeground' });
    assert.equal(versioning.description, '1 error and 1 warning open against this practice');
    assert.equal(versioning.contextValue, CONTEXT.itemOpen);
    assert.deepEqual(
      versioning.children.map((c) => [c.kind, c.label]),
      [
        ['signal', 'dvc.yaml'],
        ['rule', 'MLS102 mls102-name'],
      ],
    );
    assert.deepEqual(
      versioning.children[1].children.map((c) => [c.kind, c.label, c.children.map((f) => [f.kind, f.label])]),
      [
        ['file', 'explore.ipynb', [['finding', 'cell 3:1']]],
        ['file', 'src/train.py', [['finding', 'line 12']]],
      ],
    );
    assert.match(versioning.tooltip!, /\*Evidence:\*\n- `dvc\.yaml` DVC pipeline/);
    assert.match(versioning.tooltip!, /\*To review:\*/);
    const explain = findNode(tree(), 'item:explainability')!;
    assert.equal(explain.children[0].label, 'explain.py:3');
    assert.deepEqual(explain.children[0].location, { uri: `${FOLDER}/explain.py`, line: 2, character: 0 });
  });

  it("lets a person's review win over the automatic status", () => {
    const versioning = sampleEvidence().items.find((i) => i.id === 'model-versioning')!;
    const accepted: ReviewEntry = { state: 'reviewed', by: 'Cy', extra: { [REVIEWED_FIELD]: snapshotOf(versioning.findings, undefined) } };
    const review = new Map([
      ['explainability', reviewed],
      ['privacy-preserving', notApplicable],
      ['model-versioning', accepted],
    ]);
    const roots = tree(review);
    const explain = findNode(roots, 'item:explainability')!;
    assert.equal(explain.status, 'reviewed');
    assert.equal(explain.contextValue, CONTEXT.itemReviewed);
    assert.equal(explain.description, 'Reviewed by Ana');
    assert.deepEqual(explain.icon, { id: 'pass-filled', color: 'testing.iconPassed' });
    assert.equal(explain.children[0].kind, 'note');
    assert.equal(explain.children[0].description, 'checked SHAP plots · 2025-05-01');
    const privacy = findNode(roots, 'item:privacy-preserving')!;
    assert.equal(privacy.contextValue, CONTEXT.itemNotApplicable);
    assert.equal(privacy.description, 'N/A: no personal data');
    // Reviewed with the findings it accepted still open says so.
    assert.equal(findNode(roots, 'item:model-versioning')!.description, 'Reviewed by Cy · 2 open findings');
    // The same review without a record of what it accepted is not trusted to have seen them.
    const unrecorded = tree(new Map([['model-versioning', { state: 'reviewed', by: 'Cy' }]]));
    assert.equal(findNode(unrecorded, 'item:model-versioning')!.status, 'changed');
    assert.equal(roots[1].description, '1/6 reviewed');
    assert.equal(roots[2].description, '2/5 reviewed');
  });

  it('filters the listed findings by severity, rule and path without changing statuses', () => {
    const all = buildChecklistTree({ evidence: sampleEvidence(), review: new Map(), folders: [FOLDER] });
    const filtered = buildChecklistTree({ evidence: sampleEvidence(), review: new Map(), folders: [FOLDER], filter: { path: 'train' } });
    assert.equal(filtered[0].label, 'Findings filtered');
    assert.equal(filtered[0].description, 'path contains "train"');
    const tampering = findNode(filtered, 'threat:model-tampering')!;
    assert.deepEqual(
      tampering.children[0].children.map((c) => c.label),
      ['src/train.py:12'],
    );
    assert.equal(
      findNode(filtered, 'item:model-versioning')!.status,
      findNode(all, 'item:model-versioning')!.status,
      'statuses count every finding',
    );
    const none = buildChecklistTree({ evidence: sampleEvidence(), review: new Map(), folders: [FOLDER], filter: { rule: 'MLS5' } });
    assert.deepEqual(findNode(none, 'threat:model-tampering')!.children, []);
    const byName = buildChecklistTree({
      evidence: sampleEvidence(),
      review: new Map(),
      folders: [FOLDER],
      filter: { rule: 'mls102-name', minSeverity: 'warning' },
    });
    assert.equal(findNode(byName, 'threat:model-tampering')!.children[0].children.length, 2);
  });

  it('treats reset and unknown states as open', () => {
    assert.equal(displayStatus(undefined, { state: 'open', by: 'A' }), 'unknown');
    assert.equal(displayStatus({ id: 'x', status: 'partial', summary: '', signals: [], findings: [] }, { state: 'done' }), 'partial');
  });

  it('works without evidence and says why', () => {
    const roots = buildChecklistTree({ review: new Map(), folders: [FOLDER], evidenceError: 'server not running' });
    assert.equal(roots[0].kind, 'message');
    assert.equal(roots[0].description, 'server not running');
    const item = findNode(roots, 'item:input-validation')!;
    assert.equal(item.status, 'unknown');
    assert.equal(item.description, 'Evidence not available');
    assert.equal(findNode(roots, 'group:threats')!.description, undefined);
  });

  it('keeps node ids unique and stable', () => {
    const ids: string[] = [];
    const walk = (nodes: ChecklistNode[]): void => nodes.forEach((n) => (ids.push(n.id), walk(n.children)));
    walk(tree(new Map([['explainability', reviewed]])));
    assert.equal(new Set(ids).size, ids.length);
    const again: string[] = [];
    const walk2 = (nodes: ChecklistNode[]): void => nodes.forEach((n) => (again.push(n.id), walk2(n.children)));
    walk2(tree(new Map([['explainability', reviewed]])));
    assert.deepEqual(again, ids);
  });

  it('labels files relative to their workspace folder', () => {
    assert.equal(relativeLabel(`${FOLDER}/a%20b/c.py`, [FOLDER]), 'a b/c.py');
    assert.equal(relativeLabel('file:///work/other/x.py', ['file:///work/proj', 'file:///work/other']), 'other/x.py');
    assert.equal(relativeLabel('file:///elsewhere/y.py', [FOLDER]), 'y.py');
    assert.equal(findingLabel(finding('n.ipynb', 3, 'MLS1', 'info', [], 0), [FOLDER]), 'n.ipynb cell 1:4');
  });
});

describe('status bar text', () => {
  it('shows the checklist state, not a second error counter', () => {
    assert.equal(statusBarText({}), '$(shield) mlsec');
    assert.equal(statusBarText({ counts: { error: 2, warning: 5, info: 0 } }), '$(shield) mlsec');
    assert.equal(statusBarText({ checklist: { total: 14, reviewed: 3, atRisk: 0, changedSinceReview: 0 } }), '$(shield) 3/14 reviewed');
    assert.equal(
      statusBarText({ checklist: { total: 14, reviewed: 3, atRisk: 2, changedSinceReview: 1 } }),
      '$(shield) $(error) 2 at risk · 3/14 reviewed · $(history) 1 changed',
    );
    const tooltip = statusBarTooltip({
      counts: { error: 2, warning: 5, info: 0 },
      checklist: { total: 14, reviewed: 3, atRisk: 2, changedSinceReview: 0 },
    });
    assert.match(tooltip, /^mlsec: 3 of 14 checklist items reviewed, 2 items at risk\./);
    assert.match(tooltip, /2 errors, 5 warnings, 0 info/);
  });

  it('warns when an untrusted repository narrows the results', () => {
    const coverage = {
      configs: [{ file: 'pyproject.toml', uri: `${FOLDER}/pyproject.toml`, narrowing: ['ignore = ["MLS2", "MLS3"]'] }],
      suppressed: { findings: 2, fileCount: 1, files: [{ file: 'a.py', uri: `${FOLDER}/a.py`, count: 2 }] },
      repositoryConfigIgnored: false,
      workspaceTrusted: false,
    };
    const checklist = { total: 14, reviewed: 0, atRisk: 0, changedSinceReview: 0 };
    assert.equal(statusBarText({ checklist, coverage }), '$(shield) 0/14 reviewed $(warning) narrowed');
    assert.equal(statusWarns({ checklist, coverage }), true);
    const tooltip = statusBarTooltip({ checklist, coverage });
    assert.match(tooltip, /untrusted repository narrows/);
    assert.match(tooltip, /pyproject\.toml: ignore = \["MLS2", "MLS3"\]/);
    assert.match(tooltip, /2 findings suppressed by comments in 1 file/);
    assert.equal(
      statusWarns({ checklist, coverage: { ...coverage, workspaceTrusted: true } }),
      false,
      'a trusted repository is listed in the tooltip only',
    );
    // Project files not applied: their settings narrow nothing, but suppression comments are
    // still honoured, so they alone keep the warning.
    const ignored = { ...coverage, repositoryConfigIgnored: true };
    assert.equal(statusWarns({ checklist, coverage: ignored }), true, 'suppressions still narrow');
    assert.match(statusBarTooltip({ checklist, coverage: ignored }), /not applied \(untrusted workspace\); its suppression comments are:/);
    const noSuppressions = { ...ignored, suppressed: { findings: 0, fileCount: 0, files: [] } };
    assert.equal(statusWarns({ checklist, coverage: noSuppressions }), false, 'nothing narrowed when the file is not applied');
    assert.equal(
      statusWarns({ checklist, coverage: { ...coverage, configs: [], workspaceTrusted: false } }),
      true,
      'suppression comments of an untrusted repository warn on their own',
    );
    const ignoredNode = buildChecklistTree({
      evidence: { ...sampleEvidence(), coverage: ignored },
      review: new Map(),
      folders: [FOLDER],
    })[0];
    assert.equal(ignoredNode.label, 'Repository configuration not applied');
    assert.equal(ignoredNode.icon?.id, 'warning');
    assert.match(ignoredNode.tooltip ?? '', /Suppression comments are still honoured/);
    const node = buildChecklistTree({ evidence: { ...sampleEvidence(), coverage }, review: new Map(), folders: [FOLDER] })[0];
    assert.equal(node.label, 'Coverage narrowed by the repository');
    assert.deepEqual(
      node.children.map((c) => `${c.label} ${c.description}`),
      ['pyproject.toml ignore = ["MLS2", "MLS3"]', 'a.py 2 suppressed findings'],
    );
  });
});

describe('checklist report', () => {
  const generatedAt = new Date('2025-05-06T08:00:00.000Z');
  const review = new Map([
    ['explainability', reviewed],
    ['privacy-preserving', notApplicable],
  ]);

  it('writes status, evidence, findings with links and review notes per item', () => {
    const md = renderReport({
      workspaceName: 'proj',
      evidence: sampleEvidence(),
      review,
      folders: [FOLDER],
      generatedAt,
      generator: 'mlsec 0.1.0',
    });
    assert.ok(
      md.startsWith(
        '# ML security checklist: proj\n\nGenerated 2025-05-06T08:00:00.000Z by mlsec 0.1.0, from a scan of 7 files at 2025-05-06T05:06:07.000Z.'.replace(
          '05:06:07',
          '07:08:09',
        ),
      ),
    );
    assert.match(md, /\*\*Checklist:\*\* 11 items: 1 reviewed, 1 not applicable, 1 partial evidence, 1 at risk, 7 no evidence\./);
    assert.match(md, /\*\*Open findings:\*\* 1 error, 2 warnings, 0 info\./);
    assert.match(
      md,
      /\| Model tampering \| 2 \| Model versioning and control, Secure model deployment, Continuous security monitoring, Regular security audits, Security awareness and training, Collaboration with security experts \|/,
    );
    assert.match(
      md,
      /### \[ \] Model versioning and control: At risk\n\n- \*\*Review:\*\* not reviewed yet\n- \*\*Automatic status:\*\* At risk \(1 error and 1 warning open against this practice\)\n- \*\*Evidence:\*\*\n {2}- \[dvc\.yaml\]\(dvc\.yaml\) DVC pipeline/,
    );
    assert.ok(md.includes('  - [src/train.py:12](src/train.py#L12) **MLS102** error: MLS102 says \\[x\\] | y'));
    assert.ok(md.includes('  - [explore.ipynb cell 3:1](explore.ipynb) **MLS102** warning'), 'notebook links carry no line anchor');
    assert.match(md, /### \[x\] Model explainability: Reviewed\n\n- \*\*Review:\*\* Reviewed by Ana on 2025-05-01: checked SHAP plots/);
    assert.ok(md.includes('  - [explain.py:3](explain.py#L3) imports shap: attributions with SHAP'));
    assert.match(
      md,
      /### \[x\] Privacy-preserving ML: Not applicable\n\n- \*\*Review:\*\* Marked not applicable by Bo on 2025-05-02: no personal data/,
    );
    assert.ok(md.indexOf('## Practices') < md.indexOf('## Further practices'));
    assert.match(md, /## All open findings\n\n- \[serve\.py:41\]/);
    assert.ok(!/\n{3,}/.test(md), 'no runs of blank lines');
  });

  it('escapes user text and still reports without evidence', () => {
    const md = renderReport({
      workspaceName: 'a <b>',
      review: new Map([['explainability', { ...reviewed, note: '<img src=x> *bold*\nnext' }]]),
      folders: [FOLDER],
      generatedAt,
    });
    assert.ok(md.includes('# ML security checklist: a \\<b\\>'));
    assert.ok(md.includes('checked') === false);
    assert.ok(md.includes('\\<img src=x\\> \\*bold\\* next'));
    const spans = renderReport({
      workspaceName: 'p',
      review: new Map([['explainability', { ...reviewed, note: 'checked `torch.load` calls, a stray ` and <b>' }]]),
      folders: [FOLDER],
      generatedAt,
    });
    assert.ok(spans.includes('checked `torch.load` calls, a stray \\` and \\<b\\>'), 'code spans are kept, the rest escaped');
    assert.match(md, /without scan evidence/);
    assert.match(md, /- \*\*Automatic status:\*\* not available/);
    assert.match(md, /\| Adversarial attacks \| n\/a \|/);
    assert.ok(!md.includes('## All open findings'));
  });
});
