/**
 * Partial parsing: the definitions of a file in which no enabled rule can fire are not parsed.
 *
 * Parsing is most of the cost of a scan, and in a large file that a rule's trigger occurs in, the
 * trigger usually sits in a few functions out of hundreds. A definition (`def`, `class`, with its
 * decorators) whose text holds none of the words the rules react to cannot hold a finding, and
 * what it contributes to the rest of the file is only its name: a function's locals are invisible
 * outside it, and the semantic model does not follow return values or class attributes. So it is
 * replaced by a stub that binds the same name at the same offset (`def name():0`), the rest of
 * its text is left out of the parse with tree-sitter's included ranges (skipped, not lexed), and
 * offsets everywhere else stay those of the file.
 *
 * What keeps this exact:
 * - "Hot" words: the rules' triggers (substrings, for rules that look at more than calls), the
 *   names their calls end in (identifiers, for call rules), `mlsec` (suppression comments),
 *   plus words a rule declares it reads elsewhere in the file (`Rule.reads`). A definition
 *   containing any of them is parsed. An attribute named like a rule's dotted function counts
 *   only when the object it is read from can resolve to that function (`np.load` after `import
 *   numpy as np`, not `json.load`), as the semantic model resolves names: see `reachingNames`.
 * - `:=` binds in the scope around it (around a comprehension, too), so in a function's body it
 *   binds the function's own names; in its decorators or default values it binds names of the
 *   scope the definition is in: a definition with `:=` there is parsed.
 * - `global x` (or `nonlocal x`) in a function binds `x` outside it when the function assigns it,
 *   which can change what `x` resolves to elsewhere: such a definition is parsed when `x` occurs
 *   anywhere else that is parsed. A name used only in skipped code cannot matter.
 * - Names carry values between statements (`URL = "http://..."` at module level, used inside a
 *   function; `loads = pickle.loads`): a kept statement containing a hot word makes the names it
 *   assigns hot too, until nothing changes. A definition using such a name is parsed.
 * - Imports inside skipped definitions still count for the file's imported packages.
 * - Large module-level simple statements are left out too when they hold no hot position (names
 *   count in their code only, substrings anywhere) and no name written in their code occurs
 *   anywhere else that is parsed: a long docstring, a table only left-out functions read.
 * - The caller parses the whole text again when the partial tree has a syntax error, so a text
 *   this scanner misreads can cost time, never findings.
 */
import type { SubstringSet } from '../textScan';
import type { ConstantArguments } from '../rule';
import { callMayPassConstant, callMayPassText, codeAt } from './constantArguments';
import type { CallWordRole } from './constantArguments';
import { quietBodyRuns } from './quietBody';
import {
  definedAt,
  identifierOccurrences,
  inImportStatement,
  isBlank,
  isIdentifierChar,
  literalBounds,
  previousNonBlank,
} from '../textScan';

/** One logical line: a statement or a compound statement's header, continuation lines included. */
export interface LogicalLine {
  /** Offset of its first character (after the indentation). */
  start: number;
  /** Offset of the newline that ends it (or the text's end). */
  end: number;
  /** Indentation column, tabs to multiples of 8 as Python counts them. */
  indent: number;
}

/** A `def` or `class` with its decorators and body. */
interface Definition {
  /** Offset of the first decorator, or of the keyword. */
  start: number;
  /** Offset of `def`, `async` or `class`: where the stub goes, so the name binds where it did. */
  keyword: number;
  /** End of the header's logical line (with the body, for a one-line definition). */
  headerEnd: number;
  end: number;
  stub: string;
}

/** What a word found in the text means for partial parsing (flags). */
export const enum WordKind {
  Ignored = 0,
  /** Any occurrence counts, even in a string or a comment. */
  Substring = 1,
  /** A function called by its bare name (`eval`): an identifier not after a `.` counts. */
  BareName = 2,
  /**
   * The last name of a dotted function (`pickle.loads`) or a method: an attribute (`.loads`)
   * counts, and every occurrence when an import binds the name (`from pickle import loads`).
   */
  AttributeName = 4,
  /**
   * With AttributeName, for a word only dotted functions end in (`pickle.loads`, not a method):
   * an attribute counts only when the object it is read from can resolve to one of their names
   * (see `receiverCanReach`). `re.compile` is not `builtins.compile`.
   */
  ReceiverChecked = 8,
  /** A name a dotted function starts with (`torch` of `torch.hub.load`). */
  Root = 16,
  /** Like Substring, but only as a whole identifier (`verify`, not `verify_mode`). */
  Word = 32,
  /**
   * Like Word, but only where a value goes by that name: a keyword argument or an assignment
   * (`verify=`, `session.verify =`) or a quoted key (`"verify"`); not `verify(x)`, `self.verify()`.
   * (Derived from `keywords` of rules with `wordsInEveryFinding`, perf/ruleWords.ts.)
   */
  ValueName = 64,
  /**
   * With any of the above: a word of a rule that reads the whole function holding it
   * (RuleMatch.readsFunction), whose statements quietBody.ts must then not leave out.
   */
  WholeFunction = 128,
  /**
   * Like WholeFunction, for the last name of a dotted function of such a rule (`run` of
   * `subprocess.run`): on an attribute, only where its object can resolve to the function,
   * although another rule wants the name as a method of any object (`app.run`).
   */
  WholeFunctionDotted = 512,
}

/**
 * The arguments a call word's occurrences are judged by, and how the rules call it: those whose
 * constant text the findings are about (RuleMatch.constantArguments), or, with `text`, those
 * whose findings need them written otherwise than as string literals (RuleMatch.textArguments).
 */
export interface ArgumentCheck {
  declared: ConstantArguments;
  role: CallWordRole;
  text?: boolean;
}

/** What makes a definition worth parsing: an automaton over words and what each one means. */
export class HotWords {
  constructor(
    readonly words: SubstringSet,
    readonly kinds: Uint16Array,
    /** The dotted functions (`torch.hub.load`, `flask.Flask().run`). */
    readonly functions: ReadonlySet<string> = new Set(),
    /** Their starts (`torch`, `torch.hub`, `flask.Flask`, `flask.Flask()`). */
    readonly prefixes: ReadonlySet<string> = new Set(),
    /** Finders of further hot offsets, counted as substrings (a credential's format, perf/literalWords.ts). */
    readonly positions: ReadonlyArray<(text: string) => number[]> = [],
    /**
     * For call words every rule calling them declares `constantArguments` of (by automaton
     * index): an occurrence is hot only where callMayPassConstant says it can matter.
     */
    readonly argumentChecks: ReadonlyMap<number, ArgumentCheck> = new Map(),
    /**
     * For substrings and whole words every rule wanting them gives a check of (by automaton
     * index, PartialParseWords.check): an occurrence counts as such only where the check says so.
     */
    readonly wordChecks: ReadonlyMap<number, (text: string, at: number, length: number) => boolean> = new Map(),
  ) {}

  /**
   * Sorted offsets that keep the definitions and module statements holding them parsed, without
   * passing anything on to the names those statements assign: the places a data flow can be
   * (dataflow/parsePlan.ts), whose closure already holds every name they lead to.
   */
  kept?: (text: string) => readonly number[];

  /**
   * The dotted functions of the rules reading whole functions (RuleMatch.readsFunction): a
   * WholeFunctionDotted word keeps its function whole where its object can lead to one of these.
   */
  wholeFunctions?: ReadonlySet<string>;

  private withWholeFunctions?: ReadonlySet<string>;

  /** The prefixes, with the whole functions themselves (what a name can be bound to that partial parsing follows). */
  reachPrefixes(): ReadonlySet<string> {
    if (!this.wholeFunctions || this.wholeFunctions.size === 0) return this.prefixes;
    this.withWholeFunctions ??= new Set([...this.prefixes, ...this.wholeFunctions]);
    return this.withWholeFunctions;
  }

