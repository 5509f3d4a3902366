/**
 * The prefilter: which enabled rules can fire on a text, decided from its characters before any
 * parse (one Aho-Corasick pass for the rules' triggers and the identifiers their gates ask about,
 * then per rule whether its callees can be there and the gate derived from its declarations), and the words partial
 * parsing needs (perf/partialParse.ts), which the same pass finds. Its invariant: it never says no
 * wrongly (ARCHITECTURE.md); every gate is a necessary condition read from the text.
 */
import type { EditMemo } from './analyzer';
import type { ConstantArguments, Rule } from '../rule';
import { wordsOf } from '../perf/ruleWords';
import type { RuleWords } from '../perf/ruleWords';
import { CALL_RESULT_SUFFIX } from '../semantic';
import { SourceText, SubstringSet, definedAt, inImportStatement, previousNonBlank } from '../textScan';
import { DEFAULT_MIN_SKIPPED, HotWords, dottedSegments, partialPlan } from '../perf/partialParse';
import type { ArgumentCheck, PartialText } from '../perf/partialParse';
import type { TextChange } from '../perf/editReuse';
import { flowParsePlan } from '../dataflow/parsePlan';
import type { FlowParsePlan } from '../dataflow/parsePlan';
import { shareReach } from '../dataflow/reach';

export interface RuleIndex {
  /** Rules by the last segment of the callee names or the method names they want. */
  byName: Map<string, Rule[]>;
  /** Rules that want every call. */
  allCalls: Rule[];
  fileRules: Rule[];
  triggers: string[];
  /** For the full index: what the prefilter's one pass looks for (see wordFinderOf). */
  wordFinder?: WordFinder;
  /** Per enabled rule, what the text must contain for it to be able to fire (see RuleGate). */
  gates: RuleGate[];
  /** Indexes of subsets of these rules, by the concatenated codes of the subset. */
  subsets: Map<string, RuleIndex>;
  /** What makes a definition worth parsing for these rules (null: every one is; built on first use). */
  hot?: HotWords | null;
  /** The words these rules read across the whole file (Rule.reads), found on first use. */
  fileContext?: string[];
  /** What partial parsing keeps for the data-flow rules among these (dataflow/parsePlan.ts; null: none). */
  flowPlan?: FlowParsePlan | null;
}

/**
 * What a text must contain for one rule to be able to fire. `triggers` are the rule's declared
 * substrings (one of them must occur). `words` is derived from the rule's `callees` and `methods`
 * when the rule only reacts to calls (it has `onCall` and no `onFile`): the rule then fires only
 * on a call whose resolved name is one of its callees, or whose attribute name is one of its
 * methods. Every dot-separated segment of a resolved name is the text of an identifier in the
 * file (an import's module or name, an assigned name, an attribute), so the callee's segments
 * must all occur in the text as whole identifiers; the alternatives are listed in `words`, one
 * list of required identifiers per callee or method; a dotted callee's last segment must also
 * occur where a qualified name can end (see reachedAsAttributeOrImport). Then the gate derived
 * from the rule's declarations (`RuleWords.mayFire`), if it has one, looks at the text. A file
 * that passes no gate is not parsed, and a file that is parsed runs only the rules whose gates it passes.
 */
interface RuleGate {
  rule: Rule;
  /** What the rule's declarations give the prefilter and partial parsing (ruleWords.ts). */
  derived: RuleWords;
  triggers: readonly string[];
  words?: CallWords[];
}

/** The identifiers a call name needs in the text: all of `all`, and `reached` at a reachable spot. */
interface CallWords {
  all: string[];
  reached?: string;
  /** A function called by its bare name (`eval`): an occurrence that is not an attribute is needed. */
  bare?: boolean;
}

/**
 * The prefilter's automaton (see wordFinderOf) and, per string, whether it is a trigger, whether it
 * is an identifier the gates ask about, and for those, its slot in SourceText.noteOccurrences.
 */
interface WordFinder {
  strings: SubstringSet;
  isTrigger: Uint8Array;
  isWord: Uint8Array;
  slots: ReadonlyMap<string, number>;
}

/** The trigger every selection has: suppression comments must be checked (MLS001). */
export const SUPPRESSION_TRIGGER = 'mlsec';

