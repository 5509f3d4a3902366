/**
 * What the prefilter and partial parsing take from a rule's `constantArguments` declaration
 * (RuleMatch in rule.ts): every finding of the rule is at a call of its callees or methods where
 * one of the declared arguments has a constant string value. The semantic model gives an
 * argument such a value only when it is written as a string literal (or several, concatenated,
 * or parenthesised) or as a name bound by `name = <constant>` (semantic.ts, constantValue).
 *
 * `callMayPassConstant` says, for an occurrence of one of the rule's call words, whether it can
 * be such a call or make a name such a call is written with. It errs on the yes side:
 * - A call written there (`x.word(`, `word(`) counts when one of the declared arguments, by
 *   position or keyword name, can be constant text: its value starts with a quote (a string
 *   prefix and a quote), or is a bare name that a statement of the file binds by `name = value`
 *   to such a value, or by `name: type = value` (found from the text: see assignedHere), or is
 *   one of those in brackets. A call with a `*` or `**` argument counts (its values come from
 *   elsewhere), and so does an argument list that does not close, is longer than MAX_ARGUMENTS
 *   or holds an f-string whose fields do not close within it as read (since Python 3.12 a field
 *   may hold quotes of the string's own kind).
 * - In a comment or a string there is no call; nor where the word is followed by `=` (a name
 *   bound there, or a keyword argument's name).
 * - A bare call `word(...)` reaches a callee (`datasets.load_dataset`) only when the file binds
 *   the name to it by an import; without an import of the name, it is a variable of the same
 *   spelling (unbound names, star imports included, resolve to themselves). A method is matched
 *   by the name it is called with, bare or not.
 * - `def word(` and `class word(` bind the name to the file's own function or class: no call.
 * - Not called there, a method's name is no call of it. A callee's name can make another name for
 *   the function: as an attribute (`f = hub.hf_hub_download`), in an import with `as`, or bare
 *   in a file that imports the name (`f = hf_hub_download`); those count. An import without `as`
 *   binds the name itself, whose calls are judged where they are written.
 *
 * `callMayPassText` reads a `textArguments` declaration the other way round: every finding is at a
 * call giving one of the declared arguments otherwise than as plain string literals, so a call
 * giving them only so (`eval("1 + 1")`), or not at all, is no call the rule can report.
 */
import type { ConstantArguments, TextArguments } from '../rule';
import { SourceText, definedAt, inImportStatement, isBlank, isIdentifierChar, literalBounds, previousNonBlank } from '../textScan';
import { linesOf, spanAt } from './partialParse';

/** Argument lists longer than this are not split (they count). */
const MAX_ARGUMENTS = 20_000;