  /**
   * Hot words over a shared automaton (which must contain all of them): substrings, names called
   * bare, attribute names called on any object (methods), and the dotted functions the rules
   * call (`pickle.loads`, `flask.Flask().run`), whose attributes are checked for their object.
   */
  static over(
    words: SubstringSet,
    substrings: Iterable<string>,
    bareNames: Iterable<string>,
    attributeNames: Iterable<string>,
    dottedFunctions: Iterable<string> = [],
    wholeWords: Iterable<string> = [],
    valueNames: Iterable<string> = [],
    positions: ReadonlyArray<(text: string) => number[]> = [],
    argumentChecks: ReadonlyMap<string, ArgumentCheck> = new Map(),
    wordChecks: ReadonlyMap<string, (text: string, at: number, length: number) => boolean> = new Map(),
    functionWords: { whole?: Iterable<string>; dotted?: Iterable<string>; functions?: Iterable<string> } = {},
  ): HotWords {
    const kinds = new Uint16Array(words.strings.length);
    const position = new Map(words.strings.map((w, i) => [w, i]));
    const mark = (list: Iterable<string>, kind: WordKind) => {
      for (const word of list) {
        const i = position.get(word);
        if (i === undefined) throw new Error(`HotWords: "${word}" is not in the automaton`);
        kinds[i] |= kind;
      }
    };
    mark(substrings, WordKind.Substring);
    mark(bareNames, WordKind.BareName);
    mark(attributeNames, WordKind.AttributeName);
    mark(wholeWords, WordKind.Word);
    mark(valueNames, WordKind.ValueName);
    // A method is wanted on any object; a name only dotted functions end in, on some objects.
    const methods = kinds.map((kind) => kind & WordKind.AttributeName);
    const prefixes = new Set<string>();
    for (const callee of dottedFunctions) {
      const parts = callee.split('.');
      const last = parts.pop()!;
      mark([dottedSegments(parts[0])[0]], WordKind.Root);
      mark([last], WordKind.AttributeName);
      const i = position.get(last)!;
      if (!methods[i]) kinds[i] |= WordKind.ReceiverChecked;
      let prefix = '';
      for (const part of parts) {
        const name = part.replace(/\(\)$/, '');
        prefix = prefix ? `${prefix}.${name}` : name;
        prefixes.add(prefix);
        if (part !== name) prefixes.add((prefix += '()'));
      }
    }
    for (const [list, flag] of [
      [functionWords.whole ?? [], WordKind.WholeFunction],
      [functionWords.dotted ?? [], WordKind.WholeFunctionDotted],
    ] as const)
      for (const word of list) {
        const i = position.get(word);
        if (i !== undefined && kinds[i] !== WordKind.Ignored) kinds[i] |= flag;
      }
    const checks = new Map<number, ArgumentCheck>();
    for (const [word, check] of argumentChecks) {
      const i = position.get(word);
      if (i === undefined) throw new Error(`HotWords: "${word}" is not in the automaton`);
      checks.set(i, check);
    }
    const byIndex = new Map<number, (text: string, at: number, length: number) => boolean>();
    for (const [word, check] of wordChecks) {
      const i = position.get(word);
      if (i === undefined) throw new Error(`HotWords: "${word}" is not in the automaton`);
      byIndex.set(i, check);
    }
    const hot = new HotWords(words, kinds, new Set(dottedFunctions), prefixes, positions, checks, byIndex);
    hot.wholeFunctions = new Set(functionWords.functions ?? dottedFunctions);
    return hot;
  }
}

/** The names of a dotted function, call-result markers dropped (`flask.Flask().run`: flask, Flask, run). */
export function dottedSegments(callee: string): string[] {
  return callee
    .replace(/\(\)/g, '')
    .split('.')
    .filter((segment) => segment.length > 0);
}

