/**
 * Fingerprints: what identifies a finding across commits and across surfaces (the CLI's JSON and
 * SARIF, baselines, the editor), so that a baseline entry or a code-scanning alert made by one
 * surface matches the same finding seen by another.
 *
 * A fingerprint hashes the rule, the dotted path of the definitions around the finding
 * (`Trainer.load`, `<lambda>` for a lambda), the flagged text without its whitespace, and the
 * occurrence number among identical ones: lines added above a finding, re-indentation and
 * spacing edits (`x=1` / `x = 1`, a call split over lines) leave it unchanged.
 *
 * The path is read from the text, never from the syntax tree. The tree depends on how the file
 * was parsed: the CLI parses only the definitions a rule can fire in (perf/partialParse.ts), the
 * editor parses the whole text, re-using the previous tree; when the whole text has a syntax
 * error that the partial text does not (the broken part sat in a definition left out),
 * tree-sitter's error recovery can put the definitions after the error elsewhere, and a path read
 * from the tree then differed between the two surfaces. Read from the text, the path is a
 * function of the text alone. For text that parses without error it is the path the semantic
 * model gives (SemanticModel.scopePathAt): the same definitions, found by the indentation of the
 * logical lines, with the same boundaries (a function's scope starts at its parameters, a class's
 * at its body, decorators are outside). The fingerprint test checks this on every fixture.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../findings';
import { headerAt, lastStartingAtOrBefore } from '../perf/partialParse';
import { editedLogicalLines } from '../perf/editedLines';
import type { LogicalLine } from '../perf/partialParse';
import { isBlank, isIdentifierChar, literalBounds } from '../textScan';

/** Sets each finding's fingerprint; `text` is the analysed text the findings' spans are offsets in. */
export function assignFingerprints(findings: readonly Finding[], text: string, paths = new ScopePaths(text)): void {
  if (findings.length === 0) return;
  const counts = new Map<string, number>();
  for (const finding of findings) {
    const snippet = text.slice(finding.span.start, finding.span.end).replace(/\s+/g, '');
    const base = `${finding.code}\u0000${paths.at(finding.span.start)}\u0000${snippet}`;
    const occurrence = counts.get(base) ?? 0;
    counts.set(base, occurrence + 1);
    finding.fingerprint = createHash('sha256').update(`${base}\u0000${occurrence}`).digest('hex').slice(0, 32);
  }
}

/**
 * CPython refuses code indented more than 100 levels ("too many levels of indentation"); a
 * comment's block is looked for at most this many levels up, so a hostile file costs little.
 */
const MAX_LEVELS = 128;
/**
 * Characters the lambda scans of one logical line may read in all: a lambda's
 * scope is found by reading to the end of its body, so lambdas nested in one another's bodies
 * could read a long line once each. Past the budget, the line's further lambdas are not counted
 * (the path stays a function of the text); real code is far below it.
 */
const LAMBDA_SCAN_BUDGET = 1 << 22;

/**
 * The dotted scope path at offsets of one text, read from its logical lines. Built on first use
 * in one pass (each line's enclosing line), with paths and each line's lambdas memoised, so the
 * cost stays linear in the text plus a binary search per finding, whatever the text.
 */
export class ScopePaths {
  private lines?: readonly LogicalLine[];
  /** Per line, the nearest earlier line indented less (the header of its block, if any); -1 for none. */
  private enclosing?: Int32Array;
  /** Per line, the path of the statements in its block (memo). */
  private readonly inside = new Map<number, string>();
  /** Per line, the starts and ends (sorted) of its lambdas' scopes (memo). */
  private readonly lambdas = new Map<number, { starts: number[]; ends: number[] }>();
  /** Per header line, where its definition's scope starts (memo). */
  private readonly headerScopes = new Map<number, number>();

  constructor(private readonly text: string) {}

