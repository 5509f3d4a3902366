/**
 * The checklist tree as plain data: groups (threats, practices, further practices), their items,
 * and under each item its evidence, related findings and review note. The tree provider turns
 * these nodes into `vscode.TreeItem`s; keeping the decisions here (labels, statuses, icons,
 * context values) lets unit tests check them in plain Node.
 */
import { CHECKLIST, CHECKLIST_GROUPS, THREATS, plural, threatTitle } from '../../../common/src/checklist';
import type { ChecklistItem } from '../../../common/src/checklist';
import type {
  ChecklistEvidenceRequest,
  ChecklistItemEvidence,
  EvidenceSignal,
  FindingSummary,
  SeverityName,
  ThreatId,
} from '../../../common/src/protocol';
import { coverageNode } from './coverage';
import { stalenessOf } from '../../../common/src/staleness';
import { STATUS_LABELS, displayStatus, findingLabel, relativeLabel } from '../../../common/src/checklistStatus';
import type { DisplayStatus } from '../../../common/src/checklistStatus';
import type { ReviewEntry } from '../../../common/src/reviewFile';
import { effectiveState } from '../../../common/src/reviewFile';

// The statuses and labels the report shares with the view live in common/.
export { STATUS_LABELS, displayStatus, findingLabel, relativeLabel };
export type { DisplayStatus };

/** A codicon id and, optionally, a theme colour id. */
export interface NodeIcon {
  id: string;
  color?: string;
}

export const STATUS_ICONS: Record<DisplayStatus, NodeIcon> = {
  reviewed: { id: 'pass-filled', color: 'testing.iconPassed' },
  changed: { id: 'history', color: 'list.warningForeground' },
  'not-applicable': { id: 'circle-slash', color: 'disabledForeground' },
  evidence: { id: 'check', color: 'testing.iconPassed' },
  partial: { id: 'circle-large-outline', color: 'list.warningForeground' },
  none: { id: 'circle-large-outline' },
  'at-risk': { id: 'error', color: 'list.errorForeground' },
  unknown: { id: 'question' },
};

/** Where a click takes the user. */
export interface NodeLocation {
  uri: string;
  line: number;
  character: number;
  endLine?: number;
  endCharacter?: number;
  cell?: number;
}

export interface ChecklistNode {
  /** Stable across refreshes, so the tree keeps expansion state. */
  id: string;
  kind: 'group' | 'threat' | 'item' | 'signal' | 'finding' | 'rule' | 'file' | 'note' | 'message';
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  icon?: NodeIcon;
  /** Drives the context menus (`viewItem == …` in package.json). */
  contextValue?: string;
  /** Whether the node starts expanded (when it has children). */
  expanded?: boolean;
  location?: NodeLocation;
  itemId?: string;
  threatId?: ThreatId;
  ruleCode?: string;
  status?: DisplayStatus;
  /** A reviewed item whose findings changed since the review (see staleness.ts). */
  changedSinceReview?: boolean;
  children: ChecklistNode[];
}

export interface TreeInput {
  /** Undefined while the server has not answered (or is not running). */
  evidence?: ChecklistEvidenceRequest.Result;
  /** Why evidence is missing, shown in the tree. */
  evidenceError?: string;
  review: ReadonlyMap<string, ReviewEntry>;
  /** Workspace folder URIs, for short file labels. */
  folders: readonly string[];
  /** A problem reading the review file, shown at the top. */
  reviewProblem?: string;
  /** Which findings the view lists (statuses still count every finding). */
  filter?: FindingFilter;
}

/** The view's finding filter: a minimum severity, a rule (code, prefix or name), a path substring. */
export interface FindingFilter {
  minSeverity?: 'error' | 'warning';
  rule?: string;
  path?: string;
}

export function filterActive(filter: FindingFilter | undefined): filter is FindingFilter {
  return !!filter && (filter.minSeverity !== undefined || !!filter.rule || !!filter.path);
}

export function describeFilter(filter: FindingFilter): string {
  const parts: string[] = [];
  if (filter.minSeverity) parts.push(filter.minSeverity === 'error' ? 'errors only' : 'errors and warnings');
  if (filter.rule) parts.push(`rule ${filter.rule}`);
  if (filter.path) parts.push(`path contains "${filter.path}"`);
  return parts.join(' · ');
}

export function matchesFilter(finding: FindingSummary, filter: FindingFilter | undefined, folders: readonly string[]): boolean {
  if (!filter) return true;
  if (filter.minSeverity === 'error' && finding.severity !== 'error') return false;
  if (filter.minSeverity === 'warning' && finding.severity === 'info') return false;
  if (filter.rule) {
    const rule = filter.rule.trim().toLowerCase();
    if (!finding.code.toLowerCase().startsWith(rule) && finding.name.toLowerCase() !== rule) return false;
  }
  if (filter.path && !relativeLabel(finding.uri, folders).toLowerCase().includes(filter.path.trim().toLowerCase())) return false;
  return true;
}

