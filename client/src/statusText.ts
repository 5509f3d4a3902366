/** Text of the status bar shield (no `vscode` here, so unit tests can check it). */
import type { SeverityCounts } from '../../common/src/protocol';

export function statusBarText(counts: SeverityCounts | undefined): string {
  if (!counts) return '$(shield) mlsec';
  const total = counts.error + counts.warning + counts.info;
  if (total === 0) return '$(shield) 0';
  const parts = [`$(error) ${counts.error}`, `$(warning) ${counts.warning}`];
  if (counts.info) parts.push(`$(info) ${counts.info}`);
  return `$(shield) ${parts.join(' ')}`;
}

export function statusBarTooltip(counts: SeverityCounts | undefined): string {
  if (!counts) return 'mlsec: no workspace scan yet. Click to open the security checklist.';
  const total = counts.error + counts.warning + counts.info;
  if (total === 0) return 'mlsec: no open findings in the workspace. Click to open the security checklist.';
  return `mlsec: ${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} info finding(s) open in the workspace. Click to open the security checklist.`;
}
