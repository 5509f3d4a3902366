/**
 * Runs the stages over one Python text (or one notebook) and returns findings with suppressions,
 * severities and fingerprints applied: the prefilter (prefilter.ts), the partial-parse plan
 * (perf/partialParse.ts), the parse, the semantic model, the rules on the calls found by
 * calls.ts, and the finish (suppressions, severities, fingerprints: engine/results). Also edit
 * reuse (perf/editReuse.ts) and notebooks' cells. Surfaces call it through fileAnalysis.ts.
 */
import { CallSite } from '../callSite';
import type { Finding, RelatedInformation } from '../findings';
import { compareFindings } from '../findings';
import { NotebookLayout, leavesOpen, readNotebookCells } from '../io/notebook';
import type { NotebookCell } from '../io/notebook';
import type { Node, Tree } from '../parser';
import { PythonParser } from '../parser';
import { checkParseLimits } from './parseLimits';
import type { ProjectVersions, Report, Rule, RuleContext, Severity, TextEdit } from '../rule';
import type { RuleSelection } from '../config/selection';
import { resolveSelection, findRule } from '../config/selection';
import { SemanticModel } from '../semantic';
import type { ConstValue } from '../semantic';
import { ScopePaths, assignFingerprints } from '../results/fingerprints';
import { isPlaceholderReason, parseSuppressions } from '../results/suppressions';
import { applyTestCodePolicy } from '../results/testCode';
import { LineIndex, analysisText, lineBreakAt, withLineBreaks } from '../text';
import type { Span } from '../text';
import { SourceText } from '../textScan';
import { carriedNames, holdsHotWord } from '../perf/partialParse';
import { OffsetMover, changeBetween, editedFunction, shiftFindings, shiftReports } from '../perf/editReuse';
import type { TextChange } from '../perf/editReuse';
import { SUPPRESSION_TRIGGER, applicableRules, buildIndex, countTriggers, hotWords, partialFor, subsetIndex } from './prefilter';
import type { RuleIndex } from './prefilter';
import { calledNamesOf, candidateCalls, candidateCallsIn } from './calls';
import type { CalledNames } from './calls';
import { applyExternalSuppressions } from '../results/externalSuppressions';

export const SUPPRESSION_RULE_CODE = 'MLS001';

export interface AnalysisOptions {
  selection?: RuleSelection;
  /** A tree for an earlier version of the text, already edited; enables incremental parsing. */
  previousTree?: Tree;
  /** Keep the tree for incremental re-parsing (the caller must `delete()` it); else it is freed. */
  keepTree?: boolean;
  /** Parse even when the prefilter says no rule can fire (to learn the file's imports). */
  force?: boolean;
  /**
   * Run every enabled rule on a parsed text, without asking the prefilter (default true: ask).
   * The prefilter must never change the findings; tests compare both ways. It includes partial
   * parsing (definitions no rule can fire in are not parsed, see partialParse.ts).
   */
  prefilter?: boolean;
  /**
   * Give the rules every call of the tree, not only those found from their names in the text
   * (candidateCalls). With `prefilter: false`, no optimisation is left: the differential check
   * (scripts/differential.mjs) compares that with the default analysis.
   */
  everyCall?: boolean;
  /**
   * Partial parsing is used when it leaves out at least this many UTF-16 units (default
   * DEFAULT_MIN_SKIPPED). Tests set 0 to exercise it on small files.
   */
  minSkipped?: number;
  /**
   * The memo of the analysis of this document's previous text (with the same selection), made
   * with `keepTree`: findings it proves an edit cannot have changed are moved, not recomputed
   * (see perf/editReuse.ts). Requires `previousTree`.
   */
  previous?: EditMemo;
  /** The project's package versions (looked up only when a rule asks), for version-aware rules. */
  versions?: ProjectVersions;
}

/** A rule's report, with a span (never a node) and the offset of the call it is about (-1: a file rule's). */
export interface RuleReport {
  rule: Rule;
  callAt: number;
  report: Report;
}

