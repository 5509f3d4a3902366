/**
 * Cheap scans of raw source text for the prefilter, which decides whether a file is worth parsing
 * at all. They work on characters, not on a syntax tree, so each one over-approximates: it may
 * say yes for a file where the parsed answer is no, never the other way round.
 */

/** True for characters that can continue a Python identifier (any non-ASCII one counts). */
/**
 * A character of a name, as the text scans read them: an ASCII letter, digit or `_`, or any
 * character beyond ASCII (in valid Python, one written outside strings and comments is part of a
 * name). The regular expressions of the scans use the same class, `[A-Za-z0-9_\u0080-\u{10ffff}]`
 * (a name starts with `[A-Za-z_\u0080-\u{10ffff}]`), rather than Unicode properties (`\p{L}`...),
 * which V8 takes about a millisecond to compile, again in every thread: about 60 ms of a scan of
 * the four LLM-serving trees.
 */
export function isIdentifierChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code > 127;
}

export function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 92; // 92: line continuation
}

/**
 * True when `word` occurs in `text` as a whole identifier, not inside a longer one (`os` in
 * `os.system`, not in `pos`). Linear: each occurrence is checked once.
 */
export function containsIdentifier(text: string, word: string): boolean {
  // An empty word would be found at every offset, and at the end for ever (indexOf clamps).
  if (word.length === 0) return false;
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
    if ((i === 0 || !isIdentifierChar(text.charCodeAt(i - 1))) && !isIdentifierChar(text.charCodeAt(i + word.length))) return true;
  }
  return false;
}

/** Offsets where `word` occurs as a whole identifier. */
export function* identifierOccurrences(text: string, word: string): Generator<number> {
  // A missing identifier that tree-sitter's error recovery inserts has empty text: never an occurrence.
  if (word.length === 0) return;
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
    if ((i === 0 || !isIdentifierChar(text.charCodeAt(i - 1))) && !isIdentifierChar(text.charCodeAt(i + word.length))) yield i;
  }
}

/** The character before `index`, skipping blanks and line continuations ('' at the start). */
export function previousNonBlank(text: string, index: number): string {
  let i = index - 1;
  while (i >= 0 && isBlank(text.charCodeAt(i))) i--;
  return i < 0 ? '' : text[i];
}

/** The first character at or after `index` that is not blank ('' at the end). */
export function nextNonBlank(text: string, index: number): string {
  let i = index;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  return i >= text.length ? '' : text[i];
}

/**
 * True when the offset is inside an import statement: on a line starting with `import` or `from`,
 * or inside the parentheses of `from m import (...)`.
 */
export function inImportStatement(text: string, index: number): boolean {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const line = text.slice(lineStart, index).trimStart();
  if (line.startsWith('import ') || line.startsWith('from ')) return true;
  const open = text.lastIndexOf('(', index);
  if (open < 0 || text.lastIndexOf(')', index) > open) return false;
  const openLine = text.slice(text.lastIndexOf('\n', open - 1) + 1, open).trimStart();
  return openLine.startsWith('from ') && /\bimport\s*$/.test(openLine);
}

/**
 * True when the name at `at` is the one a `def` or `class` statement defines (`def compile(self,
 * ...)`, spaces or tabs between): it binds a function or class of the file's own, and is neither a
 * call of a function of that name nor another name for one. (A method binds its name in its class
 * only, so a bare call in the methods may still reach a builtin of that name: such a call is an
 * occurrence of its own.)
 */
export function definedAt(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  if (i === at - 1) return false;
  const end = i + 1;
  while (i >= 0 && isIdentifierChar(text.charCodeAt(i))) i--;
  const word = text.slice(i + 1, end);
  return word === 'def' || word === 'class';
}

/**
 * True when `word` occurs as a whole identifier that is not an attribute: not preceded by a `.`
 * (`compile(...)` or `c = compile`, not `re.compile(...)`).
 */
export function containsBareName(text: string, word: string): boolean {
  if (word.length === 0) return false;
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
    if (i > 0 && isIdentifierChar(text.charCodeAt(i - 1))) continue;
    if (isIdentifierChar(text.charCodeAt(i + word.length))) continue;
    let before = i - 1;
    while (before >= 0 && isBlank(text.charCodeAt(before))) before--;
    if (before < 0 || text.charCodeAt(before) !== 46) return true; // 46: '.'
  }
  return false;
}

