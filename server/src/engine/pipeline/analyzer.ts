/**
 * Runs the stages over one Python text and returns findings with suppressions, severities and
 * fingerprints applied: the prefilter (prefilter.ts), the partial-parse plan
 * (perf/partialParse.ts), the parse, the semantic model, the rules on the calls found by
 * calls.ts, and the finish (results/finish.ts). Edit reuse is perf/editReuse.ts, notebooks'
 * cells notebookCells.ts. Surfaces call it through fileAnalysis.ts.
 */
import { CallSite } from '../callSite';
import type { Finding } from '../findings';
import { NotebookLayout, readNotebookCells } from '../io/notebook';
import type { NotebookCell } from '../io/notebook';
import type { Node, Tree } from '../parser';
import { PythonParser } from '../parser';
import { bracketDepth, bracketsKept, checkParseLimits } from './parseLimits';
import type { ProjectVersions, Report, Rule, RuleContext } from '../rule';
import type { RuleSelection } from '../config/selection';
import { resolveSelection } from '../config/selection';
import { SemanticModel } from '../semantic';
import type { ConstValue } from '../semantic';
import { LineIndex, analysisText } from '../text';
import type { Span } from '../text';
import { SourceText, forgetSources, rememberSource } from '../textScan';
import { changeBetween, reuseAfterEdit } from '../perf/editReuse';
import { rulesWanting, spellingTest } from './wantedCalls';
import { noteEditOccurrences } from '../perf/editOccurrences';
import type { ReuseStages } from '../perf/editReuse';
import type { UnitKind } from '../perf/editedUnit';
import { applicableRules, buildIndex, countTriggers, partialPlanFor, subsetIndex, withoutUnreachedFlows } from './prefilter';
import { analyseEverySink } from '../dataflow/index';
import type { RuleIndex } from './prefilter';
import { calledNamesOf, candidateCalls } from './calls';
import { findLiteralSinksInEveryCall, literalSinkAssignments, literalSinkCalls } from './literalSinks';
import { callsMentioning, callsWithKeywords, findArgumentCallsInEveryCall } from './argumentCalls';
import type { CalledNames } from './calls';
import { finishReports, keepLineBreaks } from '../results/finish';
import { brokenDeclaration } from '../perf/declarationCheck';
import { analyzeNotebookCells } from './notebookCells';

export { SUPPRESSION_RULE_CODE } from '../results/finish';

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
   * parsing (definitions no rule can fire in are not parsed, see partialParse.ts). Without it,
   * every finding is checked against the facts its rule declares for them (perf/declarationCheck.ts).
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
  /** The text's bracketDepth (parseLimits.ts), kept over edits that cannot change it. */
  readonly bracketDepth?: number;
  /** Whether a rule may have asked the file's packages for a report kept (SemanticModel.packagesAsked); undefined: unknown. */
  readonly packagesAsked?: boolean;
  /** Offsets of the calls some rule wanted (rulesWanting), sorted; undefined: not known (perf/dispatchedCalls.ts; found ahead by editWarmup.ts). */
  dispatched?: readonly number[];
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
   * when only the edited function was analysed again (see perf/editReuse.ts reuseAfterEdit).
   */
  reused?: 'moved' | 'function';
  /** What the edit was found in when `previous` was reused (see perf/editedUnit.ts). */
  reusedUnit?: UnitKind;
}

export class Analyzer {
  private readonly indexes = new WeakMap<ReadonlySet<string>, RuleIndex>();
  private ruleFailures: string[] = [];
  readonly defaultSelection: RuleSelection;
  /** The versions of the analysis under way (analyses are synchronous), handed to the rules. */
  private versions?: ProjectVersions;
  /** The analysis under way is unoptimised: every finding is checked against its rule's declarations. */
  private checkDeclarations = false;