export interface PartialText {
  /** Same length as the file; skipped definitions are stubs followed by blanks (line breaks too). */
  text: string;
  /** The parts tree-sitter should read (everything except what follows each stub). */
  ranges: Array<{
    startIndex: number;
    endIndex: number;
    startPosition: { row: number; column: number };
    endPosition: { row: number; column: number };
  }>;
  /** Top-level packages imported inside skipped definitions. */
  imports: string[];
  /** UTF-16 units left out of the parse. */
  skipped: number;
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

/** A Python identifier (letters of any script). */
const NAME = String.raw`[A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*`;
const DEF_HEADER = new RegExp(String.raw`(?:async[ \t]+)?def[ \t]+(${NAME})`, 'uy');
const CLASS_HEADER = new RegExp(String.raw`class[ \t]+(${NAME})`, 'uy');
const IDENTIFIER = new RegExp(NAME, 'gu');
const AS_NAME = new RegExp(String.raw`\bas[ \t]+(${NAME})`, 'gu');
const IMPORT_ALIAS = new RegExp(String.raw`(${NAME}(?:\s*\.\s*${NAME})*)\s+as\s+(${NAME})`, 'gu');
const DOTTED_NAME = new RegExp(String.raw`^\s*(?:${NAME}\s*\.\s*)*(${NAME})\s*(?:#.*)?$`, 'u');
const PLAIN_IMPORT = /^\s*import\s+([^#]+)/;
const LEADING_NAME = new RegExp(String.raw`^\s*(${NAME})`, 'u');
/** The name an assigned value starts with (after blanks and line continuations). */
const VALUE_HEAD = new RegExp(String.raw`^[\s\\]*(${NAME})`, 'u');
const NAME_AT = new RegExp(NAME, 'uy');
const FROM_IMPORT = new RegExp(String.raw`^\s*from\s+(${NAME})[\w.]*\s+import\b`, 'u');

/** Partial parsing pays when it leaves out at least this many UTF-16 units; below, the scan costs more. */
export const DEFAULT_MIN_SKIPPED = 2048;

/** The assignment expression operator (a hot word of every selection, see the module comment). */
const WALRUS = ':=';

/**
 * The file with its cold definitions stubbed out, or undefined when skipping would save less
 * than `minSkipped` units (not worth the scan) or the text does not split into statements.
 */
export function partialText(
  text: string,
  hot: HotWords,
  minSkipped = DEFAULT_MIN_SKIPPED,
  hits?: readonly number[],
  /** Whether an offset is code (not a comment or plain string), when the caller knows it already (the prefilter's SourceText). */
  isCode?: (at: number) => boolean,
): PartialText | undefined {
  return partialPlan(text, hot, minSkipped, hits, isCode).partial;
}

/**
 * partialText's plan: the partial text, and whether no position of the text is hot (`hotless`):
 * no word of the rules where it can matter, no data flow to keep, no name carried from such a
 * word. Every definition is then cold, and no statement of the module holds a hot position
 * either, which is what lets quietStatements leave a statement out: a finding is written with
 * what makes a position hot, wherever it is. Such a text can hold no finding of these rules.
 */
export function partialPlan(
  text: string,
  hot: HotWords,
  minSkipped = DEFAULT_MIN_SKIPPED,
  hits?: readonly number[],
  isCode?: (at: number) => boolean,
): { partial: PartialText | undefined; hotless: boolean } {
  const lines = linesOf(text);
  const definitions = definitionsOf(text, lines);
  const plan = coldPlan(text, lines, definitions, hot, hits, isCode);
  const { valuesAt, namesAt, wholeAt } = plan;
  const hotless = valuesAt.length === 0 && namesAt.every((sorted) => sorted.length === 0) && wholeAt.length === 0;
  return { partial: leaveOut(text, lines, definitions, plan, minSkipped), hotless };
}

function leaveOut(
  text: string,
  lines: readonly LogicalLine[],
  definitions: readonly Definition[],
  plan: ReturnType<typeof coldPlan>,
  minSkipped: number,
): PartialText | undefined {
  const { valuesAt, namesAt, scopesAt, wholeAt } = plan;
  let cold = plan.cold;
  const quiet = quietStatements(text, lines, cold, valuesAt, namesAt);
  const runs = quietBodyRuns(
    text,
    lines,
    keptFunctions(definitions, cold, [scopesAt, wholeAt]).map((d) => ({ ...d, flows: holdsAny(plan.keptAt, d.start, d.end) })),
    (start, end) => holdsAny(valuesAt, start, end) || namesAt.some((sorted) => holdsAny(sorted, start, end)),
    (at) => lineAt(lines, at),
    // Below the default threshold (tests), every function and run counts, however small.
    minSkipped < DEFAULT_MIN_SKIPPED ? 0 : undefined,
  );
  // A run can hold cold definitions (in an `if` left out whole): the run leaves them out.
  if (runs.length > 0) cold = cold.filter((definition) => spanAt(runs, definition.start) < 0);
  let skipped = 0;
  for (const definition of cold) skipped += definition.end - definition.start - definition.stub.length;
  for (const statement of quiet) skipped += statement.end - statement.start;
  for (const run of runs) skipped += run.end - run.start - run.stub.length;
  if (skipped < minSkipped) return undefined;
  // A left-out statement is a definition with an empty stub (nothing of it is parsed); a run of
  // statements in a function leaves a `0` so that no block is empty.
  const left = [
    ...cold,
    ...quiet.map((line) => ({ start: line.start, keyword: line.start, headerEnd: line.end, end: line.end, stub: '' })),
    ...runs.map((run) => ({ start: run.start, keyword: run.start, headerEnd: run.end, end: run.end, stub: run.stub })),
  ];
  return build(
    text,
    lines,
    left.sort((a, b) => a.start - b.start),
    skipped,
  );
}

/**
 * The functions partial parsing keeps whose statements quietBody.ts may leave out: not inside a
 * cold definition, and holding none of the given (sorted) offsets: data-flow kept offsets,
 * `global` and `nonlocal`, words of rules that read whole functions.
 */
function keptFunctions(
  definitions: readonly Definition[],
  cold: readonly Definition[],
  wholeAt: ReadonlyArray<readonly number[]>,
): Definition[] {
  return definitions.filter(
    (d) => d.stub.startsWith('def ') && !inCold(cold, d.start) && !wholeAt.some((sorted) => holdsAny(sorted, d.start, d.end)),
  );
}

/**
 * The names that carry something the rules look at from one statement to others (see the
 * module comment): assigned by kept statements, beyond the rules' own words. Edit reuse in the
 * editor (see editReuse.ts) checks an edited definition against them.
 */
export function carriedNames(text: string, hot: HotWords): Set<string> {
  const lines = logicalLines(text);
  return coldPlan(text, lines, definitionsOf(text, lines), hot).carried;
}

/**
 * True when text[start, end) holds a position that would keep a definition there parsed: a hot
 * word as partialText counts it (a bare use of a method name counts even without an import of
 * it, erring on the safe side), or a carried name. `start` and `end` must be token boundaries.
 */
export function holdsHotWord(text: string, start: number, end: number, hot: HotWords, carried: ReadonlySet<string>): boolean {
  const slice = text.slice(start, end);
  const { words, kinds } = hot;
  let found = false;
  words.forEach(slice, (index, at) => {
    const kind = kinds[index];
    if (found || kind === WordKind.Ignored) return;
    if (kind & WordKind.Substring) {
      found = true;
      return;
    }
    const word = words.strings[index];
    if ((at > 0 && isIdentifierChar(slice.charCodeAt(at - 1))) || isIdentifierChar(slice.charCodeAt(at + word.length))) return;
    // A value name is taken for a word here: erring on the safe side, as for methods below.
    if (kind & (WordKind.Word | WordKind.ValueName)) {
      found = true;
      return;
    }
    const attribute = previousNonBlank(slice, at) === '.';
    if (attribute ? kind & WordKind.AttributeName : kind & (WordKind.BareName | WordKind.AttributeName)) found = true;
  });
  if (!found) found = hot.positions.some((find) => find(slice).length > 0);
  if (found || carried.size === 0) return found;
  for (const match of slice.matchAll(IDENTIFIER)) if (carried.has(match[0])) return true;
  return false;
}

/** The definitions to stub (outermost cold ones) and the names kept statements made hot. */
function coldPlan(
  text: string,
  lines: readonly LogicalLine[],
  definitions: readonly Definition[],
  hot: HotWords,
  hits?: readonly number[],
  isCode: (at: number) => boolean = (at) => codeAt(text, at),
): {
  cold: Definition[];
  carried: Set<string>;
  valuesAt: readonly number[];
  namesAt: Array<readonly number[]>;
  keptAt: readonly number[];
  scopesAt: readonly number[];
  wholeAt: readonly number[];
} {
  // Where the rules' words are: substrings (values a rule reads, whoever holds them) and names.
  const substringAt: number[] = [];
  let nameAt: number[] = [];
  const bareAt = new Map<string, number[]>();
  const walrusAt: number[] = [];
  const rootAt: number[] = [];
  const receiverAt: number[] = [];
  /**
   * Hot positions of words of rules that read the whole function holding them (WordKind.WholeFunction).
   */
  const wholeAt: number[] = [];
  const { words, kinds, argumentChecks: checks, wordChecks } = hot;
  /** Attribute positions of WholeFunctionDotted words wanted as methods by other rules: judged by their object below. */
  const dottedAt: number[] = [];
  /** Called bare, words wanted whole only as dotted functions' last names: judged by what the name is bound to below. */
  const bareDottedAt: number[] = [];
  const flag = (kind: number, at: number) => {
    if (kind & (WordKind.WholeFunction | WordKind.WholeFunctionDotted)) wholeAt.push(at);
  };
  const functionCarried = new Set<string>();
  const anyFunctionWord = kinds.some((kind) => kind & (WordKind.WholeFunction | WordKind.WholeFunctionDotted)) ? WordKind.WholeFunction : 0;
  const importedChecked = new Set<string>();
  const visit = (index: number, at: number) => {
    const kind = kinds[index];
    if (kind === WordKind.Ignored) return;
    // A word some rules want only where a check says so (a literal rule's sinks): elsewhere it
    // counts only as the name of a function (below), if it is one.
    const counts =
      !(kind & (WordKind.Substring | WordKind.Word)) ||
      !wordChecks.has(index) ||
      wordChecks.get(index)!(text, at, words.strings[index].length);
    if (kind & WordKind.Substring && counts) {
      (words.strings[index] === WALRUS ? walrusAt : substringAt).push(at);
      flag(kind, at);
      return;
    }
    const word = words.strings[index];
    if ((at > 0 && isIdentifierChar(text.charCodeAt(at - 1))) || isIdentifierChar(text.charCodeAt(at + word.length))) return;
    if ((kind & WordKind.Word && counts) || (kind & WordKind.ValueName && namesAValue(text, at, word.length))) {
      substringAt.push(at);
      flag(kind, at);
      return;
    }
    if (kind & WordKind.Root) rootAt.push(at);
    // A call whose judged arguments cannot be constant text is no call a rule wants.
    const check = checks.get(index);
    if (
      check &&
      !(check.text
        ? callMayPassText(text, at, word.length, check.declared)
        : callMayPassConstant(text, at, word.length, check.declared, check.role))
    ) {
      // Not hot itself; an import of the name still makes its bare calls count (below).
      if (!(kind & WordKind.BareName) && inImportStatement(text, at)) importedChecked.add(word);
      return;
    }
    // The name a `def` or `class` statement defines is no call and no other name for a rule's function.
    if (definedAt(text, at)) return;
    if (previousNonBlank(text, at) === '.') {
      if (!(kind & WordKind.AttributeName)) return;
      if (kind & WordKind.ReceiverChecked) receiverAt.push(at, index);
      else {
        nameAt.push(at);
        flag(kind & ~WordKind.WholeFunctionDotted, at);
        // Wanted on any object by another rule: whole only where the object can be the function's.
        if (kind & WordKind.WholeFunctionDotted) dottedAt.push(at, index);
      }
    } else if (kind & WordKind.BareName) {
      nameAt.push(at);
      // A function of a rule reading whole functions is called there, not named in a parameter or prose.
      // Written in a string or a comment (`"... only supported for eval (cli=...)"`), it is no call.
      if (text.charCodeAt(nextNonBlank(text, at + word.length)) !== 40 || !isCode(at))
        flag(kind & ~(WordKind.WholeFunction | WordKind.WholeFunctionDotted), at);
      else if (kind & WordKind.WholeFunction) flag(kind, at);
      else if (kind & WordKind.WholeFunctionDotted) bareDottedAt.push(at, index);
      else flag(kind, at);
    } else if (kind & WordKind.AttributeName) {
      // Bare, but perhaps imported under its own name: decided below.
      const list = bareAt.get(word);
      if (list) list.push(at);
      else bareAt.set(word, [at]);
    }
  };
  // The prefilter's pass over the text with the same automaton, when there was one.
  if (hits) for (let k = 0; k < hits.length; k += 2) visit(hits[k], hits[k + 1]);
  else words.forEach(text, visit);
  for (const find of hot.positions) substringAt.push(...find(text));
  if (receiverAt.length > 0 || dottedAt.length > 0 || bareDottedAt.length > 0) {
    // With the whole functions among the prefixes, a name imported or assigned as one of them
    // (`from subprocess import run`) stands for it.
    const standsFor = reachingNames(text, lines, hot.reachPrefixes(), rootAt);
    const wholeFunctions = hot.wholeFunctions ?? hot.functions;
    // A word of a rule reading whole functions keeps its function whole where it is code and its
    // object can lead to one of that rule's functions (not merely to another rule's).
    const wholeThere = (at: number, word: string, line: LogicalLine | undefined) =>
      isCode(at) && receiverCanReach(text, at, word, standsFor, wholeFunctions, line);
    for (let k = 0; k < receiverAt.length; k += 2) {
      const at = receiverAt[k];
      const word = words.strings[receiverAt[k + 1]];
      const kind = kinds[receiverAt[k + 1]];
      const line = lines[lineAt(lines, at)];
      if (!receiverCanReach(text, at, word, standsFor, hot.functions, line)) continue;
      nameAt.push(at);
      flag(kind & ~WordKind.WholeFunctionDotted, at);
      if (kind & WordKind.WholeFunctionDotted && wholeThere(at, word, line)) wholeAt.push(at);
    }
    for (let k = 0; k < dottedAt.length; k += 2)
      if (wholeThere(dottedAt[k], words.strings[dottedAt[k + 1]], lines[lineAt(lines, dottedAt[k])])) wholeAt.push(dottedAt[k]);
    // A bare call is of such a function only through a name bound to it: `run(...)` after
    // `from openai_server.server_start import run` (or unbound: the builtin) is not `subprocess.run`.
    for (let k = 0; k < bareDottedAt.length; k += 2)
      for (const qualified of standsFor.get(words.strings[bareDottedAt[k + 1]]) ?? [])
        if (qualified === ANYTHING || wholeFunctions.has(qualified)) {
          wholeAt.push(bareDottedAt[k]);
          break;
        }
  }
  const names = new Set<string>();
  // Names whose every bare occurrence is in nameAt already: a rule's bare names, names imported
  // under their own name, and the carried ones. A word known only as an attribute (`system` of
  // `os.system`) is not one until a kept statement binds it (`system = yaml.unsafe_load`).
  const bareKept = new Set<string>();
  kinds.forEach((kind, i) => {
    if (kind & (WordKind.BareName | WordKind.AttributeName)) names.add(words.strings[i]);
    if (kind & WordKind.BareName) bareKept.add(words.strings[i]);
  });
  const carried = new Set<string>();
  // What imports bind the dotted functions' last names to (`from subprocess import run`), when a
  // bare name is imported: found once, on demand.
  let importedAs: Map<string, ReadonlySet<string>> | undefined;
  const importsFunction = (word: string, list: readonly number[]): boolean => {
    // `from m import run as go`: the alias is followed from the import statement (aliasNames).
    if (list.some((at) => inImportStatement(text, at) && /^[ \t]*as\b/.test(text.slice(at + word.length, at + word.length + 8))))
      return true;
    importedAs ??= reachingNames(text, lines, new Set([...hot.reachPrefixes(), ...hot.functions]), rootAt);
    for (const qualified of importedAs.get(word) ?? []) if (qualified === ANYTHING || hot.functions.has(qualified)) return true;
    return false;
  };
  for (const [word, list] of bareAt)
    if (importedChecked.has(word) || list.some((at) => inImportStatement(text, at))) {
      // A dotted function's last name, imported from elsewhere (`from server import run`), is not that function.
      const kind = kinds[words.strings.indexOf(word)];
      if (kind & WordKind.ReceiverChecked && !importedChecked.has(word) && !importsFunction(word, list)) continue;
      nameAt.push(...list);
      for (const at of list) flag(kinds[words.strings.indexOf(word)], at);
      bareKept.add(word);
    }
  const scopes = scopeStatements(text);
  const keptScopes = new Set<number>();
  /** Names carried within one function only, as `start:name` of the function's span. */
  const localKept = new Set<string>();
  let functionScopes: ((at: number) => Span | undefined) | undefined;
  for (const statement of scopes) if (!statement.readable) nameAt.push(statement.at);
  substringAt.sort((a, b) => a - b);
  nameAt.sort((a, b) => a - b);
  walrusAt.sort((a, b) => a - b);
  const keptAt = hot.kept?.(text) ?? [];
  let cold: Definition[];
  for (;;) {
    cold = coldDefinitions(definitions, substringAt, nameAt, walrusAt, keptAt);
    // A skipped `global x` whose name is used where the text is parsed: keep its definition.
    // (Statements are not changed once made: a changed shape would make the optimised code bail out.)
    const bindsOutside = scopes.filter(
      ({ at, names, readable }) =>
        readable && !keptScopes.has(at) && inCold(cold, at) && names.some((name) => usedOutside(text, name, cold)),
    );
    if (bindsOutside.length > 0) {
      nameAt = mergeSorted(
        nameAt,
        bindsOutside.map((s) => s.at).sort((a, b) => a - b),
      );
      for (const statement of bindsOutside) keptScopes.add(statement.at);
      continue;
    }
    // A kept statement passes what makes it interesting on to the names it assigns: any value
    // when it holds a substring; when it only names a function the rules want, the aliases it
    // makes of that function (`f = pickle.loads`, `from pickle import loads as f`).
    const added: string[] = [];
    /** Names bound in a function's body: only their occurrences in that function (see functionScopeOf). */
    const addedLocal: Array<{ name: string; scope: Span; fromFunction: boolean }> = [];
    // A name made from a function of a rule reading whole functions stands for it too.
    const functionAt = anyFunctionWord ? [...wholeAt].sort((a, b) => a - b) : [];
    for (const line of keptStatements(text, lines, cold)) {
      const bound = holdsAny(substringAt, line.start, line.end)
        ? assignedNames(text, line)
        : holdsAny(nameAt, line.start, line.end)
          ? aliasNames(text, line, (name) => names.has(name))
          : [];
      const scope = bound.length > 0 ? (functionScopes ??= functionScopeOf(definitions))(line.start) : undefined;
      for (const name of bound) {
        if (bareKept.has(name)) continue;
        if (scope && !declaredIn(scopes, scope, name)) {
          const key = `${scope.start}:${name}`;
          if (localKept.has(key)) continue;
          localKept.add(key);
          names.add(name);
          carried.add(name);
          addedLocal.push({ name, scope, fromFunction: holdsAny(functionAt, line.start, line.end) });
          continue;
        }
        bareKept.add(name);
        names.add(name);
        carried.add(name);
        added.push(name);
        if (holdsAny(functionAt, line.start, line.end)) functionCarried.add(name);
      }
    }
    if (added.length === 0 && addedLocal.length === 0) break;
    const more: number[] = [];
    for (const name of added) {
      // A list: the offsets are read twice (identifierOccurrences gives a generator).
      const occurrences = [...identifierOccurrences(text, name)];
      more.push(...occurrences);
      if (functionCarried.has(name)) for (const at of occurrences) flag(anyFunctionWord, at);
    }
    for (const { name, scope, fromFunction } of addedLocal) {
      const occurrences = [...identifierOccurrences(text, name)].filter((at) => at >= scope.start && at < scope.end);
      more.push(...occurrences);
      if (fromFunction || functionCarried.has(name)) for (const at of occurrences) flag(anyFunctionWord, at);
    }
    nameAt = mergeSorted(
      nameAt,
      more.sort((a, b) => a - b),
    );
  }
  return {
    cold,
    carried,
    valuesAt: keptAt.length > 0 ? mergeSorted(substringAt, keptAt) : substringAt,
    namesAt: [nameAt, walrusAt],
    keptAt,
    // Only declarations written as statements (`global` or `nonlocal` starting one, after a line
    // break, `;` or `:`), not the word in a comment or a string: the ones that bind names outside.
    scopesAt: scopes
      .filter((statement) => /[\n\r;:]/.test(text.charAt(lastNonSpace(text, statement.at - 1))) || lastNonSpace(text, statement.at - 1) < 0)
      .map((statement) => statement.at)
      .sort((a, b) => a - b),
    wholeAt: wholeAt.sort((a, b) => a - b),
  };
}

/** True when one of the sorted offsets falls in the code (not prose) of the statement at `start` whose code is `code`. */
function inCode(sorted: readonly number[], start: number, code: string): boolean {
  for (let k = lowerBound(sorted, start); k < sorted.length && sorted[k] < start + code.length; k++)
    if (code.charCodeAt(sorted[k] - start) !== 32) return true;
  return false;
}

/** An f-string's opening in a statement's code (withoutProse keeps the prefix and the quotes of each literal). */
const F_STRING = /(?<!\w)(?:[fF][rR]?|[rR][fF])["']/;

/** Module-level statements shorter than this are always parsed: leaving them out saves less than the check costs. */
const MIN_QUIET_STATEMENT = 256;

/** Keywords that start a compound statement (or may: `match`, `case`) or an import. */
const KEPT_STATEMENT_START =
  /^(?:if|elif|else|for|while|try|except|finally|with|def|class|async|match|case|import|from|global|nonlocal|del)\b|^@/;

/**
 * Large module-level simple statements that can be left out like cold definitions: no hot
 * position, and none of the names written in their code (targets, annotations, anything) occurs
 * anywhere else that is parsed. Such a statement can only bind names written in it, and nothing
 * parsed reads them: a docstring, a table of constants the rest of the file uses only in
 * left-out definitions.
 */
function quietStatements(
  text: string,
  lines: readonly LogicalLine[],
  cold: readonly Definition[],
  valuesAt: readonly number[],
  namesAt: ReadonlyArray<readonly number[]>,
): LogicalLine[] {
  const quiet: LogicalLine[] = [];
  const counts = new OutsideCounts(text, cold);
  // The cheap tests in this loop; the rest (rarely reached) in isQuiet.
  for (const line of lines) {
    if (line.indent !== 0 || line.end - line.start < MIN_QUIET_STATEMENT || inCold(cold, line.start)) continue;
    if (isQuiet(text, line, valuesAt, namesAt, counts)) quiet.push(line);
  }
  return quiet;
}

/** How many names OutsideCounts searches for one by one before it counts every name of the text at once. */
const MAX_NAME_SEARCHES = 64;

/**
 * How often a name occurs in the text outside the left-out definitions, as identifierCounts counts
 * it. Most statements asked about are docstrings, whose code holds no name: the names asked for
 * are searched one by one (memoised), and past MAX_NAME_SEARCHES every name of the text is
 * counted in one pass, so that a file of large tables does not cost a search per name.
 */
class OutsideCounts {
  private readonly known = new Map<string, number>();
  private all: Map<string, number> | undefined;

  constructor(
    private readonly text: string,
    private readonly cold: readonly Definition[],
  ) {}

  get(name: string): number {
    if (this.all) return this.all.get(name) ?? 0;
    let count = this.known.get(name);
    if (count !== undefined) return count;
    if (this.known.size >= MAX_NAME_SEARCHES) {
      this.all = identifierCounts(this.text, this.cold);
      return this.all.get(name) ?? 0;
    }
    count = 0;
    for (const at of identifierOccurrences(this.text, name)) if (!inCold(this.cold, at)) count++;
    this.known.set(name, count);
    return count;
  }
}

function isQuiet(
  text: string,
  line: LogicalLine,
  valuesAt: readonly number[],
  namesAt: ReadonlyArray<readonly number[]>,
  counts: OutsideCounts,
): boolean {
  // Substrings count anywhere (a string can be a value a rule reads); names only in code: in a
  // string or a comment of the statement they call and bind nothing.
  if (holdsAny(valuesAt, line.start, line.end)) return false;
  const source = text.slice(line.start, line.end);
  if (KEPT_STATEMENT_START.test(source)) return false;
  const code = withoutProse(source);
  // An f-string's fields are code: with one, a name anywhere counts. (Searched in the code: the
  // text of a docstring can hold `f"` without holding an f-string.)
  const fields = F_STRING.test(code);
  if (namesAt.some((sorted) => (fields ? holdsAny(sorted, line.start, line.end) : inCode(sorted, line.start, code)))) return false;
  // A name of its code that occurs more often in the parsed text than in the statement is used elsewhere.
  const own = identifierCounts(source, []);
  for (const name of identifiersOf(code)) if ((counts.get(name) ?? 0) > (own.get(name) ?? 0)) return false;
  return true;
}

/** Where each identifier occurs in the text, as whole words wherever written (identifierOccurrences for all names at once). */
function identifierIndex(text: string): Map<string, number[]> {
  const index = new Map<string, number[]>();
  forEachIdentifier(text, [], (name, at) => {
    const list = index.get(name);
    if (list) list.push(at);
    else index.set(name, [at]);
  });
  return index;
}

/** How often each identifier occurs in the text outside the given (sorted) definitions. */
function identifierCounts(text: string, skip: readonly Definition[]): Map<string, number> {
  const counts = new Map<string, number>();
  forEachIdentifier(text, skip, (name) => counts.set(name, (counts.get(name) ?? 0) + 1));
  return counts;
}

/**
 * Calls `found` for each whole identifier of the text (a maximal run of identifier characters,
 * as identifierOccurrences counts them: prose included) outside the given (sorted) definitions.
 */
function forEachIdentifier(text: string, skip: readonly Definition[], found: (name: string, at: number) => void): void {
  let next = 0;
  for (let i = 0; i < text.length;) {
    if (next < skip.length && i >= skip[next].start) {
      i = Math.max(i, skip[next++].end);
      continue;
    }
    if (!isIdentifierChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && isIdentifierChar(text.charCodeAt(i))) i++;
    found(text.slice(start, i), start);
  }
}

/**
 * The names through which an attribute can resolve to a rule's dotted function, found as the
 * semantic model resolves an object (SemanticModel.qualifiedName): each name with what it can
 * stand for, kept only when that is the start of one of the functions (`prefixes`: `torch`,
 * `torch.hub`, `flask.Flask()`). A function's first name stands for itself (unbound, or
 * `import torch`); an import binds its alias to the module or name imported (`import numpy as
 * np`, `from torch import hub as th`); an assignment binds its targets to its value when that is
 * a dotted name or a call of one starting with a known name (`m = np`, `app = Flask(__name__)`).
 * Nothing else resolves. Statements are read wherever they are (any scope, prose too), and an
 * import this cannot read makes every name in it stand for anything: both only add names.
 */
function reachingNames(
  text: string,
  lines: readonly LogicalLine[],
  prefixes: ReadonlySet<string>,
  rootAt: readonly number[],
): Map<string, ReadonlySet<string>> {
  const standsFor = new Map<string, Set<string>>();
  for (const prefix of prefixes) if (!prefix.includes('.')) standsFor.set(prefix, new Set([prefix]));
  const read = new Set<number>();
  const pending = [...rootAt];
  // A few names are searched for; past that, every occurrence of every name is indexed once (a
  // file making thousands of aliases would otherwise be searched thousands of times).
  let searches = 0;
  let index: Map<string, number[]> | undefined;
  const occurrencesOf = (name: string): Iterable<number> => {
    if (index) return index.get(name) ?? [];
    if (++searches <= 8) return identifierOccurrences(text, name);
    index = identifierIndex(text);
    return index.get(name) ?? [];
  };
  const bind = (name: string, qualified: string) => {
    if (qualified !== ANYTHING && !prefixes.has(qualified)) return;
    let known = standsFor.get(name);
    if (known?.has(qualified)) return;
    if (!known) standsFor.set(name, (known = new Set()));
    known.add(qualified);
    // The lines it occurs in are read (again): what they assign may start with it.
    for (const at of occurrencesOf(name)) {
      read.delete(lineAt(lines, at));
      pending.push(at);
    }
  };
  while (pending.length > 0) {
    const line = lineAt(lines, pending.pop()!);
    if (line < 0 || read.has(line)) continue;
    read.add(line);
    bindingsMade(text, lines[line], standsFor, bind);
  }
  return standsFor;
}

/** What a name stands for when an import cannot be read. */
const ANYTHING = '*';

const IMPORT_CLAUSE = new RegExp(String.raw`^\s*(${NAME}(?:\s*\.\s*${NAME})*)(?:\s+as\s+(${NAME}))?\s*$`, 'u');
const FROM_IMPORT_STATEMENT = new RegExp(String.raw`^\s*from\s+(\.*)\s*(${NAME}(?:\s*\.\s*${NAME})*)?\s+import\s+([\s\S]*)$`, 'u');
const PLAIN_IMPORT_STATEMENT = /^\s*import\s+([\s\S]*)$/;

/**
 * Calls `bind(name, qualified)` for each name a statement binds to something a known name
 * (`standsFor`) or an absolute import leads to (see reachingNames).
 */
function bindingsMade(
  text: string,
  line: LogicalLine,
  standsFor: ReadonlyMap<string, ReadonlySet<string>>,
  bind: (name: string, qualified: string) => void,
): void {
  const source = withoutProse(text.slice(line.start, line.end));
  if (/\bimport\b/.test(source)) {
    for (const statement of source.split(';')) {
      if (!/\bimport\b/.test(statement)) continue;
      const from = FROM_IMPORT_STATEMENT.exec(statement);
      if (from) {
        // Relative imports bind nothing the model resolves.
        if (from[1] || !from[2]) continue;
        const module = from[2].replace(/\s+/g, '');
        for (const clause of from[3].replace(/[()\\]/g, ' ').split(',')) {
          const match = IMPORT_CLAUSE.exec(clause);
          if (match) bind(match[2] ?? match[1], `${module}.${match[1].replace(/\s+/g, '')}`);
          else if (clause.trim() !== '' && clause.trim() !== '*') for (const name of identifiersOf(clause)) bind(name, ANYTHING);
        }
        continue;
      }
      const plain = PLAIN_IMPORT_STATEMENT.exec(statement);
      if (plain) {
        for (const clause of plain[1].replace(/[()\\]/g, ' ').split(',')) {
          const match = IMPORT_CLAUSE.exec(clause);
          // `import a.b` binds `a` to itself, which it stands for already.
          if (match?.[2]) bind(match[2], match[1].replace(/\s+/g, ''));
          else if (!match) for (const name of identifiersOf(clause)) bind(name, ANYTHING);
        }
        continue;
      }
      // An import inside a compound statement's line (`if x: import a as b`): not read.
      for (const name of identifiersOf(statement)) bind(name, ANYTHING);
    }
    return;
  }
  const equals = topLevelAssignments(source);
  if (equals.length === 0) return;
  const value = dottedValue(source.slice(equals[equals.length - 1].at + 1));
  if (!value) return;
  const known = standsFor.get(value.head);
  if (!known) return;
  const targets = equals.flatMap(({ at, statement }) => targetNames(source.slice(statement, at)));
  for (const qualified of known) for (const target of targets) bind(target, qualified === ANYTHING ? ANYTHING : qualified + value.rest);
}

/**
 * An assigned value that is a name followed by attributes and calls (`np`, `torch.hub`,
 * `flask.Flask(__name__)`), as its first name and the rest spelled as a qualified name is
 * (`.hub`, `.Flask()`); undefined for any other expression.
 */
function dottedValue(value: string): { head: string; rest: string } | undefined {
  const head = VALUE_HEAD.exec(value);
  if (!head) return undefined;
  let rest = '';
  let k = head[0].length;
  const skipBlanks = () => {
    while (k < value.length && /[\s\\]/.test(value[k])) k++;
  };
  for (;;) {
    skipBlanks();
    if (k >= value.length) return { head: head[1], rest };
    const c = value[k];
    if (c === '.') {
      k++;
      skipBlanks();
      NAME_AT.lastIndex = k;
      const name = NAME_AT.exec(value);
      if (!name) return undefined;
      rest += '.' + name[0];
      k += name[0].length;
    } else if (c === '(') {
      let depth = 0;
      for (; k < value.length; k++) {
        if (value[k] === '(') depth++;
        else if (value[k] === ')' && --depth === 0) break;
      }
      if (depth !== 0) return undefined;
      k++;
      rest += '()';
    } else return undefined;
  }
}

/** The index of the logical line holding offset `at` (its ending line break included), or -1. */
function lineAt(lines: readonly LogicalLine[], at: number): number {
  return spanAt(lines, at, 1);
}

/**
 * False only when the attribute `word` at `at` is read from an object that cannot resolve to one
 * of the functions, as the semantic model resolves it (SemanticModel.qualifiedName: a name, an
 * attribute of one, a call of one, which adds `()`; nothing else has a qualified name): a dotted
 * name (`re.compile`, `urllib.request`, `a . b.load`) or a call of one (`x.get("a").get`,
 * `Crawler(urls).run`) whose first name stands for nothing that, followed by the rest and `word`,
 * spells one; a subscript (`loaders["asr"].load`), a string, a list or a dict. Any other object
 * (a name on an earlier line, parentheses that group, a call on a line past LONG_LINE) can.
 */
function receiverCanReach(
  text: string,
  at: number,
  word: string,
  standsFor: ReadonlyMap<string, ReadonlySet<string>>,
  functions: ReadonlySet<string>,
  line: LogicalLine | undefined,
): boolean {
  let rest = '.' + word;
  let opening: Map<number, number> | undefined;
  let i = lastNonSpace(text, at - 1);
  // At the `.` in front of `rest`.
  if (text.charCodeAt(i) !== 46) return true;
  i = lastNonSpace(text, i - 1);
  for (;;) {
    const c = text.charCodeAt(i);
    // `f(...)`: the call's value is named by its function followed by `()`.
    if (c === 41) {
      opening ??= line ? openingParentheses(text, line.start, at) : new Map();
      const open = opening.get(i);
      if (open === undefined) return true;
      const callee = lastNonSpace(text, open - 1);
      const before = text.charCodeAt(callee);
      // `x[k](...)` calls an item: no name. `(a.b).c`, `return (a).c`: parentheses that group,
      // whose value is what they hold (taken as able to reach).
      if (before === 93) return false;
      if (before !== 41 && !isIdentifierChar(before)) return true;
      if (before !== 41 && GROUPING_KEYWORDS.test(text.slice(Math.max(0, callee - 8), callee + 1))) return true;
      rest = '()' + rest;
      i = callee;
      continue;
    }
    // A subscript or a list, a string, a dict or a set: nothing with a qualified name.
    if (c === 93 || c === 34 || c === 39 || c === 125) return false;
    const end = i + 1;
    while (i >= 0 && isIdentifierChar(text.charCodeAt(i))) i--;
    const start = i + 1;
    if (start === end) return true;
    const first = text.charCodeAt(start);
    if (first >= 48 && first <= 57) return true;
    for (let k = start; k < end; k++) if (text.charCodeAt(k) > 127) return true;
    const name = text.slice(start, end);
    const before = lastNonSpace(text, i);
    if (text.charCodeAt(before) === 46) {
      rest = '.' + name + rest;
      i = lastNonSpace(text, before - 1);
      continue;
    }
    for (const qualified of standsFor.get(name) ?? []) if (qualified === ANYTHING || functions.has(qualified + rest)) return true;
    return false;
  }
}

/** A keyword a `(` after which groups rather than calls (at the end of the text before it). */
const GROUPING_KEYWORDS =
  /(?:^|[^\w])(?:return|yield|await|in|is|not|and|or|if|elif|else|while|assert|del|lambda|with|for|from|import|raise|case|match)$/;

/** The longest part of a logical line read for its parentheses (beyond, an object read from a call is taken as able to reach). */
const LONG_LINE = 8192;

/**
 * For each `)` in text[from, to) that closes a `(` there, the offset of that `(`, read forwards
 * as code (strings and comments skipped). Empty when the part is longer than LONG_LINE.
 */
function openingParentheses(text: string, from: number, to: number): Map<number, number> {
  const opening = new Map<number, number>();
  if (to - from > LONG_LINE) return opening;
  const open: number[] = [];
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 35) {
      while (k < to && text.charCodeAt(k) !== 10 && text.charCodeAt(k) !== 13) k++;
    } else if (c === 34 || c === 39) k = Math.max(k, literalBounds(text, k).end - 1);
    else if (c === 40 || c === 91 || c === 123) open.push(c === 40 ? k : -1);
    else if (c === 41 || c === 93 || c === 125) {
      const at = open.pop();
      if (c === 41 && at !== undefined && at >= 0) opening.set(k, at);
    }
  }
  return opening;
}

/** The offset of the first character at or after `i` that is not a space or a tab (the length if none). */
function nextNonBlank(text: string, i: number): number {
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  return i;
}

/** The offset of the last character at or before `i` that is not a space or a tab (-1 if none). */
function lastNonSpace(text: string, i: number): number {
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  return i;
}

/** The last text logicalLines was asked about through linesOf, and its lines. */
let linesText: string | undefined;
let linesMemo: LogicalLine[] = [];

/** logicalLines of the text, remembered for the last text asked about (partial parsing and its checks share them). */
export function linesOf(text: string): readonly LogicalLine[] {
  if (linesText !== text) {
    linesMemo = logicalLines(text);
    linesText = text;
  }
  return linesMemo;
}

/**
 * The spans [start, end) of the definitions not inside another one (decorators included), in
 * order: what partial parsing leaves out or keeps as a whole.
 */
export function outermostDefinitions(text: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  for (const definition of definitionsOf(text, linesOf(text))) {
    if (spans.length > 0 && definition.start < spans[spans.length - 1].end) continue;
    spans.push({ start: definition.start, end: definition.end });
  }
  return spans;
}

/** The characters logicalLines acts on inside a statement: line breaks, `\\`, `#`, quotes, brackets. */
const LINE_SPECIAL = /[\n\r\\#"'()[\]{}]/g;

/** Splits a text into logical lines, skipping blank and comment-only lines. */
export function logicalLines(text: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    let indent = 0;
    let j = i;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 32) indent++;
      else if (c === 9) indent = indent - (indent % 8) + 8;
      else if (c === 12) indent = 0;
      else break;
    }
    if (j >= n) break;
    const first = text.charCodeAt(j);
    if (first === 10 || first === 13 || first === 35 || (first === 92 && isLineBreak(text.charCodeAt(j + 1)))) {
      // Blank, comment-only, or a lone continuation: no statement starts here.
      i = afterLineBreak(text, first === 35 || first === 92 ? lineEnd(text, j + 1) : j);
      continue;
    }
    let depth = 0;
    let k = j;
    while (k < n) {
      // Ordinary characters are skipped by the regular expression engine, natively.
      LINE_SPECIAL.lastIndex = k;
      if (!LINE_SPECIAL.test(text)) {
        k = n;
        break;
      }
      k = LINE_SPECIAL.lastIndex - 1;
      const c = text.charCodeAt(k);
      if (c === 10 || c === 13) {
        if (depth === 0) break;
        k++;
      } else if (c === 92) {
        k = isLineBreak(text.charCodeAt(k + 1)) ? afterLineBreak(text, k + 1) : k + 2;
      } else if (c === 35) {
        k = lineEnd(text, k);
      } else if (c === 34 || c === 39) {
        k = Math.max(k + 1, literalBounds(text, k).end);
      } else {
        if (c === 40 || c === 91 || c === 123) depth++;
        else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
        k++;
      }
    }
    lines.push({ start: j, end: Math.min(k, n), indent });
    i = afterLineBreak(text, k);
  }
  return lines;
}