export const CONTEXT = {
  itemOpen: 'checklistItem.open',
  itemReviewed: 'checklistItem.reviewed',
  itemNotApplicable: 'checklistItem.notApplicable',
  finding: 'finding',
  signal: 'evidence',
  threat: 'threat',
  group: 'group',
} as const;

export function buildChecklistTree(input: TreeInput): ChecklistNode[] {
  const roots: ChecklistNode[] = [];
  if (input.reviewProblem) {
    roots.push({
      id: 'message:review',
      kind: 'message',
      label: 'Review file problem',
      description: input.reviewProblem,
      tooltip: input.reviewProblem,
      icon: { id: 'warning', color: 'list.warningForeground' },
      children: [],
    });
  }
  if (!input.evidence && input.evidenceError) {
    roots.push({
      id: 'message:evidence',
      kind: 'message',
      label: 'Evidence not available',
      description: input.evidenceError,
      tooltip: input.evidenceError,
      icon: { id: 'info' },
      children: [],
    });
  }
  if (filterActive(input.filter)) {
    roots.push({
      id: 'message:filter',
      kind: 'message',
      label: 'Findings filtered',
      description: describeFilter(input.filter),
      tooltip:
        'Only matching findings are listed; statuses count every finding. Run ML Security: Filter Checklist Findings to change or clear.',
      icon: { id: 'filter' },
      children: [],
    });
  }
  const coverage = coverageNode(input.evidence?.coverage);
  if (coverage) roots.push(coverage);
  const threatNodes = THREATS.map((threat) => threatNode(threat.id, input));
  const open = input.evidence ? input.evidence.counts.error + input.evidence.counts.warning + input.evidence.counts.info : undefined;
  roots.push({
    id: 'group:threats',
    kind: 'group',
    label: 'Threats',
    description: open === undefined ? undefined : open === 0 ? 'no open findings' : plural(open, 'open finding'),
    contextValue: CONTEXT.group,
    expanded: true,
    children: threatNodes,
  });
  for (const group of CHECKLIST_GROUPS) {
    const items = CHECKLIST.filter((item) => item.group === group.id).map((item) => itemNode(item, input));
    const done = items.filter((n) => n.status === 'reviewed' || n.status === 'not-applicable').length;
    roots.push({
      id: `group:${group.id}`,
      kind: 'group',
      label: group.title,
      description: `${done}/${items.length} reviewed`,
      contextValue: CONTEXT.group,
      expanded: true,
      children: items,
    });
  }
  return roots;
}

function threatNode(id: ThreatId, input: TreeInput): ChecklistNode {
  const info = THREATS.find((t) => t.id === id)!;
  const findings = input.evidence?.threats.find((t) => t.id === id)?.findings ?? [];
  const worst = worstSeverity(findings);
  const countered = CHECKLIST.filter((item) => item.counters.includes(id)).map((item) => item.title);
  const tooltip = [`**${info.title}**`, '', info.description, '', `Countered by: ${countered.join(', ')}.`].join('\n');
  return {
    id: `threat:${id}`,
    kind: 'threat',
    label: info.title,
    description: input.evidence ? (findings.length ? plural(findings.length, 'open finding') : 'no open findings') : undefined,
    tooltip,
    icon:
      worst === 'error'
        ? { id: 'shield', color: 'list.errorForeground' }
        : worst === 'warning'
          ? { id: 'shield', color: 'list.warningForeground' }
          : { id: 'shield' },
    contextValue: CONTEXT.threat,
    threatId: id,
    children: findingGroups(
      findings.filter((f) => matchesFilter(f, input.filter, input.folders)),
      `threat:${id}`,
      input.folders,
    ),
  };
}

/**
 * Findings grouped by rule (one node per rule, expanded), each rule's findings sorted by file and
 * line: 76 findings read as a handful of rules rather than one flat list. A rule with findings in
 * several files lists them under one node per file (expanded while there are few).
 */