export function buildIndex(rules: readonly Rule[]): RuleIndex {
  const index: RuleIndex = {
    byName: new Map(),
    allCalls: [],
    fileRules: [],
    triggers: [SUPPRESSION_TRIGGER],
    gates: [],
    subsets: new Map(),
  };
  for (const rule of rules) {
    const derived = wordsOf(rule);
    if (derived.never) continue;
    index.triggers.push(...derived.triggers);
    index.gates.push(gateOf(rule, derived));
    if (rule.onFile) index.fileRules.push(rule);
    if (!rule.onCall) continue;
    const names = [...(rule.callees ?? []).map((c) => c.slice(c.lastIndexOf('.') + 1)), ...(rule.methods ?? [])];
    if (names.length === 0) index.allCalls.push(rule);
    for (const name of new Set(names)) {
      const list = index.byName.get(name);
      if (list) list.push(rule);
      else index.byName.set(name, [rule]);
    }
  }
  index.triggers = [...new Set(index.triggers)];

  return index;
}

/**
 * How often each string of the full index's scanner (the triggers among them) occurs in `text`:
 * from the counts of the previous text when `change` is what separates them, searching only the
 * changed part and as much around it as a string can reach across (an occurrence touching the change lies within that window in its
 * text; any other is counted in both windows or in neither).
 */
export function countTriggers(text: string, full: RuleIndex, previous: EditMemo | undefined, change: TextChange | undefined): Int32Array {
  const set = wordFinderOf(full).strings;
  if (!previous) {
    const counts = new Int32Array(set.strings.length);
    set.count(text, counts);
    return counts;
  }
  const counts = previous.triggerCounts.slice();
  if (!change) return counts;
  const reach = set.longest - 1;
  const from = Math.max(0, change.start - reach);
  set.count(previous.text, counts, -1, from, Math.min(previous.text.length, change.oldEnd + reach));
  set.count(text, counts, 1, from, Math.min(text.length, change.newEnd + reach));
  return counts;
}

/**
 * One automaton per full index over every string the prefilter and partial parsing look for:
 * triggers, identifiers the gates ask about (callee segments, methods, RuleWords.mayFireWords, Rule.imports), and
 * the hot words of partial parsing (callee last names, `mlsec`, `:=`, Rule.reads). Built
 * on first use.
 */
export function wordFinderOf(full: RuleIndex): WordFinder {
  if (full.wordFinder) return full.wordFinder;
  const words = new Set([
    ...full.gates.flatMap((g) => (g.words ?? []).flatMap(({ all, reached }) => (reached ? [...all, reached] : all))),
    ...full.gates.flatMap((g) => g.derived.mayFireWords),
  ]);
  const triggers = new Set(full.triggers);
  const hot = [
    ...ALWAYS_HOT,
    ...full.byName.keys(),
    ...full.gates.flatMap((g) => g.derived.fileContext),
    ...full.gates.flatMap((g) => (g.rule.callees ?? []).flatMap(dottedSegments)),
    ...full.gates.flatMap(({ derived }) => [
      ...(derived.partialParseWords?.substrings ?? []),
      ...(derived.partialParseWords?.words ?? []),
      ...(derived.partialParseWords?.settings ?? []),
    ]),
  ];
  const strings = new SubstringSet([...new Set([...triggers, ...words, ...hot])]);
  return (full.wordFinder = {
    strings,
    isTrigger: Uint8Array.from(strings.strings, (s) => (triggers.has(s) ? 1 : 0)),
    isWord: Uint8Array.from(strings.strings, (s) => (words.has(s) ? 1 : 0)),
    slots: new Map(strings.strings.map((s, i) => [s, i] as const).filter(([s]) => words.has(s))),
  });
}

/**
 * The triggers present in the source, from one pass of the full index's scanner that also
 * records, on the source, every whole-identifier occurrence of the gates' words (served by
 * SourceText.identifiers without another search) and every occurrence of anything, for
 * partial parsing (SourceText.wordHits).
 */
export function findTriggers(source: SourceText, full: RuleIndex): Set<string> {
  const { strings, isTrigger, isWord, slots } = wordFinderOf(full);
  const seen = new Uint8Array(isTrigger.length);
  const offsets: Array<number[] | undefined> = new Array(isTrigger.length);
  const hits: number[] = [];
  strings.scan(source.text, seen, isWord, offsets, hits);
  const present = new Set<string>();
  for (let i = 0; i < seen.length; i++) if (seen[i] && isTrigger[i]) present.add(strings.strings[i]);
  source.noteOccurrences(slots, offsets);
  source.wordHits = hits;
  return present;
}