/** True when the whole identifier text[at, at + length) names a value (see WordKind.ValueName). */
function namesAValue(text: string, at: number, length: number): boolean {
  const end = at + length;
  const quote = text.charCodeAt(at - 1);
  if ((quote === 34 || quote === 39) && text.charCodeAt(end) === quote) return true;
  let k = end;
  while (k < text.length && isBlank(text.charCodeAt(k))) k++;
  return text.charCodeAt(k) === 61 && text.charCodeAt(k + 1) !== 61; // `=`, not `==`
}

function isLineBreak(c: number): boolean {
  return c === 10 || c === 13;
}

/** Offset of the line break at or after `from` (or the end). */
function lineEnd(text: string, from: number): number {
  for (let k = from; k < text.length; k++) if (isLineBreak(text.charCodeAt(k))) return k;
  return text.length;
}

/** Offset just past the line break at `at` (`\r\n` counts as one). */
function afterLineBreak(text: string, at: number): number {
  if (text.charCodeAt(at) === 13 && text.charCodeAt(at + 1) === 10) return at + 2;
  return at + 1;
}

/** Every definition, outer ones before the ones they contain. */
function definitionsOf(text: string, lines: readonly LogicalLine[]): Definition[] {
  const found: Definition[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let h = i;
    while (h < lines.length && text.charCodeAt(lines[h].start) === 64 && lines[h].indent === line.indent) h++; // '@'
    const header = lines[h];
    if (!header || header.indent !== line.indent) continue;
    let last = h;
    while (last + 1 < lines.length && lines[last + 1].indent > line.indent) last++;
    const stub = stubFor(text, header.start, last > h ? lines[h + 1].start : undefined);
    if (!stub) continue;
    found.push({ start: line.start, keyword: header.start, headerEnd: header.end, end: lines[last].end, stub });
    // Decorators are part of this definition; the header line is looked at again only as such.
    i = h;
  }
  return found;
}

