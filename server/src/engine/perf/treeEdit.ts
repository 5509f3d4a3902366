/**
 * Tree edits: telling a kept tree-sitter tree what changed in its text, so that the next parse
 * re-uses the unchanged parts (the editor's incremental parsing, see pipeline/editSession.ts).
 * Offsets and points are those of the analysed text (text.ts analysisText), where a lone `\r`
 * reads as a line break.
 */
import { changeBetween } from './editReuse';
import type { Edit } from '../parser';
import { analysisText } from '../text';

export interface Point {
  row: number;
  column: number;
}

/**
 * Row and column (UTF-16 units) of an offset as tree-sitter counts them in the analysed text
 * (engine/text.ts analysisText): rows end at `\n` and at a lone `\r`, which the analysis reads as `\n`.
 */
export function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  const breaks = text.indexOf('\r') < 0 ? /\n/g : /\r(?!\n)|\n/g;
  for (let m = breaks.exec(text); m && m.index < offset; m = breaks.exec(text)) {
    row++;
    lineStart = m.index + 1;
  }
  return { row, column: offset - lineStart };
}

/**
 * The tree edit for replacing text[start, end) with `inserted`, in terms of the analysed texts
 * before and after (see analysisText): whether a `\r` reads as a line break depends on the
 * character after it, so the edit is widened over a `\r` before it, and over a `\n` after it
 * when the character before that `\n` is a `\r` before or after the edit. (Widened always, an
 * edit at a line's end re-read the line break, and a `def` header's whole body with it.)
 */
export function treeEdit(text: string, start: number, end: number, inserted: string): Edit {
  const from = start > 0 && text.charCodeAt(start - 1) === 13 ? start - 1 : start;
  const lastBefore = end > start ? text.charCodeAt(end - 1) : text.charCodeAt(start - 1);
  const lastAfter = inserted.length > 0 ? inserted.charCodeAt(inserted.length - 1) : text.charCodeAt(start - 1);
  const to = end < text.length && text.charCodeAt(end) === 10 && (lastBefore === 13 || lastAfter === 13) ? end + 1 : end;
  const before = analysisText(text.slice(from, to));
  const after = analysisText(text.slice(from, start) + inserted + text.slice(end, to));
  const startPosition = pointAt(text, from);
  return {
    startIndex: from,
    oldEndIndex: to,
    newEndIndex: from + after.length,
    startPosition,
    oldEndPosition: advance(startPosition, before),
    newEndPosition: advance(startPosition, after),
  };
}

/** The point reached from `start` after the text `inserted`. */
export function advance(start: Point, inserted: string): Point {
  const last = inserted.lastIndexOf('\n');
  if (last < 0) return { row: start.row, column: start.column + inserted.length };
  let rows = 0;
  for (let i = inserted.indexOf('\n'); i >= 0; i = inserted.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: inserted.length - last - 1 };
}

/** The single edit turning `before` into `after` (common prefix and suffix kept). */
export function diffEdit(before: string, after: string): Edit | undefined {
  const change = changeBetween(before, after);
  if (!change) return undefined;
  const startPosition = pointAt(before, change.start);
  return {
    startIndex: change.start,
    oldEndIndex: change.oldEnd,
    newEndIndex: change.newEnd,
    startPosition,
    oldEndPosition: advance(startPosition, before.slice(change.start, change.oldEnd)),
    newEndPosition: advance(startPosition, after.slice(change.start, change.newEnd)),
  };
}