/** The gates' words (identifiers they ask about) that the counts show nowhere in the text. */
function absentWords(counts: Int32Array, full: RuleIndex): string[] {
  const { strings, isWord } = wordFinderOf(full);
  const absent: string[] = [];
  for (let i = 0; i < counts.length; i++) if (isWord[i] && counts[i] === 0) absent.push(strings.strings[i]);
  return absent;
}

export function presentIn(counts: Int32Array, full: RuleIndex): Set<string> {
  const { strings, isTrigger } = wordFinderOf(full);
  const present = new Set<string>();
  counts.forEach((count, i) => {
    if (count > 0 && isTrigger[i]) present.add(strings.strings[i]);
  });
  return present;
}

/** Substrings that always make a definition worth parsing (see partialParse.ts). */
export const ALWAYS_HOT = [SUPPRESSION_TRIGGER, ':='];

/**
 * The file with the definitions none of the index's rules can fire in stubbed out, or undefined
 * when that is not possible (a rule wants every call) or not worth it. `full` is the index
 * `index` is a subset of; its automaton serves every subset.
 */
export function partialFor(
  source: SourceText,
  index: RuleIndex,
  full: RuleIndex,
  minSkipped = DEFAULT_MIN_SKIPPED,
): PartialText | undefined {
  return partialPlanFor(source, index, full, minSkipped)?.partial;
}

/**
 * partialFor's plan (perf/partialParse.ts, partialPlan): the partial text, and whether no
 * position of the text is hot for these rules, when partial parsing applies at all.
 */
export function partialPlanFor(
  source: SourceText,
  index: RuleIndex,
  full: RuleIndex,
  minSkipped = DEFAULT_MIN_SKIPPED,
): { partial: PartialText | undefined; hotless: boolean } | undefined {
  // A file this small cannot have that much to leave out.
  if (source.text.length < minSkipped) return undefined;
  if (index.hot === undefined) index.hot = hotWords(index, full);
  if (!index.hot) return undefined;
  // A data flow the plan cannot place: the whole file is parsed.
  const flows = flowPlanOf(index);
  if (flows && flows.keptOffsets(source.text) === null) return undefined;
  const plan = partialPlan(source.text, index.hot, minSkipped, source.wordHits, (at) => source.isCode(at));
  // The flow rules read the partial text with the whole text's closures (the same on what is kept).
  if (plan.partial && flows) shareReach(plan.partial.text, source.text);
  return plan;
}

/**
 * The index without its data-flow rules when none of their flows reaches a sink in the text
 * (dataflow/parsePlan.ts keeps nothing for them): they can have no finding there. Undefined when
 * no rule is left. The index itself when a flow may reach a sink, or when the text holds a
 * suppression comment (judged against the rules that can fire).
 */
export function withoutUnreachedFlows(source: SourceText, index: RuleIndex, full: RuleIndex): RuleIndex | undefined {
  if (!index.gates.some((gate) => gate.derived.dataFlow) || source.text.includes(SUPPRESSION_TRIGGER)) return index;
  if (flowPlanOf(index)?.keptOffsets(source.text)?.length !== 0) return index;
  const rest = index.gates.filter((gate) => !gate.derived.dataFlow).map((gate) => gate.rule);
  return rest.length > 0 ? subsetIndex(full, rest) : undefined;
}

/** The partial-parse plan of the index's data-flow rules, or null when it has none. */
function flowPlanOf(index: RuleIndex): FlowParsePlan | null {
  if (index.flowPlan === undefined) {
    const flows = index.gates.flatMap((gate) => (gate.derived.dataFlow ? (gate.rule.flows ?? []) : []));
    index.flowPlan = flows.length > 0 ? flowParsePlan(flows) : null;
  }
  return index.flowPlan;
}

