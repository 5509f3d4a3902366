/**
 * Statements of a parsed function that partial parsing can leave out too (see partialParse.ts).
 *
 * A function holding one hot word is parsed, and in ML code that is often a forty-line test or
 * set-up method for one `from_pretrained("org/model")`. The rest of its body matters to the
 * rules only through the names it binds: a statement holding no hot position can change what a
 * kept statement sees only by binding a name the kept code reads (the semantic model resolves
 * a local name to its assignments in the function, and follows constants through them). So,
 * inside each parsed function:
 * - statements holding a hot position are kept (for a compound statement: its clause headers,
 *   and the same choice made again in each clause's body); so are nested definitions;
 * - a statement that may bind a name that kept code reads is kept, and the names it reads are
 *   then read by kept code too, until nothing changes;
 * - each run of the rest is replaced by a `0` statement where the run starts (so no block is
 *   left empty), the remaining text left out of the parse like a cold definition's body.
 *
 * What a statement may bind is over-approximated from its text (see `boundNames`): the names
 * an assignment's targets bind (not the objects of attributes and subscripts, which the
 * semantic model does not bind either: `self.x = ...`), `for` targets, everything
 * after `as`, every name of an import, a `del`, a `match`, a `case`, an annotation or an inline
 * compound body. A function with `global` or `nonlocal` anywhere in it is left whole: those
 * bind names outside it. Data-flow rules' definitions (their kept offsets) are left whole too:
 * a flow reads every statement on its way (sanitisers bind nothing).
 */
import type { LogicalLine } from './partialParse';
import { KEYWORDS, identifiersOf, isHeader, targetNames, withoutProse } from './partialParse';
import { isIdentifierChar } from '../textScan';

/** A run of statements left out: [start of its first statement, end of its last). */
export interface QuietRun {
  start: number;
  end: number;
  /** What the parser reads in its place: `0` for statements (no block is left empty), nothing for the value of a `return`. */
  stub: '0' | '';
}

/** A function definition partial parsing keeps (decorators included). */
export interface KeptFunction {
  start: number;
  keyword: number;
  end: number;
  /** A data flow can pass through it: what it returns is kept whole (helpers' summaries read it). */
  flows?: boolean;
}

/** Functions shorter than this are parsed whole: leaving statements out would save less than it costs. */
const MIN_FUNCTION = 512;

/** Runs shorter than this are parsed: an included range more costs about as much. */
const MIN_RUN = 48;