/** What the editor keeps of an analysis for the next one (see AnalysisOptions.previous). */
export interface EditMemo {
  readonly text: string;
  readonly selection: RuleSelection;
  /** The index of the selection's rules, and how often each string of its scanner occurs in the text. */
  readonly triggerIndex: RuleIndex;
  readonly triggerCounts: Int32Array;
  /** The rules that could fire on the text (see Analyzer.applicable). */
  readonly gated: RuleIndex | undefined;
  readonly findings: readonly Finding[];
  /** The rules' reports before suppressions and fingerprints, in the order the rules made them. */
  readonly reports: readonly RuleReport[];
  /** How the calls the rules were given were found (see candidateCalls); undefined: every call. */
  readonly called: CalledNames | undefined;
  readonly imports: readonly string[];
  readonly hadError: boolean;
  /** Names carrying hot values (partialParse.carriedNames), found on first use. */
  carried?: Set<string>;
}

export interface AnalysisResult {
  findings: Finding[];
  /** Number of syntax-error regions; analysis still covers the rest of the file. */
  syntaxErrors: number;
  /** False when the prefilter proved no rule can fire and the text was not parsed. */
  parsed: boolean;
  /** UTF-16 units of the text left out of the parse (definitions no rule can fire in). */
  skippedUnits?: number;
  /** Top-level packages imported (empty when not parsed). */
  imports: string[];
  tree?: Tree;
  /**
   * Milliseconds spent per phase: `prefilter` (deciding from the text alone whether any rule can
   * fire), `parse` (tree-sitter), `model` (the semantic query and bindings), `rules` (rules,
   * suppressions, fingerprints).
   */
  timings: { prefilter: number; parse: number; model: number; rules: number };
  /** With `keepTree`: what the next analysis of the same document can reuse. */
  memo?: EditMemo;
  /**
   * How `previous` was reused: `moved` when its findings were moved over the edit, `function`
   * when only the edited function was analysed again (see Analyzer.reuse).
   */
  reused?: 'moved' | 'function';
}

const IMPORT_WORD = /\bimport\b/;
const NO_NAMES: ReadonlySet<string> = new Set();
/** A statement binding a name of an enclosing scope from inside a function. */
const SCOPE_WORD = /\b(?:global|nonlocal)\b/;

export class Analyzer {
  private readonly indexes = new WeakMap<ReadonlySet<string>, RuleIndex>();
  private ruleFailures: string[] = [];
  readonly defaultSelection: RuleSelection;
  /** The versions of the analysis under way (analyses are synchronous), handed to the rules. */
  private versions?: ProjectVersions;

  private constructor(
    readonly parser: PythonParser,
    readonly rules: readonly Rule[],
  ) {
    this.defaultSelection = resolveSelection(rules);
  }

  /** With the process-wide parser unless one is given (tests give parsers with lower limits). */
  static async create(rules: readonly Rule[], parser?: PythonParser): Promise<Analyzer> {
    return new Analyzer(parser ?? (await PythonParser.get()), rules);
  }

  private index(enabled: ReadonlySet<string>): RuleIndex {
    let index = this.indexes.get(enabled);
    if (index) return index;
    index = buildIndex(this.rules.filter((rule) => enabled.has(rule.code)));
    this.indexes.set(enabled, index);
    return index;
  }

  /** The rule failures since the last call (each an internal error of the file analysed). */
  takeRuleFailures(): string[] {
    const failures = this.ruleFailures;
    this.ruleFailures = [];
    return failures;
  }

  /**
   * False when no enabled rule can fire on the text and it has no suppression comment (then it
   * need not be parsed): none of the rules' triggers occur, or the calls a rule reacts to cannot
   * be there (see RuleGate).
   */
  mayMatch(text: string, selection: RuleSelection = this.defaultSelection): boolean {
    return this.applicable(new SourceText(text), this.index(selection.enabled)) !== undefined;
  }

  private applicable(source: SourceText, index: RuleIndex, counts?: Int32Array): RuleIndex | undefined {
    return applicableRules(source, index, counts);
  }

  /**
   * Analyses a Python text. Line endings are normalised for the analysis (see analysisText), and
   * the line breaks in fix edits are written as the text's own.
   */
  analyzePython(original: string, options: AnalysisOptions = {}): AnalysisResult {
    // A tree kept from a parser runtime that was replaced since (see parser.ts) cannot be reused.
    if (options.previousTree && !this.parser.owns(options.previousTree))
      options = { ...options, previousTree: undefined, previous: undefined };
    this.versions = options.versions;
    try {
      const result = this.analyzeNormalised(analysisText(original), options);
      if (original.indexOf('\r') >= 0) for (const finding of result.findings) keepLineBreaks(finding, original);
      return result;
    } finally {
      this.versions = undefined;
    }
  }

