/**
 * A review goes stale. Marking an item reviewed records what was reviewed: the fingerprints of
 * the open findings counting against it (the engine's identity of a finding, stable across
 * unrelated edits) and the git commit when `.git/HEAD` says it (read from the files, without
 * running git). When a finding that was not there at the review appears, the item shows
 * "Changed since review" instead of staying green. A review written before these records
 * existed counts as changed as soon as the item has open findings, since nothing says they were
 * seen. No `vscode` here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChecklistItemEvidence, FindingSummary } from './protocol';
import type { ReviewEntry } from './reviewFile';

/** The field of a review entry holding what was reviewed. */
export const REVIEWED_FIELD = 'reviewed';

export interface ReviewedSnapshot {
  /** Fingerprints of the open findings against the item when it was reviewed, sorted. */
  findings: string[];
  /** The commit checked out then, when known. */
  commit?: string;
}

/** A finding's identity for the review: the engine's fingerprint, else its place and rule. */
export function findingKey(finding: FindingSummary): string {
  return finding.fingerprint ?? `${finding.code}@${finding.uri}#${finding.cell ?? ''}:${finding.range.start.line}`;
}

export function snapshotOf(findings: readonly FindingSummary[], commit: string | undefined): ReviewedSnapshot {
  const keys = [...new Set(findings.map(findingKey))].sort();
  return commit ? { findings: keys, commit } : { findings: keys };
}

/** The snapshot recorded in a review entry, if it holds a well-formed one. */
export function recordedSnapshot(entry: ReviewEntry | undefined): ReviewedSnapshot | undefined {
  const raw = entry?.extra?.[REVIEWED_FIELD];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { findings, commit } = raw as { findings?: unknown; commit?: unknown };
  if (!Array.isArray(findings) || !findings.every((f) => typeof f === 'string')) return undefined;
  return { findings: findings as string[], commit: typeof commit === 'string' ? commit : undefined };
}

export interface Staleness {
  /** Open findings against the item that were not there at the review. */
  newFindings: FindingSummary[];
  /** The review predates the records, and the item has open findings. */
  unrecorded: boolean;
  commit?: string;
}

/** Whether a reviewed item changed since its review; undefined when it did not (or is not reviewed). */
export function stalenessOf(evidence: ChecklistItemEvidence | undefined, entry: ReviewEntry | undefined): Staleness | undefined {
  if (entry?.state !== 'reviewed' || !evidence) return undefined;
  const snapshot = recordedSnapshot(entry);
  if (!snapshot) return evidence.findings.length > 0 ? { newFindings: [...evidence.findings], unrecorded: true } : undefined;
  const seen = new Set(snapshot.findings);
  const newFindings = evidence.findings.filter((f) => !seen.has(findingKey(f)));
  return newFindings.length > 0 ? { newFindings, unrecorded: false, commit: snapshot.commit } : undefined;
}

/**
 * The commit checked out in a folder, read from `.git` (a worktree's `.git` file is followed;
 * loose and packed refs are read). Undefined when it cannot be read cheaply; never runs git.
 */
export function readGitCommit(folder: string): string | undefined {
  try {
    let gitDir = path.join(folder, '.git');
    const stat = fs.statSync(gitDir);
    if (stat.isFile()) {
      const pointer = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(gitDir, 'utf8'))?.[1]?.trim();
      if (!pointer) return undefined;
      gitDir = path.resolve(folder, pointer);
    }
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/i.test(head)) return head.toLowerCase();
    const ref = /^ref:\s*(refs\/[^\s]+)$/.exec(head)?.[1];
    if (!ref || ref.includes('..')) return undefined;
    // A linked worktree keeps shared refs in the common directory.
    const common = readCommonDir(gitDir);
    for (const dir of [gitDir, common]) {
      if (!dir) continue;
      try {
        const sha = fs.readFileSync(path.join(dir, ...ref.split('/')), 'utf8').trim();
        if (/^[0-9a-f]{40}$/i.test(sha)) return sha.toLowerCase();
      } catch {
        // not a loose ref here
      }
      try {
        const packed = fs.readFileSync(path.join(dir, 'packed-refs'), 'utf8');
        const line = packed.split(/\r?\n/).find((l) => l.endsWith(` ${ref}`));
        const sha = line?.split(' ')[0];
        if (sha && /^[0-9a-f]{40}$/i.test(sha)) return sha.toLowerCase();
      } catch {
        // no packed refs
      }
    }
  } catch {
    // not a git checkout, or unreadable
  }
  return undefined;
}

function readCommonDir(gitDir: string): string | undefined {
  try {
    return path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return undefined;
  }
}
