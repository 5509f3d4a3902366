/**
 * What the prefilter, partial parsing and edit reuse take from a rule's `literals` declaration
 * (RuleMatch.literals in rule.ts: a finding is a string literal holding a declared format, or one
 * whose value passes the declared test and goes to a declared sink). The rule declares what a
 * credential looks like and where credentials go; everything below is derived from that:
 *
 * - the triggers: the formats' marks, the sinks' names (and name endings), the last names of
 *   their callees and the environment's words: every finding is written with one;
 * - the gate, a necessary condition read from the text: a format match the declaration accepts
 *   (anywhere: a superset of the matches in literals), or else a sink that can be there and a
 *   string literal whose value can pass the value test (stringValues.someLiteralValue);
 * - for partial parsing and edit reuse: the offsets of the accepted format matches are hot
 *   positions (the definition holding one is parsed; an edit creating or changing one is
 *   analysed again), and the sinks' words are hot words (names whole, endings as substrings,
 *   callees by their last name, the environment by `environ`/`putenv`). A sink's literal is in
 *   the statement of the sink or in a constant's assignment the semantic model follows from it,
 *   which is in the same definition or at module level, always parsed.
 */
import type { LiteralDeclaration, LiteralFormat, LiteralSink } from '../rule';
import { runMayPass, someLiteralValue } from './stringValues';
import { SourceText, containsIdentifier, isBlank, isIdentifierChar, literalRuns, previousNonBlank } from '../textScan';
import { UNKNOWN_VALUE, annotatedValue, codeAt, matchingClose, valueMayBeConstantText } from './constantArguments';
import { linesOf, outermostDefinitions, spanAt, withoutProse } from './partialParse';

export interface LiteralWords {
  /** Substrings one of which a file must contain to hold a finding. */
  triggers: string[];
  /** False when the text cannot hold a finding (see the module header). */
  gate(source: SourceText): boolean;
  /** Identifiers `gate` asks the source about (found by the prefilter's pass). */
  gateWords: string[];
  /** Partial parsing's words: substrings and whole words that make a definition hot. */
  substrings: string[];
  words: string[];
  /** Offsets of the format matches the declaration accepts in a text (hot positions). */
  positions(text: string): number[];
  /**
   * False when an occurrence of one of `substrings` or `words` at `at` in the whole text cannot
   * be the sink of a finding: no literal whose value can pass the value test is in its outermost
   * definition, nor anywhere outside definitions (see sinkMayMatter).
   */
  sinkMatters(text: string, at: number): boolean;
  /**
   * False when the occurrence of a sink's word at `at` is prose: in a comment, or in a string
   * literal that is not the word alone (a quoted key `"token"` is a sink; "the token to use" is not).
   */
  sinkWritten(text: string, at: number, length: number): boolean;
  /**
   * False when the occurrence of a sink's word at `at` cannot give a sink a value that is
   * constant text: a sink's name not written where a value is given to it, or given one that the
   * semantic model cannot make constant (see sinkMayTakeConstant).
   */
  sinkTakesConstant(text: string, at: number, length: number): boolean;
}

/** The names the environment is written with where a variable is set (`os.environ[...]`, `os.putenv`). */
const ENVIRONMENT_WORDS = ['environ', 'putenv'];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function rootOf(callee: string): string {
  return callee.split('.')[0];
}

function lastOf(callee: string): string {
  return callee.slice(callee.lastIndexOf('.') + 1);
}

/** True when the format has a match in `text` that it accepts. */
function formatIn(format: LiteralFormat, text: string): boolean {
  for (const match of text.matchAll(format.pattern)) if (!format.accept || format.accept(match)) return true;
  return false;
}

/**
 * A test of a sink's names: one written whole in code (a keyword argument, an attribute, a
 * `dict(...)` keyword) or quoted (a key of a dict passed with `**`), or a name ending in one of
 * its endings (in code or quoted alike).
 */
