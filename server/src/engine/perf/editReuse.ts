/**
 * Reuse across edits, for the editor: when a keystroke changes only a function the rules have
 * nothing to look at, the findings of the previous text still hold, moved by the length of the
 * change; when it changes a unit they do look at (a definition, a comment, blanks:
 * editedUnit.ts), the rest of the file's reports still hold, and only the unit
 * is analysed again.
 *
 * Why that is exact: partial parsing (partialParse.ts) relies on, and its tests check, that a
 * definition holding none of the rules' hot words (nor a name carrying something they read)
 * contributes only its name, so a file's findings are those of the file with that definition
 * replaced by `def name():0`. If the function is such a definition before and after the edit, its
 * name and start are unchanged, and the set of rules that can fire is unchanged, both texts have
 * the same stubbed form up to the length of the blanked part: the same findings, shifted. The
 * same argument (a function's body is invisible outside it) holds for a function the rules do
 * look at, once what can cross its boundary is ruled out: imports, `global`, words a rule reads
 * across the file, aliases of the rules' functions. reuseAfterEdit checks each condition and
 * returns nothing when one fails (the analyzer then analyses normally).
 */
import type { EditMemo, RuleReport } from '../pipeline/analyzer';
import type { Finding } from '../findings';
import type { Node, Tree } from '../parser';
import type { Rule, TextEdit } from '../rule';
import type { RuleSelection } from '../config/selection';
import { SemanticModel } from '../semantic';
import type { Span } from '../text';
import { LineIndex } from '../text';
import type { SourceText } from '../textScan';
import { carriedNames, holdsHotWord } from './partialParse';
import type { HotWords } from './partialParse';
import { editedUnit } from './editedUnit';
import type { EditedUnit, UnitKind } from './editedUnit';
import { hotWords, subsetIndex } from '../pipeline/prefilter';
import { blankLines, fileRulesKept, handOnCarried } from './fileReads';
import { flowEditQuiet, handOnFlowNames, sameWords } from '../dataflow/editQuiet';
import type { RuleIndex } from '../pipeline/prefilter';
import { candidateCallsIn } from '../pipeline/calls';
import type { CalledNames } from '../pipeline/calls';
import { reuseModuleStatement } from './moduleStatement';
import { LONG_FUNCTION, reuseFunctionStatement } from './functionStatement';

/** What an edit did: old text [start, oldEnd) became new text [start, newEnd). */
export interface TextChange {
  start: number;
  oldEnd: number;
  newEnd: number;
}

const CHUNK = 256;