/**
 * The text that replaces a definition whose header starts at `at`, if it is one: `def name():0`
 * for a function (its name is all the rest of the file sees of it); for a class, its header as
 * written (the semantic model follows base classes: `class Server(Flask)`) with a body of `0`
 * where the first statement of the body starts. A class without a body line of its own is kept.
 */
function stubFor(text: string, at: number, body: number | undefined): string | undefined {
  DEF_HEADER.lastIndex = at;
  const def = DEF_HEADER.exec(text);
  if (def) return `def ${def[1]}():0`;
  CLASS_HEADER.lastIndex = at;
  if (!CLASS_HEADER.test(text) || body === undefined) return undefined;
  return text.slice(at, body) + '0';
}

/** The definition whose header starts at `at`: its kind, its name and the offset just past the name. */
export function headerAt(text: string, at: number): { kind: 'def' | 'class'; name: string; nameEnd: number } | undefined {
  DEF_HEADER.lastIndex = at;
  const def = DEF_HEADER.exec(text);
  if (def) return { kind: 'def', name: def[1], nameEnd: DEF_HEADER.lastIndex };
  CLASS_HEADER.lastIndex = at;
  const cls = CLASS_HEADER.exec(text);
  return cls ? { kind: 'class', name: cls[1], nameEnd: CLASS_HEADER.lastIndex } : undefined;
}