export function hotWords(index: RuleIndex, full: RuleIndex): HotWords | null {
  if (index.allCalls.length > 0 || index.gates.some((gate) => gate.derived.always)) return null;
  const substrings = new Set(ALWAYS_HOT);
  const bareNames = new Set<string>();
  const attributeNames = new Set<string>();
  const dottedFunctions = new Set<string>();
  const wholeWords = new Set<string>();
  const valueNames = new Set<string>();
  const positions: Array<(text: string) => number[]> = [];
  /** Per call word, the union of the rules' constantArguments; null when a rule calling it declares none. */
  const checks = new Map<string, ArgumentCheck | null>();
  /** Words whose occurrences count only where a check says so (PartialParseWords.check), and words some rule wants anywhere. */
  const checkedWords = new Map<string, Array<(text: string, at: number, length: number) => boolean>>();
  const uncheckedWords = new Set<string>(ALWAYS_HOT);
  const wholeFunctionWords = new Set<string>();
  const dottedWholeWords = new Set<string>();
  /** The dotted functions of rules reading whole functions (where a WholeFunctionDotted word's object must be able to lead). */
  const dottedWholeFunctions = new Set<string>();
  for (const gate of index.gates) {
    // The words of a rule reading whole functions (RuleMatch.readsFunction) keep them whole.
    const whole = gate.rule.readsFunction;
    const reads = (word: string) => whole === true || (Array.isArray(whole) && whole.includes(word));
    const noteDotted = (word: string) => {
      if (reads(word)) dottedWholeWords.add(word);
    };
    const note = (word: string) => {
      if (reads(word)) wholeFunctionWords.add(word);
    };
    // A rule that only reacts to calls fires where a call names one of its functions (or an alias,
    // which partialText follows); any other rule, wherever one of its triggers is written.
    const { partialParseWords: narrower, findingsShowTriggers, fileContext } = gate.derived;
    // A data-flow rule keeps what its flows need (dataflow/parsePlan.ts), and what it reads.
    if (gate.derived.dataFlow) {
      for (const word of fileContext) {
        substrings.add(word);
        uncheckedWords.add(word);
        note(word);
      }
      continue;
    }
    if (narrower) {
      for (const word of narrower.substrings ?? []) substrings.add(word);
      for (const word of narrower.words ?? []) wholeWords.add(word);
      for (const word of [...(narrower.substrings ?? []), ...(narrower.words ?? []), ...(narrower.settings ?? [])]) note(word);
      for (const word of [...(narrower.substrings ?? []), ...(narrower.words ?? [])])
        if (narrower.check) checkedWords.set(word, [...(checkedWords.get(word) ?? []), narrower.check]);
        else uncheckedWords.add(word);
      for (const word of narrower.settings ?? []) valueNames.add(word);
      if (narrower.positions) positions.push(narrower.positions);
    } else if (!gate.words || findingsShowTriggers)
      for (const trigger of gate.triggers) {
        substrings.add(trigger);
        uncheckedWords.add(trigger);
        note(trigger);
      }
    for (const word of fileContext) {
      substrings.add(word);
      note(word);
      const check = gate.derived.fileContextChecks.get(word);
      if (check) checkedWords.set(word, [...(checkedWords.get(word) ?? []), check]);
      else uncheckedWords.add(word);
    }
    if (findingsShowTriggers) continue;
    // A method is called on some object, and is bare when imported (or when the rule takes bare
    // calls too: runRules dispatches on the last name either way).
    for (const method of gate.rule.methods ?? []) {
      bareNames.add(method);
      attributeNames.add(method);
      note(method);
    }
    for (const callee of gate.rule.callees ?? []) {
      if (callee.includes('.')) dottedFunctions.add(callee);
      else bareNames.add(callee);
      // The last name of a dotted function counts where its object can resolve to it
      // (WordKind.WholeFunctionDotted). Its other names do not: the rule fires at a call written
      // with the last one (through an alias too, whose binding line holds it), and
      // `datasets.load.load_dataset` made every `.load(` of a file keep its function whole.
      const segments = dottedSegments(callee);
      if (callee.includes('.')) {
        noteDotted(segments[segments.length - 1]);
        if (reads(segments[segments.length - 1])) dottedWholeFunctions.add(callee);
      } else note(callee);
    }
    noteArgumentChecks(gate.rule, checks);
  }
  const argumentChecks = new Map<string, ArgumentCheck>();
  for (const [word, check] of checks) if (check) argumentChecks.set(word, check);
  for (const word of valueNames) uncheckedWords.add(word);
  const wordChecks = new Map<string, (text: string, at: number, length: number) => boolean>();
  for (const [word, list] of checkedWords)
    if (!uncheckedWords.has(word))
      wordChecks.set(word, list.length === 1 ? list[0] : (text, at, length) => list.some((check) => check(text, at, length)));
  const hot = HotWords.over(
    wordFinderOf(full).strings,
    substrings,
    bareNames,
    attributeNames,
    dottedFunctions,
    wholeWords,
    valueNames,
    positions,
    argumentChecks,
    wordChecks,
    // A word some rule reading whole functions wants otherwise than as a dotted function's last name stays whole everywhere.
    {
      whole: wholeFunctionWords,
      dotted: [...dottedWholeWords].filter((word) => !wholeFunctionWords.has(word)),
      functions: dottedWholeFunctions,
    },
  );
  // The places a data flow can be keep their definitions and statements (dataflow/parsePlan.ts).
  const flows = flowPlanOf(index);
  if (flows) hot.kept = (text) => flows.keptOffsets(text) ?? [];
  return hot;
}

