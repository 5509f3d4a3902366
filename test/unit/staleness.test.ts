/** A review goes stale: what a review records, and when an item shows "changed since review". */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChecklistItemEvidence, FindingSummary } from '../../common/src/protocol';
import { buildChecklistTree, displayStatus, findNode } from '../../client/src/checklist/model';
import { loadReview, updateReview } from '../../client/src/checklist/reviewFile';
import { REVIEWED_FIELD, readGitCommit, snapshotOf, stalenessOf } from '../../client/src/checklist/staleness';

const FOLDER = 'file:///work/proj';

function finding(fingerprint: string, severity: FindingSummary['severity'] = 'error'): FindingSummary {
  return {
    uri: `${FOLDER}/serve.py`,
    range: { start: { line: 3, character: 0 }, end: { line: 3, character: 9 } },
    code: 'MLS301',
    name: 'eval-untrusted',
    severity,
    message: 'eval of request data',
    threats: ['adversarial-input'],
    fingerprint,
  };
}

function evidence(findings: FindingSummary[]): ChecklistItemEvidence {
  return {
    id: 'input-validation',
    status: findings.some((f) => f.severity === 'error') ? 'at-risk' : 'evidence',
    summary: 's',
    signals: [],
    findings,
  };
}

describe('review staleness', () => {
  let dir: string;
  beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-stale-')))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records the findings a review accepted and turns "changed" when a new one appears', () => {
    const accepted = [finding('fp-a'), finding('fp-b')];
    const snapshot = snapshotOf(accepted, 'c'.repeat(40));
    assert.deepEqual(snapshot, { findings: ['fp-a', 'fp-b'], commit: 'c'.repeat(40) });
    updateReview(dir, 'input-validation', { kind: 'reviewed', note: 'checked', record: { [REVIEWED_FIELD]: snapshot } }, 'ana');
    const entry = loadReview(dir).document.entries.get('input-validation')!;
    assert.deepEqual(entry.extra?.[REVIEWED_FIELD], snapshot, 'the record is written to and read from review.json');

    assert.equal(displayStatus(evidence(accepted), entry), 'reviewed', 'the same findings: still reviewed');
    assert.equal(displayStatus(evidence([accepted[0]]), entry), 'reviewed', 'a finding fixed since: still reviewed');
    const grown = evidence([...accepted, finding('fp-new')]);
    assert.equal(displayStatus(grown, entry), 'changed');
    assert.deepEqual(
      stalenessOf(grown, entry)?.newFindings.map((f) => f.fingerprint),
      ['fp-new'],
    );
    const tree = buildChecklistTree({
      evidence: { items: [grown], threats: [], counts: { error: 3, warning: 0, info: 0 }, scannedFiles: 1, scannedAt: '' },
      review: new Map([['input-validation', entry]]),
      folders: [FOLDER],
    });
    const node = findNode(tree, 'item:input-validation')!;
    assert.equal(node.changedSinceReview, true);
    assert.equal(node.description, 'Changed since review: 1 new finding');
  });

  it('treats a review without records as changed once the item has open findings', () => {
    updateReview(dir, 'input-validation', { kind: 'reviewed' }, 'ana');
    const entry = loadReview(dir).document.entries.get('input-validation')!;
    assert.equal(displayStatus(evidence([]), entry), 'reviewed');
    assert.equal(displayStatus(evidence([finding('fp-a', 'warning')]), entry), 'changed');
    assert.equal(stalenessOf(evidence([finding('fp-a')]), entry)?.unrecorded, true);
  });

  it('reads the commit from .git without running git: branch, packed ref, detached, worktree', () => {
    const sha1 = '1'.repeat(40);
    const sha2 = '2'.repeat(40);
    assert.equal(readGitCommit(dir), undefined, 'not a repository');
    const git = path.join(dir, '.git');
    fs.mkdirSync(path.join(git, 'refs', 'heads'), { recursive: true });
    fs.writeFileSync(path.join(git, 'HEAD'), 'ref: refs/heads/main\n');
    assert.equal(readGitCommit(dir), undefined, 'an unborn branch has no commit');
    fs.writeFileSync(path.join(git, 'packed-refs'), `# pack-refs with: peeled\n${sha2} refs/heads/main\n`);
    assert.equal(readGitCommit(dir), sha2);
    fs.writeFileSync(path.join(git, 'refs', 'heads', 'main'), `${sha1}\n`);
    assert.equal(readGitCommit(dir), sha1, 'a loose ref wins over the packed one');
    fs.writeFileSync(path.join(git, 'HEAD'), `${sha2}\n`);
    assert.equal(readGitCommit(dir), sha2, 'detached HEAD');
    const worktree = path.join(dir, 'wt');
    const wtGit = path.join(git, 'worktrees', 'wt');
    fs.mkdirSync(wtGit, { recursive: true });
    fs.mkdirSync(worktree);
    fs.writeFileSync(path.join(worktree, '.git'), `gitdir: ${wtGit}\n`);
    fs.writeFileSync(path.join(wtGit, 'HEAD'), 'ref: refs/heads/main\n');
    fs.writeFileSync(path.join(wtGit, 'commondir'), '../..\n');
    assert.equal(readGitCommit(worktree), sha1, 'a linked worktree reads the shared refs');
    fs.writeFileSync(path.join(wtGit, 'HEAD'), 'ref: refs/heads/../../../etc\n');
    assert.equal(readGitCommit(worktree), undefined, 'a ref leaving the git directory is not followed');
  });
});