/** The smallest change turning `before` into `after` (common prefix and suffix), undefined when equal. */
export function changeBetween(before: string, after: string): TextChange | undefined {
  if (before === after) return undefined;
  const shorter = Math.min(before.length, after.length);
  // Whole chunks first (compared natively), then characters within the first unequal chunk.
  let start = 0;
  while (start + CHUNK <= shorter && before.substring(start, start + CHUNK) === after.substring(start, start + CHUNK)) start += CHUNK;
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  const room = shorter - start;
  let tail = 0;
  while (
    tail + CHUNK <= room &&
    before.substring(before.length - tail - CHUNK, before.length - tail) ===
      after.substring(after.length - tail - CHUNK, after.length - tail)
  )
    tail += CHUNK;
  while (tail < room && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return { start, oldEnd: before.length - tail, newEnd: after.length - tail };
}

/**
 * Moves offsets of the old text to the new one around an edited function: offsets up to its
 * start stay, offsets from its end on move by the length of the change, and an offset strictly
 * inside it cannot be moved (what was there was recomputed, or cannot exist): `touched` says so.
 */
export class OffsetMover {
  readonly delta: number;
  touched = false;

  constructor(
    readonly change: TextChange,
    /** The edited function in the old text. */
    private readonly old: Span,
  ) {
    this.delta = change.newEnd - change.oldEnd;
  }

  offset(at: number): number {
    if (at <= this.old.start) return at;
    if (at >= this.old.end) return at + this.delta;
    this.touched = true;
    return at;
  }

  span(span: Span): Span {
    return { start: this.offset(span.start), end: this.offset(span.end) };
  }

  edit(edit: TextEdit): TextEdit {
    return { ...edit, ...this.span(edit) };
  }
}

/** Reports of the old text moved to the new one, or undefined when one cannot be moved. */
export function shiftReports(reports: readonly RuleReport[], move: OffsetMover): RuleReport[] | undefined {
  const moved = reports.map(({ rule, callAt, report }): RuleReport => ({
    rule,
    callAt: callAt < 0 ? callAt : move.offset(callAt),
    report: {
      ...report,
      span: report.span && move.span(report.span),
      fixes: report.fixes?.map((fix) => ({ ...fix, edits: fix.edits.map((edit) => move.edit(edit)) })),
      related: report.related?.map((related) => ({ ...related, span: move.span(related.span) })),
    },
  }));
  return move.touched ? undefined : moved;
}

/** Findings of the old text moved to the new one, or undefined when one cannot be moved. */
export function shiftFindings(findings: readonly Finding[], move: OffsetMover, oldText: string, newText: string): Finding[] | undefined {
  const { change } = move;
  const lines = new LineIndex(newText);
  const changedLine = lines.positionAt(change.start).line;
  // Lines after the change move by the line breaks it added (counted only when a finding needs it).
  let lineDelta: number | undefined;
  const moveLine = (line: number): number => {
    if (line <= changedLine) return line;
    lineDelta ??= lines.positionAt(change.newEnd).line - new LineIndex(oldText).positionAt(change.oldEnd).line;
    return line + lineDelta;
  };
  const moved = findings.map((finding): Finding => {
    const span = move.span(finding.span);
    return {
      ...finding,
      span,
      range: lines.rangeOf(span),
      fixes: finding.fixes.map((fix) => ({ ...fix, edits: fix.edits.map((edit) => move.edit(edit)) })),
      related: finding.related.map((related) => {
        const where = move.span(related.span);
        return { ...related, span: where, range: lines.rangeOf(where) };
      }),
      // Suppression comments are never inside the edited function (`mlsec` is a hot word).
      suppression: finding.suppression && { ...finding.suppression, line: moveLine(finding.suppression.line) },
      threats: [...finding.threats],
      cwe: [...finding.cwe],
    };
  });
  return move.touched ? undefined : moved;
}

const IMPORT_WORD = /\bimport\b/;
const NO_NAMES: ReadonlySet<string> = new Set();
/** A statement binding a name of an enclosing scope from inside a function. */
const SCOPE_WORD = /\b(?:global|nonlocal)\b/;
/** The analysis of the new text made from the previous one (see reuseAfterEdit). */
export interface Reused {
  findings: Finding[];
  reports: RuleReport[];
  called: CalledNames | undefined;
  how: 'moved' | 'function';
  unit: UnitKind;
  /** Names carrying hot values (EditMemo.carried) for the new text, or a superset; undefined: not known. */
  carried: Set<string> | undefined;
  /** Whether the rules run again asked the file's packages (SemanticModel.packagesAsked). */
  packagesAsked: boolean;
  /** The file's imported packages, when the edit may have changed them (else the previous ones). */
  imports?: string[];
  /** EditMemo.dispatched for the new text, when the reuse knows it. */
  dispatched?: readonly number[];
}

/** What reuse asks of the analyzer: running the rules (on the calls in a span) and the finish. */
export interface ReuseStages {
  runRules(
    model: SemanticModel,
    source: SourceText,
    index: RuleIndex,
    within?: Span,
    given?: Node[],
  ): { reports: RuleReport[]; called: CalledNames | undefined; dispatched: number[] };
  finish(reports: readonly RuleReport[], model: SemanticModel, lines: LineIndex, selection: RuleSelection): Finding[];
}

/** True when `name` is written as a word of `text` outside `unit`. */
export function writtenOutside(text: string, name: string, unit: Span): boolean {
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    if (at >= unit.start && at + name.length <= unit.end) continue;
    if (!identifierAt(text, at - 1) && !identifierAt(text, at + name.length)) return true;
  }
  return false;
}