/** The last name of a callee as written in a call (`load_dataset` of `datasets.load_dataset`). */
function lastNameOf(callee: string): string {
  const names = dottedSegments(callee);
  return names[names.length - 1];
}

/**
 * Adds a rule's call words to `checks`: the union of what the rules calling a word declare of
 * its arguments, all by RuleMatch.constantArguments or all by RuleMatch.textArguments; null once
 * one of them declares nothing, or when some declare one kind and others the other.
 */
function noteArgumentChecks(rule: Rule, checks: Map<string, ArgumentCheck | null>): void {
  const methods = rule.methods ?? [];
  const callees = (rule.callees ?? []).map(lastNameOf);
  const text = rule.textArguments !== undefined;
  const declared: ConstantArguments | undefined = rule.constantArguments ?? rule.textArguments;
  for (const word of new Set([...methods, ...callees])) {
    const role = { method: methods.includes(word), callee: callees.includes(word) };
    const before = checks.get(word);
    if (before === null) continue;
    if (!declared || (before !== undefined && before.text !== text)) {
      checks.set(word, null);
      continue;
    }
    checks.set(
      word,
      before === undefined
        ? { declared, role, text }
        : {
            declared: {
              positions: [...new Set([...(before.declared.positions ?? []), ...(declared.positions ?? [])])],
              keywords: [...new Set([...(before.declared.keywords ?? []), ...(declared.keywords ?? [])])],
              value: eitherValue(before.declared.value, declared.value),
            },
            role: { method: before.role.method || role.method, callee: before.role.callee || role.callee },
            text,
          },
    );
  }
}

/** A value either test takes; none (any value) when one of them is none. */
function eitherValue(a: ConstantArguments['value'], b: ConstantArguments['value']): ConstantArguments['value'] {
  return a && b ? (value, word) => a(value, word) || b(value, word) : undefined;
}

/** The (cached) index of some of an index's rules. */
export function subsetIndex(index: RuleIndex, rules: readonly Rule[]): RuleIndex {
  const key = rules.map((r) => r.code).join(',');
  let subset = index.subsets.get(key);
  if (!subset) index.subsets.set(key, (subset = buildIndex(rules)));
  return subset;
}

export function gateOf(rule: Rule, derived: RuleWords): RuleGate {
  const callees = rule.callees ?? [];
  const methods = rule.methods ?? [];
  const triggers = derived.triggers;
  if (!rule.onCall || rule.onFile || callees.length + methods.length === 0) return { rule, derived, triggers };
  const words: CallWords[] = [
    ...methods.map((m) => ({ all: [m] })),
    // `flask.Flask().run`: the call-result marker is not part of any identifier.
    ...callees.map((c) => {
      const all = c
        .split(CALL_RESULT_SUFFIX)
        .join('')
        .split('.')
        .filter((segment) => segment.length > 0);
      return all.length > 1 ? { all, reached: all[all.length - 1] } : { all, bare: !c.includes('.') };
    }),
  ];
  // A name that is not made of identifiers cannot be checked this way: keep the triggers alone.
  if (words.some(({ all }) => all.length === 0 || !all.every((s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)))) {
    return { rule, derived, triggers };
  }
  return { rule, derived, triggers, words };
}

