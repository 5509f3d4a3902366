/**
 * Edit reuse for one statement of a long function's body, for the editor. A function of
 * thousands of lines (h2oGPT's `main` and `evaluate`) holds hot words somewhere, so an edit
 * anywhere in it would have all its calls analysed again (editReuse.ts's `function` unit), or the
 * whole file when it writes a word a rule reads across the file (`environ`, `add_argument`). Here
 * the unit is the statement of the body around the change (a direct child of the function's
 * body block, so every block it opens is inside it), and only it and the statements of the
 * function its names lead to are analysed again; the reports of the other calls are moved, and
 * the file rules run again over the whole file.
 *
 * Why that is exact. editReuse.ts has already ruled out, for the whole function, what crosses a
 * function's boundary (imports, `global`/`nonlocal`, `:=` in the header, a changed name), so the
 * statement can change only what is read inside the function. A report of a call depends on the
 * text of the call's own statement and on what the names written there mean; a name of the
 * function resolves through the bindings the function's statements make (and which of them can
 * reach the use: semantic.ts's `leftBefore` reads the blocks around a binding, all inside the
 * statement that makes it, since the unit is a direct child of the body), and a rule judging a
 * value reads the statements that restrict it through the name too (restricted.ts: the guard
 * `if mode not in MODES: raise` writes `mode`). So the statements analysed again are the edited
 * one and, closed over, every statement writing a word of it (before or after the edit: every
 * word, not only those it binds, because a guard binds nothing) or a name bound by a statement
 * already reached (assignment, loop, `with`/`except` and import targets, nested definitions).
 * A statement writing none of them resolves every name to the same bindings, moved by the same
 * length. What a rule can read of other statements without a name is ruled out, before and after:
 * - the statement (its whole lines) holds no hot word (the rules' words, `mlsec`, Rule.reads),
 *   no name carrying hot values (partialParse.carriedNames) and no name followed as an alias of
 *   a rule's function: no rule looks for anything in it, and it holds no call any rule looks at;
 * - the function's decorators and name hold no hot word (MLS101 judges a `find_class` method by
 *   the `if` statements of its body, whatever names they write; a route decorator makes a
 *   handler); its parameters are read where they are written, unchanged;
 * - no statement analysed again writes a word a rule reads across the file (Rule.reads), so those
 *   statements (`add_argument` calls restricting an option) are unchanged;
 * - the data-flow rules keep their findings only when dataflow/editQuiet.ts says the statement's
 *   lines leave every flow as it was (its argument is about the lines of a unit, whatever unit);
 *   else they run again over the whole file, with the other file rules.
 * No report kept may have a span, a related location or a fix edit enclosing the statement (a
 * message could quote its text). A `match` statement among those analysed again, or more than a
 * quarter of the function's text (or MAX_NAMES names) reached, leaves the edit to the function
 * unit. A blank change (editedUnit.ts) changes no token, hence no binding: only the statement
 * around it runs again (none when the blanks lie between two statements).
 */
import type { RuleReport } from '../pipeline/analyzer';
import type { EditMemo } from '../pipeline/analyzer';
import type { Node, Tree } from '../parser';
import type { RuleSelection } from '../config/selection';
import type { RuleIndex } from '../pipeline/prefilter';
import { BINDING_TYPES, SemanticModel } from '../semantic';
import type { Span } from '../text';
import { LineIndex } from '../text';
import type { SourceText } from '../textScan';
import { isIdentifierChar } from '../textScan';
import { carriedNames, holdsHotWord, spanAt } from './partialParse';
import type { HotWords } from './partialParse';
import { hadSame } from './editedUnit';
import type { EditedUnit } from './editedUnit';
import type { Reused, ReuseStages, TextChange } from './editReuse';
import { OffsetMover, indexWithout, movableRules, shiftReports, withKeptReports } from './editReuse';
import { blankLines, fileRulesKept, handOnCarried } from './fileReads';
import type { Rule } from '../rule';
import { candidateCallsInSpans, wordsOf } from './moduleStatement';
import { flowEditQuiet, handOnFlowNames } from '../dataflow/editQuiet';

/** Functions shorter than this are left to the function unit (analysing all of one costs little). */
export const LONG_FUNCTION = 4096;
/** The most names searched for before leaving the edit to the function unit. */
const MAX_NAMES = 48;
const SCOPE_WORD = /\b(?:global|nonlocal)\b/;
/**
 * Nodes whose targets bind names in the function: what the semantic model binds from (lambdas
 * aside: they bind in their own scope), and `match` statements, whose patterns bind too.
 */
const BINDERS = [...BINDING_TYPES.filter((type) => type !== 'lambda'), 'match_statement'];

