/**
 * What the prefilter and partial parsing need to know of a rule, derived from what the rule
 * declares it matches (see `RuleMatch` in rule.ts): the callees and methods it reacts to, the
 * keywords, names and strings its findings are written with, the words of other statements it
 * reads, and the packages a file must import for it to find anything. Rules declare only those;
 * no rule writes a trigger, a gate word or a partial-parsing word of its own, and a wrong speed
 * setting can no longer drop findings without the declaration being wrong about the rule itself.
 *
 * What comes out is what analyzer.ts and partialParse.ts consume:
 * - `triggers`, the substrings one of which a file must contain for the rule to fire: its
 *   keywords, names and strings when it declares some (every finding is written with one);
 *   else, for a rule that reacts to calls, the first name of each callee (`torch` of
 *   `torch.load`: every name of a resolved callee is spelled in the file) and each method.
 * - `always`, for a rule that declares nothing to look for but a file check: the safe default,
 *   every file is parsed whole and the rule always runs.
 * - `never`, for a rule without a matcher that declares nothing (reported on files that are not
 *   Python): it takes no part in the prefilter. MLS001, reported by the analyzer itself, declares
 *   the `mlsec` its findings are written with: a suppression comment makes it a rule that can fire.
 * - the gate (`mayFire`, `mayFireWords`) from `imports` and, for a rule whose every finding shows
 *   its words, from how they are shown (a name whole, a keyword where a value goes by its name),
 *   from `values` (a string literal with one as its value, or else one of the other words; see
 *   stringValues.ts), from `flows` (dataflow/words.ts), from `literals` (literalWords.ts) and
 *   from `constantArguments` and `textArguments` (constantArguments.ts);
 * - `fileContext` from `reads`; `findingsShowTriggers` from `wordsInEveryFinding`, with the
 *   partial-parsing words (names as whole words, keywords as settings, strings as substrings),
 *   or the words and hot positions of `literals`.
 */
import type { FlowDeclaration, Rule } from '../rule';
import { SINK_KIND_WORDS, SOURCE_WORDS } from '../dataflow/words';
import { CALL_RESULT_SUFFIX } from '../semantic';
import { nextNonBlank, previousNonBlank } from '../textScan';
import type { SourceText } from '../textScan';
import { holdsStringValue } from './stringValues';
import { literalWords } from './literalWords';
import { callMayPassConstant, callMayPassText, keywordMayPassConstant } from './constantArguments';

/**
 * Narrower words for partial parsing than the triggers, derived from `wordsInEveryFinding` or
 * `literals`. `substrings` count anywhere; `words` as whole identifiers, wherever written (code,
 * strings, comments); `settings` as whole identifiers only where a value goes by that name:
 * `name=` (a keyword argument, an assignment to the name or to an attribute of that name) or
 * `"name"` (a quoted key). `positions` finds further offsets that count (see literalWords.ts).
 */
export interface PartialParseWords {
  substrings?: readonly string[];
  words?: readonly string[];
  settings?: readonly string[];
  positions?: (text: string) => number[];
  /**
   * When given, an occurrence of `substrings` or `words` at `at` of the whole text counts only
   * if this says it can matter (a literal rule's sink words, perf/literalWords.ts).
   */
  check?: (text: string, at: number, length: number) => boolean;
}

export interface RuleWords {
  /** Substrings at least one of which must occur in a file for the rule to be able to fire. */
  triggers: readonly string[];
  /** The rule always runs and every file is parsed whole for it (it declares nothing to look for). */
  always: boolean;
  /** The rule never runs on Python code: it has neither `onCall` nor `onFile`, and declares nothing. */
  never: boolean;
  /** A closer look at a text whose triggers occur: false when the rule cannot fire in it. */
  mayFire?: (source: SourceText) => boolean;
  /** Identifiers `mayFire` asks about, found by the prefilter's one pass. */
  mayFireWords: readonly string[];
  /** Substrings of other statements the findings depend on: definitions holding them are parsed. */
  fileContext: readonly string[];
  /**
   * For some of `fileContext` (those of `readsConstants`): where an occurrence counts for partial
   * parsing (a keyword or a method's argument that can be constant text). Edit reuse counts all.
   */
  fileContextChecks: ReadonlyMap<string, (text: string, at: number, length: number) => boolean>;
  /** Every finding is written with one of the triggers (see RuleMatch.wordsInEveryFinding). */
  findingsShowTriggers: boolean;
  /** Narrower words partial parsing reads instead of the triggers (see PartialParseWords). */
  partialParseWords?: PartialParseWords;
  /**
   * A data-flow rule (RuleMatch.flows): partial parsing keeps what its flows need
   * (dataflow/parsePlan.ts), and an edit keeps its findings (moved) only when
   * dataflow/editQuiet.ts finds the edit leaves every flow as it was.
   */
  dataFlow: boolean;
}

/**
 * What a data-flow rule's declarations give the prefilter: the triggers (each entry needs one of
 * its sources' substrings, or of its sinks' for a source without any), the gate (a source and a
 * sink of one entry can be there) and the identifiers the gate asks about.
 */