  /** The dotted path of the definitions and lambdas whose scope holds `offset` ('' at module level). */
  at(offset: number): string {
    const text = this.text;
    const lines = (this.lines ??= editedLogicalLines(text));
    const enclosing = (this.enclosing ??= enclosingLines(lines));
    // The logical line holding the offset, else (a comment line, where a suppression comment sits)
    // the statement before it.
    const last = lastStartingAtOrBefore(lines, offset);
    const holding = last >= 0 && offset < lines[last].end ? lines[last] : undefined;
    if (!holding) {
      if (last < 0) return '';
      // A comment stays in the blocks around the statement before it as the parser places it: a
      // block is closed before a comment when both that comment and the next statement are
      // indented less than the block's statements (tree-sitter's indentation scanner), and a
      // block closed before an earlier comment of the same run stays closed.
      const stays = Math.max(this.commentIndent(last, offset), lines[last + 1]?.indent ?? 0);
      for (let k = last, levels = 0; k >= 0 && levels < MAX_LEVELS; k = enclosing[k], levels++) {
        const body = lines[k + 1];
        if (!body || body.indent <= lines[k].indent || stays < body.indent) continue;
        const header = headerAt(text, lines[k].start);
        if (!header) continue;
        // A class's scope starts at its first statement, so comments before it are outside.
        if (header.kind === 'class' && k === last) continue;
        return this.pathInside(k);
      }
      return '';
    }
    const parts: string[] = [];
    const outer = enclosing[last] >= 0 ? this.pathInside(enclosing[last]) : '';
    if (outer) parts.push(outer);
    // The offset's own line: a header whose scope already starts there (parameters, or a body on
    // the same line), then the lambdas around the offset.
    const header = headerAt(text, holding.start);
    if (header) {
      let start = this.headerScopes.get(last);
      if (start === undefined) this.headerScopes.set(last, (start = scopeStartOnHeader(text, header.kind, header.nameEnd, holding.end)));
      if (offset >= start) parts.push(header.name);
    }
    let scopes = this.lambdas.get(last);
    if (!scopes) this.lambdas.set(last, (scopes = lambdaScopes(text, holding.start, holding.end)));
    // Lambda scopes nest or are apart: those holding the offset are those begun minus those ended.
    for (let n = countAtOrBelow(scopes.starts, offset) - countAtOrBelow(scopes.ends, offset); n > 0; n--) parts.push('<lambda>');
    return parts.join('.');
  }

  /**
   * The definitions around `offset`, innermost first, read from the text as `at` reads them (the
   * offset's own header once its scope has begun, then the headers of the enclosing blocks): each
   * with its header line and the decorator lines above it. A function of the text alone, so what
   * depends on it (test-code detection) is the same whether the file was parsed whole or in part.
   */
  definitionsAround(offset: number): Array<{ kind: 'def' | 'class'; name: string; header: string; decorators: string[] }> {
    const text = this.text;
    const lines = (this.lines ??= editedLogicalLines(text));
    const enclosing = (this.enclosing ??= enclosingLines(lines));
    const last = lastStartingAtOrBefore(lines, offset);
    if (last < 0) return [];
    const found: Array<{ kind: 'def' | 'class'; name: string; header: string; decorators: string[] }> = [];
    const describe = (k: number) => {
      const header = headerAt(text, lines[k].start);
      if (!header) return;
      const decorators: string[] = [];
      for (let d = k - 1; d >= 0 && lines[d].indent === lines[k].indent && text.charCodeAt(lines[d].start) === 64; d--)
        decorators.unshift(text.slice(lines[d].start, lines[d].end));
      found.push({ kind: header.kind, name: header.name, header: text.slice(lines[k].start, lines[k].end), decorators });
    };
    const own = headerAt(text, lines[last].start);
    if (own && offset < lines[last].end && offset >= scopeStartOnHeader(text, own.kind, own.nameEnd, lines[last].end)) describe(last);
    for (let k = enclosing[last], levels = 0; k >= 0 && levels < MAX_LEVELS; k = enclosing[k], levels++) describe(k);
    return found;
  }

  /** Per statement line, the comment lines after it: their starts and the least indentation so far (memo). */
  private readonly commentRuns = new Map<number, { starts: number[]; least: number[] }>();

  /** The least indentation of the comment lines after line `last` up to the one holding `offset`. */
  private commentIndent(last: number, offset: number): number {
    let run = this.commentRuns.get(last);
    if (!run) {
      run = { starts: [], least: [] };
      const text = this.text;
      const stop = this.lines![last + 1]?.start ?? text.length;
      let least = Infinity;
      for (let at = this.lines![last].end; at < stop;) {
        at = afterBreak(text, at);
        const indent = indentAt(text, at);
        if (text.charCodeAt(at + indent.width) === 35) {
          least = Math.min(least, indent.column);
          run.starts.push(at);
          run.least.push(least);
        }
        at = lineEnd(text, at);
      }
      this.commentRuns.set(last, run);
    }
    const i = countAtOrBelow(run.starts, offset) - 1;
    return i >= 0 ? run.least[i] : 0;
  }