  private analyzeNormalised(text: string, options: AnalysisOptions): AnalysisResult {
    const selection = options.selection ?? this.defaultSelection;
    const full = this.index(selection.enabled);
    const timings = { prefilter: 0, parse: 0, model: 0, rules: 0 };
    let start = performance.now();
    const source = new SourceText(text);
    // In the editor, the triggers are counted, so that after an edit only its surroundings are searched.
    const previous = options.previous?.triggerIndex === full && options.previousTree ? options.previous : undefined;
    const change = previous && changeBetween(previous.text, text);
    const triggerCounts = options.keepTree ? countTriggers(text, full, previous, change) : undefined;
    const gated = options.prefilter === false ? full : this.applicable(source, full, triggerCounts);
    timings.prefilter = performance.now() - start;
    // Parsing is still wanted without a possible finding for incremental re-parsing (keepTree,
    // previousTree) and to learn the imports (force); only the rules that can fire are run.
    const forced = options.force || options.keepTree || options.previousTree !== undefined;
    if (!gated && !forced) return { findings: [], syntaxErrors: 0, parsed: false, imports: [], timings };
    const index = gated ?? subsetIndex(full, []);
    start = performance.now();
    checkParseLimits(source);
    // Without a tree to keep, the definitions no enabled rule can fire in need not be parsed. With
    // `force` too: the partial text keeps every import (PartialText.imports), so the imports are
    // the whole text's, and the workspace scan gets the CLI's parse.
    const keeping = options.keepTree || options.previousTree !== undefined;
    const partial = gated && !keeping && options.prefilter !== false ? partialFor(source, gated, full, options.minSkipped) : undefined;
    let tree = partial ? this.parser.parseRanges(partial.text, partial.ranges) : undefined;
    if (tree?.rootNode.hasError) {
      // Misread (or broken) text: the whole file is parsed, so the stubs can cost time, not findings.
      this.parser.release(tree);
      tree = undefined;
    }
    const read = tree && partial ? partial : undefined;
    if (!tree) {
      // tree-sitter's error recovery can read broken text differently when it re-parses an edited
      // tree than when it parses afresh (tree-sitter issues 1444, 1645): a finding could go missing
      // in the editor only. Broken text (before or after the edit) is parsed from scratch.
      const old = options.previousTree && !options.previousTree.rootNode.hasError ? options.previousTree : undefined;
      tree = this.parser.parse(text, old);
      if (old && tree.rootNode.hasError) {
        tree.delete();
        tree = this.parser.parse(text);
      }
    }
    timings.parse = performance.now() - start;
    try {
      // Reuse and rules share the `rules` timing: trying to reuse is part of finding the findings.
      start = performance.now();
      const reused =
        previous && change && options.previousTree && !read
          ? this.reuse(previous, change, text, source, tree, options.previousTree, gated, full, selection)
          : undefined;
      const tried = performance.now() - start;
      if (previous && reused) {
        timings.rules = tried;
        const memo = triggerCounts
          ? { ...previous, text, findings: reused.findings, reports: reused.reports, called: reused.called, triggerCounts }
          : undefined;
        return {
          findings: reused.findings,
          syntaxErrors: 0,
          parsed: true,
          imports: [...previous.imports],
          tree: options.keepTree ? tree : undefined,
          timings,
          memo,
          reused: reused.how,
        };
      }
      start = performance.now();
      const model = read ? new SemanticModel(tree, read.text, read.imports) : new SemanticModel(tree, text);
      timings.model = performance.now() - start;
      start = performance.now();
      const lines = new LineIndex(text);
      const given = options.everyCall ? model.calls : undefined;
      const { reports: raw, called } = this.runRules(model, read ? source.withPartsLeftOut(read.text) : source, index, undefined, given);
      const findings = this.finish(raw, model, lines, selection);
      timings.rules = performance.now() - start + tried;
      const imports = model.importedPackages();
      const hadError = tree.rootNode.hasError;
      return {
        findings,
        syntaxErrors: hadError ? countErrors(tree.rootNode) : 0,
        parsed: true,
        skippedUnits: read?.skipped,
        imports,
        tree: options.keepTree ? tree : undefined,
        timings,
        memo: triggerCounts
          ? { text, selection, triggerIndex: full, triggerCounts, gated, findings, reports: raw, called, imports, hadError }
          : undefined,
      };
    } finally {
      if (!options.keepTree) this.parser.release(tree);
    }
  }