function namesTest(sink: LiteralSink): ((source: SourceText) => boolean) | undefined {
  const names = sink.names ?? [];
  const endings = sink.nameEndings ?? [];
  if (names.length + endings.length === 0) return undefined;
  for (const word of [...names, ...endings]) if (!IDENTIFIER.test(word)) throw new Error(`literals: "${word}" is not a name`);
  const ending = new RegExp(String.raw`(?:${endings.join('|')})(?![A-Za-z0-9_])`);
  return (source) =>
    // `includes` is free for the triggers, which the names are: most texts have none of them.
    names.some((name) => source.includes(name) && (source.hasIdentifier(name) || source.quoted(name))) ||
    (endings.some((word) => source.includes(word)) && ending.test(source.text));
}

/** A test of whether one sink can be in a text, from the words it is written with. */
function sinkTest(sink: LiteralSink): (source: SourceText) => boolean {
  const callees = sink.callees ?? [];
  const environment = sink.environment ?? [];
  const within = sink.within ?? [];
  if (environment.length > 0 && (callees.length > 0 || sink.names || sink.nameEndings || within.length > 0))
    throw new Error('literals: a sink is either the environment, callees (with their keyword names) or names');
  if (environment.length > 0)
    return (source) => ENVIRONMENT_WORDS.some((word) => source.hasIdentifier(word)) && environment.some((word) => source.includes(word));
  // A function is called through a name bound by an import of its package.
  if (callees.length > 0) {
    const roots = [...new Set(callees.map(rootOf))];
    return (source) => roots.some((root) => source.hasIdentifier(root));
  }
  const named = namesTest(sink);
  if (!named) throw new Error('literals: a sink declares nothing it is written with');
  return (source) => named(source) && (within.length === 0 || within.some((name) => source.hasIdentifier(name)));
}

/** What the engine derives from a `literals` declaration (see the module header). */
export function literalWords(declaration: LiteralDeclaration): LiteralWords {
  const formats = declaration.formats ?? [];
  const sinks = declaration.sinks ?? [];
  const value = declaration.value ?? (() => true);
  for (const format of formats) {
    if (!format.pattern.global) throw new Error(`literals: the pattern ${String(format.pattern)} is not global`);
    if (format.marks.length === 0) throw new Error(`literals: the pattern ${String(format.pattern)} has no marks`);
  }
  const tests = sinks.map(sinkTest);
  const marks = [...new Set(formats.flatMap((format) => format.marks))];
  const named = sinks.filter((sink) => !sink.callees?.length);
  const calleeNames = sinks.flatMap((sink) => (sink.callees ?? []).map(lastOf));
  const callees = new Set(calleeNames);
  const environment = sinks.some((sink) => sink.environment?.length) ? ENVIRONMENT_WORDS : [];
  const triggers = [
    ...marks,
    ...named.flatMap((sink) => [...(sink.names ?? []), ...(sink.nameEndings ?? []), ...(sink.environment ?? [])]),
    ...calleeNames,
  ];
  const gateWords = [
    ...named.flatMap((sink) => sink.names ?? []),
    ...sinks.flatMap((sink) => (sink.callees ?? []).map(rootOf)),
    ...sinks.flatMap((sink) => sink.within ?? []),
    ...environment,
  ];
  const wholeWords = [...new Set([...named.flatMap((sink) => sink.names ?? []), ...calleeNames, ...environment])];
  const endings = [...new Set(named.flatMap((sink) => sink.nameEndings ?? []))];
  /** A sink's word written where a sink takes a value that can be constant text (as partial parsing judges each one). */
  const sinkGetsConstant = (source: SourceText): boolean => {
    const text = source.text;
    const takes = (word: string) => (at: number) => sinkCanTake(text, at, word.length, callees, value);
    return (
      wholeWords.some((word) => {
        // The prefilter's pass recorded the gate's words (the sinks' names): no search then.
        const recorded = source.recordedOccurrences(word);
        return recorded ? recorded.some(takes(word)) : someOccurrence(text, word, true, takes(word));
      }) || endings.some((word) => someOccurrence(text, word, false, takes(word)))
    );
  };
  return {
    triggers: [...new Set(triggers)],
    gate: (source) =>
      formats.some((format) => format.marks.some((mark) => source.includes(mark)) && formatIn(format, source.text)) ||
      (tests.some((test) => test(source)) && someLiteralValue(source, value) && sinkGetsConstant(source)),
    gateWords: [...new Set(gateWords)],
    substrings: [...new Set(named.flatMap((sink) => sink.nameEndings ?? []))],
    words: [...new Set([...named.flatMap((sink) => sink.names ?? []), ...calleeNames, ...environment])],
    positions(text) {
      const found: number[] = [];
      for (const format of formats) {
        if (!format.marks.some((mark) => text.includes(mark))) continue;
        for (const match of text.matchAll(format.pattern)) if (!format.accept || format.accept(match)) found.push(match.index!);
      }
      return found;
    },
    sinkMatters: (text, at) => sinkMayMatter(text, at, value),
    sinkWritten: (text, at, length) => writtenAsSink(text, at, length),
    sinkTakesConstant: (text, at, length) => sinkMayTakeConstant(text, at, length, callees, value),
  };
}