/**
 * True when `name` occurs where a qualified name can end: as an attribute (`pickle.loads`,
 * `pk . loads`) or inside an import statement (`from pickle import loads as l`). Names are
 * resolved through imports and attributes only, so a dotted callee cannot be reached otherwise.
 * A name at the start of a line is counted too: the `.` may sit on the line above, after a comment.
 */
export function reachedAsAttributeOrImport(source: SourceText, name: string): boolean {
  const text = source.text;
  for (const at of source.identifiers(name)) {
    let before = at - 1;
    while (before >= 0 && (text.charCodeAt(before) === 32 || text.charCodeAt(before) === 9)) before--;
    const c = before < 0 ? 10 : text.charCodeAt(before);
    if (c === 46 || c === 10 || c === 13 || c === 92) return true; // . newline continuation
    if (inImportStatement(text, at)) return true;
  }
  return false;
}

/**
 * The index of the rules that can fire on `text` (see RuleGate), or undefined when none can and
 * the text has no suppression comment to check. Cheap next to parsing: one pass for the
 * triggers, then identifier searches (memoised per text) and `mayFire` only for the rules whose
 * triggers occur.
 */
export function applicableRules(source: SourceText, index: RuleIndex, counts?: Int32Array): RuleIndex | undefined {
  // Many files of a large tree contain no trigger at all: one pass over the text settles them,
  // and finds the identifiers the gates ask for (which are in most texts that have a trigger).
  const present = counts ? presentIn(counts, index) : findTriggers(source, index);
  // The editor's counts also say which of the gates' words are not in the text at all.
  if (counts) source.noteAbsent(absentWords(counts, index));
  if (present.size === 0 && !index.gates.some((gate) => gate.derived.always)) return undefined;
  source.noteSearched(index.triggers, present);
  const includes = (s: string): boolean => present.has(s);
  const words = new Map<string, boolean>();
  const word = (w: string): boolean => {
    let hit = words.get(w);
    if (hit === undefined) words.set(w, (hit = source.hasIdentifier(w)));
    return hit;
  };
  const bareNames = new Map<string, boolean>();
  const bareName = (w: string): boolean => {
    let hit = bareNames.get(w);
    if (hit === undefined) bareNames.set(w, (hit = reachedBare(source, w)));
    return hit;
  };
  const reachedNames = new Map<string, boolean>();
  const reachedName = (w: string): boolean => {
    let hit = reachedNames.get(w);
    if (hit === undefined) reachedNames.set(w, (hit = reachedAsAttributeOrImport(source, w)));
    return hit;
  };
  const rules: Rule[] = [];
  for (const gate of index.gates) {
    if (!gate.derived.always && !gate.triggers.some(includes)) continue;
    if (
      gate.words &&
      !gate.words.some(
        ({ all, reached, bare }) => all.every(word) && (reached === undefined || reachedName(reached)) && (!bare || bareName(all[0])),
      )
    )
      continue;
    if (gate.derived.mayFire && !gate.derived.mayFire(source)) continue;
    rules.push(gate.rule);
  }
  if (rules.length === index.gates.length) return index;
  if (rules.length === 0 && !includes(SUPPRESSION_TRIGGER)) return undefined;
  return subsetIndex(index, rules);
}

/**
 * True when `name` occurs in code other than as an attribute (`eval(x)`, `run = eval`): a function
 * called by its bare name resolves only through such an occurrence (`df.eval` is another
 * function), and not through the name a `def` or `class` statement defines or a `from` import
 * imports (see definedAt, inFromImport).
 */
function reachedBare(source: SourceText, name: string): boolean {
  const text = source.text;
  for (const at of source.identifiers(name))
    if (previousNonBlank(text, at) !== '.' && !definedAt(text, at) && !inFromImport(text, at)) return true;
  return false;
}

/**
 * True when `at` is in a `from ... import` statement: a name imported there is the module's
 * (`from re import compile` binds `re.compile`), and a builtin imported from `builtins` resolves to
 * `builtins.compile`, which a rule lists as a callee of its own. A `from` after a `;` or on a
 * continuation line is not recognised here (the occurrence then counts).
 */
function inFromImport(text: string, at: number): boolean {
  if (!inImportStatement(text, at)) return false;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return !text.slice(lineStart, at).trimStart().startsWith('import ');
}
