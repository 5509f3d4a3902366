/**
 * Edit reuse for a statement of the module (an assignment, an import: editedUnit.ts's
 * `statement`), for the editor. Such a statement is read from elsewhere through the names it
 * binds, so after an edit only the parts of the file those names lead to are analysed again: the
 * statement itself, and every statement or definition of the module that writes one of its words,
 * then (transitively) every one that writes a name those bind (a class's name, the words of a
 * statement's code; see boundBy). The reports of the rest are moved.
 *
 * Why that is exact. A report of a call depends on the text of the top-level statement or
 * definition it is in (its region, unchanged when the region is not the edited statement) and on
 * what the names written there mean: the model resolves a name through the bindings of its
 * scopes, and a module binding through the statement that makes it (its value, the names written
 * in it, and so on). A region writing no word of the edited statement, before or after the edit,
 * nor any name bound by a region that does (closed over), resolves every name to the same
 * bindings, at offsets moved by the same length, with the same values: its reports are the
 * previous ones, moved. What else a rule can read across the file is ruled out by the conditions
 * checked here, each before and after the edit:
 * - the statement holds no hot word (the rules' words: triggers, callees, `mlsec`, Rule.reads),
 *   so no rule looks for a word of it, nor a name followed as an alias of a rule's function
 *   (calls.ts), and makes no such alias (candidateCallsIn says so);
 * - it makes no call (no `(` in its code): rules scan other statements' calls by words they do
 *   not declare (the `add_argument` calls that restrict an option, restricted.ts), which a
 *   statement without a call cannot hold (a binding renamed aside, below);
 * - no `global`/`nonlocal`, no `:=`, no `import *` (names bound without being written);
 * - the file's imported packages are the same, or no report kept may depend on them
 *   (SemanticModel.packagesAsked: rules ask which packages the file imports, importsAny);
 * - the data-flow rules (which read the whole file) keep their reports, moved, when the statement
 *   leaves every flow as it was (dataflow/editQuiet.ts, whose argument holds for the text of any
 *   unit that makes no call and defines nothing); else the file is analysed whole (editReuse.ts
 *   hands over no hot words). The other rules are judged by their own words;
 * - a file rule runs again unless it declares what it reads (Rule.fileReads) and
 *   neither the statement nor a region analysed again holds one of its words or a name carried
 *   from them (fileReads.ts): a statement it reads whose names resolve to the edited one writes
 *   one of them, or a name bound by a region that does, so it is among those regions. Its
 *   reports are then the previous ones, moved.
 * An identifier typed into the name the statement binds (renamedBinding.ts: `MODEL_ID = ...` →
 * `MODEL_IDx = ...`, `import torch` → `import torchx`), in a statement holding no name carrying
 * hot values either (partialParse.carriedNames), leads only through the old and the new name: the
 * regions writing either (closed over as above) are analysed again, and a call or an f-string in
 * the value is allowed. Every other token of the statement is as it was, at the same place, so a
 * region reading the statement through another of its words (a name its value uses) reads the
 * same thing of it; what differs is which name receives the value, and a rule reads that only
 * by resolving (or searching for: restricted.ts, MLS204) the name that receives it, written in
 * the region the rule judges, or by following the value forward from a name it carries, which
 * the statement holds none of (the data flows are judged by editQuiet.ts, the file rules by
 * fileReads.ts, as for every statement). The statement's own calls are in a region analysed
 * again, and a call cannot make an alias or hold a rule's word (both are refused above): what a
 * rule scans of other statements' calls is declared (Rule.reads: `add_argument`), and refused.
 * With data-flow rules kept, a call stays refused: editQuiet.ts judges a statement making none
 * (`client = OpenAI()` makes the object a source is called on, which no closure carries).
 * Of the calls of the regions analysed again, those no rule wanted before and whose function the
 * rename cannot resolve differently are not run (dispatchedCalls.ts).
 * When the regions to analyse again hold more than a quarter of the text (or are reached through
 * too many names), the file is analysed whole: that costs about the same. `test/unit/incremental.test.ts` checks edits of module statements
 * against fresh analyses (an alias renamed away from torch, a constant a rule reads changed);
 * `test/unit/moduleStatementFileReads.test.ts` a file rule's flag and credential changed through a name.
 */
