/**
 * Reuse across edits, for the editor: when a keystroke changes only the body of a function the
 * rules have nothing to look at, the findings of the previous text still hold, moved by the
 * length of the change; when the function is one they look at, the rest of the file's reports
 * still hold, and only the function is analysed again.
 *
 * Why that is exact: partial parsing (partialParse.ts) relies on, and its tests check, that a
 * definition holding none of the rules' hot words (nor a name carrying something they read)
 * contributes only its name, so a file's findings are those of the file with that definition
 * replaced by `def name():0`. If the function is such a definition before and after the edit, the
 * edit only touches its body, and the set of rules that can fire is unchanged, both texts have
 * the same stubbed form up to the length of the blanked part: the same findings, shifted. The
 * same argument (a function's body is invisible outside it) holds for a function the rules do
 * look at, once what can cross its boundary is ruled out: imports, `global`, words a rule reads
 * across the file, aliases of the rules' functions. The analyzer checks each condition (see
 * Analyzer.reuse) and analyses normally when one fails; this module moves what can be moved.
 */
import type { RuleReport } from '../pipeline/analyzer';
import type { Finding } from '../findings';
import type { Node, Tree } from '../parser';
import type { TextEdit } from '../rule';
import type { Span } from '../text';
import { LineIndex } from '../text';

/** What an edit did: old text [start, oldEnd) became new text [start, newEnd). */
export interface TextChange {
  start: number;
  oldEnd: number;
  newEnd: number;
}

const CHUNK = 256;

/** The smallest change turning `before` into `after` (common prefix and suffix), undefined when equal. */
export function changeBetween(before: string, after: string): TextChange | undefined {
  if (before === after) return undefined;
  const shorter = Math.min(before.length, after.length);
  // Whole chunks first (compared natively), then characters within the first unequal chunk.
  let start = 0;
  while (start + CHUNK <= shorter && before.substring(start, start + CHUNK) === after.substring(start, start + CHUNK)) start += CHUNK;
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  const room = shorter - start;
  let tail = 0;
  while (
    tail + CHUNK <= room &&
    before.substring(before.length - tail - CHUNK, before.length - tail) ===
      after.substring(after.length - tail - CHUNK, after.length - tail)
  )
    tail += CHUNK;
  while (tail < room && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return { start, oldEnd: before.length - tail, newEnd: after.length - tail };
}

/** A function definition (with its decorators). */
export interface EditedFunction {
  start: number;
  end: number;
}

/**
 * The innermost function definition whose body holds the changed text in the new tree, if the
 * edited tree of the old text has a function definition with the same extent around the change:
 * then the old text had that function, with the same header (the text before the change is the
 * same), ending `newEnd - oldEnd` earlier.
 */
export function editedFunction(tree: Tree, editedOldTree: Tree, change: TextChange): EditedFunction | undefined {
  const now = innermostFunction(tree.rootNode, change.start, change.newEnd, true);
  if (!now) return undefined;
  // Only the extent is compared: the edited old tree moves a body that text was inserted at the
  // very start of, though the function's header is the same text.
  const before = innermostFunction(editedOldTree.rootNode, change.start, change.newEnd, false);
  if (!before || before.start !== now.start || before.end !== now.end) return undefined;
  return now;
}

function innermostFunction(root: Node, start: number, end: number, inBody: boolean): EditedFunction | undefined {
  for (let node: Node | null = root.descendantForIndex(start, end); node; node = node.parent) {
    if (node.type !== 'function_definition') continue;
    if (inBody) {
      const body = node.childForFieldName('body');
      // A change to the name, parameters or decorators changes what the stub would be: no reuse.
      if (!body || start < body.startIndex || end > body.endIndex) return undefined;
    }
    const whole = node.parent?.type === 'decorated_definition' ? node.parent : node;
    return { start: whole.startIndex, end: whole.endIndex };
  }
  return undefined;
}

/**
 * Moves offsets of the old text to the new one around an edited function: offsets up to its
 * start stay, offsets from its end on move by the length of the change, and an offset strictly
 * inside it cannot be moved (what was there was recomputed, or cannot exist): `touched` says so.
 */
export class OffsetMover {
  readonly delta: number;
  touched = false;

  constructor(
    readonly change: TextChange,
    /** The edited function in the old text. */
    private readonly old: Span,
  ) {
    this.delta = change.newEnd - change.oldEnd;
  }

  offset(at: number): number {
    if (at <= this.old.start) return at;
    if (at >= this.old.end) return at + this.delta;
    this.touched = true;
    return at;
  }

  span(span: Span): Span {
    return { start: this.offset(span.start), end: this.offset(span.end) };
  }

  edit(edit: TextEdit): TextEdit {
    return { ...edit, ...this.span(edit) };
  }
}

/** Reports of the old text moved to the new one, or undefined when one cannot be moved. */
export function shiftReports(reports: readonly RuleReport[], move: OffsetMover): RuleReport[] | undefined {
  const moved = reports.map(({ rule, callAt, report }): RuleReport => ({
    rule,
    callAt: callAt < 0 ? callAt : move.offset(callAt),
    report: {
      ...report,
      span: report.span && move.span(report.span),
      fixes: report.fixes?.map((fix) => ({ ...fix, edits: fix.edits.map((edit) => move.edit(edit)) })),
      related: report.related?.map((related) => ({ ...related, span: move.span(related.span) })),
    },
  }));
  return move.touched ? undefined : moved;
}

/** Findings of the old text moved to the new one, or undefined when one cannot be moved. */
export function shiftFindings(findings: readonly Finding[], move: OffsetMover, oldText: string, newText: string): Finding[] | undefined {
  const { change } = move;
  const lines = new LineIndex(newText);
  const changedLine = lines.positionAt(change.start).line;
  // Lines after the change move by the line breaks it added (counted only when a finding needs it).
  let lineDelta: number | undefined;
  const moveLine = (line: number): number => {
    if (line <= changedLine) return line;
    lineDelta ??= lines.positionAt(change.newEnd).line - new LineIndex(oldText).positionAt(change.oldEnd).line;
    return line + lineDelta;
  };
  const moved = findings.map((finding): Finding => {
    const span = move.span(finding.span);
    return {
      ...finding,
      span,
      range: lines.rangeOf(span),
      fixes: finding.fixes.map((fix) => ({ ...fix, edits: fix.edits.map((edit) => move.edit(edit)) })),
      related: finding.related.map((related) => {
        const where = move.span(related.span);
        return { ...related, span: where, range: lines.rangeOf(where) };
      }),
      // Suppression comments are never inside the edited function (`mlsec` is a hot word).
      suppression: finding.suppression && { ...finding.suppression, line: moveLine(finding.suppression.line) },
      threats: [...finding.threats],
      cwe: [...finding.cwe],
    };
  });
  return move.touched ? undefined : moved;
}