  /**
   * The findings of `text` from those of the previous text, when the edit between them is inside
   * the body of one function (see perf/editReuse.ts), the same rules can fire, and neither tree has
   * a syntax error. A function holding no hot word cannot hold a finding nor change any: the
   * findings are moved. Otherwise only the function's calls are analysed again (with the file
   * rules), provided nothing elsewhere can depend on what changed in it: no import, `global`,
   * `nonlocal`, nor a word a rule reads across the file (Rule.reads).
   */
  private reuse(
    previous: EditMemo,
    change: TextChange,
    text: string,
    source: SourceText,
    tree: Tree,
    editedOldTree: Tree,
    gated: RuleIndex | undefined,
    full: RuleIndex,
    selection: RuleSelection,
  ): { findings: Finding[]; reports: RuleReport[]; called: CalledNames | undefined; how: 'moved' | 'function' } | undefined {
    if (!gated || previous.selection !== selection || previous.gated !== gated || previous.hadError || tree.rootNode.hasError)
      return undefined;
    if (gated.hot === undefined) gated.hot = hotWords(gated, full);
    const hot = gated.hot;
    // A rule reading the whole file (a data flow) runs again on every edit: no findings are moved.
    const wholeFile = gated.gates.some((gate) => gate.derived.wholeFile);
    if (!hot && !wholeFile) return undefined;
    const edited = editedFunction(tree, editedOldTree, change);
    if (!edited) return undefined;
    const now = text.slice(edited.start, edited.end);
    const before = previous.text.slice(edited.start, edited.end - (change.newEnd - change.oldEnd));
    const old = { start: edited.start, end: edited.start + before.length };
    // Imports inside a function still count for the file (SemanticModel.importedPackages).
    if (IMPORT_WORD.test(now) || IMPORT_WORD.test(before)) return undefined;
    const move = new OffsetMover(change, old);
    // `global x` can change what `x` is elsewhere (partialParse.ts keeps such functions for that).
    if (SCOPE_WORD.test(now) || SCOPE_WORD.test(before)) return undefined;
    // The rules' own words first: the names carried from other statements cost a pass over the file.
    const cold = (carried: ReadonlySet<string>) =>
      !!hot && !holdsHotWord(now, 0, now.length, hot, carried) && !holdsHotWord(before, 0, before.length, hot, carried);
    if (hot && cold(NO_NAMES)) {
      previous.carried ??= carriedNames(previous.text, hot);
      if (cold(previous.carried)) {
        const findings = shiftFindings(previous.findings, move, previous.text, text);
        const reports = shiftReports(previous.reports, move);
        const called = previous.called && { ...previous.called, aliasSites: previous.called.aliasSites.map((at) => move.offset(at)) };
        return findings && reports && !move.touched ? { findings, reports, called, how: 'moved' } : undefined;
      }
    }
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
    if (followed && calls) {
      inside = this.runRules(model, source, gated, edited, calls).reports;
      called = { ...followed, aliasSites: followed.aliasSites.map((at) => move.offset(at)) };
      if (move.touched) return undefined;
    } else {
      ({ reports: inside, called } = this.runRules(model, source, gated, edited));
      if (called?.key !== previous.called?.key) return undefined;
    }
    // In the order of a whole run: calls in document order, then the file rules.
    const reports = [
      ...outside.filter((r) => r.callAt < edited.start),
      ...inside.filter((r) => r.callAt >= 0),
      ...outside.filter((r) => r.callAt >= edited.end),
      ...inside.filter((r) => r.callAt < 0),
    ];
    return { findings: this.finish(reports, model, new LineIndex(text), selection), reports, called, how: 'function' };
  }