/** What reuseAfterEdit hands over for an edit in the body of a long function. */
export interface FunctionStatementEdit {
  stages: ReuseStages;
  previous: EditMemo;
  change: TextChange;
  text: string;
  source: SourceText;
  tree: Tree;
  editedOldTree: Tree;
  gated: RuleIndex;
  /** The hot words of the index without the data-flow rules (null: unknown, nothing is moved). */
  hot: HotWords | null;
  selection: RuleSelection;
  /** The function (editedUnit.ts's unit, with its decorators). */
  unit: EditedUnit;
}

/** The analysis of the new text after an edit in one statement of a long function's body, or undefined: use the function unit. */
export function reuseFunctionStatement(edit: FunctionStatementEdit): Reused | undefined {
  const { stages, previous, change, text, source, tree, editedOldTree, gated, hot, selection, unit } = edit;
  const followed = previous.called;
  if (!hot || !followed || unit.definition !== 'function' || !unit.inBody || unit.renamed) return undefined;
  const blank = unit.kind === 'blank';
  const found = statementOf(tree, editedOldTree, change, text, blank);
  if (!found) return undefined;
  const { fn, statement } = found;
  const body = fn.childForFieldName('body')!;
  const delta = change.newEnd - change.oldEnd;
  // The statement in the new text and in the old; for blanks between statements, the change.
  const now: Span = statement ?? { start: change.start, end: change.newEnd };
  const old: Span = { start: now.start, end: now.end - delta };
  // Its whole lines, before and after (the lines around it are the same in both texts).
  const lineStart = text.lastIndexOf('\n', now.start - 1) + 1;
  const lineEnd = (inText: string, at: number) => (inText.indexOf('\n', at) < 0 ? inText.length : inText.indexOf('\n', at));
  const lines = { start: lineStart, end: lineEnd(text, now.end) };
  const oldLines = { start: lineStart, end: lineEnd(previous.text, old.end) };
  const pieces = [previous.text.slice(oldLines.start, oldLines.end), text.slice(lines.start, lines.end)];
  previous.carried ??= carriedNames(previous.text, hot);
  const carried = previous.carried;
  // A plain string (a docstring) binds, calls and restricts nothing: its words are read by no
  // rule outside it (Rule.reads aside, checked below), and the file rules run again.
  const docstring = statement !== undefined && plainString(found.node) && plainString(oldStatement(editedOldTree, statement));
  // Blanks change no token: what the rules read of the statement stays as it was.
  if (!blank) {
    const header = text.slice(unit.start, fn.childForFieldName('name')?.endIndex ?? body.startIndex);
    if (holdsHotWord(header, 0, header.length, hot, new Set())) return undefined;
    const aliases = new Set(followed.names);
    for (const piece of pieces) {
      if (SCOPE_WORD.test(piece) || (!docstring && holdsHotWord(piece, 0, piece.length, hot, carried))) return undefined;
      if (!docstring && wordsOf(piece).some((word) => aliases.has(word))) return undefined;
    }
    if (followed.aliasSites.some((at) => at >= old.start && at < old.end)) return undefined;
  }
  const context = (gated.fileContext ??= [...new Set(gated.gates.flatMap((g) => g.derived.fileContext))]);
  if (context.some((word) => pieces.some((piece) => piece.includes(word)))) return undefined;

  // The data-flow rules: their reports are kept when the statement's lines leave every flow as it was.
  const flowGates = gated.gates.filter((gate) => gate.derived.dataFlow);
  if (flowGates.some((gate) => gate.rule.onCall)) return undefined;
  // A docstring is prose to the closure of carrying names (reach.ts reads its words only where
  // they are written, line by line): the lines the change is on are the unit the flows judge.
  const flowUnit = docstring ? changedLines(previous.text, text, change) : { old: oldLines, now: lines };
  const flowsKept =
    flowGates.length > 0 &&
    (blank
      ? handOnFlowNames(previous.text, text)
      : flowEditQuiet(
          flowGates.map((gate) => gate.rule.flows ?? []),
          previous.text,
          flowUnit.old,
          text,
          flowUnit.now,
          docstring,
        ));

  // The statements of the body its words lead to (none for blanks, no token changed, nor for a docstring).
  const statements = body.namedChildren.filter((n): n is Node => n !== null);
  const seeds = blank || docstring ? [] : [...new Set(pieces.flatMap((piece) => wordsOf(piece)))];
  const reached = reachedStatements(text, statements, now, seeds, body.endIndex - body.startIndex);
  if (!reached) return undefined;
  const spans: Span[] = [];
  for (const s of reached) {
    if (context.some((word) => text.slice(s.startIndex, s.endIndex).includes(word))) return undefined;
    spans.push({ start: s.startIndex, end: s.endIndex });
  }
  // A docstring holds no call: nothing in it to analyse again.
  if (statement && !docstring) spans.push(now);
  spans.sort((a, b) => a.start - b.start);

  // The previous reports of calls outside the statements analysed again, moved; none may enclose the statement.
  const move = new OffsetMover(change, old);
  const inSpans = (at: number) => spanAt(spans, at) >= 0;
  const kept = previous.reports.filter((r) => {
    if (r.callAt < 0 || (r.callAt >= old.start && r.callAt < old.end)) return false;
    return !inSpans(r.callAt < old.start ? r.callAt : r.callAt + delta);
  });
  if (kept.some((r) => enclosesReport(r, old))) return undefined;
  const outside = shiftReports(kept, move);
  if (!outside) return undefined;
  // The file rules whose previous reports stay: the data-flow rules when the flows stay, and
  // those that read nothing of the statement nor of the statements analysed again (fileReads.ts).
  const keptRules = new Set<Rule>(flowsKept ? flowGates.map((gate) => gate.rule) : []);
  const others = reached.map((r) => text.slice(r.startIndex, r.endIndex));
  if (blank) handOnCarried(previous.text, text);
  const edited = blank ? blankLines(previous.text, text, change) : pieces.map((piece) => ({ text: piece, prose: docstring }));
  for (const rule of fileRulesKept(gated.fileRules, previous.text, text, edited, others)) keptRules.add(rule);
  const movable = movableRules(previous.reports, keptRules, change, old, (r) => enclosesReport(r, old));

  const model = new SemanticModel(tree, text);
  const calls = candidateCallsInSpans(model, text, source, spans, followed);
  if (!calls) return undefined;
  const run = indexWithout(gated, movable);
  const inside = stages.runRules(model, source, run, undefined, calls).reports;
  const fileReports = withKeptReports(gated, inside, previous.reports, move, movable);
  if (!fileReports) return undefined;
  // In the order of a whole run: calls in document order (statements do not overlap), then the file rules.
  const reports: RuleReport[] = [...outside, ...inside.filter((r) => r.callAt >= 0)].sort((a, b) => a.callAt - b.callAt);
  reports.push(...fileReports);
  const called = { ...followed, aliasSites: followed.aliasSites.map((at) => move.offset(at)) };
  if (move.touched) return undefined;
  const findings = stages.finish(reports, model, new LineIndex(text), selection);
  // The statement holds no carried name, before or after: it assigns none, so they stay.
  return { findings, reports, called, how: 'function', unit: 'function-statement', carried, packagesAsked: model.packagesAsked };
}