/** True when a definition starts at `at` (a `def`, `async def` or `class` header). */
export function isHeader(text: string, at: number): boolean {
  DEF_HEADER.lastIndex = at;
  if (DEF_HEADER.test(text)) return true;
  CLASS_HEADER.lastIndex = at;
  return CLASS_HEADER.test(text);
}

/** A span of the text. */
interface Span {
  start: number;
  end: number;
}

/**
 * For an offset, the span of the outermost function whose body holds it, when a name a
 * statement there binds can be read only inside that function: the innermost definition holding
 * the offset (in its body, past the header: decorators and defaults are evaluated outside) is a
 * function, so the name is a local of it or of a function it holds, never an attribute (a class
 * body's names are, and a class can be reached from anywhere). Undefined at module level and in
 * class bodies. `global` and `nonlocal` are left to the caller (declaredIn).
 */
function functionScopeOf(definitions: readonly Definition[]): (at: number) => Span | undefined {
  // Definitions come outer ones first, in the order of their starts: each one's parent is the
  // nearest earlier one still open.
  const parents = new Int32Array(definitions.length).fill(-1);
  const open: number[] = [];
  definitions.forEach((definition, i) => {
    while (open.length > 0 && definitions[open[open.length - 1]].end <= definition.start) open.pop();
    if (open.length > 0) parents[i] = open[open.length - 1];
    open.push(i);
  });
  const isFunction = (i: number) => definitions[i].stub.startsWith('def ');
  return (at) => {
    // The last definition starting at or before the offset, then out to the innermost holding it.
    let k = lastStartingAtOrBefore(definitions, at);
    while (k >= 0 && !(definitions[k].headerEnd <= at && at < definitions[k].end)) k = parents[k];
    if (k < 0 || !isFunction(k)) return undefined;
    let outermost = k;
    for (let up = parents[k]; up >= 0; up = parents[up]) if (isFunction(up)) outermost = up;
    return { start: definitions[outermost].start, end: definitions[outermost].end };
  };
}