  /** Analyses a notebook given as .ipynb JSON; throws NotebookError when it is not one. */
  analyzeNotebookJson(json: string, options: AnalysisOptions = {}): AnalysisResult {
    return this.analyzeNotebookCells(readNotebookCells(json), options);
  }

  /**
   * Analyses code cells together (a name defined in one cell resolves in the next) and maps every
   * range and edit back to its cell. Jupyter compiles each cell on its own, so one cell's syntax
   * must not swallow the next (an unterminated string or bracket): the cells that can (see
   * brokenCells) are analysed apart, each after the cells before it, and the others together
   * without them.
   */
  analyzeNotebookCells(cells: readonly NotebookCell[], options: AnalysisOptions = {}): AnalysisResult & { layout: NotebookLayout } {
    const layout = new NotebookLayout(cells);
    // Findings are remapped to cells below: edit reuse works on Python documents only.
    const { memo: _memo, ...result } = this.analyzePython(layout.text, { ...options, previous: undefined });
    const broken = cells.length > 1 ? this.brokenCells(layout, result.parsed, result.tree) : [];
    if (broken.length === 0) return { ...result, findings: this.toCells(layout, result.findings), layout };
    const apart: AnalysisOptions = {
      selection: options.selection,
      prefilter: options.prefilter,
      minSkipped: options.minSkipped,
      everyCall: options.everyCall,
    };
    const blank = new Set(broken);
    const together = new NotebookLayout(cells, blank);
    const rest = this.analyzePython(together.text, apart);
    const findings = this.toCells(together, rest.findings);
    const imports = new Set(rest.imports);
    // Each broken cell after the cells before it (broken ones blank), while that stays within a
    // few times the notebook's size; past that, on its own.
    let budget = 4 * layout.text.length;
    for (const slot of broken) {
      let own = new NotebookLayout(cells.slice(0, slot + 1), new Set(broken.filter((b) => b < slot)));
      if (own.text.length > budget) own = new NotebookLayout([cells[slot]]);
      budget -= own.text.length;
      const alone = this.analyzePython(own.text, apart);
      const last = own.cells.length - 1;
      findings.push(
        ...this.toCells(
          own,
          alone.findings.filter((f) => own.slotAt(f.span.start) === last),
        ),
      );
      for (const name of alone.imports) imports.add(name);
    }
    findings.sort(compareFindings);
    return { ...result, findings, imports: [...imports], layout };
  }

  /**
   * Positions (in `layout.cells`, the last one aside: nothing follows it) of the cells that can
   * swallow the next. First those leaving a string, bracket or continuation open (a scan of the
   * text, which is all the prefilter reads when it decides not to parse). Then, when the joined
   * text was parsed, those that tree-sitter's error recovery carried over the next cell (`class C`
   * without a colon; `import` alone takes the next cell's first name): with the joined tree at
   * hand (the editor keeps it), those a top-level node runs out of; else (a partial tree or none)
   * those that do not parse on their own, at the cost of a second parse of the cells.
   */
  private brokenCells(layout: NotebookLayout, parsed: boolean, tree: Tree | undefined): number[] {
    const broken: number[] = [];
    const top = tree?.rootNode.children ?? [];
    let child = 0;
    for (let slot = 0; slot < layout.masked.length - 1; slot++) {
      const text = layout.masked[slot];
      let open = leavesOpen(text);
      if (!open && tree) {
        const next = layout.startOf(slot + 1);
        while (child < top.length && (top[child]?.endIndex ?? 0) <= next) child++;
        const node = top[child];
        open = node !== undefined && node !== null && node.startIndex < next;
      } else if (!open && parsed) {
        const alone = this.parser.parse(text);
        open = alone.rootNode.hasError;
        alone.delete();
      }
      if (open) broken.push(slot);
    }
    return broken;
  }

