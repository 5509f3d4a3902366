/**
 * `mlsec checklist` gives the editor's checklist: the same evidence as the language server's
 * `mlsec/checklistEvidence`, the same review file, the same Markdown renderer.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECKLIST } from '../../common/src/checklist';
import type { ChecklistEvidenceRequest } from '../../common/src/protocol';
import { updateReview } from '../../common/src/reviewFile';
import { REPO_ROOT } from '../support/paths';
import { tempWorkspace } from './helpers';
import { LspTestClient } from './lspClient';

const BIN = path.join(REPO_ROOT, 'bin', 'mlsec.js');

function mlsec(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface ChecklistJson {
  items: Array<{
    id: string;
    status: string;
    automaticStatus: string;
    summary: string;
    review: unknown;
    signals: Array<{ file: string; detail: string }>;
    findings: Array<{ file: string; line: number; code: string; fingerprint: string }>;
  }>;
  counts: { error: number; warning: number; info: number };
  scannedFiles: number;
}

describe('mlsec checklist', () => {
  let workspace: string;
  before(() => {
    workspace = tempWorkspace('mlsec-checklist-');
    fs.cpSync(path.join(REPO_ROOT, 'examples', 'sentiment-service'), workspace, { recursive: true });
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('reports the evidence the language server gives the editor', async () => {
    const client = await LspTestClient.start({ folders: [workspace], settings: () => ({ debounceMs: 0 }) });
    let evidence: ChecklistEvidenceRequest.Result;
    try {
      evidence = (await client.connection.sendRequest('mlsec/checklistEvidence', { rescan: true })) as ChecklistEvidenceRequest.Result;
    } finally {
      await client.stop();
    }
    const run = mlsec(['checklist', '--format', 'json'], workspace);
    assert.equal(run.code, 0, run.stderr);
    const cli = JSON.parse(run.stdout) as ChecklistJson;
    assert.equal(cli.items.length, CHECKLIST.length);
    assert.deepEqual(cli.counts, evidence.counts);
    assert.equal(cli.scannedFiles, evidence.scannedFiles);
    assert.ok(
      evidence.items.some((i) => i.status === 'at-risk') && evidence.items.some((i) => i.signals.length > 0),
      'the example has something to compare',
    );
    for (const item of evidence.items) {
      const mine = cli.items.find((i) => i.id === item.id);
      assert.ok(mine, item.id);
      assert.deepEqual([mine.automaticStatus, mine.summary], [item.status, item.summary], item.id);
      assert.deepEqual(
        mine.signals.map((s) => `${s.file} ${s.detail}`),
        item.signals.map((s) => `${s.file} ${s.detail}`),
        item.id,
      );
      assert.deepEqual(
        mine.findings.map((f) => `${f.line} ${f.code}`),
        item.findings.map((f) => `${f.range.start.line + 1} ${f.code}`),
        item.id,
      );
    }
  });

  it('prints the Markdown report with the review, and --fail-on-risk fails until at-risk items are reviewed', () => {
    const markdown = mlsec(['checklist'], workspace);
    assert.equal(markdown.code, 0);
    assert.match(markdown.stdout, /^# ML security checklist: /);
    assert.match(markdown.stdout, /### \[ \] Input validation and sanitization: At risk/);
    assert.match(markdown.stdout, /\[serve\.py:\d+\]\(serve\.py#L\d+\) \*\*MLS301\*\*/);

    const risky = mlsec(['checklist', '--fail-on-risk', '--output', 'checklist.md'], workspace);
    assert.equal(risky.code, 1);
    assert.match(risky.stderr, /checklist items? at risk: .*input-validation/);
    assert.match(fs.readFileSync(path.join(workspace, 'checklist.md'), 'utf8'), /^# ML security checklist/);

    const atRisk = (JSON.parse(mlsec(['checklist', '-f', 'json'], workspace).stdout) as ChecklistJson).items.filter(
      (i) => i.status === 'at-risk',
    );
    // An at-risk item is reviewed with what was seen: its findings' fingerprints (staleness.ts).
    for (const item of atRisk) {
      const record = { reviewed: { findings: item.findings.map((f) => f.fingerprint).sort() } };
      assert.ok(
        updateReview(
          workspace,
          item.id,
          { kind: 'reviewed', note: 'accepted for the demo', record },
          'Reviewer',
          new Date('2026-01-02T00:00:00Z'),
        ).problems.length === 0,
      );
    }
    const reviewed = mlsec(['checklist', '--fail-on-risk'], workspace);
    assert.equal(reviewed.code, 0, reviewed.stderr);
    assert.match(reviewed.stdout, /### \[x\] Input validation and sanitization: Reviewed/);
    assert.match(reviewed.stdout, /\*\*Review:\*\* Reviewed by Reviewer on 2026-01-02: accepted for the demo/);
    assert.equal(mlsec(['checklist', '--format', 'html'], workspace).code, 2);
  });
});