/**
 * True when `found` holds for an occurrence of `word` in the text: a whole identifier, or (not
 * `whole`) the end of one (a name ending: `api_key` of `openai_api_key`).
 */
function someOccurrence(text: string, word: string, whole: boolean, found: (at: number) => boolean): boolean {
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (isIdentifierChar(text.charCodeAt(at + word.length))) continue;
    if (whole && at > 0 && isIdentifierChar(text.charCodeAt(at - 1))) continue;
    if (found(at)) return true;
  }
  return false;
}

/** The test partial parsing applies to a sink's word, but `sinkMatters` (where the literal is). */
function sinkCanTake(text: string, at: number, length: number, callees: ReadonlySet<string>, value: (value: string) => boolean): boolean {
  return writtenAsSink(text, at, length) && sinkMayTakeConstant(text, at, length, callees, value);
}

function writtenAsSink(text: string, at: number, length: number): boolean {
  if (codeAt(text, at)) return true;
  // The whole name the word is part of (`my_api_key` for the ending `api_key`), quoted alone.
  let start = at;
  while (start > 0 && isIdentifierChar(text.charCodeAt(start - 1))) start--;
  let end = at + length;
  while (end < text.length && isIdentifierChar(text.charCodeAt(end))) end++;
  const quote = text.charCodeAt(start - 1);
  return (quote === 34 || quote === 39) && text.charCodeAt(end) === quote;
}

/**
 * True when the occurrence of a sink's word at [at, at + length) can give a sink constant text,
 * the only values a finding through a sink has (the rule reads them with RuleContext.constant, the
 * semantic model's constantValue). Where each sink takes its value (pipeline/literalSinks.ts):
 * - a name (or a name ending) of a sink: as a keyword argument or an assigned attribute
 *   (`token=value`, `openai.api_key = value`), or as a quoted key of a dict (`{"token": value}`,
 *   spread with `**`); the value must be able to be constant text (valueMayBeConstantText), and
 *   a plain string literal written there must pass the declaration's value test. An
 *   annotation (`api_key: str = ...`) counts. The name written anywhere else (`def f(token)`,
 *   `x.token`, `kwargs.pop("token")`) gives a sink no value there;
 * - `environ`: set by subscript (`os.environ["HF_TOKEN"] = value`, the value judged as above), by
 *   `os.environ.setdefault`/`update`; or written other than as `environ[...]`/`environ.attr`
 *   (`env = os.environ`, an import): counts. A read (`os.environ["HOME"]`, `os.environ.get(...)`)
 *   does not;
 * - a callee's name and `putenv`: count (their calls are judged by the rule).
 */