export function findingGroups(findings: readonly FindingSummary[], parent: string, folders: readonly string[]): ChecklistNode[] {
  const byRule = new Map<string, FindingSummary[]>();
  for (const finding of findings) {
    const list = byRule.get(finding.code);
    if (list) list.push(finding);
    else byRule.set(finding.code, [finding]);
  }
  return [...byRule.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, list]) => {
      const sorted = [...list].sort(
        (x, y) => x.uri.localeCompare(y.uri) || (x.cell ?? -1) - (y.cell ?? -1) || x.range.start.line - y.range.start.line,
      );
      const worst = worstSeverity(sorted);
      const byFile = new Map<string, FindingSummary[]>();
      for (const finding of sorted) {
        const inFile = byFile.get(finding.uri);
        if (inFile) inFile.push(finding);
        else byFile.set(finding.uri, [finding]);
      }
      const id = `${parent}:rule:${code}`;
      const children =
        byFile.size > 1
          ? [...byFile.entries()].map(([uri, inFile]) => fileNode(uri, inFile, id, folders, byFile.size <= FILES_EXPANDED))
          : sorted.map((f, i) => findingNode(f, id, i, findingLabel(f, folders)));
      return {
        id,
        kind: 'rule' as const,
        label: `${code} ${sorted[0].name}`,
        description: `${plural(sorted.length, 'finding')}${byFile.size > 1 ? ` in ${plural(byFile.size, 'file')}` : ''}`,
        tooltip: `**${code}** ${sorted[0].name}: ${plural(sorted.length, 'open finding')}`,
        icon: severityIcon(worst),
        contextValue: CONTEXT.finding,
        ruleCode: code,
        expanded: true,
        children,
      };
    });
}

/** A rule's file nodes start expanded up to this many files; beyond, the list of files comes first. */
const FILES_EXPANDED = 3;

function fileNode(
  uri: string,
  findings: readonly FindingSummary[],
  parent: string,
  folders: readonly string[],
  expanded: boolean,
): ChecklistNode {
  const id = `${parent}:file:${uri}`;
  const label = relativeLabel(uri, folders);
  return {
    id,
    kind: 'file',
    label,
    description: plural(findings.length, 'finding'),
    tooltip: `\`${label}\`: ${plural(findings.length, `${findings[0].code} finding`)}`,
    icon: { id: 'file' },
    expanded,
    children: findings.map((f, i) => findingNode(f, id, i, positionLabel(f))),
  };
}

/** `line 12`, or `cell 3:4` in a notebook: a finding's place under its file's node. */
export function positionLabel(finding: FindingSummary): string {
  const line = finding.range.start.line + 1;
  return finding.cell !== undefined ? `cell ${finding.cell + 1}:${line}` : `line ${line}`;
}

/**
 * The threats a finding counts against, as tags in front of its message (`[model tampering]`): a
 * finding is listed once per practice and threat, and the tags say where else it counts.
 */
export function threatTags(finding: FindingSummary): string {
  if (!finding.threats.length) return '';
  return `[${finding.threats.map((t) => threatTitle(t).toLowerCase()).join(', ')}]`;
}

function itemNode(item: ChecklistItem, input: TreeInput): ChecklistNode {
  const evidence = input.evidence?.items.find((e) => e.id === item.id);
  const review = input.review.get(item.id);
  const status = displayStatus(evidence, review);
  const state = effectiveState(review);
  const children: ChecklistNode[] = [];
  if (review && state) {
    children.push({
      id: `item:${item.id}:review`,
      kind: 'note',
      label: state === 'reviewed' ? `Reviewed by ${review.by ?? 'someone'}` : `Not applicable (${review.by ?? 'someone'})`,
      description: [review.note, review.at ? formatDate(review.at) : undefined].filter(Boolean).join(' · ') || undefined,
      tooltip: reviewText(review),
      icon: { id: 'person' },
      children: [],
    });
  }
  // Evidence first, then hints (weak signals), then the findings by rule: never mixed.
  const signals = (evidence?.signals ?? []).map((signal, i) => ({ signal, i }));
  for (const { signal, i } of [...signals.filter((s) => !s.signal.weak), ...signals.filter((s) => s.signal.weak)])
    children.push(signalNode(signal, item.id, i));
  children.push(
    ...findingGroups(
      (evidence?.findings ?? []).filter((f) => matchesFilter(f, input.filter, input.folders)),
      `item:${item.id}`,
      input.folders,
    ),
  );
  return {
    id: `item:${item.id}`,
    kind: 'item',
    label: item.title,
    description: itemDescription(status, evidence, review),
    tooltip: itemTooltip(item, status, evidence, review, input.folders),
    icon: STATUS_ICONS[status],
    contextValue:
      status === 'changed'
        ? CONTEXT.itemOpen
        : state === 'reviewed'
          ? CONTEXT.itemReviewed
          : state === 'not-applicable'
            ? CONTEXT.itemNotApplicable
            : CONTEXT.itemOpen,
    itemId: item.id,
    status,
    changedSinceReview: status === 'changed',
    children,
  };
}