/** The whole lines the change is on, in the old text and in the new. */
function changedLines(before: string, after: string, change: TextChange): { old: Span; now: Span } {
  const lineEnd = (text: string, at: number) => (text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at));
  const start = after.lastIndexOf('\n', change.start - 1) + 1;
  return { old: { start, end: lineEnd(before, change.oldEnd) }, now: { start, end: lineEnd(after, change.newEnd) } };
}

/**
 * The function whose body holds the change and the direct child of that body around it (in the
 * old tree too, with the same type and extent up to the change), or for blanks between two
 * statements of a block, no statement. Undefined when the change is not inside one statement.
 */
function statementOf(
  tree: Tree,
  editedOldTree: Tree,
  change: TextChange,
  after: string,
  blank: boolean,
): { fn: Node; statement: Span | undefined; node?: Node } | undefined {
  const { start, newEnd } = change;
  const at = start > 0 && newEnd === start ? start - 1 : start;
  const node = tree.rootNode.descendantForIndex(blank ? start : at, newEnd);
  if (!node) return undefined;
  let child: Node | null = null;
  for (let n: Node | null = node; n; child = n, n = n.parent) {
    if (n.type === 'class_definition' || n.type === 'module') return undefined;
    if (n.type !== 'function_definition') continue;
    const body = n.childForFieldName('body');
    if (!body || child?.id !== body.id) return undefined;
    // Blanks in a block, between two of its statements: no statement changed.
    if (blank && node.type === 'block') return { fn: n, statement: undefined };
    let statement: Node | null = node;
    while (statement && statement.parent?.id !== body.id) statement = statement.parent;
    if (!statement || statement.type === 'comment' || statement.type === 'ERROR') return undefined;
    if (statement.startIndex > start || statement.endIndex < newEnd) return undefined;
    if (!blank && !hadSame(editedOldTree, statement, statement, change, after)) return undefined;
    return { fn: n, statement: { start: statement.startIndex, end: statement.endIndex }, node: statement };
  }
  return undefined;
}

/**
 * The statements of the body (other than the edited one, at `unit`) writing one of `seeds`, then
 * closed over the names each binds. Occurrences after a `.` are attribute names and read no
 * binding. Undefined when they hold more than a quarter of the body, a `match` statement, or
 * more than MAX_NAMES names were searched for.
 */