  /** Findings of a layout's joined text, with ranges, spans and edits moved to their cells. */
  private toCells(layout: NotebookLayout, findings: Finding[]): Finding[] {
    // A span running into the next cell (a removed last line's break) ends with its own cell.
    const cellEnd = (cell: number) => layout.cells.find((c) => c.index === cell)?.text.length ?? 0;
    const mapEdit = (edit: TextEdit): TextEdit => {
      const start = layout.toCell(edit.start);
      const end = layout.toCell(edit.end);
      return {
        start: start.offset,
        end: end.cell === start.cell ? end.offset : cellEnd(start.cell),
        newText: edit.newText,
        cell: start.cell,
      };
    };
    for (const finding of findings) {
      const mapped = layout.toCellRange(finding.span.start, finding.span.end);
      finding.cell = mapped.cell;
      finding.range = mapped.range;
      const local = layout.toCell(finding.span.start);
      const localEnd = layout.toCell(finding.span.end);
      finding.span = { start: local.offset, end: localEnd.cell === local.cell ? localEnd.offset : cellEnd(local.cell) };
      for (const fix of finding.fixes) fix.edits = fix.edits.map(mapEdit);
      const cellText = layout.cells.find((c) => c.index === mapped.cell)?.text;
      if (cellText !== undefined && cellText.indexOf('\r') >= 0) keepLineBreaks(finding, cellText);
      finding.related = finding.related.map((r) => {
        const where = layout.toCellRange(r.span.start, r.span.end);
        return { ...r, range: where.range, cell: where.cell };
      });
    }
    return findings;
  }