export function itemDescription(
  status: DisplayStatus,
  evidence: ChecklistItemEvidence | undefined,
  review: ReviewEntry | undefined,
): string {
  const findings = evidence?.findings.length ?? 0;
  const suffix = findings ? ` · ${plural(findings, 'open finding')}` : '';
  if (status === 'changed') {
    const stale = stalenessOf(evidence, review);
    return stale?.unrecorded
      ? `Changed since review? ${plural(evidence?.findings.length ?? 0, 'open finding')} not recorded in the review`
      : `Changed since review: ${plural(stale?.newFindings.length ?? 0, 'new finding')}`;
  }
  if (status === 'reviewed') return `Reviewed${review?.by ? ` by ${review.by}` : ''}${suffix}`;
  if (status === 'not-applicable') return `N/A${review?.note ? `: ${review.note}` : ''}`;
  if (!evidence) return STATUS_LABELS.unknown;
  return evidence.summary;
}

function itemTooltip(
  item: ChecklistItem,
  status: DisplayStatus,
  evidence: ChecklistItemEvidence | undefined,
  review: ReviewEntry | undefined,
  folders: readonly string[],
): string {
  const lines = [`**${item.title}** — ${STATUS_LABELS[status]}`, '', item.description, ''];
  if (evidence) {
    lines.push(`*Automatic status:* ${STATUS_LABELS[evidence.status]} — ${evidence.summary}`);
    if (evidence.signals.length) {
      lines.push('', '*Evidence:*');
      for (const s of evidence.signals.slice(0, 12))
        lines.push(`- \`${s.file}${s.line !== undefined ? `:${s.line + 1}` : ''}\` ${s.detail}${s.weak ? ' (hint)' : ''}`);
      if (evidence.signals.length > 12) lines.push(`- … and ${evidence.signals.length - 12} more`);
    }
    if (evidence.findings.length) {
      lines.push('', `*Open findings against it:* ${evidence.findings.length}`);
      for (const f of evidence.findings.slice(0, 8)) lines.push(`- \`${findingLabel(f, folders)}\` ${f.code} ${f.message}`);
    }
  }
  if (review && effectiveState(review)) lines.push('', reviewText(review));
  lines.push('', `*To review:* ${item.reviewHint}`);
  return lines.join('\n');
}

function reviewText(review: ReviewEntry): string {
  const what = review.state === 'reviewed' ? 'Marked reviewed' : 'Marked not applicable';
  return `${what}${review.by ? ` by ${review.by}` : ''}${review.at ? ` on ${formatDate(review.at)}` : ''}${review.note ? `: ${review.note}` : ''}`;
}

function signalNode(signal: EvidenceSignal, itemId: string, index: number): ChecklistNode {
  return {
    id: `item:${itemId}:signal:${index}:${signal.file}`,
    kind: 'signal',
    label: signal.line !== undefined ? `${signal.file}:${signal.line + 1}` : signal.file,
    description: signal.weak ? `hint: ${signal.detail}` : signal.detail,
    tooltip: `${signal.detail}${signal.weak ? ' — a hint, not proof on its own' : ''}`,
    icon: { id: signal.weak ? 'lightbulb' : 'file' },
    contextValue: CONTEXT.signal,
    location: { uri: signal.uri, line: signal.line ?? 0, character: 0 },
    children: [],
  };
}

function findingNode(finding: FindingSummary, parent: string, index: number, label: string): ChecklistNode {
  const tags = threatTags(finding);
  const threats = finding.threats.map(threatTitle).join(', ');
  return {
    id: `${parent}:finding:${index}:${finding.uri}:${finding.range.start.line}:${finding.code}`,
    kind: 'finding',
    label,
    description: [tags, plainText(finding.message)].filter(Boolean).join(' '),
    tooltip: `**${finding.code}** ${finding.name} (${finding.severity})\n\n${finding.message}${threats ? `\n\n*Threats:* ${threats}` : ''}`,
    icon: severityIcon(finding.severity),
    contextValue: CONTEXT.finding,
    ruleCode: finding.code,
    location: {
      uri: finding.uri,
      line: finding.range.start.line,
      character: finding.range.start.character,
      endLine: finding.range.end.line,
      endCharacter: finding.range.end.character,
      cell: finding.cell,
    },
    children: [],
  };
}

function severityIcon(severity: SeverityName | undefined): NodeIcon {
  return {
    id: severity ?? 'info',
    color: severity === 'error' ? 'list.errorForeground' : severity === 'warning' ? 'list.warningForeground' : undefined,
  };
}

function worstSeverity(findings: readonly FindingSummary[]): SeverityName | undefined {
  if (findings.some((f) => f.severity === 'error')) return 'error';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return findings.length ? 'info' : undefined;
}

function formatDate(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : iso;
}

/** Finds a node by id anywhere in the tree (for reveal and tests). */
export function findNode(nodes: readonly ChecklistNode[], id: string): ChecklistNode | undefined {
  for (const node of nodes) {
    if (node.id === id) return node;
    const inner = findNode(node.children, id);
    if (inner) return inner;
  }
  return undefined;
}

/** Tree labels do not render Markdown: code spans lose their backticks there. */
export function plainText(text: string): string {
  return text.replace(/`([^`]*)`/g, '$1');
}