  /** The path of the statements in line k's block: its enclosing headers' names, and its own. */
  private pathInside(k: number): string {
    const lines = this.lines!;
    const enclosing = this.enclosing!;
    // Up to the first line whose path is known, then down again (no recursion: nesting can be deep).
    const chain: number[] = [];
    let known = '';
    for (let j = k; j >= 0; j = enclosing[j]) {
      const memo = this.inside.get(j);
      if (memo !== undefined) {
        known = memo;
        break;
      }
      chain.push(j);
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const header = headerAt(this.text, lines[chain[i]].start);
      if (header) known = known ? `${known}.${header.name}` : header.name;
      this.inside.set(chain[i], known);
    }
    return known;
  }
}

/** For each line, the nearest earlier line indented less (-1: none), in one pass with a stack. */
function enclosingLines(lines: readonly LogicalLine[]): Int32Array {
  const enclosing = new Int32Array(lines.length);
  const open: number[] = [];
  for (let k = 0; k < lines.length; k++) {
    while (open.length > 0 && lines[open[open.length - 1]].indent >= lines[k].indent) open.pop();
    enclosing[k] = open.length > 0 ? open[open.length - 1] : -1;
    open.push(k);
  }
  return enclosing;
}

/** How many of the sorted numbers are at most `value`. */
function countAtOrBelow(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The indentation at the start of a physical line: its column (tabs to multiples of 8) and its width. */
function indentAt(text: string, start: number): { column: number; width: number } {
  let column = 0;
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) column++;
    else if (c === 9) column = column - (column % 8) + 8;
    else if (c === 12) column = 0;
    else break;
  }
  return { column, width: i - start };
}

/** Just past the line break at `at` (`\r\n` counts as one); `at` itself when none is there. */
function afterBreak(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === 13) return text.charCodeAt(at + 1) === 10 ? at + 2 : at + 1;
  return c === 10 ? at + 1 : at;
}

/**
 * Where the scope of the definition whose header line ends at `end` starts, as the semantic model
 * counts it: a function's at its parameters (`(`), a class's at its body (after the header's `:`).
 */
function scopeStartOnHeader(text: string, kind: 'def' | 'class', nameEnd: number, end: number): number {
  if (kind === 'def') {
    const open = text.indexOf('(', nameEnd);
    return open < 0 || open > end ? end : open;
  }
  const colon = nextAtDepthZero(text, nameEnd, end, (c) => c === 58);
  if (colon < 0) return end;
  let body = colon + 1;
  while (body < end && isBlank(text.charCodeAt(body))) body++;
  // A comment after the colon is not in the body: the body starts on the next line.
  return text.charCodeAt(body) === 35 ? end : body;
}

/**
 * The scopes of the lambdas of the code in [from, end) as sorted starts and ends (`[start, end)`):
 * from each lambda's first parameter (or its body when it has none) to the end of its body. The
 * keyword itself counts as a scope of its own, as it does for the semantic model (its token has the
 * node type `lambda` too); kept so that no fingerprint changed when paths moved to the text.
 */
function lambdaScopes(text: string, from: number, end: number): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  const budget = { left: LAMBDA_SCAN_BUDGET };
  for (let i = from; i < end && budget.left > 0;) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      i = Math.max(i + 1, literalBounds(text, i).end);
    } else if (c === 35) {
      i = lineEnd(text, i);
    } else if (isIdentifierChar(c)) {
      let j = i;
      while (j < end && isIdentifierChar(text.charCodeAt(j))) j++;
      // A prefixed literal (`f"…"`, `rb'…'`) is skipped with its quote on the next turn.
      if (j - i === 6 && text.startsWith('lambda', i)) {
        starts.push(i);
        ends.push(j);
        const scope = lambdaScope(text, j, end, budget);
        if (scope) {
          starts.push(scope.start);
          ends.push(scope.end);
        }
      }
      i = j;
    } else i++;
  }
  return { starts: starts.sort((a, b) => a - b), ends: ends.sort((a, b) => a - b) };
}

/**
 * The scope of the lambda whose keyword ends at `after`: from its first parameter (or its body
 * when it has none) to the end of its body, which ends at the first `,`, `:`, `for` or unmatched
 * closing bracket outside brackets, or with the logical line.
 */
function lambdaScope(text: string, after: number, end: number, budget: { left: number }): { start: number; end: number } | undefined {
  const colon = parametersEnd(text, after, end, budget);
  if (colon < 0) return undefined;
  let start = skipTrivia(text, after, end);
  if (start === colon) start = skipTrivia(text, colon + 1, end);
  const last = bodyEnd(text, colon + 1, end, budget);
  return budget.left > 0 ? { start, end: last } : undefined;
}