function flowWords(flows: readonly FlowDeclaration[]): { triggers: string[]; gate: (source: SourceText) => boolean; words: string[] } {
  const triggers: string[] = [];
  const words: string[] = [];
  for (const flow of flows) {
    const sources = flow.sources.map((kind) => SOURCE_WORDS[kind]);
    const sinks = flow.sinks.map((kind) => SINK_KIND_WORDS[kind]);
    const bySource = sources.every((kind) => kind.triggers.length > 0);
    triggers.push(...(bySource ? sources : sinks).flatMap((kind) => kind.triggers));
    words.push(...[...sources, ...sinks].flatMap((kind) => kind.words));
  }
  // The side found by the triggers is asked first: it is the one most texts lack.
  const gate = (source: SourceText) =>
    flows.some((flow) => {
      const sources = () => flow.sources.some((kind) => SOURCE_WORDS[kind].present(source));
      const sinks = () => flow.sinks.some((kind) => SINK_KIND_WORDS[kind].present(source));
      return flow.sources.every((kind) => SOURCE_WORDS[kind].triggers.length > 0) ? sources() && sinks() : sinks() && sources();
    });
  return { triggers: [...new Set(triggers)], gate, words: [...new Set(words)] };
}

const derived = new WeakMap<Rule, RuleWords>();

/** A name as a finding shows it: a whole identifier in code, or quoted. */
export function writtenAsName(source: SourceText, name: string): boolean {
  return source.hasIdentifier(name) || source.quoted(name);
}

/**
 * A keyword as a finding shows it: where a value goes by that name, as `name=` (a keyword
 * argument, an assignment to the name), an attribute `.name`, or a quoted key.
 */
export function writtenAsSetting(source: SourceText, keyword: string): boolean {
  for (const at of source.identifiers(keyword)) if (previousNonBlank(source.text, at) === '.') return true;
  return writtenAsKeyword(source, keyword);
}

/**
 * True when `keyword` is written where a value is given by its name: a keyword argument or an
 * assignment (`shell=True`, `opts.shell = True`; not `==`), or quoted whole (`{"shell": True}`).
 * Narrower than writtenAsSetting: an attribute read or a method call (`sock.listen(5)`) is none.
 */
export function writtenAsKeyword(source: SourceText, keyword: string): boolean {
  const text = source.text;
  for (const at of source.identifiers(keyword)) {
    const after = at + keyword.length;
    if (nextNonBlank(text, after) === '=' && nextNonBlank(text, text.indexOf('=', after) + 1) !== '=') return true;
  }
  return source.quoted(keyword);
}

/** The first name of a callee as written in a file (`torch` of `torch.hub.load`, `flask` of `flask.Flask().run`). */
function rootOf(callee: string): string {
  return callee.split(CALL_RESULT_SUFFIX).join('').split('.')[0];
}

/** The last name of a callee as written in a call (`load_dataset` of `datasets.load_dataset`, `run` of `flask.Flask().run`). */
function lastNameOf(callee: string): string {
  const names = callee.split(CALL_RESULT_SUFFIX).join('').split('.');
  return names[names.length - 1];
}