export function reachedStatements(
  text: string,
  statements: readonly Node[],
  unit: Span,
  seeds: string[],
  size: number,
): Node[] | undefined {
  const reached = new Set<number>();
  const looked = new Set(seeds);
  const queue = [...seeds];
  if (queue.length > MAX_NAMES) return undefined;
  if (statements.length === 0) return [];
  const from = statements[0].startIndex;
  const to = statements[statements.length - 1].endIndex;
  let total = 0;
  const statementAt = (at: number): number => {
    let low = 0;
    let high = statements.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (at < statements[mid].startIndex) high = mid - 1;
      else if (at >= statements[mid].endIndex) low = mid + 1;
      else return mid;
    }
    return -1;
  };
  while (queue.length > 0) {
    const name = queue.pop()!;
    for (let at = text.indexOf(name, from); at >= 0 && at < to; at = text.indexOf(name, at + name.length)) {
      if (isIdentifierChar(text.charCodeAt(at - 1)) || isIdentifierChar(text.charCodeAt(at + name.length))) continue;
      if (at >= unit.start && at < unit.end) continue;
      if (previousCode(text, at) === 46 /* . */) continue;
      const i = statementAt(at);
      if (i < 0 || reached.has(i)) continue;
      reached.add(i);
      const statement = statements[i];
      total += statement.endIndex - statement.startIndex;
      if (total > size / 4) return undefined;
      const bound = boundNames(statement);
      if (!bound) return undefined;
      for (const word of bound) {
        if (looked.has(word)) continue;
        if (looked.size >= MAX_NAMES) return undefined;
        looked.add(word);
        queue.push(word);
      }
    }
  }
  return [...reached].sort((a, b) => a - b).map((i) => statements[i]);
}

/** True for an expression statement that is one string literal without fields (`interpolation`). */
function plainString(statement: Node | undefined): boolean {
  if (statement?.type !== 'expression_statement' || statement.namedChildCount !== 1) return false;
  const string = statement.namedChildren[0];
  return string?.type === 'string' && !string.namedChildren.some((part) => part?.type === 'interpolation');
}

/** The node of the old tree (edited) starting where `statement` starts, of an expression statement's type. */
function oldStatement(editedOldTree: Tree, statement: Span): Node | undefined {
  let node: Node | null = editedOldTree.rootNode.descendantForIndex(statement.start, statement.start + 1);
  while (node && node.startIndex === statement.start && node.type !== 'expression_statement') node = node.parent;
  return node?.startIndex === statement.start ? node : undefined;
}

/** The character code before `at`, past blanks and line continuations (a `.` there makes an attribute name). */
function previousCode(text: string, at: number): number {
  let k = at - 1;
  while (k >= 0) {
    const c = text.charCodeAt(k);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 92) k--;
    else return c;
  }
  return -1;
}

/** The names a statement binds (a superset: every identifier of a target), undefined for a `match`. */
function boundNames(statement: Node): string[] | undefined {
  const names = new Set<string>();
  const identifiersOf = (node: Node | null) => {
    if (!node) return;
    if (node.type === 'identifier') names.add(node.text);
    else for (const id of node.descendantsOfType('identifier')) if (id) names.add(id.text);
  };
  for (const node of [statement, ...statement.descendantsOfType(BINDERS)]) {
    if (!node) continue;
    switch (node.type) {
      case 'match_statement':
        return undefined;
      case 'function_definition':
      case 'class_definition':
        identifiersOf(node.childForFieldName('name'));
        break;
      case 'import_statement':
      case 'import_from_statement':
      case 'as_pattern_target':
        identifiersOf(node);
        break;
      case 'assignment':
      case 'augmented_assignment': {
        // `x.a = v`, `x[k] = v` bind nothing (semantic.ts); a pattern binds each of its names.
        const left = node.childForFieldName('left');
        if (left && left.type !== 'attribute' && left.type !== 'subscript') identifiersOf(left);
        break;
      }
      case 'for_statement':
      case 'for_in_clause':
        identifiersOf(node.childForFieldName('left'));
        break;
      case 'named_expression':
        identifiersOf(node.childForFieldName('name'));
        break;
    }
  }
  return [...names];
}

/** True when a report's span, a related location or a fix edit encloses `unit` (of the old text). */
export function enclosesReport(report: RuleReport, unit: Span): boolean {
  // Blanks typed between two statements (an empty unit of the old text): only a span around them.
  const encloses = (span: Span | undefined) =>
    span !== undefined &&
    (unit.start === unit.end ? span.start < unit.start && span.end > unit.end : span.start <= unit.start && span.end >= unit.end);
  const r = report.report;
  return (
    encloses(r.span) ||
    (r.related ?? []).some((related) => encloses(related.span)) ||
    (r.fixes ?? []).some((fix) => fix.edits.some((e) => encloses(e)))
  );
}