function sinkMayTakeConstant(
  text: string,
  at: number,
  length: number,
  callees: ReadonlySet<string>,
  accepts: (value: string) => boolean,
): boolean {
  let start = at;
  while (start > 0 && isIdentifierChar(text.charCodeAt(start - 1))) start--;
  let end = at + length;
  while (end < text.length && isIdentifierChar(text.charCodeAt(end))) end++;
  const word = text.slice(start, end);
  if (callees.has(word) || word === 'putenv') return true;
  const after = (from: number) => {
    let k = from;
    while (k < text.length && isBlank(text.charCodeAt(k))) k++;
    return k;
  };
  if (word === 'environ') {
    let k = after(end);
    if (text[k] === '.') {
      const method = /^[ \t]*([A-Za-z_]\w*)/.exec(text.slice(k + 1, k + 64))?.[1];
      return method === 'setdefault' || method === 'update';
    }
    if (text[k] !== '[') return true;
    const close = matchingClose(text, k, MAX_SUBSCRIPT);
    if (close < 0 || text[close] !== ']') return true;
    k = after(close + 1);
    return text[k] === '=' && text[k + 1] !== '=' && valueMayBeConstantText(text, k + 1, accepts);
  }
  const quote = text.charCodeAt(start - 1);
  if ((quote === 34 || quote === 39) && text.charCodeAt(end) === quote) {
    const k = after(end + 1);
    return text[k] === ':' && valueMayBeConstantText(text, k + 1, accepts, true);
  }
  const k = after(end);
  // A keyword argument's or a parameter's value may go on over lines; an assigned attribute's
  // ends with its statement.
  const before = previousNonBlank(text, start);
  const argument = before === '(' || before === ',';
  if (text[k] === ':') {
    // `token := value` (a walrus) and `api_key: str = value`: the value is judged; an annotation
    // without one (`api_key: str`, `def f(token: str)`, `lambda token: ...`) gives no value.
    if (text[k + 1] === '=') return valueMayBeConstantText(text, k + 2, accepts);
    const equals = annotatedValue(text, k + 1);
    return equals === UNKNOWN_VALUE || (equals >= 0 && valueMayBeConstantText(text, equals + 1, accepts, argument));
  }
  return text[k] === '=' && text[k + 1] !== '=' && valueMayBeConstantText(text, k + 1, accepts, argument);
}

/** Subscripts of `environ` longer than this are not read (they count). */
const MAX_SUBSCRIPT = 4096;

/** Per text (the last one asked about), where a sink's word can matter: everywhere, or in these definitions. */
let sinkText: string | undefined;
let sinkValueTest: ((value: string) => boolean) | undefined;
let sinkAnswer: { everywhere: boolean; spans: Array<{ start: number; end: number }>; holds: boolean[] } = {
  everywhere: true,
  spans: [],
  holds: [],
};

/**
 * True when a sink's word at `at` can be where a literal reaches a sink. A sink's literal is in
 * the statement of the sink or in an assignment the semantic model follows from it by name (the
 * same definition, an enclosing one, or the module), so a definition holding no literal whose
 * value can pass `value` has no finding through a sink, unless such a literal is outside every
 * definition in a statement that can bind a name to it (bindsName: the module's statements,
 * always parsed, which any definition may read) or a
 * `global` or `nonlocal` statement lets a definition bind a name for another one: then every
 * sink's word counts, as without this test. Occurrences outside definitions always count.
 */
function sinkMayMatter(text: string, at: number, value: (value: string) => boolean): boolean {
  if (sinkText !== text || sinkValueTest !== value) {
    sinkText = text;
    sinkValueTest = value;
    sinkAnswer = sinkPlaces(text, value);
  }
  const { everywhere, spans, holds } = sinkAnswer;
  if (everywhere) return true;
  const inside = spanAt(spans, at);
  return inside < 0 || holds[inside];
}

/**
 * False when the statement of the module holding offset `at` binds no name a definition could
 * read a literal through: its code has no `=` (only `name = value`, `name: type = value` and the
 * entries of a dict bound so give the semantic model a constant; a call such as
 * `check_min_version("0.40.0.dev0")` or a docstring binds none). A keyword argument's `=` counts:
 * erring on the yes side.
 */
function bindsName(text: string, at: number): boolean {
  const lines = linesOf(text);
  const line = lines[spanAt(lines, at)];
  return line === undefined || /(?<![=!<>:])=(?!=)/.test(withoutProse(text.slice(line.start, line.end)));
}

function sinkPlaces(text: string, value: (value: string) => boolean): typeof sinkAnswer {
  if (containsIdentifier(text, 'global') || containsIdentifier(text, 'nonlocal')) return { everywhere: true, spans: [], holds: [] };
  const spans = outermostDefinitions(text);
  const holds = spans.map(() => false);
  for (const run of literalRuns(text)) {
    if (!runMayPass(run, value)) continue;
    const at = run[0].start;
    const inside = spanAt(spans, at);
    if (inside >= 0) holds[inside] = true;
    else if (bindsName(text, at)) return { everywhere: true, spans: [], holds: [] };
  }
  return { everywhere: false, spans, holds };
}