const STRING_PREFIX = /^[rRbBuUfF]{0,2}$/;

/** One string literal as written, for literalRuns. */
export interface LiteralPiece {
  /** The characters between the quotes, escapes left as written. */
  body: string;
  /** The body contains a backslash: its value differs from what is written (unless raw). */
  escaped: boolean;
  /** A raw literal (`r"..."`): its escapes are its value. */
  raw: boolean;
  /** A line break separates it from the literal before it in its run. */
  lineBreakBefore: boolean;
  /** Offset of the body in the text. */
  start: number;
}

/** How a literal is joined to the one before it (see literalRuns). */
const enum Join {
  /** Something other than blanks is between them: it starts a new run. */
  None,
  /** Only blanks on one line: Python joins them. */
  SameLine,
  /** Only blanks, a line break among them: joined inside brackets, not across statements. */
  LineBreak,
}

/**
 * The string literals of a Python source (the tokenizer of proseSpans, which knows comments,
 * prefixes, triple quotes and escapes) as runs of literals with only blanks or line continuations
 * between them: Python joins such literals into one value (`"ab" "cd"`) when they are one
 * expression, and not when a line break ends a statement between them. Text that does not
 * tokenize (an unclosed quote) ends the literal at the end of its line, as Python's tokenizer
 * would report it.
 */
export function literalRuns(text: string): LiteralPiece[][] {
  // The analysis's SourceText when it is this text's (not the whole file's, for a partial text).
  const source = sourceTextOf(text);
  return (source.text === text ? source : new SourceText(text)).literalRuns();
}

/** The runs of the literals proseSpans recorded (see literalRuns). */
function runsOf(text: string, literals: Int32Array, count: number, raw: Uint8Array): LiteralPiece[][] {
  const runs: LiteralPiece[][] = [];
  let previousEnd = -1;
  for (let k = 0; k < count; k++) {
    const start = literals[k * 4];
    const bodyStart = literals[k * 4 + 1];
    const bodyEnd = literals[k * 4 + 2];
    let join = previousEnd < 0 ? Join.None : Join.SameLine;
    for (let i = previousEnd; join !== Join.None && i < start; i++) {
      const c = text.charCodeAt(i);
      if (!isBlank(c)) join = Join.None;
      else if (c === 10 || c === 13) join = Join.LineBreak;
    }
    previousEnd = literals[k * 4 + 3];
    const body = text.slice(bodyStart, bodyEnd);
    const piece = { body, escaped: body.includes('\\'), raw: raw[k] === 1, lineBreakBefore: join === Join.LineBreak, start: bodyStart };
    if (join === Join.None) runs.push([piece]);
    else runs[runs.length - 1].push(piece);
  }
  return runs;
}

/** No occurrence. */
const NONE: readonly number[] = [];

/**
 * A source text with the spans of its comments and string literals (of an f-string, the text
 * between its `{...}` fields, which are code), found on first use. Identifiers asked for through
 * it are code, not prose in a docstring, a comment or a model card written as an f-string.
 */
export class SourceText {
  /** The comments and string literals (proseSpans). */
  private prose: Prose | undefined;

  /** The runs of adjacent literals (literalRuns). */
  private runs: LiteralPiece[][] | undefined;

  /** Substring searches already answered (the prefilter records every trigger here). */
  private readonly searched = new Map<string, boolean>();

  /** What the prefilter's pass found, as pairs (string index, offset) of its automaton. */
  wordHits: readonly number[] | undefined;

  /** Every whole-identifier occurrence (prose included) of words the prefilter searched for. */
  private occurrences: { slots: ReadonlyMap<string, number>; offsets: ReadonlyArray<readonly number[] | undefined> } | undefined;

  constructor(
    readonly text: string,
    /** The file's own text: `text` itself, except in a view with parts left out (withPartsLeftOut). */
    readonly fileText: string = text,
  ) {}

  /** Records what a search for `strings` found, so that `includes` need not search again. */
  noteSearched(strings: readonly string[], found: ReadonlySet<string>): void {
    for (const s of strings) this.searched.set(s, found.has(s));
  }

