/**
 * Checks made before a text is parsed, so that a file whose syntax tree would take hundreds of
 * megabytes is refused at once with a clear reason (issue 13). The parser's memory budget
 * (parser.ts) bounds what is left; this check gives the common hostile case, deeply nested
 * brackets, a precise message and spares the seconds a parse takes to reach the budget.
 */
import { ParseLimitError } from '../parser';
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

/** Throws ParseLimitError when the text cannot be parsed within the limits. */
export function checkParseLimits(source: SourceText): void {
  const depth = bracketDepth(source);
  if (depth > MAX_BRACKET_DEPTH) {
    throw new ParseLimitError(`brackets are nested ${depth} deep; Python itself refuses more than ${MAX_BRACKET_DEPTH}`);
  }
}