const CLAUSE = /^(?:elif|else|except|finally)\b/;
const COMPOUND = /^(?:if|elif|else|for|while|try|except|finally|with|match|case|async[ \t]+(?:for|with))\b/;
const BINDS_EVERY_NAME = /^(?:import|from|del|match|case|global|nonlocal)\b/;
const F_STRING = /(?<!\w)(?:[fF][rR]?|[rR][fF])["']/;
const EXIT = /^(?:return|raise|break|continue)(?![\w\u0080-\uffff])/;

/** One statement of a block: its logical lines [first, last], and for a compound one its clauses. */
interface Item {
  first: number;
  last: number;
  /** Clause headers (line indices) and their bodies' line ranges; empty for a simple statement. */
  clauses: Array<{ header: number; bodyFirst: number; bodyLast: number }>;
  /** A nested definition (decorators included): always kept. */
  definition: boolean;
}

/**
 * The runs of statements that can be left out of the given kept functions. `hot(start, end)`
 * says whether text[start, end) holds a position that keeps a statement.
 */
export function quietBodyRuns(
  text: string,
  lines: readonly LogicalLine[],
  functions: readonly KeptFunction[],
  hot: (start: number, end: number) => boolean,
  lineIndex: (at: number) => number,
  /** Functions and runs shorter than this are parsed (default MIN_FUNCTION and MIN_RUN). */
  minimum?: number,
): QuietRun[] {
  const runs: QuietRun[] = [];
  for (const fn of functions) {
    if (fn.end - fn.keyword < (minimum ?? MIN_FUNCTION)) continue;
    const header = lineIndex(fn.keyword);
    if (header < 0 || lines[header].start !== fn.keyword) continue;
    let last = header;
    while (last + 1 < lines.length && lines[last + 1].start < fn.end) last++;
    if (last === header || lines[header + 1].indent <= lines[header].indent) continue; // one-line body
    runs.push(...functionRuns(text, lines, header + 1, last, hot, minimum ?? MIN_RUN, fn.flows === true));
  }
  return runs.sort((a, b) => a.start - b.start);
}

/** A statement of the tree functionRuns builds: a unit the closure keeps or leaves out. */
interface Unit {
  /** The lines it is judged by: a simple statement's, a clause header's, a nested definition's. */
  first: number;
  last: number;
  /** The compound statement holding it (its clause headers are kept with anything kept inside). */
  parent: Node | undefined;
  kept: boolean;
  /** For `return`, `raise`, `break`, `continue`: the length of the keyword (see functionRuns). */
  exit?: number;
}

/** A compound statement: its clause headers, kept together, and its parent. */
interface Node {
  headers: Unit[];
  parent: Node | undefined;
  kept: boolean;
}

function functionRuns(
  text: string,
  lines: readonly LogicalLine[],
  first: number,
  last: number,
  hot: (start: number, end: number) => boolean,
  minRun: number,
  flows: boolean,
): QuietRun[] {
  // Each line's code (strings and comments blanked) and the names it reads, made once.
  const codes: Array<string | undefined> = [];
  const codeOf = (i: number) => (codes[i - first] ??= withoutProse(text.slice(lines[i].start, lines[i].end)));
  const namesOf = (i: number) => {
    const code = codeOf(i);
    // An f-string's fields are code: its names count wherever written.
    return namesIn(F_STRING.test(code) ? text.slice(lines[i].start, lines[i].end) : code);
  };
  // The names kept code reads; what each unit not kept binds; the blocks, for the runs.
  const needed = new Set<string>();
  const pending: string[] = [];
  const byName = new Map<string, Unit[]>();
  const blocks: Array<{ parent: Node | undefined; entries: Array<{ unit: Unit; first: number; last: number }> }> = [];
  const keep = (unit: Unit) => {
    if (unit.kept) return;
    unit.kept = true;
    for (let i = unit.first; i <= unit.last; i++)
      for (const name of namesOf(i)) {
        if (needed.has(name)) continue;
        needed.add(name);
        pending.push(name);
      }
    // The compound statements around it keep their clause headers (a block needs its header).
    for (let node = unit.parent; node && !node.kept; node = node.parent) {
      node.kept = true;
      for (const header of node.headers) keep(header);
    }
  };
  const candidate = (unit: Unit) => {
    const start = lines[unit.first].start;
    if (hot(start, lines[unit.last].end)) {
      keep(unit);
      return;
    }
    for (let i = unit.first; i <= unit.last; i++)
      for (const name of lineBindings(codeOf(i))) {
        const list = byName.get(name);
        if (list) list.push(unit);
        else byName.set(name, [unit]);
      }
  };
  const visit = (from: number, to: number, parent: Node | undefined): boolean => {
    const items = blockItems(text, lines, from, to);
    if (!items) return false;
    // A block's statements as units: a run of those left out is one `0` (a compound statement
    // left out whole is the span of its lines).
    const block: Array<{ unit: Unit; first: number; last: number }> = [];
    blocks.push({ parent, entries: block });
    for (const item of items) {
      const start = lines[item.first].start;
      // A nested definition is kept (its body reads names of this function, as a closure, or its
      // defaults do); a `match` is kept or left out whole (a case left out could leave it without one).
      if (item.definition || (item.clauses.length > 0 && /^match\b/.test(text.slice(start, start + 6)))) {
        const unit: Unit = { first: item.first, last: item.last, parent, kept: false };
        block.push({ unit, first: item.first, last: item.last });
        if (item.definition) keep(unit);
        else candidate(unit);
        continue;
      }
      if (item.clauses.length === 0 || item.clauses.every((clause) => clause.bodyFirst > clause.bodyLast)) {
        // A simple statement, or a compound one written on its lines only (`if x: y = 1`).
        const unit: Unit = { first: item.first, last: item.last, parent, kept: false };
        block.push({ unit, first: item.first, last: item.last });
        const exit = item.clauses.length === 0 ? EXIT.exec(codeOf(item.first)) : null;
        // Where a block returns or raises decides which of its bindings reach what follows (the
        // semantic model reads that): an exit stays where its block is parsed, as its keyword
        // only when its value holds nothing hot (a `;` after it could bind: then it is judged whole).
        if (flows && exit) keep(unit);
        else if (exit && item.first === item.last && !codeOf(item.first).includes(';') && !hot(start, lines[item.last].end)) {
          unit.exit = exit[0].length;
        } else candidate(unit);
        continue;
      }
      const node: Node = { headers: [], parent, kept: false };
      for (const clause of item.clauses) node.headers.push({ first: clause.header, last: clause.header, parent: node, kept: false });
      // Left out as one when nothing inside is kept: its first header stands for it in the block.
      block.push({ unit: node.headers[0], first: item.first, last: item.last });
      for (const header of node.headers) candidate(header);
      for (const clause of item.clauses)
        if (clause.bodyFirst <= clause.bodyLast && !visit(clause.bodyFirst, clause.bodyLast, node)) return false;
    }
    return true;
  };
  if (!visit(first, last, undefined)) return [];
  // A flow's checks are judged by how their branch ends (`abort(400)`, `sys.exit()`, not only
  // `return` and `raise`): the last statement of each block stays as written.
  if (flows)
    for (const { entries } of blocks) {
      const lastEntry = entries[entries.length - 1];
      if (lastEntry && lastEntry.last === lastEntry.unit.last && lastEntry.first === lastEntry.unit.first) keep(lastEntry.unit);
    }
  // Keep what binds a name kept code reads, until nothing changes.
  while (pending.length > 0) for (const unit of byName.get(pending.pop()!) ?? []) keep(unit);
  const runs: QuietRun[] = [];
  for (const { parent, entries } of blocks) {
    // The blocks of a compound statement left out whole are in its run.
    if (parent && !parent.kept) continue;
    let run: QuietRun | undefined;
    const close = () => {
      if (run && run.end - run.start >= minRun) runs.push(run);
      run = undefined;
    };
    for (const { unit, first: from, last: to } of entries) {
      const start = lines[from].start;
      const end = lines[to].end;
      // Kept, or a compound statement holding a hot position outside its statements (a
      // suppression comment): parsed as written.
      if (unit.kept || unit.exit !== undefined || (to > unit.last && hot(start, end))) {
        close();
        // The value of a `return` or `raise` is left out when long enough.
        if (!unit.kept && unit.exit !== undefined && end - start - unit.exit >= minRun)
          runs.push({ start: start + unit.exit, end, stub: '' });
        continue;
      }
      // A hot position between statements (a suppression comment) ends a run.
      if (run && hot(run.end, start)) close();
      if (run) run.end = end;
      else run = { start, end, stub: '0' };
    }
    close();
  }
  return runs;
}

/**
 * The names a statement's code reads: its identifiers, without keywords, numbers (`1e5`),
 * attributes (`x.name`: never a binding of the function) and keyword arguments' names
 * (`f(name=1)`).
 */
function namesIn(code: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (let i = 0; i < code.length;) {
    const c = code.charCodeAt(i);
    if (!isIdentifierChar(c)) {
      if (c === 40 || c === 91 || c === 123) depth++;
      else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
      i++;
      continue;
    }
    const start = i;
    while (i < code.length && isIdentifierChar(code.charCodeAt(i))) i++;
    if (c >= 48 && c <= 57) continue;
    let before = start - 1;
    while (before >= 0 && isBlankCode(code.charCodeAt(before))) before--;
    if (before >= 0 && code.charCodeAt(before) === 46) continue; // `.name`
    if (depth > 0) {
      let after = i;
      while (after < code.length && isBlankCode(code.charCodeAt(after))) after++;
      // `name=` inside brackets, not `name==`: a keyword argument (or a lambda's default, read where it is written).
      const previous = before >= 0 ? code.charCodeAt(before) : 0;
      if (code.charCodeAt(after) === 61 && code.charCodeAt(after + 1) !== 61 && (previous === 40 || previous === 44)) continue;
    }
    const name = code.slice(start, i);
    if (!KEYWORDS.has(name)) names.push(name);
  }
  return names;
}

/** A space, a tab, a line break or a line continuation. */
function isBlankCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 92 || c === 12;
}

