/**
 * Text of the status item (no `vscode` here, so unit tests can check it). VS Code's own counter
 * already shows errors and warnings, so the item shows what it does not: the checklist's state
 * (items at risk, items reviewed, reviews that went stale) and, when the repository's own
 * configuration narrows the results, a warning saying so. The counts stay in the tooltip.
 */
import { plural } from '../../common/src/checklist';
import type { CoverageNarrowing, SeverityCounts } from '../../common/src/protocol';
import { isNarrowed, narrowingLines } from './checklist/coverage';

export interface ChecklistState {
  total: number;
  reviewed: number;
  atRisk: number;
  /** Reviewed items whose findings changed since the review. */
  changedSinceReview: number;
}

export interface StatusInput {
  counts?: SeverityCounts;
  checklist?: ChecklistState;
  coverage?: CoverageNarrowing;
}

/**
 * Whether the item should draw attention (warning background): untrusted code narrows coverage,
 * by project-file settings that are applied or by suppression comments (those are honoured even
 * when the project files are not: each sits next to the code with its reason, and is listed).
 */
export function statusWarns(input: StatusInput): boolean {
  const { coverage } = input;
  if (!isNarrowed(coverage) || coverage.workspaceTrusted) return false;
  return (coverage.configs.length > 0 && !coverage.repositoryConfigIgnored) || coverage.suppressed.findings > 0;
}

export function statusBarText(input: StatusInput): string {
  const { checklist } = input;
  if (!checklist) return '$(shield) mlsec';
  const parts: string[] = [];
  if (checklist.atRisk > 0) parts.push(`$(error) ${checklist.atRisk} at risk`);
  parts.push(`${checklist.reviewed}/${checklist.total} reviewed`);
  if (checklist.changedSinceReview > 0) parts.push(`$(history) ${checklist.changedSinceReview} changed`);
  let text = `$(shield) ${parts.join(' · ')}`;
  if (statusWarns(input)) text += ' $(warning) narrowed';
  return text;
}

/** Plain text for the tooltip and the accessibility label; starts with `mlsec:`. */
export function statusBarTooltip(input: StatusInput): string {
  const lines: string[] = [];
  const { counts, checklist, coverage } = input;
  if (checklist) {
    const state = [`${checklist.reviewed} of ${checklist.total} checklist items reviewed`];
    if (checklist.atRisk > 0) state.push(`${plural(checklist.atRisk, 'item')} at risk`);
    if (checklist.changedSinceReview > 0) state.push(`${plural(checklist.changedSinceReview, 'review')} changed since reviewed`);
    lines.push(`mlsec: ${state.join(', ')}.`);
  } else {
    lines.push('mlsec: no workspace scan yet.');
  }
  if (counts)
    lines.push(
      `Open findings in the workspace: ${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}, ${counts.info} info.`,
    );
  if (isNarrowed(coverage)) {
    const head = coverage.repositoryConfigIgnored
      ? coverage.suppressed.findings > 0
        ? 'Repository configuration not applied (untrusted workspace); its suppression comments are:'
        : 'Repository configuration not applied (untrusted workspace):'
      : coverage.workspaceTrusted
        ? 'The repository narrows what is reported:'
        : 'Warning: this untrusted repository narrows what is reported:';
    lines.push(head, ...narrowingLines(coverage).map((l) => `  - ${l}`));
  }
  lines.push('Click to open the security checklist.');
  return lines.join('\n');
}
