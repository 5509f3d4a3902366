/**
 * The logical lines of an edited text (partialParse.logicalLines), moved from those of the text
 * before the edit when the edit cannot change them, for the editor: the finish reads a text's
 * lines for every finding's scope path and test-code check (results/fingerprints.ts's
 * ScopePaths), which was a pass over the whole text on every edit that ran the finish (about a
 * millisecond in a 5,000-line module, a fifth of an identifier edit's analysis).
 *
 * Why moving them is exact. The lines depend only on line breaks, blanks at a line's start, `#`,
 * `\`, quotes and brackets, and on where string literals end (literalBounds, which reads a
 * literal's prefix letters before its quote). An edit that removes and inserts only identifier
 * characters (ASCII letters, digits, `_`) inside an identifier-like run of characters that is not
 * empty before nor after the edit, and that is not followed by a quote, changes none of those: it
 * adds or removes none of the special characters, the run keeps its first character where it was
 * (so no line's indentation changes, nor whether a line is blank), and no string prefix is
 * touched. The lines are then those of before, with every offset after the change moved by its
 * length. Any other edit gets the lines computed afresh. `test/unit/editedLines.test.ts`
 * compares the moved lines with a fresh computation after identifier edits all over the fixtures.
 */
import type { LogicalLine } from './partialParse';
import { logicalLines } from './partialParse';
import { changeBetween } from './editReuse';

/** Lines by text for the last few texts, the most recently used last (an undo goes back to a text often). */
const linesByText = new Map<string, readonly LogicalLine[]>();
const REMEMBERED = 4;
/** The text whose lines were asked for last (what the next edit's text is compared with). */
let lastText: string | undefined;

/** The logical lines of `text`, moved from those of the text asked about before it when an edit between them cannot change them. Do not modify. */
export function editedLogicalLines(text: string): readonly LogicalLine[] {
  let lines = linesByText.get(text);
  if (lines) linesByText.delete(text);
  else {
    const previous = lastText !== undefined ? linesByText.get(lastText) : undefined;
    lines = (previous && movedLines(previous, lastText!, text)) ?? logicalLines(text);
    if (linesByText.size >= REMEMBERED) linesByText.delete(linesByText.keys().next().value!);
  }
  linesByText.set(text, lines);
  lastText = text;
  return lines;
}

/** The lines of `after` from those of `before` when the edit between them cannot change them (see the module comment), else undefined. */
export function movedLines(lines: readonly LogicalLine[], before: string, after: string): LogicalLine[] | undefined {
  const change = changeBetween(before, after);
  if (!change) return [...lines];
  const { start, oldEnd, newEnd } = change;
  for (let k = start; k < oldEnd; k++) if (!wordChar(before.charCodeAt(k))) return undefined;
  for (let k = start; k < newEnd; k++) if (!wordChar(after.charCodeAt(k))) return undefined;
  // The run of identifier characters around the change, in both texts: not empty, and not a string's prefix.
  let first = start;
  while (first > 0 && wordChar(after.charCodeAt(first - 1))) first--;
  let oldLast = oldEnd;
  while (oldLast < before.length && wordChar(before.charCodeAt(oldLast))) oldLast++;
  let newLast = newEnd;
  while (newLast < after.length && wordChar(after.charCodeAt(newLast))) newLast++;
  if (oldLast === first || newLast === first) return undefined;
  const next = after.charCodeAt(newLast);
  if (next === 34 || next === 39) return undefined;
  // A line starts at its first character (at the run's start, it stays) and ends at a line break
  // (at the change's start, text was typed before it: it moves).
  const delta = newEnd - oldEnd;
  return lines.map((line) => ({
    start: line.start <= start ? line.start : line.start + delta,
    end: line.end < start ? line.end : line.end + delta,
    indent: line.indent,
  }));
}

/** An ASCII letter, digit or `_` (other characters are left to a fresh computation). */
function wordChar(c: number): boolean {
  return c === 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