import type { EditMemo, RuleReport } from '../pipeline/analyzer';
import type { Node, Tree } from '../parser';
import type { RuleSelection } from '../config/selection';
import type { Rule } from '../rule';
import type { RuleIndex } from '../pipeline/prefilter';
import { candidateCallsIn, candidateCallsWithin } from '../pipeline/calls';
import type { CalledNames } from '../pipeline/calls';
import { SemanticModel } from '../semantic';
import type { Span } from '../text';
import { LineIndex } from '../text';
import type { SourceText } from '../textScan';
import { isIdentifierChar, literalBounds } from '../textScan';
import { carriedNames, holdsHotWord, spanAt } from './partialParse';
import type { HotWords } from './partialParse';
import type { OffsetMover, Reused, ReuseStages } from './editReuse';
import { indexWithout, movableRules, shiftReports, withKeptReports } from './editReuse';
import { fileRulesKept } from './fileReads';
import { enclosesReport } from './functionStatement';
import { renamedBinding } from './renamedBinding';
import { callsToRun, dispatchedAfter, dispatchedCalls } from './dispatchedCalls';

const PYTHON_KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global if ' +
    'import in is lambda nonlocal not or pass raise return try while with yield'
  ).split(' '),
);
const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*/g;
/** The most names reachedRegions looks for before leaving the edit to a whole analysis. */
const MAX_NAMES = 16;
/** Regions this large are analysed again whatever share of the file they are (a whole analysis of a small file is quick too). */
const SMALL_FILE = 8192;
/** Past this many regions to analyse again, their calls are found from the file's occurrences of the names. */
const SEARCHED_APART = 8;
const SCOPE_WORD = /\b(?:global|nonlocal)\b/;
const STAR_IMPORT = /\bimport\s*\*/;
/** An f-string's opening: its fields are code (a call can hide there). */
const F_STRING = /(?<![A-Za-z0-9_])(?:[fF][rR]?|[rR][fF])["']/;

/** What reuseAfterEdit hands over for a `statement` unit. */
export interface StatementEdit {
  stages: ReuseStages;
  previous: EditMemo;
  text: string;
  source: SourceText;
  tree: Tree;
  gated: RuleIndex;
  /** The hot words of the rules other than those of `kept` (null: unknown, the file is analysed whole). */
  hot: HotWords | null;
  /** Rules whose reports are kept, moved, whatever the statement holds (the data-flow rules, when it leaves every flow as it was). */
  kept: readonly Rule[];
  selection: RuleSelection;
  /** The statement in the new text, and in the old. */
  unit: Span;
  old: Span;
  /** Its text before and after the edit. */
  before: string;
  now: string;
  move: OffsetMover;
}

/** The analysis of the new text from the previous one after an edit in a module statement, or undefined: analyse the whole file. */
export function reuseModuleStatement(edit: StatementEdit): Reused | undefined {
  const { stages, previous, text, source, tree, gated, hot, kept: keptAnyway, selection, unit, old, before, now, move } = edit;
  const followed = previous.called;
  if (!hot || !followed) return undefined;
  // A binding renamed (renamedBinding.ts) in a statement holding no name carrying hot values:
  // only the two names lead elsewhere, and a call or an f-string in its value is as it was.
  const renamed = renamedBinding(tree, unit, before, now, move.change);
  // The top-level statements and definitions (read once asked: most edits are refused before).
  let top: Node[] | undefined;
  const regionsOf = (): Node[] => (top ??= tree.rootNode.namedChildren.filter((n): n is Node => n !== null));
  // When the two names alone lead too far (a notebook's `losses = []` is read by a loop that
  // writes `model` and `np`), so does every other reading, which follows more names: refused
  // before the names carrying hot values are found (a pass over the whole text).
  // (reachedRegions adds to the names it is given those the reached regions bind.)
  const renameNames = new Set(renamed ? [renamed.before, renamed.after] : []);
  const renameReach = renamed && reachedRegions(text, regionsOf(), unit, renameNames);
  if (renamed && !renameReach) return undefined;
  const known = renamed ? (previous.carried ??= carriedNames(previous.text, hot)) : previous.carried;
  const narrow = renamed !== undefined && ![before, now].some((piece) => holdsHotWord(piece, 0, piece.length, hot, known!));
  // The data flows kept (editQuiet.ts) are judged for a statement that makes no call: a call
  // can make a source's object (`client = OpenAI()`), whose name no closure carries.
  const callsAllowed = narrow && keptAnyway.length === 0;
  for (const piece of [before, now]) {
    if (!callsAllowed && F_STRING.test(piece)) return undefined;
    const code = withoutStrings(piece);
    if ((!callsAllowed && code.includes('(')) || code.includes(':=') || SCOPE_WORD.test(code) || STAR_IMPORT.test(code)) return undefined;
    if (holdsHotWord(piece, 0, piece.length, hot, new Set())) return undefined;
  }
  const aliases = new Set(followed.names);
  for (const piece of [before, now]) if (wordsOf(piece).some((word) => aliases.has(word))) return undefined;
  // The names carrying hot values stay those of the previous text when the statement holds none
  // of them, before and after (it then assigns none); else they are found again on first use.
  // They matter to moving findings over later edits, not to which regions run again here: those
  // follow every name of the statement (the two names of a binding renamed, which holds none).
  const carried = known && ![before, now].some((piece) => holdsHotWord(piece, 0, piece.length, hot, known)) ? known : undefined;
  const context = (gated.fileContext ??= [...new Set(gated.gates.flatMap((g) => g.derived.fileContext))]);
  if (context.some((word) => now.includes(word) || before.includes(word))) return undefined;
  if (followed.aliasSites.some((at) => at >= old.start && at < old.end)) return undefined;

  const regions = regionsOf();
  // The names whose meaning the edit may change (reachedRegions adds those reached regions bind).
  // First, as it fails most often (a notebook's names lead everywhere): then the imports.
  // A rename's two names were followed above: the regions and names they led to are those.
  const changed = narrow ? renameNames : new Set([...wordsOf(before), ...wordsOf(now)]);
  const marked = narrow && renameReach ? renameReach : reachedRegions(text, regions, unit, changed);
  if (!marked) return undefined;
  const model = new SemanticModel(tree, text);
  const imports = model.importedPackages();
  model.packagesAsked = false;
  if (previous.packagesAsked !== false && !samePackages(imports, previous.imports)) return undefined;
  const spans: Span[] = [];
  for (let i = 0; i < regions.length; i++) {
    const region = regions[i];
    if (marked[i] || (region.startIndex === unit.start && region.endIndex === unit.end))
      spans.push({ start: region.startIndex, end: region.endIndex });
  }
  // The previous reports of calls outside the regions analysed again, moved.
  const delta = move.delta;
  const inSpans = (at: number) => spanAt(spans, at) >= 0;
  const kept = previous.reports.filter((r) => {
    if (r.callAt < 0 || (r.callAt >= old.start && r.callAt < old.end)) return false;
    return !inSpans(r.callAt < old.start ? r.callAt : r.callAt + delta);
  });
  const outside = shiftReports(kept, move);
  if (!outside) return undefined;
  const calls = candidateCallsInSpans(model, text, source, spans, followed);
  if (!calls) return undefined;
  // The file rules that read nothing of the statement nor of the regions analysed again keep
  // their reports, moved (fileReads.ts: a region reading a name the statement binds writes it,
  // so it is among those regions, as in functionStatement.ts).
  const others = spans.filter((span) => span.start !== unit.start).map((span) => text.slice(span.start, span.end));
  const keptRules = fileRulesKept(gated.fileRules, previous.text, text, [{ text: before }, { text: now }], others);
  for (const rule of keptAnyway) keptRules.add(rule);
  const movable = movableRules(previous.reports, keptRules, move.change, old, (r) => enclosesReport(r, old));
  // After a rename, a call no rule wanted before whose function the rename cannot resolve
  // differently is wanted by none now: it is not run (dispatchedCalls.ts).
  const prior = previous.dispatched;
  const oldOffset = (at: number) => (at < unit.start ? at : at - delta);
  const regionOf = (at: number) => spans[spanAt(spans, at)];
  const run = narrow && prior ? callsToRun(calls, prior, changed, text, unit, regionOf, oldOffset) : calls;
  const ran = stages.runRules(model, source, indexWithout(gated, movable), undefined, run);
  const inside = ran.reports;
  if (move.touched) return undefined;
  // The calls wanted in the text after: handed on, or found once for the renames to come.
  const newOffset = (at: number) => (at < old.start ? at : at >= old.end ? at + delta : -1);
  const dispatched = prior
    ? dispatchedAfter(prior, spans, newOffset, ran.dispatched)
    : narrow
      ? dispatchedCalls(model, source, gated)
      : undefined;
  const fileReports = withKeptReports(gated, inside, previous.reports, move, movable);
  if (!fileReports) return undefined;
  // In the order of a whole run: calls in document order (regions do not overlap), then the file rules.
  const reports: RuleReport[] = [...outside, ...inside.filter((r) => r.callAt >= 0)].sort((a, b) => a.callAt - b.callAt);
  reports.push(...fileReports);
  const findings = stages.finish(reports, model, new LineIndex(text), selection);
  const called = { ...followed, aliasSites: followed.aliasSites.map((at) => move.offset(at)) };
  if (move.touched) return undefined;
  return {
    findings,
    reports,
    called,
    how: 'function',
    unit: 'statement',
    carried,
    packagesAsked: model.packagesAsked,
    imports,
    dispatched,
  };
}

/**
 * Which top-level regions (statements and definitions of the module) must be analysed again:
 * those writing one of `words` (the edited statement's), then those writing a name bound by a
 * region already reached (a definition's name; every word of a statement), until none is added.
 * Undefined when they hold more than a quarter of the text, or more than MAX_NAMES names are
 * looked for: analysing the whole file costs about as much.
 */
function reachedRegions(text: string, regions: readonly Node[], unit: Span, words: Set<string>): boolean[] | undefined {
  const marked = regions.map(() => false);
  const starts = regions.map((r) => r.startIndex);
  const queue = [...words];
  let size = 0;
  const regionAt = (at: number): number => {
    let low = 0;
    let high = regions.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (at < starts[mid]) high = mid - 1;
      else if (at >= regions[mid].endIndex) low = mid + 1;
      else return mid;
    }
    return -1;
  };
  let searched = 0;
  while (queue.length > 0) {
    const name = queue.pop()!;
    // Each name is a search of the whole text: past a few dozen, a whole analysis costs less.
    if (++searched > MAX_NAMES) return undefined;
    for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + name.length)) {
      if (isIdentifierChar(text.charCodeAt(at - 1)) || isIdentifierChar(text.charCodeAt(at + name.length))) continue;
      if (at >= unit.start && at < unit.end) continue;
      const i = regionAt(at);
      if (i < 0 || marked[i]) continue;
      marked[i] = true;
      const region = regions[i];
      size += region.endIndex - region.startIndex;
      if (size > Math.max(text.length / 4, SMALL_FILE)) return undefined;
      for (const bound of boundBy(region, text)) {
        if (words.has(bound)) continue;
        words.add(bound);
        queue.push(bound);
      }
    }
  }
  return marked;
}