/** The statements of the block made of lines [from, to] (all at its indentation or deeper), or undefined when they do not read as one. */
function blockItems(text: string, lines: readonly LogicalLine[], from: number, to: number): Item[] | undefined {
  const indent = lines[from].indent;
  const items: Item[] = [];
  for (let i = from; i <= to;) {
    const line = lines[i];
    if (line.indent !== indent) return undefined;
    let j = i + 1;
    while (j <= to && lines[j].indent > indent) j++;
    const head = text.slice(line.start, Math.min(line.end, line.start + 16));
    if (text.charCodeAt(line.start) === 64 || isHeader(text, line.start)) {
      // Decorators and the definition they decorate are one statement.
      let k = i;
      while (text.charCodeAt(lines[k].start) === 64 && k < to && lines[k + 1].indent === indent) k++;
      j = k + 1;
      while (j <= to && lines[j].indent > indent) j++;
      items.push({ first: i, last: j - 1, clauses: [], definition: true });
      i = j;
      continue;
    }
    const compound = COMPOUND.test(head);
    if (!compound && j > i + 1) return undefined; // a simple statement with an indented block: not Python as read here
    const clause = compound && j > i + 1 ? { header: i, bodyFirst: i + 1, bodyLast: j - 1 } : { header: i, bodyFirst: i + 1, bodyLast: i };
    const previous = items[items.length - 1];
    if (CLAUSE.test(head) && previous && previous.clauses.length > 0 && !previous.definition) {
      previous.last = j - 1;
      previous.clauses.push(clause);
    } else items.push({ first: i, last: j - 1, clauses: compound ? [clause] : [], definition: false });
    i = j;
  }
  return items;
}