  /**
   * Runs the rules: on the calls they want (`given`, or found by candidateCalls; only those
   * starting in `within`, when given), then
   * the file rules. Reports come in that order, each with the offset of its call (-1 for a file
   * rule) and a span instead of a node, so they can outlive the tree (EditMemo.reports).
   */
  private runRules(
    model: SemanticModel,
    source: SourceText,
    index: RuleIndex,
    within?: Span,
    given?: Node[],
  ): { reports: RuleReport[]; called: CalledNames | undefined } {
    const reports: RuleReport[] = [];
    let currentRule: Rule | undefined;
    let callAt = -1;
    const context: RuleContext = {
      model,
      versions: this.versions,
      // The file as written, also under partial parsing (where `source` is the view parsed).
      text: source.fileText,
      report: (report) => {
        if (!currentRule) return;
        const span = report.span ?? (report.node ? { start: report.node.startIndex, end: report.node.endIndex } : undefined);
        if (span) reports.push({ rule: currentRule, callAt, report: { ...report, node: undefined, span } });
      },
      constant: (node) => model.constantValue(node),
      definedHere: (value: ConstValue | undefined, what: string) =>
        value?.definedAt ? [{ span: { start: value.definedAt.startIndex, end: value.definedAt.endIndex }, message: what }] : undefined,
    };
    const guard = (rule: Rule, run: () => void) => {
      currentRule = rule;
      try {
        run();
      } catch (error) {
        // A rule bug must not cost the user the other rules' findings, but it is an internal
        // error all the same: front ends collect it with takeRuleFailures.
        this.ruleFailures.push(`rule ${rule.code} failed: ${error instanceof Error ? error.message : String(error)}`);
        console.error(`mlsec: rule ${rule.code} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
      currentRule = undefined;
    };
    const candidates = given ? { calls: given } : index.allCalls.length > 0 ? { calls: model.calls } : candidateCalls(model, source, index);
    for (const callNode of candidates.calls) {
      if (within && (callNode.startIndex < within.start || callNode.startIndex >= within.end)) continue;
      callAt = callNode.startIndex;
      const fn = callNode.childForFieldName('function');
      const last = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.type === 'identifier' ? fn.text : undefined;
      const callee = fn ? model.qualifiedName(fn) : undefined;
      // An imported function may be called by an alias (`from pickle import load as l`): dispatch
      // on the name it resolves to, too.
      const resolvedLast = fn?.type === 'identifier' ? lastSegment(callee) : undefined;
      const named = mergeRules(
        last ? index.byName.get(last) : undefined,
        resolvedLast && resolvedLast !== last ? index.byName.get(resolvedLast) : undefined,
      );
      // A rule named by callees wants this call only if it resolves to one of them (or, for a
      // rule with methods too, is one of those): decided before the arguments are indexed.
      const wanting = (named ?? []).filter(
        (rule) =>
          !rule.callees ||
          (callee !== undefined && calleeSet(rule).has(callee)) ||
          (rule.methods !== undefined && rule.methods.includes(last ?? '')),
      );
      if (wanting.length === 0 && index.allCalls.length === 0) continue;
      const call = new CallSite(callNode, model, callee);
      for (const rule of wanting) guard(rule, () => rule.onCall!(call, context));
      for (const rule of index.allCalls) guard(rule, () => rule.onCall!(call, context));
    }
    callAt = -1;
    for (const rule of index.fileRules) guard(rule, () => rule.onFile!(context));
    const called = 'names' in candidates ? calledNamesOf(candidates) : undefined;
    return { reports, called };
  }

  private finish(raw: readonly RuleReport[], model: SemanticModel, lines: LineIndex, selection: RuleSelection): Finding[] {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const { rule, report } of raw) {
      const span = report.span;
      if (!span) continue;
      const key = `${rule.code}:${span.start}:${span.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const related: RelatedInformation[] = (report.related ?? []).map((r) => ({
        range: lines.rangeOf(r.span),
        span: r.span,
        message: r.message,
      }));
      findings.push({
        code: rule.code,
        name: rule.name,
        severity: pickSeverity(rule, report.severity, selection),
        message: report.message,
        range: lines.rangeOf(span),
        span,
        fixes: (report.fixes ?? []).filter((fix) => !fix.edits.some((edit) => deletesComment(edit, model))),
        related,
        cwe: rule.cwe,
        threats: rule.threats,
        fingerprint: '',
      });
    }
    findings.push(...this.applySuppressions(findings, model, lines, selection));
    findings.push(...applyExternalSuppressions(findings, model, lines, selection, findRule(this.rules, SUPPRESSION_RULE_CODE)));
    // One reading of the definitions around the findings serves the test-code policy and the fingerprints.
    const paths = new ScopePaths(lines.text);
    const kept = applyTestCodePolicy(findings, paths, selection);
    kept.sort(compareFindings);
    assignFingerprints(kept, lines.text, paths);
    return kept;
  }

  /** Marks suppressed findings and returns MLS001 findings for bad or unused suppressions. */
  private applySuppressions(findings: Finding[], model: SemanticModel, lines: LineIndex, selection: RuleSelection): Finding[] {
    const comments = parseSuppressions(model.commentsContaining(SUPPRESSION_TRIGGER), lines);
    if (comments.length === 0) return [];
    const matches = (entry: string, code: string) => findRule(this.rules, entry)?.code === code;
    for (const finding of findings) {
      for (const comment of comments) {
        const applies =
          comment.kind === 'file' ||
          comment.coversLines.some((line) => line >= finding.range.start.line && line <= finding.range.end.line) ||
          (comment.coversLines.length === 2 && comment.coversLines[1] === finding.range.start.line);
        if (!applies) continue;
        const which = comment.rules.findIndex((entry) => matches(entry, finding.code));
        if (which < 0) continue;
        comment.used[which] = true;
        if (!finding.suppression || (finding.suppression.kind === 'file' && comment.kind === 'line')) {
          finding.suppression = { kind: comment.kind, justification: comment.justification, line: comment.line };
        }
      }
    }
    if (!selection.enabled.has(SUPPRESSION_RULE_CODE)) return [];
    const rule = findRule(this.rules, SUPPRESSION_RULE_CODE);
    if (!rule) return [];
    const problems: Finding[] = [];
    const make = (comment: (typeof comments)[number], message: string): Finding => {
      const span = { start: comment.startOffset, end: comment.endOffset };
      return {
        code: rule.code,
        name: rule.name,
        severity: pickSeverity(rule, undefined, selection),
        message,
        range: lines.rangeOf(span),
        span,
        fixes: [
          {
            title: 'Remove the suppression comment',
            safe: true,
            edits: [removeCommentEdit(lines, comment.startOffset, comment.endOffset)],
          },
        ],
        related: [],
        cwe: rule.cwe,
        threats: rule.threats,
        fingerprint: '',
      };
    };
    for (const comment of comments) {
      const label = comment.kind === 'file' ? 'ignore-file' : 'ignore';
      if (comment.rules.length === 0) {
        problems.push(make(comment, `Blanket suppression: name the rule, e.g. "# mlsec: ${label}[MLS102] reason".`));
        continue;
      }
      const unknown = comment.rules.filter((entry) => !findRule(this.rules, entry));
      if (unknown.length > 0) {
        problems.push(make(comment, `Suppression names unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}.`));
        continue;
      }
      // Only rules that ran can prove a suppression stale; a disabled rule suppresses nothing by design.
      const unused = comment.rules.filter((entry, i) => !comment.used[i] && selection.enabled.has(findRule(this.rules, entry)!.code));
      if (unused.length > 0) {
        problems.push(
          make(comment, `Unused suppression: ${unused.join(', ')} reports nothing ${comment.kind === 'file' ? 'in this file' : 'here'}.`),
        );
        continue;
      }
      if (!comment.justification) {
        problems.push(make(comment, 'Suppression without a reason: say why the finding is acceptable after the brackets.'));
      } else if (isPlaceholderReason(comment.justification)) {
        problems.push(
          make(comment, 'Suppression reason is still the placeholder "reason": replace it with why the finding is acceptable.'),
        );
      }
    }
    return problems;
  }
}

const calleeSets = new WeakMap<Rule, ReadonlySet<string>>();

/** A rule's callees as a set, made once per rule. */
function calleeSet(rule: Rule): ReadonlySet<string> {
  let set = calleeSets.get(rule);
  if (!set) calleeSets.set(rule, (set = new Set(rule.callees ?? [])));
  return set;
}

function lastSegment(name: string | undefined): string | undefined {
  return name === undefined ? undefined : name.slice(name.lastIndexOf('.') + 1);
}

function mergeRules(a: Rule[] | undefined, b: Rule[] | undefined): Rule[] | undefined {
  if (!a) return b;
  if (!b) return a;
  return [...new Set([...a, ...b])];
}

function pickSeverity(rule: Rule, reported: Severity | undefined, selection: RuleSelection): Severity {
  const configured = selection.severity.get(rule.code);
  // A configured severity replaces the default; an occurrence that the rule escalates (an explicit
  // `weights_only=False`) keeps its escalation unless the user configured the rule explicitly.
  if (configured && configured !== rule.severity) return configured;
  return reported ?? configured ?? rule.severity;
}

function removeCommentEdit(lines: LineIndex, start: number, end: number): TextEdit {
  const line = lines.positionAt(start).line;
  const lineStart = lines.lineStart(line);
  const before = lines.text.slice(lineStart, start);
  if (before.trim() === '') {
    // The comment is alone on its line: remove the whole line.
    const nextLine = line + 1 < lines.lineCount ? lines.lineStart(line + 1) : lines.lineEnd(line);
    return { start: lineStart, end: nextLine, newText: '' };
  }
  const trimmedStart = lineStart + before.replace(/\s+$/, '').length;
  return { start: trimmedStart, end, newText: '' };
}

/**
 * True when an edit replaces text holding a comment that its new text does not keep. Fixes must
 * keep comments (a reason, a licence note, a suppression); a rule's fix that would not is a bug,
 * and this net drops that fix rather than offer it.
 */
function deletesComment(edit: TextEdit, model: SemanticModel): boolean {
  if (edit.end <= edit.start) return false;
  const replaced = model.text.slice(edit.start, edit.end);
  for (let at = replaced.indexOf('#'); at >= 0; at = replaced.indexOf('#', at + 1)) {
    const node = model.tree.rootNode.descendantForIndex(edit.start + at, edit.start + at + 1);
    if (node?.type === 'comment' && node.startIndex === edit.start + at && !edit.newText.includes(node.text.trimEnd())) return true;
  }
  return false;
}

/** Writes the line breaks of a finding's fix edits as `text` (the text they apply to) has them. */
function keepLineBreaks(finding: Finding, text: string): void {
  for (const fix of finding.fixes) {
    fix.edits = fix.edits.map((edit) =>
      /[\r\n]/.test(edit.newText) ? { ...edit, newText: withLineBreaks(edit.newText, lineBreakAt(text, edit.start)) } : edit,
    );
  }
}

function countErrors(root: Node): number {
  let count = 0;
  const cursor = root.walk();
  // Walk only into subtrees that contain errors: cheap on mostly-valid files.
  const visit = (): void => {
    const node = cursor.currentNode;
    if (node.isError || node.isMissing) {
      count++;
      return;
    }
    if (!node.hasError) return;
    if (cursor.gotoFirstChild()) {
      do visit();
      while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
  };
  visit();
  cursor.delete();
  return count;
}