/** A string prefix (`r`, `b`, `f`, `rb`, `Rb`, `u`…) directly followed by a quote. */
const STRING_START = /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])?["']/;

/** A whole Python identifier (of any script). */
const BARE_NAME = /^[A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*$/u;

/**
 * Per text, the names found assigned and imported (memos of `assignedHere`, `importedHere`). Only the
 * last text is kept: the prefilter and partial parsing of one file ask about the same text.
 */
let memoText: string | undefined;
let memo = new Map<string, boolean>();
let memoImported = new Map<string, boolean>();

/** True when `name` is written whole in one of the text's import statements. */
function importedHere(text: string, name: string): boolean {
  remember(text);
  let known = memoImported.get(name);
  if (known === undefined) {
    known = false;
    for (let i = text.indexOf(name); i >= 0 && !known; i = text.indexOf(name, i + 1)) {
      const end = i + name.length;
      if ((i > 0 && isIdentifierChar(text.charCodeAt(i - 1))) || isIdentifierChar(text.charCodeAt(end))) continue;
      known = inImportStatement(text, i);
    }
    memoImported.set(name, known);
  }
  return known;
}

function remember(text: string): void {
  if (memoText === text) return;
  memoText = text;
  memo = new Map();
  memoImported = new Map();
}

/**
 * False only when no statement of `text` binds `name` by `name = value` (or `name: type = value`)
 * with a value that can be constant text in the semantic model (SemanticModel.constantValue):
 * a string literal (with its prefix; several concatenated), a parenthesised expression, or a bare
 * name itself bound so (`a = b = "x"`: the value of `a` is the last one). A value of any other form
 * (`kwargs.pop("token")`, `args.model`, a call, a number, `None`) gives the name no constant text
 * there. A binding is `name` written as a whole identifier followed by `=` (not `==`) or `:`, outside
 * brackets: at the start of a logical line, or after `;`, after the `:` of a one-line compound
 * statement, or after the `=` of a chained assignment. A keyword argument `f(name=...)` is inside
 * brackets and does not count. An annotated binding counts whatever its value (erring on the yes
 * side). Names are followed through other names to MAX_NAME_CHAIN steps (the model stops sooner).
 */
function assignedHere(text: string, name: string): boolean {
  remember(text);
  const known = memo.get(name);
  if (known !== undefined) return known;
  const state = { cycle: false };
  const answer = bindsConstantText(text, name, new Set(), state);
  memo.set(name, answer);
  return answer;
}

/** How many names deep assignedHere follows `a = b` (a cycle or a longer chain counts as constant). */
const MAX_NAME_CHAIN = 16;

function bindsConstantText(text: string, name: string, visiting: Set<string>, state: { cycle: boolean }): boolean {
  const known = memo.get(name);
  if (known !== undefined) return known;
  if (visiting.size >= MAX_NAME_CHAIN) return true;
  if (visiting.has(name)) {
    // Being decided further up: this binding adds nothing the others do not.
    state.cycle = true;
    return false;
  }
  visiting.add(name);
  let answer = false;
  for (let i = text.indexOf(name); i >= 0 && !answer; i = text.indexOf(name, i + 1)) {
    const end = i + name.length;
    if ((i > 0 && isIdentifierChar(text.charCodeAt(i - 1))) || isIdentifierChar(text.charCodeAt(end))) continue;
    let j = end;
    while (j < text.length && isBlank(text.charCodeAt(j))) j++;
    const c = text[j];
    if (!((c === '=' && text[j + 1] !== '=') || c === ':')) continue;
    const before = previousNonBlank(text, i);
    const binds =
      before === ';' || before === ':' || (before === '=' && !/[=<>!:+\-*/%&|^@]/.test(text[lastNonBlank(text, i) - 1] ?? ''))
        ? true
        : startsLogicalLine(text, i);
    if (!binds) continue;
    if (c === ':') answer = true;
    else {
      const value = assignedValue(text, j + 1);
      answer = value === true || (value !== false && bindsConstantText(text, value, visiting, state));
    }
  }
  visiting.delete(name);
  // A `false` reached while a name up the chain was undecided may change once it is: not kept.
  if (answer || !state.cycle || visiting.size === 0) memo.set(name, answer);
  return answer;
}

/**
 * The value of an assignment whose `=` ends before `at`, as it bears on constant text: true when it
 * can be some (a string, a parenthesised expression), a name when it is a bare name (followed by
 * the end of the statement), false for anything else. In `a = b = "x"` the value is the last one.
 */
function assignedValue(text: string, at: number): boolean | string {
  let i = at;
  for (;;) {
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    if (STRING_START.test(text.slice(i, i + 3))) return true;
    if (text[i] === '(') {
      const close = matchingClose(text, i);
      return close < 0 || writtenKind(text.slice(i + 1, close));
    }
    const match = /^[A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*/u.exec(text.slice(i, i + 256));
    if (!match) return false;
    let k = i + match[0].length;
    // Spaces, tabs and line continuations: the statement goes on.
    for (;;) {
      const code = text.charCodeAt(k);
      if (code === 32 || code === 9 || code === 12) k++;
      else if (code === 92 && (text[k + 1] === '\n' || text[k + 1] === '\r')) k += text[k + 1] === '\r' && text[k + 2] === '\n' ? 3 : 2;
      else break;
    }
    const next = text[k];
    if (next === '=' && text[k + 1] !== '=') {
      i = k + 1; // a chained assignment: the value is further right
      continue;
    }
    if (next === undefined || next === '\n' || next === '\r' || next === ';' || next === '#') return match[0];
    return false;
  }
}

/** The offset of the last character before `index` that is not blank (-1 at the start). */
function lastNonBlank(text: string, index: number): number {
  let i = index - 1;
  while (i >= 0 && isBlank(text.charCodeAt(i))) i--;
  return i;
}

/** True when a logical line of the text starts at `offset`. */
function startsLogicalLine(text: string, offset: number): boolean {
  const lines = linesOf(text);
  return lines[spanAt(lines, offset)]?.start === offset;
}

/** True when an argument's value, as written, can have a constant string value in the model. */
function mayBeConstantText(text: string, value: string, accepts?: (value: string) => boolean): boolean {
  const trimmed = value.replace(/^[\s\\]+|[\s\\]+$/g, '');
  if (trimmed.length === 0) return true; // nothing recognisable: count it
  if (accepts) {
    const literal = plainLiteralValue(trimmed);
    if (literal !== undefined) return accepts(literal);
  }
  const kind = writtenKind(trimmed);
  return typeof kind === 'string' ? assignedHere(text, kind) : kind;
}

/**
 * What an expression as written can be in the semantic model's constantValue: true when it can
 * be constant text (a string; a parenthesised expression that can), false when it cannot, a name
 * when it is one (constant text if the name is bound to some). Erring on the yes side.
 */
function writtenKind(written: string): boolean | string {
  const trimmed = withoutComments(written).replace(/^[\s\\]+|[\s\\]+$/g, '');
  if (trimmed.length === 0 || STRING_START.test(trimmed)) return true;
  if (trimmed[0] === '(') {
    const close = matchingClose(trimmed, 0);
    // `(a)` alone is `a`; `(a) + b`, `(f)(x)`, `(a).b` are no constant text.
    return close < 0 || (close === trimmed.length - 1 && writtenKind(trimmed.slice(1, close)));
  }
  return BARE_NAME.test(trimmed) ? trimmed : false;
}

/**
 * The offset of the bracket closing the one at `open` (strings and comments skipped), or -1 when
 * none does within `within` characters.
 */
export function matchingClose(text: string, open: number, within = MAX_ARGUMENTS): number {
  let depth = 0;
  const limit = Math.min(text.length, open + within);
  for (let k = open; k < limit; k++) {
    const c = text.charCodeAt(k);
    if (c === 34 || c === 39) k = literalBounds(text, k).end - 1;
    else if (c === 35) {
      const newline = text.indexOf('\n', k);
      if (newline < 0) return -1;
      k = newline;
    } else if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) if (--depth === 0) return k;
  }
  return -1;
}

/**
 * The value of `written` when it is exactly one string literal whose value is its body as
 * written (no prefix but `r` or `u`, no backslash unless raw); undefined for anything else.
 */
function plainLiteralValue(written: string): string | undefined {
  const prefix = /^[rRuU]?/.exec(written)![0].length;
  const quote = written.charCodeAt(prefix);
  if (quote !== 34 && quote !== 39) return undefined;
  const bounds = literalBounds(written, prefix);
  // Unclosed, or followed by more (another literal, an operator).
  if (bounds.end === bounds.bodyEnd || bounds.end !== written.length) return undefined;
  const body = written.slice(bounds.bodyStart, bounds.bodyEnd);
  const raw = prefix === 1 && (written[0] === 'r' || written[0] === 'R');
  return raw || !body.includes('\\') ? body : undefined;
}

/**
 * The offset just past the string literal whose opening quote is at `quote`; for an f-string,
 * -1 when its fields may not close within it (see fStringEnd).
 */
function stringEnd(text: string, quote: number): number {
  const prefix = text.charCodeAt(quote - 1) | 32;
  const formatted = prefix === 102 || ((prefix === 114 || prefix === 98) && (text.charCodeAt(quote - 2) | 32) === 102);
  return formatted ? fStringEnd(text, quote) : literalBounds(text, quote).end;
}

/**
 * The end of the f-string whose quote is at `quote`, when its fields close within it as read
 * without quotes of their own: -1 when they do not (Python 3.12 lets a field hold quotes of the
 * string's own kind, `f"{d["k"]}"`, so the string may go on past where it seems to end).
 */
function fStringEnd(text: string, quote: number): number {
  const bounds = literalBounds(text, quote);
  if (bounds.end === bounds.bodyEnd) return -1;
  let depth = 0;
  for (let k = bounds.bodyStart; k < bounds.bodyEnd; k++) {
    const c = text.charCodeAt(k);
    if (c === 92) k++;
    else if (c === 123) {
      if (depth === 0 && text.charCodeAt(k + 1) === 123) k++;
      else depth++;
    } else if (c === 125) {
      if (depth === 0 && text.charCodeAt(k + 1) === 125) k++;
      else if (--depth < 0) return -1;
    }
  }
  return depth === 0 ? bounds.end : -1;
}

/** The last text codeAt was asked about, read for its comments and strings (one memo for partial parsing's checks). */
let proseOf: SourceText | undefined;

/** False when `at` is in a comment or a string literal of `text` (not an f-string). */
export function codeAt(text: string, at: number): boolean {
  if (proseOf?.text !== text) proseOf = new SourceText(text);
  return proseOf.isCode(at);
}

/** How a rule calls a word: as a method (any `x.word(...)`), as the last name of a callee, or both. */
export interface CallWordRole {
  method: boolean;
  callee: boolean;
}

/**
 * False only when the occurrence of one of a rule's call words at `at` (of `length` units) can
 * neither be such a call with a declared argument that is constant text, nor make a name others
 * call the function by (see the module comment).
 */
export function callMayPassConstant(text: string, at: number, length: number, declared: ConstantArguments, role: CallWordRole): boolean {
  // A comment or a string (`# load the data with load_dataset`) holds no call (an f-string's fields are code).
  if (!codeAt(text, at)) return false;
  let i = at + length;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  // `word = ...`, `f(word=...)`: a name bound there, or a keyword's name; no call, no alias.
  if (text[i] === '=' && text[i + 1] !== '=') return false;
  const attribute = previousNonBlank(text, at) === '.';
  // `def word(`, `class word(`: the file's own function or class binds the name here; no call.
  if (!attribute && definedAt(text, at)) return false;
  if (text[i] !== '(') {
    // A method is looked for where it is called by its name; a callee also where a name is bound to it.
    if (!role.callee) return false;
    if (attribute) return true;
    if (inImportStatement(text, at)) return /^[ \t]*as\b/.test(text.slice(at + length, at + length + 8));
    return importedHere(text, text.slice(at, at + length));
  }
  // A bare call of a callee's name reaches it only when the file imports the name.
  if (!attribute && !role.method && !importedHere(text, text.slice(at, at + length))) return false;
  const positions = declared.positions ?? [];
  const keywords = declared.keywords ?? [];
  const test = declared.value;
  const word = text.slice(at, at + length);
  const accepts = test ? (value: string) => test(value, word) : undefined;
  let position = 0;
  return someArgument(text, i, (argument) => {
    if (/^[\s\\]*\*/.test(argument)) return true;
    const keyword = KEYWORD_ARGUMENT.exec(argument);
    if (keyword) return keywords.includes(keyword[1]) && mayBeConstantText(text, argument.slice(keyword[0].length), accepts);
    return positions.includes(position++) && mayBeConstantText(text, argument, accepts);
  });
}

/** A keyword argument's name and its `=` at the start of an argument's text. */
const KEYWORD_ARGUMENT = /^[\s\\]*([A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*)[\s\\]*=(?!=)/u;

/**
 * Reads the argument list whose `(` is at `open`, giving `judge` each argument's text (comments
 * blanked; an empty one, as after a trailing comma, is not given): true as soon as `judge` says
 * so, and true when the list does not close within MAX_ARGUMENTS or holds an f-string whose
 * fields may not close (it cannot be split with certainty), else false.
 */
function someArgument(text: string, open: number, judge: (argument: string) => boolean): boolean {
  const limit = Math.min(text.length, open + MAX_ARGUMENTS);
  let depth = 0;
  let start = open + 1;
  const given = (end: number): boolean => {
    const argument = withoutComments(text.slice(start, end));
    return !/^\s*$/.test(argument) && judge(argument);
  };
  for (let k = open + 1; k < limit; k++) {
    const c = text.charCodeAt(k);
    if (c === 34 || c === 39) {
      // An f-string may hold quotes of its own kind inside `{...}` (Python 3.12): not split.
      const end = stringEnd(text, k);
      if (end < 0) return true;
      k = end - 1;
      continue;
    }
    if (c === 35) {
      const newline = text.indexOf('\n', k);
      if (newline < 0) return true;
      k = newline;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (depth > 0) {
        depth--;
        continue;
      }
      return given(k);
    } else if (c === 44 && depth === 0) {
      if (given(k)) return true;
      start = k + 1;
    }
  }
  return true;
}

/**
 * False only when the occurrence of one of a rule's call words at `at` (of `length` units) can be
 * no call of RuleMatch.textArguments's kind: a call that gives one of the declared arguments
 * written otherwise than as plain string literals (see plainLiterals), or a `*` or `**` argument.
 * Like callMayPassConstant, a comment or a string holds no call, nor does `word =` or the name a
 * `def` or `class` defines; an occurrence not followed by `(` counts (it may make another name for
 * the function, or hand it to a caller: `run = eval`, `map(eval, texts)`), and so does a call
 * whose arguments cannot be split. A bare name counts without an import: a builtin needs none.
 */
export function callMayPassText(text: string, at: number, length: number, declared: TextArguments): boolean {
  if (!codeAt(text, at)) return false;
  let i = at + length;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  if (text[i] === '=' && text[i + 1] !== '=') return false;
  if (previousNonBlank(text, at) !== '.' && definedAt(text, at)) return false;
  if (text[i] !== '(') return true;
  const positions = declared.positions ?? [];
  const keywords = declared.keywords ?? [];
  let position = 0;
  return someArgument(text, i, (argument) => {
    if (/^[\s\\]*\*/.test(argument)) return true;
    const keyword = KEYWORD_ARGUMENT.exec(argument);
    if (keyword) return keywords.includes(keyword[1]) && !plainLiterals(argument.slice(keyword[0].length));
    return positions.includes(position++) && !plainLiterals(argument);
  });
}

/** A string prefix without `f` (`r`, `b`, `u`, `rb`, `Br`…) and its opening quote. */
const PLAIN_STRING_START = /^(?:[rRbBuU]|[rR][bB]|[bB][rR])?["']/;

/**
 * True when `written` (an argument's text, comments blanked) is one or more string literals
 * without `f` prefix, concatenated by juxtaposition, in parentheses or not (`"x"`, `r'\d' "y"`,
 * `(\n  "a"\n  "b"\n)`): what the semantic model always takes as constant text. Anything else is
 * false: an f-string, a name, an operator (`"a" + b`, `"%s" % x`), a method (`"x".format(y)`).
 */
export function plainLiterals(written: string): boolean {
  const n = written.length;
  let k = 0;
  const skipBlanks = () => {
    while (k < n && (isBlank(written.charCodeAt(k)) || written[k] === '\n' || written[k] === '\r' || written[k] === '\\')) k++;
  };
  let open = 0;
  skipBlanks();
  while (written[k] === '(') {
    open++;
    k++;
    skipBlanks();
  }
  let literals = 0;
  for (let start = PLAIN_STRING_START.exec(written.slice(k, k + 3)); start; start = PLAIN_STRING_START.exec(written.slice(k, k + 3))) {
    const bounds = literalBounds(written, k + start[0].length - 1);
    if (bounds.end === bounds.bodyEnd) return false; // unclosed
    literals++;
    k = bounds.end;
    skipBlanks();
  }
  while (open > 0 && written[k] === ')') {
    open--;
    k++;
    skipBlanks();
  }
  return literals > 0 && open === 0 && k === n;
}

/** The text with its comments blanked (strings are kept: a `#` in one is not a comment). */
function withoutComments(text: string): string {
  if (!text.includes('#')) return text;
  let out = '';
  let from = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 34 || c === 39) k = literalBounds(text, k).end - 1;
    else if (c === 35) {
      const newline = text.indexOf('\n', k);
      const end = newline < 0 ? text.length : newline;
      out += text.slice(from, k);
      from = end;
      k = end - 1;
    }
  }
  return out + text.slice(from);
}

/**
 * False only when the value written from `at` (after the `=` of a keyword argument or an
 * assignment, or the `:` of a dict entry) cannot be constant text in the semantic model (see
 * mayBeConstantText). The value ends at a comma or a closing bracket outside brackets, or, unless
 * it stands `withinBrackets` (an argument, a dict entry), at the end of its statement; a value
 * holding an f-string whose fields may not close, or not ending within MAX_ARGUMENTS, counts.
 * With `accepts`, a value written as one plain string literal (see plainLiteralValue) counts only
 * when its value passes it.
 */
export function valueMayBeConstantText(text: string, at: number, accepts?: (value: string) => boolean, withinBrackets = false): boolean {
  let depth = 0;
  const limit = Math.min(text.length, at + MAX_ARGUMENTS);
  const judge = (end: number) => mayBeConstantText(text, withoutComments(text.slice(at, end)), accepts);
  for (let k = at; k < limit; k++) {
    const c = text.charCodeAt(k);
    if (c === 34 || c === 39) {
      const end = stringEnd(text, k);
      if (end < 0) return true;
      k = end - 1;
    } else if (c === 92 && (text[k + 1] === '\n' || text[k + 1] === '\r')) k++;
    else if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (depth === 0) return judge(k);
      depth--;
    } else if (depth === 0 && (c === 44 || (!withinBrackets && (c === 59 || c === 10 || c === 13 || c === 35)))) return judge(k);
    else if (c === 35) {
      const newline = text.indexOf('\n', k);
      if (newline < 0) return true;
      k = newline;
    }
  }
  // A value still open at the end of the text: counts (a broken file is judged whole elsewhere).
  return withinBrackets || limit < text.length || judge(limit);
}

/** annotatedValue's answer when it cannot tell (an f-string whose fields may not close, a very long annotation). */
export const UNKNOWN_VALUE = -2;

/**
 * Where the `=` giving an annotated name its value is (`api_key: str = value`, `def f(token:
 * str = value)`), the annotation starting at `at` (just past the `:`): the first `=` outside
 * brackets and strings that is no comparison. -1 when the annotation ends first (at the end of its
 * line, a `;` or a comment, or a `,` or a closing bracket of the brackets around it: a parameter,
 * a lambda's body, a dict's entry, a slice), so that the name is given no value there.
 */
export function annotatedValue(text: string, at: number): number {
  let depth = 0;
  const limit = Math.min(text.length, at + MAX_ARGUMENTS);
  for (let k = at; k < limit; k++) {
    const c = text.charCodeAt(k);
    if (c === 34 || c === 39) {
      const end = stringEnd(text, k);
      if (end < 0) return UNKNOWN_VALUE;
      k = end - 1;
    } else if (c === 92 && (text[k + 1] === '\n' || text[k + 1] === '\r')) k++;
    else if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (depth === 0) return -1;
      depth--;
    } else if (c === 61) {
      const next = text.charCodeAt(k + 1);
      const previous = text.charCodeAt(k - 1);
      if (next === 61) k++;
      else if (depth === 0 && previous !== 33 && previous !== 60 && previous !== 62 && previous !== 61) return k;
    } else if (depth === 0 && (c === 44 || c === 59 || c === 10 || c === 13 || c === 35)) return -1;
  }
  return limit < text.length ? UNKNOWN_VALUE : -1;
}

/**
 * False only when the occurrence of `name` at `at` is not a keyword argument `name=value` whose
 * value can be constant text (RuleMatch.readsConstants): an attribute `args.output_dir`, a
 * variable, or a keyword given an attribute or a call.
 */
export function keywordMayPassConstant(text: string, at: number, length: number): boolean {
  if ((at > 0 && isIdentifierChar(text.charCodeAt(at - 1))) || isIdentifierChar(text.charCodeAt(at + length))) return false;
  const before = previousNonBlank(text, at);
  if (before !== '(' && before !== ',') return false;
  let i = at + length;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  if (text[i] !== '=' || text[i + 1] === '=') return false;
  return valueMayBeConstantText(text, i + 1, undefined, true);
}