/** Whether the character at `at` can be part of an identifier (any non-ASCII character counts). */
function identifierAt(text: string, at: number): boolean {
  if (at < 0 || at >= text.length) return false;
  const c = text.charCodeAt(at);
  return c === 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 128;
}

/**
 * The gates of the data-flow rules, and the index of the other rules with its hot words: the
 * words reuseAfterEdit judges an edit by (and EditMemo.carried is found over).
 */
export function reuseIndexes(
  gated: RuleIndex,
  full: RuleIndex,
): { flowGates: RuleIndex['gates']; rest: RuleIndex & { hot: HotWords | null } } {
  const flowGates = gated.gates.filter((gate) => gate.derived.dataFlow);
  const rest =
    flowGates.length > 0
      ? subsetIndex(
          gated,
          gated.gates.filter((gate) => !gate.derived.dataFlow).map((gate) => gate.rule),
        )
      : gated;
  if (rest.hot === undefined) rest.hot = hotWords(rest, full);
  return { flowGates, rest: rest as RuleIndex & { hot: HotWords | null } };
}

/**
 * The findings of `text` from those of the previous text, when the edit between them lies in one
 * unit (editedUnit.ts: a definition, a comment on its own line, or blanks at a line's end), the same rules can fire, and neither tree has a syntax error.
 * A function (or a class body) holding no hot word cannot hold a finding nor change any: the
 * findings are moved. Otherwise only the unit's calls are analysed again (with the file rules and
 * the finish), provided nothing elsewhere can depend on what changed in it: no import, `global`,
 * `nonlocal`, `:=` outside a body, no name it binds changed and written elsewhere, nor a word a
 * rule reads across the file (Rule.reads).
 */
