/** `.mlsec/review.json`: format, hand edits, corrupt files, merges, and who reviewed. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHECKLIST } from '../../common/src/checklist';
import {
  effectiveState,
  gitConfigUserName,
  loadReview,
  parseReview,
  reviewFilePath,
  reviewerName,
  serializeReview,
  updateReview,
} from '../../client/src/checklist/reviewFile';

describe('review file', () => {
  let root: string;
  const at = new Date('2025-03-04T05:06:07.000Z');
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-review-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const read = (): string => fs.readFileSync(reviewFilePath(root), 'utf8');

  it('is absent until the first review, then lists every item, one per line, sorted', () => {
    assert.equal(loadReview(root).exists, false);
    updateReview(root, 'model-versioning', { kind: 'reviewed', note: 'DVC + registry' }, 'Ana', at);
    const text = read();
    const lines = text.split('\n').filter((l) => /^ {4}"/.test(l));
    assert.equal(lines.length, CHECKLIST.length);
    const ids = lines.map((l) => JSON.parse(`{${l.replace(/,$/, '')}}`)).map((o) => Object.keys(o)[0]);
    assert.deepEqual(ids, [...ids].sort());
    assert.ok(
      text.includes(
        '    "model-versioning": { "state": "reviewed", "note": "DVC + registry", "by": "Ana", "at": "2025-03-04T05:06:07.000Z" },\n',
      ),
    );
    assert.ok(text.includes('    "adversarial-training": { "state": "open" },\n\n'), 'blank line between items');
    assert.doesNotThrow(() => JSON.parse(text));
  });

  it('round-trips and changes exactly one line per review', () => {
    updateReview(root, 'model-versioning', { kind: 'reviewed' }, 'Ana', at);
    const before = read().split('\n');
    updateReview(root, 'explainability', { kind: 'not-applicable', note: 'rules-based model' }, 'Bo', at);
    const after = read().split('\n');
    assert.equal(after.length, before.length);
    const changed = after.filter((line, i) => line !== before[i]);
    assert.deepEqual(changed, [
      '    "explainability": { "state": "not-applicable", "note": "rules-based model", "by": "Bo", "at": "2025-03-04T05:06:07.000Z" },',
    ]);
    const loaded = loadReview(root);
    assert.deepEqual(loaded.problems, []);
    assert.equal(effectiveState(loaded.document.entries.get('explainability')), 'not-applicable');
    assert.equal(serializeReview(loaded.document), read());
  });

  it('records a reset with who and when, and treats it as open', () => {
    updateReview(root, 'model-versioning', { kind: 'reviewed' }, 'Ana', at);
    updateReview(root, 'model-versioning', { kind: 'reset' }, 'Bo', at);
    const entry = loadReview(root).document.entries.get('model-versioning');
    assert.deepEqual(entry, { state: 'open', by: 'Bo', at: at.toISOString() });
    assert.equal(effectiveState(entry), undefined);
  });

  it('keeps unknown items, fields and states from hand edits', () => {
    fs.mkdirSync(path.join(root, '.mlsec'));
    fs.writeFileSync(
      reviewFilePath(root),
      JSON.stringify(
        {
          version: 1,
          owner: 'ml-platform',
          items: { 'custom-check': { state: 'reviewed', by: 'Cy', ticket: 'SEC-12' }, explainability: { state: 'done', note: 'see wiki' } },
        },
        null,
        2,
      ),
    );
    const loaded = loadReview(root);
    assert.equal(loaded.lossless, true);
    assert.match(loaded.problems[0].message, /unknown state "done"/);
    assert.equal(loaded.problems[0].line !== undefined, true);
    assert.equal(effectiveState(loaded.document.entries.get('explainability')), undefined);
    const result = updateReview(root, 'model-versioning', { kind: 'reviewed' }, 'Ana', at);
    assert.equal(result.backup, undefined);
    const text = read();
    assert.ok(text.includes('"custom-check": { "state": "reviewed", "by": "Cy", "ticket": "SEC-12" }'));
    assert.ok(text.includes('"explainability": { "state": "done", "note": "see wiki" }'));
    assert.ok(text.includes('"owner": "ml-platform"'));
  });

  it('recovers entries from a corrupt file, reports the line and keeps a backup before rewriting', () => {
    updateReview(root, 'model-versioning', { kind: 'reviewed', note: 'ok' }, 'Ana', at);
    updateReview(root, 'explainability', { kind: 'not-applicable', note: 'n/a' }, 'Ana', at);
    const corrupt = read().replace('"version": 1,', '"version": 1') + '\n}trailing';
    fs.writeFileSync(reviewFilePath(root), corrupt);
    const loaded = loadReview(root);
    assert.equal(loaded.lossless, false);
    assert.match(loaded.problems[0].message, /not valid JSON \(line \d+\)/);
    assert.equal(loaded.document.entries.get('model-versioning')?.note, 'ok');
    assert.equal(loaded.document.entries.get('explainability')?.state, 'not-applicable');

    const result = updateReview(root, 'privacy-preserving', { kind: 'reviewed' }, 'Bo', at);
    assert.ok(result.backup && fs.existsSync(result.backup));
    assert.equal(fs.readFileSync(result.backup, 'utf8'), corrupt, 'backup holds the original bytes');
    const after = loadReview(root);
    assert.deepEqual(after.problems, []);
    assert.equal(after.document.entries.get('model-versioning')?.note, 'ok');
    assert.equal(after.document.entries.get('privacy-preserving')?.by, 'Bo');
  });

  it('reads both sides of a merge conflict and keeps the later review of an item', () => {
    const text = [
      '{',
      '  "version": 1,',
      '  "items": {',
      '<<<<<<< HEAD',
      '    "explainability": { "state": "reviewed", "by": "Ana", "at": "2025-01-02T00:00:00.000Z" },',
      '=======',
      '    "explainability": { "state": "not-applicable", "note": "no model", "by": "Bo", "at": "2025-01-03T00:00:00.000Z" },',
      '>>>>>>> feature',
      '',
      '    "model-versioning": { "state": "reviewed", "by": "Cy", "at": "2025-01-01T00:00:00.000Z" }',
      '  }',
      '}',
    ].join('\n');
    const parsed = parseReview(text);
    assert.equal(parsed.lossless, false);
    assert.match(parsed.problems[0].message, /merge conflict markers \(line 4\)/);
    assert.equal(parsed.problems[0].line, 3);
    assert.equal(parsed.document.entries.get('explainability')?.by, 'Bo');
    assert.equal(parsed.document.entries.get('model-versioning')?.by, 'Cy');
  });

  it('reports a file of the wrong shape without losing it', () => {
    fs.mkdirSync(path.join(root, '.mlsec'));
    fs.writeFileSync(reviewFilePath(root), '["not", "an", "object"]');
    const loaded = loadReview(root);
    assert.equal(loaded.lossless, false);
    assert.match(loaded.problems[0].message, /expected a JSON object/);
    const result = updateReview(root, 'explainability', { kind: 'reviewed' }, 'Ana', at);
    assert.equal(fs.readFileSync(result.backup!, 'utf8'), '["not", "an", "object"]');
  });

  it('accepts a hand-written list of items', () => {
    const parsed = parseReview(JSON.stringify({ items: [{ item: 'explainability', state: 'reviewed', by: 'Ana' }] }));
    assert.equal(parsed.document.entries.get('explainability')?.by, 'Ana');
    assert.equal(parsed.lossless, false, 'rewritten in the canonical form, so the original is backed up');
  });

  it('names the reviewer from git config, else the OS user', () => {
    assert.equal(gitConfigUserName('[core]\n\tbare = false\n[user]\n\tname = "Ana Ng" # me\n\temail = a@x\n'), 'Ana Ng');
    assert.equal(gitConfigUserName('[user "x"]\n[remote "origin"]\n\tname = nope\n'), undefined);
    fs.mkdirSync(path.join(root, '.git'));
    fs.writeFileSync(path.join(root, '.git', 'config'), '[user]\n  name = Repo User\n');
    fs.mkdirSync(path.join(root, 'sub'));
    assert.equal(reviewerName(path.join(root, 'sub'), path.join(root, 'nohome')), 'Repo User');
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-nogit-'));
    try {
      const name = reviewerName(other, path.join(other, 'nohome'));
      assert.ok(name.length > 0);
      assert.notEqual(name, 'Repo User');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