/** True when a `global` or `nonlocal` statement in the span names `name`, or cannot be read. */
function declaredIn(scopes: readonly ScopeStatement[], span: Span, name: string): boolean {
  return scopes.some(({ at, names, readable }) => at >= span.start && at < span.end && (!readable || names.includes(name)));
}

/** The outermost definitions holding no hot position, in order. */
function coldDefinitions(
  definitions: readonly Definition[],
  substringAt: readonly number[],
  nameAt: readonly number[],
  walrusAt: readonly number[],
  keptAt: readonly number[],
): Definition[] {
  const cold: Definition[] = [];
  let coldUntil = -1;
  for (const definition of definitions) {
    if (definition.start < coldUntil) continue;
    if (holdsAny(substringAt, definition.start, definition.end) || holdsAny(nameAt, definition.start, definition.end)) continue;
    if (holdsAny(keptAt, definition.start, definition.end)) continue;
    if (holdsAny(walrusAt, definition.start, definition.headerEnd)) continue;
    // A stub must fit in the text it replaces (it always does for valid Python).
    if (definition.end - definition.keyword < definition.stub.length) continue;
    cold.push(definition);
    coldUntil = definition.end;
  }
  return cold;
}

/** A `global` or `nonlocal` statement: where, and the names it declares. */
interface ScopeStatement {
  at: number;
  names: string[];
  /** False for a declaration this cannot read (its names are then unknown). */
  readable: boolean;
}

const SCOPE_STATEMENT = new RegExp(String.raw`(?:global|nonlocal)[ \t]+(${NAME}(?:[ \t]*,[ \t]*${NAME})*)`, 'uy');

/** Every `global`/`nonlocal` word of the text, with the names after it (any word counts, prose too). */
function scopeStatements(text: string): ScopeStatement[] {
  const found: ScopeStatement[] = [];
  for (const keyword of ['global', 'nonlocal']) {
    for (const at of identifierOccurrences(text, keyword)) {
      SCOPE_STATEMENT.lastIndex = at;
      const match = SCOPE_STATEMENT.exec(text);
      // A declaration this cannot read (split over lines, say) keeps its definition.
      found.push({ at, names: match ? match[1].split(',').map((name) => name.trim()) : [], readable: match !== null });
    }
  }
  return found;
}

/** True when `at` is inside one of the (sorted, disjoint) cold definitions. */
function inCold(cold: readonly Definition[], at: number): boolean {
  return spanAt(cold, at, 0) >= 0;
}

/**
 * The index of the span of a sorted, disjoint list that holds `at` (its end excluded, or
 * included with `endSlack` 1), or -1.
 */
export function spanAt(spans: ReadonlyArray<{ start: number; end: number }>, at: number, endSlack: 0 | 1 = 0): number {
  let low = 0;
  let high = spans.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (at < spans[mid].start) high = mid - 1;
    else if (at >= spans[mid].end + endSlack) low = mid + 1;
    else return mid;
  }
  return -1;
}

/** True when `name` occurs outside the cold definitions. */
function usedOutside(text: string, name: string, cold: readonly Definition[]): boolean {
  for (const at of identifierOccurrences(text, name)) if (!inCold(cold, at)) return true;
  return false;
}

/** The logical lines outside cold definitions, except definition headers and decorators. */
function* keptStatements(text: string, lines: readonly LogicalLine[], cold: readonly Definition[]): Generator<LogicalLine> {
  let next = 0;
  for (const line of lines) {
    while (next < cold.length && cold[next].end < line.start) next++;
    if (next < cold.length && line.start >= cold[next].start && line.start < cold[next].end) continue;
    const c = text.charCodeAt(line.start);
    if (c === 64 || isHeader(text, line.start)) continue;
    yield line;
  }
}

/** True when a sorted list has a value in [start, end). */
export function holdsAny(sorted: readonly number[], start: number, end: number): boolean {
  const low = lowerBound(sorted, start);
  return low < sorted.length && sorted[low] < end;
}