export function reuseAfterEdit(
  stages: ReuseStages,
  previous: EditMemo,
  change: TextChange,
  text: string,
  source: SourceText,
  tree: Tree,
  editedOldTree: Tree,
  gated: RuleIndex | undefined,
  full: RuleIndex,
  selection: RuleSelection,
): Reused | undefined {
  if (!gated || previous.selection !== selection || previous.gated !== gated || previous.hadError || tree.rootNode.hasError)
    return undefined;
  // The data-flow rules (RuleMatch.flows) read across definitions: their findings are kept over
  // an edit only when it leaves every flow as it was (dataflow/editQuiet.ts); the other rules
  // are judged by their words, as below.
  const { flowGates, rest } = reuseIndexes(gated, full);
  if (!rest.hot && flowGates.length === 0) return undefined;
  const unit = editedUnit(tree, editedOldTree, change, previous.text, text);
  if (!unit) return undefined;
  const edited = unit.kind === 'blank' && unit.definition && !unit.inBody ? headerOf(tree, unit) : unit;
  const now = text.slice(edited.start, edited.end);
  const before = previous.text.slice(edited.start, edited.end - (change.newEnd - change.oldEnd));
  const old = { start: edited.start, end: edited.start + before.length };
  const move = new OffsetMover(change, old);
  // A blank change leaves every token as it was, hence every flow. A word a flow rule reads
  // across the file (Rule.reads: `add_argument`, whose `choices=` make a value constant) written
  // in the unit, before or after, means the flow rules run again.
  const flowsKept =
    flowGates.length > 0 &&
    flowGates.every((gate) => !gate.rule.onCall) &&
    !flowGates.some((gate) => gate.derived.fileContext.some((word) => now.includes(word) || before.includes(word))) &&
    (edited.kind === 'blank'
      ? handOnFlowNames(previous.text, text)
      : flowEditQuiet(
          flowGates.map((gate) => gate.rule.flows ?? []),
          previous.text,
          old,
          text,
          edited,
          // A comment is prose to the closures, as a docstring is (dataflow/editQuiet.ts).
          edited.kind === 'comment',
        ));
  const hot = flowGates.length === 0 || flowsKept ? rest.hot : null;
  // A statement of the module: the parts of the file its names lead to (moduleStatement.ts),
  // judged by the other rules' words when the data-flow rules keep their reports (moved): else
  // the file is analysed whole, as running those rules on a piece cannot be (the plan's offsets
  // of a data-flow rule, dataflow/parsePlan.ts, are made for a whole text).
  if (edited.kind === 'statement') {
    const kept = flowsKept ? flowGates.map((gate) => gate.rule) : [];
    return reuseModuleStatement({
      stages,
      previous,
      text,
      source,
      tree,
      gated,
      hot,
      kept,
      selection,
      unit: edited,
      old,
      before,
      now,
      move,
    });
  }
  // A blank change leaves every token, hence every binding and import, as it was.
  if (edited.kind !== 'blank') {
    // Imports inside a function still count for the file (SemanticModel.importedPackages): the
    // edit must leave the unit's import statements as they were (their names are the unit's own).
    if ((IMPORT_WORD.test(now) || IMPORT_WORD.test(before)) && touchesImport(tree, editedOldTree, change, previous.text, text))
      return undefined;
    // `global x` can change what `x` is elsewhere (partialParse.ts keeps such functions for that).
    if (SCOPE_WORD.test(now) || SCOPE_WORD.test(before)) return undefined;
    // `:=` in a definition's decorators, defaults or annotations binds a name of the scope around it.
    if (!edited.inBody && (now.includes(':=') || before.includes(':='))) return undefined;
    // A name the unit binds that the edit changed must be written nowhere else (in either text).
    // So must a class whose header changed: rules read a class's bases where it is used.
    const header = edited.kind === 'class' && !edited.inBody && edited.name !== undefined;
    const named = edited.renamed ?? (header ? { before: [edited.name!], after: [edited.name!] } : undefined);
    if (named) {
      const elsewhere = (names: string[], inText: string, unit: Span) => names.some((name) => writtenOutside(inText, name, unit));
      if (elsewhere(named.before, previous.text, old) || elsewhere(named.after, text, edited)) return undefined;
    }
  }
  // A definition no rule can look at, before and after, contributes its name at its start (the
  // stub partial parsing replaces it by): with the same name, the findings are moved. A class's
  // stub keeps its header, so only an edit in its body qualifies.
  const stubbed = edited.definition === 'function' || (edited.definition === 'class' && edited.inBody);
  // The rules' own words first: the names carried from other statements cost a pass over the file.
  const cold = (carried: ReadonlySet<string>) =>
    hot !== null && !holdsHotWord(now, 0, now.length, hot, carried) && !holdsHotWord(before, 0, before.length, hot, carried);
  if (hot && stubbed && !edited.renamed && cold(NO_NAMES)) {
    previous.carried ??= carriedNames(previous.text, hot);
    if (cold(previous.carried)) {
      const findings = shiftFindings(previous.findings, move, previous.text, text);
      const reports = shiftReports(previous.reports, move);
      const called = previous.called && { ...previous.called, aliasSites: previous.called.aliasSites.map((at) => move.offset(at)) };
      // No rule wants a call of a definition holding no hot word: the others move.
      const dispatched = previous.dispatched?.map((at) => move.offset(at));
      return findings && reports && !move.touched
        ? { findings, reports, called, how: 'moved', unit: edited.kind, carried: previous.carried, packagesAsked: false, dispatched }
        : undefined;
    }
  }
  // In a long function, the statement of its body around the change (functionStatement.ts).
  if (edited.definition === 'function' && edited.inBody && edited.end - edited.start >= LONG_FUNCTION) {
    const unit = { stages, previous, change, text, source, tree, editedOldTree, gated, hot: rest.hot, selection, unit: edited };
    const statement = reuseFunctionStatement(unit);
    if (statement) return statement;
  }
  // A comment a rule has a word in (`mlsec`, a word it reads) is not left to the finish alone,
  // unless the edit left its words as they were (blanks, punctuation): the file rules holding a
  // word of it run again below (fileRulesKept), and so does the finish.
  if (edited.kind === 'comment' && !cold(NO_NAMES) && !sameWords(before, now)) return undefined;
  const context = (gated.fileContext ??= [...new Set(gated.gates.flatMap((g) => g.derived.fileContext))]);
  if (context.some((word) => now.includes(word) || before.includes(word))) return undefined;
  const outside = shiftReports(
    previous.reports.filter((r) => r.callAt >= 0 && (r.callAt < old.start || r.callAt >= old.end)),
    move,
  );
  if (!outside) return undefined;
  const model = new SemanticModel(tree, text);
  // Calls are found by name across the file, following aliases (`f = pickle.loads`): an alias
  // made or unmade in the function could change which calls elsewhere are looked at. When the
  // function makes none, before or after, only its own text is searched.
  const followed = previous.called;
  const quiet = followed && !followed.aliasSites.some((at) => at >= old.start && at < old.end);
  const calls = quiet ? candidateCallsIn(model, text, edited, followed.names) : undefined;
  let inside: RuleReport[];
  let called: CalledNames | undefined;
  // With the flows kept, their rules' reports are the previous ones, moved (merged below); so are
  // those of the file rules that read nothing of a function or comment holding none of their words.
  const kept = new Set<Rule>(flowsKept ? flowGates.map((gate) => gate.rule) : []);
  if (edited.kind === 'blank') handOnCarried(previous.text, text);
  if (edited.definition === 'function' || edited.kind === 'comment' || edited.kind === 'blank')
    for (const rule of fileRulesKept(
      gated.fileRules,
      previous.text,
      text,
      edited.kind === 'blank'
        ? blankLines(previous.text, text, change)
        : // A comment is code to no rule: its words count as a docstring's do (formats, strings).
          [
            { text: before, prose: edited.kind === 'comment' },
            { text: now, prose: edited.kind === 'comment' },
          ],
      [],
    ))
      kept.add(rule);
  const movable = movableRules(previous.reports, kept, change, old);
  const run = indexWithout(gated, movable);
  if (followed && calls) {
    inside = stages.runRules(model, source, run, edited, calls).reports;
    called = { ...followed, aliasSites: followed.aliasSites.map((at) => move.offset(at)) };
    if (move.touched) return undefined;
  } else {
    ({ reports: inside, called } = stages.runRules(model, source, run, edited));
    if (called?.key !== previous.called?.key) return undefined;
  }
  const fileReports = withKeptReports(gated, inside, previous.reports, move, movable);
  if (!fileReports) return undefined;
  // In the order of a whole run: calls in document order, then the file rules.
  const reports = [
    ...outside.filter((r) => r.callAt < edited.start),
    ...inside.filter((r) => r.callAt >= 0),
    ...outside.filter((r) => r.callAt >= edited.end),
    ...fileReports,
  ];
  // The unit may now assign names carrying hot values: found again on first use (a superset,
  // such as every name written in the unit, would make quiet functions look hot). Blanks change
  // no token, and a comment holding no hot word nor carried name, before and after, assigns
  // nothing: the names stay those of the previous text.
  const unchanged = edited.kind === 'blank' || (edited.kind === 'comment' && previous.carried !== undefined && cold(previous.carried));
  const carried = unchanged ? previous.carried : undefined;
  const findings = stages.finish(reports, model, new LineIndex(text), selection);
  return { findings, reports, called, how: 'function', unit: edited.kind, carried, packagesAsked: model.packagesAsked };
}