/**
 * The names through which other regions can read what changed in a reached region. A function
 * (decorated or not) binds its name, at the same place and to the same definition: what its
 * body means is read from elsewhere only through words rules declare (the function units of
 * editReuse.ts rest on the same ground), so nothing. A class's header is read where the class is
 * used (its bases: editedUnit.ts), so its name. A statement: every word of its code (words in its
 * strings bind nothing; those of the edited statement itself all count). A definition declaring
 * names `global` (in it or in a definition inside it) binds those in the module, from its body:
 * them too (`def setup(): global L; L = T` makes `L.load` elsewhere read what `T` is).
 */
function boundBy(region: Node, text: string): string[] {
  const definition = region.type === 'decorated_definition' ? region.childForFieldName('definition') : region;
  const written = text.slice(region.startIndex, region.endIndex);
  if (definition?.type === 'function_definition' && !written.includes('global')) return [];
  const code = withoutStrings(written);
  // A statement going on past a `\` at the line's end: every word of the code.
  const declared = GLOBAL_WORD.test(code) ? [...code.matchAll(GLOBAL_NAMES)].map((m) => m[1]) : [];
  const globals = declared.some((names) => names.trimEnd().endsWith('\\')) ? wordsOf(code) : declared.flatMap((names) => wordsOf(names));
  if (definition?.type === 'function_definition') return globals;
  if (definition?.type === 'class_definition') {
    const name = definition.childForFieldName('name');
    return name ? [name.text, ...globals] : wordsOf(code);
  }
  return wordsOf(code);
}