/** The index of the first value of a sorted list that is at least `value` (the length if none). */
/** Index of the last of `spans` (in order of their starts) starting at or before `offset` (-1: none). */
export function lastStartingAtOrBefore(spans: ReadonlyArray<{ start: number }>, offset: number): number {
  let low = 0;
  let high = spans.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (spans[mid].start <= offset) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

export function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/**
 * The names a statement may bind that can carry something a rule looks at (over-approximated):
 * assignment targets that are not attributes or subscripts, `for` targets, `as` names (imports,
 * `with`, `except`), or every name of a statement with `:=` or a `match`/`case`. A plain
 * `import m` or `from m import f` is left out: the name it binds is the imported one, and a call
 * through it is spelled with the very word that makes it interesting.
 */
export function assignedNames(text: string, line: { start: number; end: number }): string[] {
  const source = withoutProse(text.slice(line.start, line.end));
  if (source.includes(':=') || /^(?:match|case)\b/.test(source)) return identifiersOf(source);
  const names: string[] = [];
  const loop = /^(?:async[ \t]+)?for\b([\s\S]*?)\bin\b/.exec(source);
  if (loop) names.push(...identifiersOf(loop[1]));
  for (const match of source.matchAll(AS_NAME)) names.push(match[1]);
  for (const { at, statement } of topLevelAssignments(source)) names.push(...targetNames(source.slice(statement, at)));
  return names;
}

/**
 * The `=` of assignments (plain or augmented, not `==`, `<=`, `>=`, `!=`) outside brackets,
 * strings and comments, each with where its statement starts (after a `;`): several for
 * `a = b = c` or statements joined by `;`.
 */
export function topLevelAssignments(source: string): Array<{ at: number; statement: number }> {
  const found: Array<{ at: number; statement: number }> = [];
  if (!source.includes('=')) return found;
  let depth = 0;
  let statement = 0;
  for (let k = 0; k < source.length;) {
    const c = source.charCodeAt(k);
    if (c === 34 || c === 39) {
      k = Math.max(k + 1, literalBounds(source, k).end);
      continue;
    }
    if (c === 35) break;
    if (c === 40 || c === 91 || c === 123) depth++;
    else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
    else if (depth === 0 && c === 59) statement = k + 1;
    else if (depth === 0 && c === 61 && source.charCodeAt(k + 1) !== 61) {
      const before = source.charCodeAt(k - 1);
      const comparison = before === 33 || before === 61 || ((before === 60 || before === 62) && source.charCodeAt(k - 2) !== before);
      if (!comparison) found.push({ at: k, statement });
    }
    k++;
  }
  return found;
}

/**
 * A statement's text with its string literals and comments blanked (quotes and line breaks kept),
 * same length. A comment ends with its physical line: a statement inside brackets goes on after it.
 */
export function withoutProse(source: string): string {
  if (!/["'#]/.test(source)) return source;
  let out = '';
  let from = 0;
  for (let k = 0; k < source.length;) {
    const c = source.charCodeAt(k);
    if (c === 35) {
      let end = k;
      while (end < source.length && source.charCodeAt(end) !== 10 && source.charCodeAt(end) !== 13) end++;
      out += source.slice(from, k) + ' '.repeat(end - k);
      from = end;
      k = end;
      continue;
    }
    if (c === 34 || c === 39) {
      const end = Math.max(k + 1, literalBounds(source, k).end);
      out += source.slice(from, k + 1) + ' '.repeat(Math.max(0, end - k - 2)) + (end - k >= 2 ? source[end - 1] : '');
      from = end;
      k = end;
      continue;
    }
    k++;
  }
  return out + source.slice(from);
}

/**
 * The names a statement makes aliases of a wanted function (`isWanted` on the function's last
 * name): `f = pickle.loads`, `g = f`, `from pickle import loads as f`; every name of a statement
 * with `:=`.
 */
export function aliasNames(text: string, line: { start: number; end: number }, isWanted: (name: string) => boolean): string[] {
  const source = withoutProse(text.slice(line.start, line.end));
  if (source.includes(':=')) return identifiersOf(source);
  const names: string[] = [];
  if (/\bimport\b/.test(source)) {
    for (const match of source.matchAll(IMPORT_ALIAS)) {
      const target = match[1];
      if (isWanted(target.slice(target.lastIndexOf('.') + 1).trim())) names.push(match[2]);
    }
    return names;
  }
  const equals = topLevelAssignments(source);
  if (equals.length === 0) return names;
  const value = DOTTED_NAME.exec(source.slice(equals[equals.length - 1].at + 1));
  if (!value || !isWanted(value[1])) return names;
  for (const { at, statement } of equals) names.push(...targetNames(source.slice(statement, at)));
  return names;
}

/** Names an assignment target binds: not `obj.attr`, not `obj[...]`'s object, not keywords. */
export function targetNames(target: string): string[] {
  const names: string[] = [];
  for (const match of target.matchAll(IDENTIFIER)) {
    const at = match.index;
    const name = match[0];
    if (KEYWORDS.has(name)) continue;
    let before = at - 1;
    while (before >= 0 && (target[before] === ' ' || target[before] === '\t')) before--;
    if (before >= 0 && target[before] === '.') continue;
    let after = at + name.length;
    while (after < target.length && (target[after] === ' ' || target[after] === '\t')) after++;
    if (target[after] === '.' || target[after] === '[' || target[after] === '(') continue;
    names.push(name);
  }
  return names;
}

export function identifiersOf(source: string): string[] {
  return [...source.matchAll(IDENTIFIER)].map((m) => m[0]).filter((name) => !KEYWORDS.has(name));
}

function build(text: string, lines: readonly LogicalLine[], cold: readonly Definition[], skipped: number): PartialText {
  // Row and column of increasing offsets, counting line breaks as tree-sitter does.
  let row = 0;
  let rowStart = 0;
  let scanned = 0;
  const onlyLineFeeds = text.indexOf('\r') < 0;
  const point = (offset: number) => {
    if (onlyLineFeeds) {
      // Searched natively: most texts have no carriage return.
      for (let k = text.indexOf('\n', scanned); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) {
        row++;
        rowStart = k + 1;
      }
    } else {
      for (let k = scanned; k < offset; k++) {
        const c = text.charCodeAt(k);
        if (c === 10 || (c === 13 && text.charCodeAt(k + 1) !== 10)) {
          row++;
          rowStart = k + 1;
        }
      }
    }
    scanned = Math.max(scanned, offset);
    return { row, column: offset - rowStart };
  };
  const pieces: string[] = [];
  const ranges: PartialText['ranges'] = [];
  let from = 0;
  const include = (start: number, end: number) => {
    if (end <= start) return;
    // Adjacent parts are one range (a stub right after the text before it): each range costs the parser a new read.
    const last = ranges[ranges.length - 1];
    if (last && last.endIndex === start) {
      last.endIndex = end;
      last.endPosition = point(end);
    } else ranges.push({ startIndex: start, startPosition: point(start), endIndex: end, endPosition: point(end) });
  };
  for (const definition of cold) {
    // What the parser skips is blanked for the semantic model's text searches too.
    pieces.push(text.slice(from, definition.start), ' '.repeat(definition.keyword - definition.start), definition.stub);
    pieces.push(' '.repeat(definition.end - definition.keyword - definition.stub.length));
    include(from, definition.start);
    include(definition.keyword, definition.keyword + definition.stub.length);
    from = definition.end;
  }
  pieces.push(text.slice(from));
  include(from, text.length);
  return { text: pieces.join(''), ranges, imports: importsIn(text, lines, cold), skipped };
}

/** Top-level packages of the absolute imports in the skipped definitions. */
function importsIn(text: string, lines: readonly LogicalLine[], cold: readonly Definition[]): string[] {
  const found = new Set<string>();
  let next = 0;
  let word = -1;
  for (const line of lines) {
    while (next < cold.length && cold[next].end < line.start) next++;
    if (next >= cold.length) break;
    if (line.start < cold[next].start) continue;
    // The next `import` of the text, searched again only once passed (a search per line would cost the square).
    if (word < line.start) word = text.indexOf('import', line.start);
    if (word < 0) break;
    if (word >= line.end) continue;
    // Strings and comments blanked: `import copy` in a docstring imports nothing.
    const source = withoutProse(text.slice(line.start, line.end));
    if (!/\bimport\b/.test(source)) continue;
    for (const statement of source.split(/[;:]/)) {
      const plain = PLAIN_IMPORT.exec(statement);
      if (plain) {
        for (const part of plain[1].replace(/[()\\\r\n]/g, ' ').split(',')) {
          const name = LEADING_NAME.exec(part)?.[1];
          if (name) found.add(name);
        }
        continue;
      }
      const from = FROM_IMPORT.exec(statement);
      if (from && from[1] !== '__future__') found.add(from[1]);
    }
  }
  return [...found];
}
