/**
 * What repository configuration takes out of the results, as the checklist row and the status
 * item show it. A reviewer of someone else's code must see a `pyproject.toml` that ignores rules
 * or excludes folders, and suppression comments, rather than an empty Problems panel. No `vscode`
 * here, so unit tests can check the texts.
 */
import { plural } from '../../../common/src/checklist';
import type { CoverageNarrowing } from '../../../common/src/protocol';
import type { ChecklistNode } from './model';

export function isNarrowed(coverage: CoverageNarrowing | undefined): coverage is CoverageNarrowing {
  return !!coverage && (coverage.configs.length > 0 || coverage.suppressed.findings > 0);
}

/** One line per narrowing: `pyproject.toml: ignore = ["MLS2"]`, `3 findings suppressed in 2 files`. */
export function narrowingLines(coverage: CoverageNarrowing): string[] {
  const lines: string[] = [];
  for (const config of coverage.configs) for (const entry of config.narrowing) lines.push(`${config.file}: ${entry}`);
  if (coverage.suppressed.findings > 0) {
    lines.push(
      `${plural(coverage.suppressed.findings, 'finding')} suppressed by comments in ${plural(coverage.suppressed.fileCount, 'file')}`,
    );
  }
  return lines;
}

/** A short summary for a description or a status text. */
export function narrowingSummary(coverage: CoverageNarrowing): string {
  const settings = coverage.configs.reduce((n, c) => n + c.narrowing.length, 0);
  const parts: string[] = [];
  if (settings > 0)
    parts.push(
      `${plural(settings, 'setting')} in ${plural(coverage.configs.length, 'project file')}${coverage.repositoryConfigIgnored ? ' (not applied)' : ''}`,
    );
  if (coverage.suppressed.findings > 0) parts.push(`${plural(coverage.suppressed.findings, 'suppressed finding')}`);
  return parts.join(', ');
}

export function coverageNode(coverage: CoverageNarrowing | undefined): ChecklistNode | undefined {
  if (!isNarrowed(coverage)) return undefined;
  const untrusted = !coverage.workspaceTrusted;
  const children: ChecklistNode[] = [];
  coverage.configs.forEach((config) =>
    config.narrowing.forEach((entry, i) =>
      children.push({
        id: `coverage:config:${config.file}:${i}`,
        kind: 'signal',
        label: config.file,
        description: entry,
        tooltip: `${config.file}: ${entry}${coverage.repositoryConfigIgnored ? '\n\nNot applied: the workspace is not trusted and mlsec.untrustedWorkspace.ignoreRepositoryConfig is on.' : ''}`,
        icon: { id: 'settings-gear' },
        location: { uri: config.uri, line: 0, character: 0 },
        children: [],
      }),
    ),
  );
  for (const file of coverage.suppressed.files) {
    children.push({
      id: `coverage:suppressed:${file.file}`,
      kind: 'signal',
      label: file.file,
      description: `${plural(file.count, 'suppressed finding')}`,
      tooltip: `${plural(file.count, 'finding')} in ${file.file} hidden by \`# mlsec: ignore\` comments. Read each reason.`,
      icon: { id: 'comment' },
      location: { uri: file.uri, line: 0, character: 0 },
      children: [],
    });
  }
  if (coverage.suppressed.fileCount > coverage.suppressed.files.length) {
    const more = coverage.suppressed.fileCount - coverage.suppressed.files.length;
    children.push({
      id: 'coverage:suppressed:more',
      kind: 'message',
      label: `… and ${plural(more, 'more file')} with suppressions`,
      children: [],
    });
  }
  const suppressing = coverage.suppressed.findings > 0;
  const label = coverage.repositoryConfigIgnored ? 'Repository configuration not applied' : 'Coverage narrowed by the repository';
  const why = coverage.repositoryConfigIgnored
    ? `The workspace is not trusted, so its project files are not applied (mlsec.untrustedWorkspace.ignoreRepositoryConfig): files are analysed with the defaults. What they would narrow is listed below.${suppressing ? ' Suppression comments are still honoured, as they sit next to the code with their reasons: read each one listed below.' : ''}`
    : untrusted
      ? 'The workspace is not trusted, and its own configuration takes findings out of the results. Check each entry before relying on an empty Problems panel, or set mlsec.untrustedWorkspace.ignoreRepositoryConfig to analyse with the defaults until you trust it.'
      : 'The repository’s configuration takes findings out of the results. Each entry should have a reason a reviewer accepts.';
  return {
    id: 'coverage',
    kind: 'message',
    label,
    description: narrowingSummary(coverage),
    tooltip: [`**${label}**`, '', why, '', ...narrowingLines(coverage).map((l) => `- ${l}`)].join('\n'),
    icon:
      untrusted && (!coverage.repositoryConfigIgnored || suppressing) ? { id: 'warning', color: 'list.warningForeground' } : { id: 'info' },
    expanded: untrusted,
    children,
  };
}