  /**
   * Records strings known not to occur in the text at all (the editor's counts of the prefilter's
   * strings, kept across edits): `includes` and `identifiers` answer for them without a search.
   */
  noteAbsent(strings: Iterable<string>): void {
    for (const s of strings) this.searched.set(s, false);
  }

  /**
   * Records every whole-identifier occurrence of some words, found in one pass by the prefilter:
   * word `w` has slot `slots.get(w)`, and its offsets are `offsets[slot]` (none when undefined).
   */
  noteOccurrences(slots: ReadonlyMap<string, number>, offsets: ReadonlyArray<readonly number[] | undefined>): void {
    this.occurrences = { slots, offsets };
  }

  /**
   * This file with parts left out (partial parsing: `text` is as long as this one's, with blanks
   * and stubs where definitions and statements were left out), sharing what this one found:
   * the occurrences still spelled there and the comment and string spans. Both hold at the same
   * offsets in the kept parts: a left-out part is whole statements, so no literal crosses its
   * edge, and a stub (`def name():0`) holds no literal.
   */
  withPartsLeftOut(text: string): SourceText {
    const view = new SourceText(text, this.fileText);
    view.prose = this.prose;
    if (this.occurrences) {
      const { slots, offsets } = this.occurrences;
      const kept: Array<readonly number[] | undefined> = new Array(offsets.length);
      for (const [word, slot] of slots) kept[slot] = offsets[slot]?.filter((at) => text.startsWith(word, at));
      view.occurrences = { slots, offsets: kept };
    }
    return view;
  }

  /**
   * Every whole-identifier occurrence of `word`, prose included, when the prefilter's pass recorded
   * them (the gates' words); undefined when it did not.
   */
  recordedOccurrences(word: string): readonly number[] | undefined {
    if (this.searched.get(word) === false) return NONE;
    const slot = this.occurrences?.slots.get(word);
    return slot === undefined ? undefined : (this.occurrences!.offsets[slot] ?? NONE);
  }

  /** True when `s` occurs in the text; memoised, and free for the rules' triggers. */
  includes(s: string): boolean {
    let hit = this.searched.get(s);
    if (hit === undefined) this.searched.set(s, (hit = this.text.includes(s)));
    return hit;
  }

  /**
   * True when `word` occurs quoted whole (`"verify"`, `'token'`: a dict key, a `getattr` name);
   * from the prefilter's occurrences of the word when it recorded them, without a search.
   */
  quoted(word: string): boolean {
    if (this.searched.get(word) === false) return false;
    const slot = this.occurrences?.slots.get(word);
    if (slot === undefined) return this.text.includes(`"${word}"`) || this.text.includes(`'${word}'`);
    for (const at of this.occurrences!.offsets[slot] ?? NONE) {
      const quote = this.text.charCodeAt(at - 1);
      if ((quote === 34 || quote === 39) && this.text.charCodeAt(at + word.length) === quote) return true;
    }
    return false;
  }

  /** True when `word` occurs as a whole identifier outside comments and plain strings. */
  hasIdentifier(word: string): boolean {
    for (const _ of this.identifiers(word)) return true;
    return false;
  }

  /** Offsets where `word` occurs as a whole identifier outside comments and plain strings. */
  *identifiers(word: string): Generator<number> {
    if (this.searched.get(word) === false) return;
    const slot = this.occurrences?.slots.get(word);
    const known = slot === undefined ? undefined : (this.occurrences!.offsets[slot] ?? NONE);
    for (const at of known ?? identifierOccurrences(this.text, word)) if (this.isCode(at)) yield at;
  }

  /** True when a global `pattern` matches at an offset outside comments and plain strings. */
  matchesCode(pattern: RegExp): boolean {
    pattern.lastIndex = 0;
    for (const match of this.text.matchAll(pattern)) if (this.isCode(match.index)) return true;
    return false;
  }

  isCode(offset: number): boolean {
    const { spans } = (this.prose ??= proseSpans(this.text));
    const found = spanBefore(spans, offset);
    return found < 0 || offset >= spans[found * 2 + 1];
  }

  /** True when the offset is in a comment (not in a string literal, not in code). */
  inComment(offset: number): boolean {
    const { spans, comments } = (this.prose ??= proseSpans(this.text));
    const found = spanBefore(spans, offset);
    return found >= 0 && offset < spans[found * 2 + 1] && comments[found] === 1;
  }