/**
 * The file rules' reports of a unit analysed again without the rules of `kept` (`inside`), with
 * those rules' previous reports moved in, in the order a whole run makes them (file rules in the
 * index's order); undefined when one of them cannot be moved.
 */
export function withKeptReports(
  gated: RuleIndex,
  inside: readonly RuleReport[],
  previous: readonly RuleReport[],
  move: OffsetMover,
  kept: ReadonlySet<Rule>,
): RuleReport[] | undefined {
  const moved = shiftReports(
    previous.filter((r) => r.callAt < 0 && kept.has(r.rule)),
    move,
  );
  if (!moved) return undefined;
  const fresh = inside.filter((r) => r.callAt < 0);
  return gated.fileRules.flatMap((rule) => (kept.has(rule) ? moved : fresh).filter((r) => r.rule === rule));
}

/**
 * The rules of `kept` whose previous reports can be moved over the change: none has a span, a
 * related location or a fix edit inside the unit (`old`, of the old text), nor, when `enclosing`
 * says so, one enclosing it (a message could quote its text).
 */
export function movableRules(
  previous: readonly RuleReport[],
  kept: ReadonlySet<Rule>,
  change: TextChange,
  old: Span,
  encloses?: (report: RuleReport) => boolean,
): Set<Rule> {
  const movable = new Set(kept);
  for (const report of previous) {
    if (report.callAt >= 0 || !movable.has(report.rule)) continue;
    if (encloses?.(report) || !shiftReports([report], new OffsetMover(change, old))) movable.delete(report.rule);
  }
  return movable;
}