const GLOBAL_WORD = /\bglobal\b/;
/** A `global` statement's names (up to the end of its line, a `;` or a comment). */
const GLOBAL_NAMES = /\bglobal\s+([^\n;#]*)/g;

/** The identifiers written in a text (strings and comments included), Python's keywords aside. */
export function wordsOf(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(WORD)) if (!PYTHON_KEYWORDS.has(match[0])) found.add(match[0]);
  return [...found];
}

/** The text with its string literals and comments blanked (same length). */
function withoutStrings(text: string): string {
  if (!/["'#]/.test(text)) return text;
  let out = '';
  let from = 0;
  for (let k = 0; k < text.length;) {
    const c = text.charCodeAt(k);
    if (c === 35) {
      const end = text.indexOf('\n', k);
      out += text.slice(from, k) + ' '.repeat((end < 0 ? text.length : end) - k);
      k = end < 0 ? text.length : end;
      from = k;
      continue;
    }
    if (c === 34 || c === 39) {
      const end = Math.max(k + 1, literalBounds(text, k).end);
      out += text.slice(from, k) + ' '.repeat(end - k);
      k = end;
      from = k;
      continue;
    }
    k++;
  }
  return out + text.slice(from);
}

function samePackages(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((p) => set.has(p));
}

/**
 * The candidate calls (pipeline/calls.ts) inside `spans` (sorted, apart), following the names the
 * previous analysis followed; undefined when they cannot be found so (an alias made or unmade).
 * A few spans are searched each (candidateCallsIn); many, from the file's occurrences of the names
 * that lie in them (candidateCallsWithin: each span's search has a fixed cost, and judging every
 * occurrence of the file cost more than the calls of the spans).
 */
export function candidateCallsInSpans(
  model: SemanticModel,
  text: string,
  source: SourceText,
  spans: readonly Span[],
  followed: CalledNames,
): Node[] | undefined {
  if (spans.length > SEARCHED_APART) return candidateCallsWithin(model, source, spans, followed.names);
  const calls: Node[] = [];
  for (const span of spans) {
    const found = candidateCallsIn(model, text, span, followed.names);
    if (!found) return undefined;
    calls.push(...found);
  }
  return calls;
}
