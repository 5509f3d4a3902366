/**
 * Checks made before a text is parsed, so that a file whose syntax tree would take hundreds of
 * megabytes is refused at once with a clear reason (issue 13). The parser's memory budget
 * (parser.ts) bounds what is left; this check gives the common hostile case, deeply nested
 * brackets, a precise message and spares the seconds a parse takes to reach the budget.
 */
import { ParseLimitError } from '../parser';
import { isIdentifierChar } from '../textScan';
import type { SourceText } from '../textScan';

/**
 * CPython's tokenizer refuses more than 200 nested brackets ("too many nested parentheses",
 * MAXLEVEL), so deeper code cannot run and leaving it out hides nothing that could execute.
 */
export const MAX_BRACKET_DEPTH = 200;

/** The deepest nesting of (), [] and {} in code (comments and plain strings do not count). */
export function bracketDepth(source: SourceText): number {
  const text = source.text;
  let depth = 0;
  let deepest = 0;
  // A regular expression finds the brackets much faster than a loop over every character.
  const brackets = /[()[\]{}]/g;
  for (let match = brackets.exec(text); match; match = brackets.exec(text)) {
    if (!source.isCode(match.index)) continue;
    const c = text.charCodeAt(match.index);
    if (c === 0x28 || c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
    } else if (depth > 0) depth--;
  }
  return deepest;
}

/**
 * True when an edit (old text [start, oldEnd) became new text [start, newEnd)) cannot change the
 * code's brackets, so the previous text's bracket depth holds: it removed and inserted only
 * ASCII letters, digits, `_`, spaces and tabs, not right after a backslash (which escapes the
 * character after it in a string) and not in a run of identifier characters that a quote ends (a
 * string's prefix: `rb"`). Then every quote, `#`, line break and bracket is where it was, and so
 * is every string and comment (textScan.ts reads them from those alone).
 */
export function bracketsKept(before: string, after: string, change: { start: number; oldEnd: number; newEnd: number }): boolean {
  const { start, oldEnd, newEnd } = change;
  if (!PLAIN.test(before.slice(start, oldEnd)) || !PLAIN.test(after.slice(start, newEnd))) return false;
  if (start > 0 && after.charCodeAt(start - 1) === 92 /* \ */) return false;
  let at = newEnd;
  while (at < after.length && isIdentifierChar(after.charCodeAt(at))) at++;
  const next = after.charCodeAt(at);
  return next !== 34 && next !== 39;
}

const PLAIN = /^[A-Za-z0-9_ \t]*$/;

/** Throws ParseLimitError when the text cannot be parsed within the limits (`depth`: its bracketDepth, when known). */
export function checkParseLimits(source: SourceText, depth = bracketDepth(source)): void {
  if (depth > MAX_BRACKET_DEPTH) {
    throw new ParseLimitError(`brackets are nested ${depth} deep; Python itself refuses more than ${MAX_BRACKET_DEPTH}`);
  }
}
