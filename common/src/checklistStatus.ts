/**
 * How a checklist item's status and a finding's place are shown, shared by the editor's view
 * (client/src/checklist/model.ts), the Markdown report (checklistReport.ts) and `mlsec checklist`.
 */
import { stalenessOf } from './staleness';
import type { ChecklistItemEvidence, FindingSummary } from './protocol';
import type { ReviewEntry } from './reviewFile';
import { effectiveState } from './reviewFile';

/** What the view shows for an item: a person's review wins over the automatic status. */
export type DisplayStatus = 'reviewed' | 'changed' | 'not-applicable' | 'evidence' | 'partial' | 'none' | 'at-risk' | 'unknown';

export const STATUS_LABELS: Record<DisplayStatus, string> = {
  reviewed: 'Reviewed',
  changed: 'Changed since review',
  'not-applicable': 'Not applicable',
  evidence: 'Evidence found',
  partial: 'Partial evidence',
  none: 'No evidence',
  'at-risk': 'At risk',
  unknown: 'Evidence not available',
};

export function displayStatus(evidence: ChecklistItemEvidence | undefined, review: ReviewEntry | undefined): DisplayStatus {
  const state = effectiveState(review);
  // A review records what it saw (staleness.ts): new findings since make it stale.
  if (state === 'reviewed' && stalenessOf(evidence, review)) return 'changed';
  if (state) return state;
  return evidence?.status ?? 'unknown';
}

/** `path/to/file.py:12` (one-based line), `notebook.ipynb cell 3:4` for notebook cells. */
export function findingLabel(finding: FindingSummary, folders: readonly string[]): string {
  const file = relativeLabel(finding.uri, folders);
  const line = finding.range.start.line + 1;
  return finding.cell !== undefined ? `${file} cell ${finding.cell + 1}:${line}` : `${file}:${line}`;
}

/** The path of a URI relative to the workspace folder containing it (prefixed by the folder name when there are several). */
export function relativeLabel(uri: string, folders: readonly string[]): string {
  const sorted = [...folders].map((f) => f.replace(/\/+$/, '')).sort((a, b) => b.length - a.length);
  for (const folder of sorted) {
    if (uri.startsWith(folder + '/')) {
      const rel = decodeURIComponent(uri.slice(folder.length + 1));
      if (folders.length > 1) return `${decodeURIComponent(folder.slice(folder.lastIndexOf('/') + 1))}/${rel}`;
      return rel;
    }
  }
  const tail = uri.slice(uri.lastIndexOf('/') + 1);
  return decodeURIComponent(tail || uri);
}