  /** The stages edit reuse runs again (perf/editReuse.ts). */
  private readonly stages: ReuseStages = {
    runRules: (model, source, index, within, given) => this.runRules(model, source, index, within, given),
    finish: (reports, model, lines, selection) => finishReports(reports, model, lines, selection, this.rules),
  };

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
    this.checkDeclarations = options.prefilter === false;
    try {
      const result = this.analyzeNormalised(analysisText(original), options);
      if (original.indexOf('\r') >= 0) for (const finding of result.findings) keepLineBreaks(finding, original);
      return result;
    } finally {
      this.versions = undefined;
      this.checkDeclarations = false;
      forgetSources();
    }
  }

  private analyzeNormalised(text: string, options: AnalysisOptions): AnalysisResult {
    const selection = options.selection ?? this.defaultSelection;
    const full = this.index(selection.enabled);
    const timings = { prefilter: 0, parse: 0, model: 0, rules: 0 };
    let start = performance.now();
    const source = new SourceText(text);
    rememberSource(text, source);
    // In the editor, the triggers are counted, so that after an edit only its surroundings are searched.
    const previous = options.previous?.triggerIndex === full && options.previousTree ? options.previous : undefined;
    const change = previous && changeBetween(previous.text, text);
    const triggerCounts = options.keepTree ? countTriggers(text, full, previous, change) : undefined;
    if (triggerCounts) noteEditOccurrences(source, full, previous?.text, change);
    const applicable = options.prefilter === false ? full : this.applicable(source, full, triggerCounts);
    // Parsing is still wanted without a possible finding for incremental re-parsing (keepTree,
    // previousTree) and to learn the imports (force); only the rules that can fire are run.
    const forced = options.force || options.keepTree || options.previousTree !== undefined;
    // In a batch scan, the data-flow rules none of whose flows reaches a sink are not run.
    const gated = applicable && !forced && options.prefilter !== false ? withoutUnreachedFlows(source, applicable, full) : applicable;
    timings.prefilter = performance.now() - start;
    if (!gated && !forced) return { findings: [], syntaxErrors: 0, parsed: false, imports: [], timings };
    const index = gated ?? subsetIndex(full, []);
    start = performance.now();
    // An edit of letters and blanks leaves the brackets as they were (bracketsKept): not counted again.
    const depth =
      previous?.bracketDepth !== undefined && change && bracketsKept(previous.text, text, change)
        ? previous.bracketDepth
        : bracketDepth(source);
    checkParseLimits(source, depth);
    // Without a tree to keep, the definitions no enabled rule can fire in need not be parsed. With
    // `force` too: the partial text keeps every import (PartialText.imports), so the imports are
    // the whole text's, and the workspace scan gets the CLI's parse.
    const keeping = options.keepTree || options.previousTree !== undefined;
    // A file parsed only for its imports (`force`, no rule can fire) keeps nothing but them and
    // the statements of its module (the index of no rules has no hot word but `mlsec` and `:=`).
    const plan =
      (gated || options.force) && !keeping && options.prefilter !== false
        ? partialPlanFor(source, index, full, options.minSkipped)
        : undefined;
    // No position is hot for the rules that can fire: no definition and no statement can hold a
    // finding, and the file is not parsed (a workspace scan's `force` parses it for its imports).
    if (plan?.hotless && !options.force) {
      timings.parse = performance.now() - start;
      return { findings: [], syntaxErrors: 0, parsed: false, imports: [], timings };
    }
    const partial = plan?.partial;
    // Checks made while the rules run read the whole text's spans and occurrences (sourceTextOf).
    if (partial) rememberSource(partial.text, source);
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
      // The very text of the memo (an undo after a broken edit, editSession.ts): its findings,
      // with the same rules able to fire and no syntax error (copies: a caller may change them).
      if (
        previous &&
        !change &&
        options.previousTree &&
        !read &&
        text.indexOf('\r') < 0 &&
        previous.selection === selection &&
        previous.gated === gated &&
        !previous.hadError &&
        !tree.rootNode.hasError
      )
        return {
          findings: structuredClone(previous.findings) as Finding[],
          syntaxErrors: 0,
          parsed: true,
          imports: [...previous.imports],
          tree: options.keepTree ? tree : undefined,
          timings,
          memo: triggerCounts ? { ...previous, triggerCounts, bracketDepth: depth } : undefined,
          reused: 'moved',
        };
      // Reuse and rules share the `rules` timing: trying to reuse is part of finding the findings.
      start = performance.now();
      const reused =
        previous && change && options.previousTree && !read
          ? reuseAfterEdit(this.stages, previous, change, text, source, tree, options.previousTree, gated, full, selection)
          : undefined;
      const tried = performance.now() - start;
      if (previous && reused) {
        timings.rules = tried;
        const memo = triggerCounts
          ? {
              ...previous,
              text,
              findings: reused.findings,
              reports: reused.reports,
              called: reused.called,
              triggerCounts,
              carried: reused.carried,
              bracketDepth: depth,
              packagesAsked: previous.packagesAsked !== false || reused.packagesAsked,
              imports: reused.imports ?? previous.imports,
              dispatched: reused.dispatched,
            }
          : undefined;
        return {
          findings: reused.findings,
          syntaxErrors: 0,
          parsed: true,
          imports: [...(reused.imports ?? previous.imports)],
          tree: options.keepTree ? tree : undefined,
          timings,
          memo,
          reused: reused.how,
          reusedUnit: reused.unit,
        };
      }
      start = performance.now();
      const model = read ? new SemanticModel(tree, read.text, read.imports) : new SemanticModel(tree, text);
      timings.model = performance.now() - start;
      start = performance.now();
      const lines = new LineIndex(text);
      const given = options.everyCall ? model.calls : undefined;
      // The unoptimised reference: the data flows and the literal sinks look at every call too.
      if (options.everyCall) {
        analyseEverySink(model);
        findLiteralSinksInEveryCall(model);
        findArgumentCallsInEveryCall(model);
      }
      const {
        reports: raw,
        called,
        dispatched,
      } = this.runRules(model, read ? source.withPartsLeftOut(read.text) : source, index, undefined, given);
      const findings = finishReports(raw, model, lines, selection, this.rules);
      timings.rules = performance.now() - start + tried;
      const packagesAsked = model.packagesAsked;
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
          ? {
              text,
              selection,
              triggerIndex: full,
              triggerCounts,
              gated,
              findings,
              reports: raw,
              called,
              imports,
              hadError,
              bracketDepth: depth,
              packagesAsked,
              dispatched: given ? undefined : dispatched,
            }
          : undefined,
      };
    } finally {
      if (!options.keepTree) this.parser.release(tree);
    }
  }

  /** Analyses a notebook given as .ipynb JSON; throws NotebookError when it is not one. */
  analyzeNotebookJson(json: string, options: AnalysisOptions = {}): AnalysisResult {
    return this.analyzeNotebookCells(readNotebookCells(json), options);
  }

  /**
   * Analyses code cells together and maps every range and edit back to its cell
   * (pipeline/notebookCells.ts).
   */
  analyzeNotebookCells(cells: readonly NotebookCell[], options: AnalysisOptions = {}): AnalysisResult & { layout: NotebookLayout } {
    return analyzeNotebookCells(this, cells, options);
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
  ): { reports: RuleReport[]; called: CalledNames | undefined; dispatched: number[] } {
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
        const broken = span && this.checkDeclarations ? brokenDeclaration(currentRule, span, report.message, model) : undefined;
        if (broken) this.ruleFailures.push(broken);
        if (span) reports.push({ rule: currentRule, callAt, report: { ...report, node: undefined, span } });
      },
      constant: (node) => model.constantValue(node),
      definedHere: (value: ConstValue | undefined, what: string) =>
        value?.definedAt ? [{ span: { start: value.definedAt.startIndex, end: value.definedAt.endIndex }, message: what }] : undefined,
      literalSinkCalls: () => (currentRule?.literals ? literalSinkCalls(model, source, currentRule.literals) : []),
      literalSinkAssignments: () => (currentRule?.literals ? literalSinkAssignments(model, source, currentRule.literals) : []),
      callsWithKeywords: (keywords) => callsWithKeywords(model, keywords),
      callsMentioning: (word) => callsMentioning(model, word),
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
    const dispatched: number[] = [];
    // The unoptimised reference resolves every call; otherwise an attribute call is resolved only
    // when the text spells one of the callees it could be (wantedCalls.ts spellingTest).
    const spelled = given ? undefined : spellingTest(source);
    for (const callNode of candidates.calls) {
      if (within && (callNode.startIndex < within.start || callNode.startIndex >= within.end)) continue;
      callAt = callNode.startIndex;
      const { wanting, callee, resolved } = rulesWanting(callNode, model, index, spelled);
      if (wanting.length > 0) dispatched.push(callAt);
      if (wanting.length === 0 && index.allCalls.length === 0) continue;
      const call = resolved ? new CallSite(callNode, model, callee) : new CallSite(callNode, model);
      for (const rule of wanting) guard(rule, () => rule.onCall!(call, context));
      for (const rule of index.allCalls) guard(rule, () => rule.onCall!(call, context));
    }
    callAt = -1;
    for (const rule of index.fileRules) guard(rule, () => rule.onFile!(context));
    const called = 'names' in candidates ? calledNamesOf(candidates) : undefined;
    return { reports, called, dispatched };
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