  /** The runs of adjacent string literals (see literalRuns), made once. */
  literalRuns(): LiteralPiece[][] {
    if (!this.runs) {
      // A view with parts left out shares the file's spans, which hold the left-out literals too: its own are read.
      const prose = this.fileText === this.text ? (this.prose ??= proseSpans(this.text)) : proseSpans(this.text);
      this.runs = runsOf(this.text, prose.literals, prose.literalCount, prose.raw);
    }
    return this.runs;
  }

  /** True when `s` occurs in the text outside comments. */
  includesOutsideComments(s: string): boolean {
    if (!this.includes(s)) return false;
    for (let at = this.text.indexOf(s); at >= 0; at = this.text.indexOf(s, at + 1)) if (!this.inComment(at)) return true;
    return false;
  }
}

/** The index of the last span of `spans` (flattened start, end pairs, in order) starting at or before `offset`; -1 when none does. */
function spanBefore(spans: readonly number[], offset: number): number {
  let low = 0;
  let high = spans.length / 2 - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (spans[mid * 2] <= offset) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/** The comments and string literals of a text: start and end offsets, in order, flattened; and which spans are comments. */
interface Prose {
  spans: number[];
  comments: Uint8Array;
  /** Per string literal, in order: where it starts (its prefix), its body's start and end, its end. */
  literals: Int32Array;
  /** How many literals `literals` holds. */
  literalCount: number;
  /** Per literal: 1 when its prefix makes it raw. */
  raw: Uint8Array;
}

function proseSpans(text: string): Prose {
  const spans: number[] = [];
  const commentAt: number[] = [];
  let literals = new Int32Array(64);
  let raw = new Uint8Array(16);
  let literalCount = 0;
  const special = /["'#]/g;
  for (let match = special.exec(text); match; match = special.exec(text)) {
    const start = match.index;
    if (text[start] === '#') {
      const newline = text.indexOf('\n', start);
      const end = newline < 0 ? text.length : newline;
      commentAt.push(spans.length / 2);
      spans.push(start, end);
      special.lastIndex = end;
      continue;
    }
    let prefixStart = start;
    while (prefixStart > 0 && isIdentifierChar(text.charCodeAt(prefixStart - 1))) prefixStart--;
    const prefix = text.slice(prefixStart, start);
    const bounds = literalBounds(text, start);
    special.lastIndex = bounds.end;
    // A prefix (`rb"`, `f'`) is part of the literal; any other identifier before the quote is not
    // Python, and the quote still opens a literal for the tokenizer.
    const prefixed = STRING_PREFIX.test(prefix);
    if (!(prefixed && /f/i.test(prefix))) spans.push(start, bounds.end);
    else fStringProse(text, bounds.bodyStart, bounds.bodyEnd, spans);
    if (literalCount * 4 === literals.length) {
      const more = new Int32Array(literals.length * 2);
      more.set(literals);
      literals = more;
      const moreRaw = new Uint8Array(raw.length * 2);
      moreRaw.set(raw);
      raw = moreRaw;
    }
    const at = literalCount * 4;
    literals[at] = prefixed ? prefixStart : start;
    literals[at + 1] = bounds.bodyStart;
    literals[at + 2] = bounds.bodyEnd;
    literals[at + 3] = bounds.end;
    raw[literalCount++] = prefixed && prefix.length > 0 && /r/i.test(prefix) ? 1 : 0;
  }
  const comments = new Uint8Array(spans.length / 2);
  for (const index of commentAt) comments[index] = 1;
  return { spans, comments, literals, literalCount, raw };
}

/**
 * Adds the spans of an f-string's body (text[bodyStart, bodyEnd)) that are no field: the text
 * around its `{...}` fields (`{{` and `}}` are text). A field ends at the `}` that closes its
 * brackets, string literals inside it skipped; a field that does not close so within the body,
 * or a lone `}`, leaves the rest of the body code (as a whole f-string was before): erring on the
 * side of code. A backslash escapes no brace (`\N{...}` is read as a field: code).
 */
function fStringProse(text: string, bodyStart: number, bodyEnd: number, spans: number[]): void {
  let from = bodyStart;
  let k = bodyStart;
  while (k < bodyEnd) {
    const c = text.charCodeAt(k);
    if ((c === 123 || c === 125) && text.charCodeAt(k + 1) === c && k + 1 < bodyEnd) {
      k += 2;
      continue;
    }
    if (c === 125) break;
    if (c !== 123) {
      k++;
      continue;
    }
    if (k > from) spans.push(from, k);
    const close = fieldEnd(text, k, bodyEnd);
    if (close < 0) return;
    k = from = close + 1;
  }
  if (k > from) spans.push(from, k);
}

/** The offset of the `}` closing the f-string field opened at `open`, or -1 when it does not close before `limit`. */
function fieldEnd(text: string, open: number, limit: number): number {
  let depth = 0;
  for (let k = open; k < limit; k++) {
    const c = text.charCodeAt(k);
    if (c === 34 || c === 39) {
      const end = literalBounds(text, k).end;
      if (end > limit || text.charCodeAt(end - 1) !== c) return -1;
      k = end - 1;
    } else if (c === 123 || c === 91 || c === 40) depth++;
    else if (c === 125 || c === 93 || c === 41) {
      depth--;
      if (depth === 0) return c === 125 ? k : -1;
      if (depth < 0) return -1;
    }
  }
  return -1;
}

/** Bodies of literals, by quote: sticky patterns that stop at the closing quote (or the line end). */
const SINGLE_BODY: Record<string, RegExp> = { "'": /(?:[^'\\\n]|\\[\s\S])*/y, '"': /(?:[^"\\\n]|\\[\s\S])*/y };
const TRIPLE_BODY: Record<string, RegExp> = { "'": /(?:[^'\\]|\\[\s\S]|'(?!''))*/y, '"': /(?:[^"\\]|\\[\s\S]|"(?!""))*/y };

/** The offsets of the body and just past the string literal whose opening quote is at `start`. */
export function literalBounds(text: string, start: number): { bodyStart: number; bodyEnd: number; end: number } {
  const quote = text[start];
  const triple = text.startsWith(quote.repeat(3), start);
  const bodyStart = start + (triple ? 3 : 1);
  const body = (triple ? TRIPLE_BODY : SINGLE_BODY)[quote];
  body.lastIndex = bodyStart;
  const bodyEnd = body.test(text) ? body.lastIndex : bodyStart;
  const closed = text[bodyEnd] === quote;
  return { bodyStart, bodyEnd, end: closed ? bodyEnd + (triple ? 3 : 1) : bodyEnd };
}

/** Characters with a column in the transition table (ASCII; any other resets to the root). */
const ALPHABET = 128;

/**
 * Finds which of a fixed set of ASCII strings occur in a text, in one pass over its characters
 * (an Aho-Corasick automaton with a full transition table): the prefilter asks this of every
 * file for about a hundred trigger strings, which a regular expression with as many
 * alternatives does several times slower. A transition into a state where strings end is stored
 * as the state's complement (negative), so the loop tests a sign, not a second table.
 */
export class SubstringSet {
  private readonly next: Int32Array;
  /** For each state, the indexes of the strings that end there (directly or by suffix). */
  private readonly outputs: Array<number[] | undefined>;
  private readonly lengths: number[];
  /** The length of the longest string. */
  readonly longest: number;

  constructor(readonly strings: readonly string[]) {
    // eslint-disable-next-line no-control-regex -- control characters are what this pattern is about
    for (const s of strings) if (!/^[\x00-\x7f]+$/.test(s)) throw new Error(`SubstringSet: not ASCII: ${JSON.stringify(s)}`);
    // The trie first, as rows of the table (0 = no edge: the root, state 0, is no state's child),
    // its edges also listed per state. Built once per worker, before any of this code is
    // optimised: the work is table copies and a pass per character of the strings, not a Map
    // lookup per state and character.
    const rows = 1 + strings.reduce((sum, s) => sum + s.length, 0);
    let next = new Int32Array(rows * ALPHABET);
    const edges: number[][] = [[]];
    const own: number[][] = [[]];
    strings.forEach((s, index) => {
      let state = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        let target = next[state * ALPHABET + c];
        if (target === 0) {
          target = edges.length;
          edges.push([]);
          own.push([]);
          next[state * ALPHABET + c] = target;
          edges[state].push(c);
        }
        state = target;
      }
      own[state].push(index);
    });
    const count = edges.length;
    next = next.slice(0, count * ALPHABET);
    // Breadth first, each state's row is its failure state's row (complete already: that state is
    // shallower) with the state's own edges put back; a child fails to where the failure state
    // goes on the same character.
    const fail = new Int32Array(count);
    const outputs: Array<number[] | undefined> = new Array(count).fill(undefined);
    const queue: number[] = edges[0].map((c) => next[c]);
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head];
      const failRow = fail[state] * ALPHABET;
      const inherited = outputs[fail[state]];
      const mine = own[state];
      outputs[state] = mine.length > 0 || inherited ? [...mine, ...(inherited ?? [])] : undefined;
      const row = state * ALPHABET;
      const children = edges[state].map((c) => next[row + c]);
      next.copyWithin(row, failRow, failRow + ALPHABET);
      edges[state].forEach((c, k) => {
        fail[children[k]] = next[failRow + c];
        next[row + c] = children[k];
        queue.push(children[k]);
      });
    }
    const ends = Uint8Array.from(outputs, (list) => (list ? 1 : 0));
    for (let i = 0; i < next.length; i++) if (ends[next[i]]) next[i] = ~next[i];
    this.next = next;
    this.outputs = outputs;
    this.lengths = strings.map((s) => s.length);
    this.longest = Math.max(0, ...this.lengths);
  }

  /** Calls `found` with the index of the string and its start offset, for every occurrence in text[start, end). */
  forEach(text: string, found: (index: number, start: number) => void, start = 0, end = text.length): void {
    const next = this.next;
    const outputs = this.outputs;
    const lengths = this.lengths;
    let state = 0;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      state = c < ALPHABET ? next[state * ALPHABET + c] : 0;
      if (state >= 0) continue;
      state = ~state;
      for (const index of outputs[state]!) found(index, i + 1 - lengths[index]);
    }
  }

  /**
   * One pass for the prefilter: sets `seen[i]` for every string that occurs, for each string with
   * `isWord[i]` set puts every offset where it occurs as a whole identifier in `identifiers[i]`
   * (made when the first one is found), and pushes every occurrence to `hits` as a pair (string
   * index, offset), in the order of `forEach`.
   */
  scan(text: string, seen: Uint8Array, isWord: Uint8Array, identifiers: Array<number[] | undefined>, hits: number[]): void {
    const next = this.next;
    const outputs = this.outputs;
    const lengths = this.lengths;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      state = c < ALPHABET ? next[state * ALPHABET + c] : 0;
      if (state >= 0) continue;
      state = ~state;
      for (const index of outputs[state]!) {
        const start = i + 1 - lengths[index];
        seen[index] = 1;
        hits.push(index, start);
        if (!isWord[index]) continue;
        if ((start === 0 || !isIdentifierChar(text.charCodeAt(start - 1))) && !isIdentifierChar(text.charCodeAt(i + 1)))
          (identifiers[index] ??= []).push(start);
      }
    }
  }

  /** Adds `sign` to `counts[i]` for every occurrence of string i that lies inside text[start, end). */
  count(text: string, counts: Int32Array, sign: 1 | -1 = 1, start = 0, end = text.length): void {
    this.forEach(text, (index) => (counts[index] += sign), start, end);
  }
}

/** The texts an analysis registered (see rememberSource): its text, its partial text, their SourceText. */
let recent: { texts: string[]; source: SourceText } | undefined;

/**
 * Records `source` as the SourceText of `text`: the analyzer's, under its text and under the
 * partial text made from it (the same length, the kept code at the same offsets), so that a check
 * made while the rules run reads the spans and the occurrences the prefilter found. Asked about a
 * partial text, it answers about the whole text, which holds all of the partial one's code. One
 * analysis at a time: recording another source forgets the previous one.
 */
export function rememberSource(text: string, source: SourceText): void {
  if (recent?.source === source) recent.texts.push(text);
  else recent = { texts: [text], source };
}

/** Forgets the recorded SourceText (the analyzer, once an analysis is done). */
export function forgetSources(): void {
  recent = undefined;
}

/** The SourceText recorded for `text` (rememberSource), or a new one. */
export function sourceTextOf(text: string): SourceText {
  return recent?.texts.includes(text) ? recent.source : new SourceText(text);
}