/**
 * Every name a statement may bind, over-approximated from its text: the names assignment
 * targets bind (`self.x = ...` binds none), `for` targets, names after `as`, every name of an
 * import, `del`, `match`, `case`, annotation or compound statement written on one line.
 */
export function boundNames(text: string, lines: readonly LogicalLine[], item: { first: number; last: number }): string[] {
  const names: string[] = [];
  for (let i = item.first; i <= item.last; i++) {
    const source = withoutProse(text.slice(lines[i].start, lines[i].end));
    names.push(...lineBindings(source));
  }
  return names;
}

function lineBindings(source: string): string[] {
  // Letters a statement binding every name it holds, or a compound statement, can start with.
  const head = source.charCodeAt(0);
  const keywordHead = head === 105 || head === 102 || head === 100 || head === 109 || head === 99 || head === 103 || head === 110; // i f d m c g n
  if (keywordHead && BINDS_EVERY_NAME.test(source)) return identifiersOf(source);
  // Most statements are calls: without `=` or `:` (every compound header has one) they bind nothing.
  if (source.indexOf('=') < 0 && source.indexOf(':') < 0) return [];
  // One pass over the code (strings are blanked): `:=`, the first `:` and the `=` outside brackets.
  let depth = 0;
  let colon = -1;
  let statement = 0;
  let equals: Array<{ at: number; statement: number }> | undefined;
  for (let k = 0; k < source.length; k++) {
    const c = source.charCodeAt(k);
    if (c === 40 || c === 91 || c === 123) depth++;
    else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
    else if (c === 58) {
      if (source.charCodeAt(k + 1) === 61) return identifiersOf(source); // `:=` binds where it is written
      if (depth === 0 && colon < 0) colon = k;
    } else if (depth === 0 && c === 59) statement = k + 1;
    else if (depth === 0 && c === 61) {
      if (source.charCodeAt(k + 1) === 61) {
        k++; // `==`
        continue;
      }
      const before = source.charCodeAt(k - 1);
      // `!=`, `<=`, `>=` compare; `<<=` and `>>=` assign.
      const comparison = before === 33 || ((before === 60 || before === 62) && source.charCodeAt(k - 2) !== before);
      if (!comparison) (equals ??= []).push({ at: k, statement });
    }
  }
  if (COMPOUND_HEAD.has(head) && COMPOUND.test(source)) {
    // `if x: y = 1`: the statement after the colon binds what it binds.
    if (colon >= 0 && source.slice(colon + 1).trim() !== '') return identifiersOf(source);
    const names: string[] = [];
    const loop = /^(?:async[ \t]+)?for\b([\s\S]*?)\bin\b/.exec(source);
    if (loop) names.push(...identifiersOf(loop[1]));
    const as = /\bas\b/.exec(source);
    if (as) names.push(...identifiersOf(source.slice(as.index + 2)));
    return names;
  }
  // An annotation (`x: int`) binds its target with or without a value; a lambda is rare enough.
  if (colon >= 0) return identifiersOf(source);
  if (!equals) return [];
  const names: string[] = [];
  // The semantic model binds names, not attributes or subscripts (`self.x = ...` binds nothing).
  for (const { at, statement: from } of equals) names.push(...targetNames(source.slice(from, at)));
  return names;
}

/** First letters of the compound statements' keywords (COMPOUND): i e f w t m c a. */
const COMPOUND_HEAD = new Set([105, 101, 102, 119, 116, 109, 99, 97]);