/** What the prefilter and partial parsing use of `rule`, derived once per rule. */
export function wordsOf(rule: Rule): RuleWords {
  let words = derived.get(rule);
  if (words) return words;
  const flows = rule.flows && rule.flows.length > 0 ? flowWords(rule.flows) : undefined;
  const literal = rule.literals ? literalWords(rule.literals) : undefined;
  const matches = [
    ...(rule.keywords ?? []),
    ...(rule.names ?? []),
    ...(rule.strings ?? []),
    ...(flows?.triggers ?? []),
    ...(literal?.triggers ?? []),
  ];
  const calls = rule.onCall ? [...(rule.callees ?? []).map(rootOf), ...(rule.methods ?? [])] : [];
  // Values are compared without case: no substring stands for them, the rule's calls do.
  const values = rule.values ?? [];
  const never = !rule.onCall && !rule.onFile && matches.length === 0 && values.length === 0;
  // A rule that reacts to every call (no callees nor methods) or only checks the file, and says
  // nothing of what it looks for (or only values, which no trigger stands for), gets no prefilter
  // and no partial parsing.
  const always = !never && (matches.length === 0 || values.length > 0) && (calls.length === 0 || !!rule.onFile);
  const imports = rule.imports ?? [];
  const keywords = rule.keywords ?? [];
  const names = rule.names ?? [];
  const shown = rule.wordsInEveryFinding === true;
  // Partial parsing would look for the keywords and names only: values cannot be searched for.
  if (shown && values.length > 0) throw new Error(`${rule.code}: \`values\` cannot go with \`wordsInEveryFinding\``);
  // The literals' gate and words hold for every finding only when nothing else makes one.
  if (literal && (matches.length !== literal.triggers.length || calls.length > 0 || values.length > 0 || shown))
    throw new Error(`${rule.code}: \`literals\` cannot go with other declarations of what the rule matches`);
  const gates: Array<(source: SourceText) => boolean> = [];
  if (imports.length > 0) gates.push((source) => imports.some((name) => source.hasIdentifier(name)));
  // Every finding shows a keyword as a setting or a name whole: the text must hold one so.
  if (shown) gates.push((source) => names.some((name) => writtenAsName(source, name)) || keywords.some((k) => writtenAsSetting(source, k)));
  // A value in a string literal, or one of the other words as the findings are written with it: a
  // keyword where a value is given by its name (`shell=`, `"shell"`; not a socket's `.listen(`), a
  // name whole (an identifier in code, or quoted; not the `system` of `filesystem`), anything else
  // anywhere.
  if (values.length > 0) {
    const others = matches.filter((word) => !keywords.includes(word) && !names.includes(word));
    gates.push(
      (source) =>
        keywords.some((word) => source.includes(word) && writtenAsKeyword(source, word)) ||
        names.some((word) => source.includes(word) && writtenAsName(source, word)) ||
        others.some((word) => source.includes(word)) ||
        holdsStringValue(source, values),
    );
  }
  if (rule.stringsNotInComments) {
    const strings = rule.strings ?? [];
    if (strings.length === 0) throw new Error(`${rule.code}: \`stringsNotInComments\` goes with \`strings\``);
    gates.push((source) => strings.some((s) => source.includesOutsideComments(s)));
  }
  if (literal) gates.push(literal.gate);
  if (flows) gates.push(flows.gate);
  // Statements read for the constant text they pass (readsConstants): where each word counts.
  const readChecks = new Map<string, (text: string, at: number, length: number) => boolean>();
  const readsConstants = rule.readsConstants;
  if (readsConstants) {
    const declared = { positions: readsConstants.positions ?? [], keywords: [] };
    for (const word of readsConstants.keywords ?? []) readChecks.set(word, keywordMayPassConstant);
    for (const word of readsConstants.methods ?? [])
      readChecks.set(word, (text, at, length) => callMayPassConstant(text, at, length, declared, { method: true, callee: false }));
    for (const word of rule.reads ?? [])
      if (readChecks.has(word)) throw new Error(`${rule.code}: "${word}" is both read and read for constants`);
  }
  // A call of the rule's where a declared argument can be constant text (constantArguments.ts).
  const judged = rule.constantArguments;
  // The words the rule's calls are written with (a method, or a callee's last name).
  const ruleCallWords = [...new Set([...(rule.methods ?? []), ...(rule.callees ?? []).map(lastNameOf)])];
  const callWords = judged ? ruleCallWords : [];
  if (judged) {
    if (!rule.onCall || callWords.length === 0 || matches.length > 0 || values.length > 0 || rule.onFile)
      throw new Error(`${rule.code}: \`constantArguments\` goes with callees or methods only`);
    const roles = callWords.map((word) => ({
      word,
      role: { method: (rule.methods ?? []).includes(word), callee: (rule.callees ?? []).some((c) => lastNameOf(c) === word) },
    }));
    gates.push((source) =>
      roles.some(({ word, role }) => {
        for (const at of source.identifiers(word)) if (callMayPassConstant(source.text, at, word.length, judged, role)) return true;
        return false;
      }),
    );
  }
  // A call of the rule's that gives its text arguments otherwise than as string literals (constantArguments.ts).
  const texts = rule.textArguments;
  const textWords = texts ? ruleCallWords : [];
  if (texts) {
    if (!rule.onCall || textWords.length === 0 || rule.onFile || judged)
      throw new Error(`${rule.code}: \`textArguments\` goes with callees or methods, without onFile or constantArguments`);
    gates.push((source) =>
      textWords.some((word) => {
        for (const at of source.identifiers(word)) if (callMayPassText(source.text, at, word.length, texts)) return true;
        return false;
      }),
    );
  }
  const mayFire =
    gates.length === 0 ? undefined : gates.length === 1 ? gates[0] : (source: SourceText) => gates.every((gate) => gate(source));
  words = {
    triggers: never || always ? [] : [...new Set(values.length > 0 ? [...matches, ...calls] : matches.length > 0 ? matches : calls)],
    always,
    never,
    mayFire,
    mayFireWords: [
      ...new Set([
        ...imports,
        ...(shown || values.length > 0 ? [...names, ...keywords] : []),
        ...(literal?.gateWords ?? []),
        ...(flows?.words ?? []),
        ...callWords,
        ...textWords,
      ]),
    ],
    fileContext: [...new Set([...(rule.reads ?? []), ...readChecks.keys()])],
    fileContextChecks: readChecks,
    findingsShowTriggers: shown,
    // Where every finding shows its words, a definition must hold one as written in a finding;
    // where every finding is a literal, the literal or its sink must be there.
    partialParseWords: literal
      ? {
          substrings: literal.substrings,
          words: literal.words,
          positions: literal.positions,
          check: (text, at, length) =>
            literal.sinkWritten(text, at, length) && literal.sinkTakesConstant(text, at, length) && literal.sinkMatters(text, at),
        }
      : shown
        ? { substrings: rule.strings ?? [], words: names, settings: keywords }
        : undefined,
    dataFlow: flows !== undefined,
  };
  derived.set(rule, words);
  return words;
}
