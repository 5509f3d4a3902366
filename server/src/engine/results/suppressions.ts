/**
 * Suppression comments:
 *   `# mlsec: ignore[MLS102] reason`        the finding on this line, or on the next line when
 *                                           the comment stands alone on its line
 *   `# mlsec: ignore-file[MLS201] reason`   the whole file
 * Rules are named by code or by name, comma separated. A suppression without a rule, with an
 * unknown rule, without a reason, or that suppresses nothing is reported as MLS001, so blanket
 * and stale ignores stay visible.
 */
import type { Node } from '../parser';
import type { LineIndex } from '../text';

export const SUPPRESSION_PATTERN = /#\s*mlsec\s*:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?[ \t]*(.*)$/;

export interface SuppressionComment {
  kind: 'line' | 'file';
  /** Rule codes or names as written. */
  rules: string[];
  justification: string;
  /** Zero-based line of the comment. */
  line: number;
  /** The lines the comment covers (line kind only). */
  coversLines: number[];
  startOffset: number;
  endOffset: number;
  /** Set when a finding was suppressed by the rule at the same index in `rules`. */
  used: boolean[];
}

export function parseSuppressions(comments: readonly Node[], lines: LineIndex): SuppressionComment[] {
  const found: SuppressionComment[] = [];
  for (const comment of comments) {
    // In a CRLF file the comment token ends with the `\r`: it is the line break, not the reason.
    const text = comment.text.replace(/\r+$/, '');
    const match = SUPPRESSION_PATTERN.exec(text);
    if (!match) continue;
    const line = comment.startPosition.row;
    const rules = (match[2] ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r.length > 0);
    const standalone = lines.lineText(line).slice(0, comment.startPosition.column).trim() === '';
    const startOffset = comment.startIndex + (match.index ?? 0);
    found.push({
      kind: match[1] === 'ignore-file' ? 'file' : 'line',
      rules,
      // A second comment after the reason (`# noqa`, a test marker) is not part of it.
      justification: match[3].replace(/(^|\s)#\s.*$/, '').trim(),
      line,
      coversLines: standalone ? [line, line + 1] : [line],
      startOffset,
      endOffset: comment.startIndex + text.length,
      used: rules.map(() => false),
    });
  }
  return found;
}

/** The word the suppression quick fixes insert for the user to replace with the real reason. */
export const REASON_PLACEHOLDER = 'reason';

/** Whether a written reason is only the placeholder left as inserted (then it counts as none). */
export function isPlaceholderReason(justification: string): boolean {
  return /^<?\s*reason\s*>?\.?$/i.test(justification.trim());
}

/** Formats a suppression comment the way the quick fixes insert it. */
export function formatSuppression(kind: 'line' | 'file', code: string, reason: string): string {
  const cleaned = reason.replace(/[\r\n]+/g, ' ').trim();
  return `# mlsec: ${kind === 'file' ? 'ignore-file' : 'ignore'}[${code}]${cleaned ? ' ' + cleaned : ''}`;
}