/** The index to run when the rules of `kept` are not run again (their reports are moved). */
export function indexWithout(gated: RuleIndex, kept: ReadonlySet<Rule>): RuleIndex {
  if (kept.size === 0) return gated;
  return subsetIndex(
    gated,
    gated.gates.map((gate) => gate.rule).filter((rule) => !kept.has(rule)),
  );
}

const IMPORT_STATEMENTS = new Set(['import_statement', 'import_from_statement', 'future_import_statement']);

/**
 * True when an edit may change an import statement: the change lies in one (in the text before
 * or after), or the lines it changed hold the word `import` (a statement typed or removed).
 */
function touchesImport(tree: Tree, editedOldTree: Tree, change: TextChange, before: string, after: string): boolean {
  const lines = (text: string, start: number, end: number) =>
    text.slice(text.lastIndexOf('\n', start - 1) + 1, Math.max(end, text.indexOf('\n', end) < 0 ? text.length : text.indexOf('\n', end)));
  if (IMPORT_WORD.test(lines(before, change.start, change.oldEnd)) || IMPORT_WORD.test(lines(after, change.start, change.newEnd)))
    return true;
  for (const root of [tree.rootNode, editedOldTree.rootNode])
    for (let node: Node | null = root.descendantForIndex(change.start, change.newEnd); node; node = node.parent)
      if (IMPORT_STATEMENTS.has(node.type)) return true;
  return false;
}

/**
 * Blanks in a definition's decorators or header (its parameters, a long signature's lines) change
 * no token, so nothing its body's calls read: the unit is the definition up to its body, whose
 * calls (decorators, defaults, annotations, bases) run again while the body's reports are moved.
 */
function headerOf(tree: Tree, unit: EditedUnit): EditedUnit {
  let node: Node | null = tree.rootNode.descendantForIndex(unit.start, unit.start);
  while (node && !(node.startIndex === unit.start && HEADED.has(node.type))) node = node.parent;
  const definition = node?.type === 'decorated_definition' ? node.childForFieldName('definition') : node;
  const body = definition?.childForFieldName('body');
  return body && body.startIndex > unit.start && body.startIndex < unit.end ? { ...unit, end: body.startIndex } : unit;
}

const HEADED = new Set(['decorated_definition', 'function_definition', 'class_definition']);
