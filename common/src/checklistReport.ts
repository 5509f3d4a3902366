/**
 * The checklist as a Markdown report, for a pull-request description or an audit record: per item
 * its status, the evidence, the open findings with links and the review notes. Links are relative
 * to the workspace folder, so they resolve when the report is saved at the repository root and in
 * a pull request on most forges. No `vscode` here: the editor's export and `mlsec checklist` both
 * render with this module.
 */
import { CHECKLIST, CHECKLIST_GROUPS, THREATS, plural } from './checklist';
import type { ChecklistItem } from './checklist';
import { STATUS_LABELS, displayStatus, findingLabel, relativeLabel } from './checklistStatus';
import type { DisplayStatus } from './checklistStatus';
import type { ChecklistEvidenceRequest, EvidenceSignal, FindingSummary } from './protocol';
import type { ReviewEntry } from './reviewFile';
import { effectiveState } from './reviewFile';

export interface ReportInput {
  workspaceName: string;
  evidence?: ChecklistEvidenceRequest.Result;
  review: ReadonlyMap<string, ReviewEntry>;
  folders: readonly string[];
  generatedAt: Date;
  /** e.g. `mlsec 0.1.0`. */
  generator?: string;
}

const MARKS: Record<DisplayStatus, string> = {
  reviewed: '[x]',
  changed: '[ ]',
  'not-applicable': '[x]',
  evidence: '[ ]',
  partial: '[ ]',
  none: '[ ]',
  'at-risk': '[ ]',
  unknown: '[ ]',
};

export function renderReport(input: ReportInput): string {
  const out: string[] = [];
  const { evidence } = input;
  out.push(`# ML security checklist: ${escapeText(input.workspaceName)}`, '');
  const source = evidence
    ? `from a scan of ${plural(evidence.scannedFiles, 'file')} at ${evidence.scannedAt}`
    : 'without scan evidence (the language server did not answer)';
  out.push(`Generated ${input.generatedAt.toISOString()} by ${input.generator ?? 'mlsec'}, ${source}.`, '');

  const statuses = CHECKLIST.map((item) =>
    displayStatus(
      evidence?.items.find((e) => e.id === item.id),
      input.review.get(item.id),
    ),
  );
  const tally = (s: DisplayStatus): number => statuses.filter((x) => x === s).length;
  const parts = (['reviewed', 'changed', 'not-applicable', 'evidence', 'partial', 'at-risk', 'none', 'unknown'] as DisplayStatus[])
    .filter((s) => tally(s) > 0)
    .map((s) => `${tally(s)} ${STATUS_LABELS[s].toLowerCase()}`);
  out.push(`**Checklist:** ${CHECKLIST.length} items: ${parts.join(', ')}.`);
  if (evidence) {
    const c = evidence.counts;
    out.push(`**Open findings:** ${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${c.info} info.`);
  }
  out.push('');

  out.push('## Threats', '', '| Threat | Open findings | Countered by |', '| --- | ---: | --- |');
  for (const threat of THREATS) {
    const findings = evidence?.threats.find((t) => t.id === threat.id)?.findings;
    const countered = CHECKLIST.filter((item) => item.counters.includes(threat.id)).map((item) => item.title);
    out.push(`| ${escapeCell(threat.title)} | ${findings ? findings.length : 'n/a'} | ${escapeCell(countered.join(', '))} |`);
  }
  out.push('');

  for (const group of CHECKLIST_GROUPS) {
    out.push(`## ${group.title}`, '');
    for (const item of CHECKLIST.filter((i) => i.group === group.id)) out.push(...renderItem(item, input), '');
  }

  const unassigned = evidence ? evidence.threats.flatMap((t) => t.findings) : [];
  if (evidence && unassigned.length) {
    out.push('## All open findings', '');
    const seen = new Set<string>();
    for (const finding of unassigned) {
      const key = `${finding.uri}:${finding.range.start.line}:${finding.range.start.character}:${finding.code}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(`- ${findingLine(finding, input.folders)}`);
    }
    out.push('');
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

function renderItem(item: ChecklistItem, input: ReportInput): string[] {
  const evidence = input.evidence?.items.find((e) => e.id === item.id);
  const review = input.review.get(item.id);
  const status = displayStatus(evidence, review);
  const lines = [`### ${MARKS[status]} ${escapeText(item.title)}: ${STATUS_LABELS[status]}`, ''];
  const state = effectiveState(review);
  if (review && state) {
    const what = state === 'reviewed' ? 'Reviewed' : 'Marked not applicable';
    lines.push(
      `- **Review:** ${what}${review.by ? ` by ${escapeText(review.by)}` : ''}${review.at ? ` on ${review.at.slice(0, 10)}` : ''}${review.note ? `: ${escapeText(review.note)}` : ''}`,
    );
  } else {
    lines.push('- **Review:** not reviewed yet');
  }
  if (evidence) {
    lines.push(`- **Automatic status:** ${STATUS_LABELS[evidence.status]} (${escapeText(evidence.summary)})`);
    if (evidence.signals.length) {
      lines.push('- **Evidence:**');
      for (const signal of evidence.signals) lines.push(`  - ${signalLine(signal)}`);
    } else {
      lines.push('- **Evidence:** none found');
    }
    if (evidence.findings.length) {
      lines.push(`- **Open findings (${evidence.findings.length}):**`);
      for (const finding of evidence.findings) lines.push(`  - ${findingLine(finding, input.folders)}`);
    }
  } else {
    lines.push('- **Automatic status:** not available');
  }
  lines.push(`- **Counters:** ${item.counters.map((t) => THREATS.find((x) => x.id === t)?.title ?? t).join(', ')}`);
  return lines;
}

function signalLine(signal: EvidenceSignal): string {
  const label = signal.line !== undefined ? `${signal.file}:${signal.line + 1}` : signal.file;
  const target = encodePath(signal.file) + (signal.line !== undefined ? `#L${signal.line + 1}` : '');
  return `[${escapeLinkText(label)}](${target}) ${escapeText(signal.detail)}${signal.weak ? ' (hint)' : ''}`;
}

function findingLine(finding: FindingSummary, folders: readonly string[]): string {
  const file = relativeLabel(finding.uri, folders);
  const target = encodePath(file) + (finding.cell === undefined ? `#L${finding.range.start.line + 1}` : '');
  return `[${escapeLinkText(findingLabel(finding, folders))}](${target}) **${finding.code}** ${finding.severity}: ${escapeText(finding.message)}`;
}

function encodePath(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

/**
 * Keeps user text from turning into markup (HTML, links, emphasis at the start). Balanced code
 * spans (`torch.load`) are kept as code; only the text between them is escaped.
 */
function escapeText(text: string): string {
  const escape = (part: string) => part.replace(/[\\<>[\]*_`]/g, (c) => `\\${c}`);
  const parts = text.replace(/\r?\n/g, ' ').split(/(`[^`\n]+`)/);
  return parts.map((part, i) => (i % 2 === 1 ? part : escape(part))).join('');
}

function escapeLinkText(text: string): string {
  return text.replace(/[\\[\]]/g, (c) => `\\${c}`);
}

function escapeCell(text: string): string {
  return escapeText(text).replace(/\|/g, '\\|');
}
