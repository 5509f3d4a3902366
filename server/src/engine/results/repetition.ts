/**
 * Repeated findings in one file (issue 16): one file of forty model adapters with
 * `trust_remote_code=True` gives forty findings that differ only in the model's name. Each is
 * kept (each is a site to fix); front ends use this to show a few and summarise the rest: the
 * CLI's text output lists the first REPEATS_SHOWN and "… and N more like this", and the editor's
 * hover says "one of N like this in this file".
 */
import type { Finding } from '../findings';

/** How many findings of one group the text output lists. */
export const REPEATS_SHOWN = 3;
/** Groups smaller than this are listed whole (hiding one or two lines saves nothing). */
export const REPEATS_COLLAPSED_FROM = 6;

/**
 * The shape of a message: quoted code (`…`), quoted strings and words with digits blanked, so that
 * "Hub model `org/a` …" and "Hub model `org/b` …" are alike.
 */
export function messageShape(message: string): string {
  return (
    message
      .replace(/`[^`]*`/g, '`…`')
      .replace(/"[^"]*"|'[^']*'/g, '"…"')
      // Words holding a digit (commit ids, versions, line numbers): "pinned to commit 2f5c3cd4eace…".
      .replace(/[\w.-]*\d[\w.-]*…?/g, '0')
  );
}

/** The key of a finding's group: same rule, same message shape (per file: callers group one file's findings). */
export function repeatKey(finding: Finding): string {
  return `${finding.code}\u0000${messageShape(finding.message)}`;
}

/** For each open finding of one file: its position in its group and the group's size. */
export function repeatGroups(findings: readonly Finding[]): Map<Finding, { index: number; total: number }> {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (finding.suppression) continue;
    const key = repeatKey(finding);
    const group = groups.get(key);
    if (group) group.push(finding);
    else groups.set(key, [finding]);
  }
  const out = new Map<Finding, { index: number; total: number }>();
  for (const group of groups.values()) group.forEach((finding, index) => out.set(finding, { index, total: group.length }));
  return out;
}