/** The first code at or after `from`: past blanks, line breaks, continuations and comments. */
function skipTrivia(text: string, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 35) i = lineEnd(text, i);
    else if (isBlank(c) || c === 10 || c === 13 || c === 92) i++;
    else break;
  }
  return i;
}

/**
 * The end of the last code of a lambda body starting at `from`: the body runs to the first `,` or
 * `:`, `for` keyword or unmatched closing bracket outside brackets (a lambda inside it has its own
 * parameters and `:`), or to the end of the logical line; comments inside it are part of it.
 */
function bodyEnd(text: string, from: number, end: number, budget: { left: number }): number {
  let depth = 0;
  let nested = 0;
  let codeEnd = from;
  for (let i = from; i < end && budget.left-- > 0;) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      i = Math.max(i + 1, literalBounds(text, i).end);
      codeEnd = i;
      continue;
    }
    if (c === 35) {
      i = lineEnd(text, i);
      continue;
    }
    if (isIdentifierChar(c)) {
      let j = i;
      while (j < end && isIdentifierChar(text.charCodeAt(j))) j++;
      if (depth === 0 && j - i === 3 && text.startsWith('for', i)) return codeEnd;
      if (depth === 0 && j - i === 6 && text.startsWith('lambda', i)) nested++;
      i = codeEnd = j;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (depth === 0) return codeEnd;
      depth--;
    } else if (depth === 0 && c === 58) {
      if (nested === 0) return codeEnd;
      nested--;
    } else if (depth === 0 && nested === 0 && c === 44) return codeEnd;
    i++;
    if (!isBlank(c) && c !== 10 && c !== 13 && c !== 92) codeEnd = i;
  }
  return codeEnd;
}

/**
 * The `:` ending the parameters of a lambda whose keyword ends at `from`; a lambda in a default
 * value (`lambda x=lambda: 1: x`) has its own. -1 when there is none.
 */
function parametersEnd(text: string, from: number, end: number, budget: { left: number }): number {
  let nested = 0;
  let depth = 0;
  for (let i = from; i < end && budget.left-- > 0;) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      i = Math.max(i + 1, literalBounds(text, i).end);
      continue;
    }
    if (c === 35) {
      i = lineEnd(text, i);
      continue;
    }
    if (isIdentifierChar(c)) {
      let j = i;
      while (j < end && isIdentifierChar(text.charCodeAt(j))) j++;
      if (depth === 0 && j - i === 6 && text.startsWith('lambda', i)) nested++;
      i = j;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (depth === 0) return -1;
      depth--;
    } else if (c === 58 && depth === 0) {
      if (nested === 0) return i;
      nested--;
    }
    i++;
  }
  return -1;
}

/** Offset of the line break at or after `from` (or `text.length`). */
function lineEnd(text: string, from: number): number {
  for (let k = from; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 10 || c === 13) return k;
  }
  return text.length;
}

/**
 * The first offset in [from, end) outside strings, comments and brackets opened after `from`
 * whose character satisfies `stop`, or, with `closing`, where a bracket opened before `from`
 * closes, a `for` keyword stands, or a comment starts outside brackets; -1 when there is none.
 */
function nextAtDepthZero(text: string, from: number, end: number, stop: (c: number) => boolean, closing = false): number {
  let depth = 0;
  // A comment before the first code (`lambda x:  # why` with the body on the next line) is inside.
  let code = false;
  for (let i = from; i < end;) {
    const c = text.charCodeAt(i);
    if (c !== 35 && !isBlank(c) && c !== 10 && c !== 13 && c !== 92) code = true;
    if (c === 34 || c === 39) {
      i = Math.max(i + 1, literalBounds(text, i).end);
      continue;
    }
    if (c === 35) {
      if (closing && depth === 0 && code) return i;
      i = lineEnd(text, i);
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (depth === 0) return closing ? i : -1;
      depth--;
    } else if (depth === 0 && stop(c)) return i;
    else if (closing && depth === 0 && isIdentifierChar(c)) {
      let j = i;
      while (j < end && isIdentifierChar(text.charCodeAt(j))) j++;
      if (j - i === 3 && text.startsWith('for', i) && !isIdentifierChar(text.charCodeAt(i - 1))) return i;
      i = j;
      continue;
    }
    i++;
  }
  return -1;
}
