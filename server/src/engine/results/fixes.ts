/**
 * Choosing and applying the rules' fixes, shared by the editor's "Apply all safe fixes"
 * (`source.fixAll.mlsec`, lsp/codeActions.ts) and `mlsec scan --fix` (cli/fix.ts), so both apply
 * the same edits.
 */
import type { Finding } from '../findings';
import type { Fix, TextEdit } from '../rule';

/** Whether a fix may be applied: safe ones always, unsafe ones when asked for. */
export function usableFix(fix: Fix, unsafe: boolean): boolean {
  return fix.edits.length > 0 && (fix.safe || unsafe);
}

/**
 * The fixes of one analysis that can be applied together: per open finding its first usable fix,
 * unless one of its edits overlaps (or inserts at the same place as) an edit already chosen; the
 * next analysis offers the one left out. Edits of different notebook cells never clash.
 */
export function chooseFixes(findings: readonly Finding[], unsafe: boolean): Fix[] {
  const taken: Array<{ cell: number; start: number; end: number }> = [];
  const chosen: Fix[] = [];
  for (const finding of findings) {
    if (finding.suppression) continue;
    const fix = finding.fixes.find((f) => usableFix(f, unsafe));
    if (!fix) continue;
    const clash = fix.edits.some((edit) =>
      taken.some(
        (t) =>
          t.cell === (edit.cell ?? -1) &&
          edit.start < t.end + (edit.start === edit.end ? 1 : 0) &&
          t.start < edit.end + (t.start === t.end ? 1 : 0),
      ),
    );
    if (clash) continue;
    // Two edits of one fix may not overlap each other either.
    const own = [...fix.edits].sort((a, b) => (a.cell ?? -1) - (b.cell ?? -1) || a.start - b.start);
    if (own.some((edit, i) => i > 0 && (own[i - 1].cell ?? -1) === (edit.cell ?? -1) && own[i - 1].end > edit.start)) continue;
    for (const edit of fix.edits) taken.push({ cell: edit.cell ?? -1, start: edit.start, end: edit.end });
    chosen.push(fix);
  }
  return chosen;
}

/** Applies non-overlapping edits (offsets into `text`). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const edit of sorted) result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
  return result;
}
