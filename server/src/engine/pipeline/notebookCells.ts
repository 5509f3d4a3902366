/**
 * Notebooks: the code cells analysed together as one Python text (a name defined in one cell
 * resolves in the next), cells that would swallow the next analysed apart, and every range, span
 * and edit of the findings moved back to its cell. Called through Analyzer.analyzeNotebookCells
 * (and pipeline/fileAnalysis.ts's analyzeCells for the editor).
 */
import type { AnalysisOptions, AnalysisResult, Analyzer } from './analyzer';
import type { Finding } from '../findings';
import { compareFindings } from '../findings';
import { NotebookLayout, leavesOpen } from '../io/notebook';
import type { NotebookCell } from '../io/notebook';
import type { PythonParser } from '../parser';
import type { TextEdit } from '../rule';
import { keepLineBreaks } from '../results/finish';
import { TextMemo } from '../textMemo';

/**
 * Analyses code cells together (a name defined in one cell resolves in the next) and maps every
 * range and edit back to its cell. Jupyter compiles each cell on its own, so one cell's syntax
 * must not swallow the next (an unterminated string or bracket): the cells that can (see
 * brokenCells) are analysed apart, each after the cells before it, and the others together
 * without them.
 */
export function analyzeNotebookCells(
  analyzer: Analyzer,
  cells: readonly NotebookCell[],
  options: AnalysisOptions = {},
  asked?: EditorText,
): AnalysisResult & { layout: NotebookLayout } {
  const layout = asked?.layout ?? new NotebookLayout(cells);
  // The joined text is a Python text: edit reuse works on it as on a file (the editor's session
  // keeps its tree and memo; toCells leaves the memo's findings as they are).
  // The editor always parses (keepTree), so it can ask first which cells are broken: when some
  // are, the joined text's findings would be thrown away (and its tree, broken, is not re-used).
  const editor = options.keepTree === true;
  const early = asked?.broken ?? (editor && cells.length > 1 ? brokenCells(analyzer.parser, layout, true) : undefined);
  const result = early && early.length > 0 ? undefined : analyzer.analyzePython(layout.text, options);
  const broken = early ?? (cells.length > 1 && result ? brokenCells(analyzer.parser, layout, result.parsed) : []);
  if (result && broken.length === 0) return { ...result, findings: toCells(layout, result.findings), layout };
  const apart: AnalysisOptions = {
    selection: options.selection,
    prefilter: options.prefilter,
    minSkipped: options.minSkipped,
    everyCall: options.everyCall,
  };
  const blank = new Set(broken);
  const together = new NotebookLayout(cells, blank);
  // The editor analyses the cells together with its session (editorText gave it this text): its
  // tree is re-parsed and its memo re-used as after any edit, the broken cells' text being blanks.
  const session = early && editor ? { previousTree: options.previousTree, keepTree: true, previous: options.previous } : {};
  const rest = analyzer.analyzePython(together.text, { ...apart, ...session });
  const findings = toCells(together, rest.findings);
  const imports = new Set(rest.imports);
  // Each broken cell after the cells before it (broken ones blank), while that stays within a
  // few times the notebook's size; past that, on its own.
  let budget = 4 * layout.text.length;
  for (const slot of broken) {
    let own = new NotebookLayout(cells.slice(0, slot + 1), new Set(broken.filter((b) => b < slot)));
    if (own.text.length > budget) own = new NotebookLayout([cells[slot]]);
    budget -= own.text.length;
    const alone = analyzer.analyzePython(own.text, apart);
    const last = own.cells.length - 1;
    findings.push(
      ...toCells(
        own,
        alone.findings.filter((f) => own.slotAt(f.span.start) === last),
      ),
    );
    for (const name of alone.imports) imports.add(name);
  }
  findings.sort(compareFindings);
  // Without the joined analysis (the editor's early answer), the one of the cells together stands
  // for it, with its tree and memo (those of editorText's text), and each broken cell counts as
  // (at least) one syntax error region.
  if (!result) return { ...rest, syntaxErrors: rest.syntaxErrors + broken.length, findings, imports: [...imports], layout };
  rest.tree?.delete();
  return { ...result, findings, imports: [...imports], layout };
}

/** What the editor asks of a notebook before analysing it (editorText). */
export interface EditorText {
  layout: NotebookLayout;
  /** The cells that can swallow the next (brokenCells), asked before parsing. */
  broken: number[];
  /** The Python text analysed with the editor's session: the joined cells, the broken ones blank. */
  text: string;
}

/**
 * The text the editor's session is brought to for an analysis of `cells`: the joined cells when
 * none is broken, else the cells together with the broken ones blank, which analyzeNotebookCells
 * then analyses with the session (as a file after an edit: re-parsed from the tree of the last
 * analysis, its memo re-used), the broken cells each after the cells before it, as the CLI does.
 */
export function editorText(parser: PythonParser, cells: readonly NotebookCell[]): EditorText {
  const layout = new NotebookLayout(cells);
  const broken = cells.length > 1 ? brokenCells(parser, layout, true) : [];
  const text = broken.length > 0 ? new NotebookLayout(cells, new Set(broken)).text : layout.text;
  return { layout, broken, text };
}

/**
 * Positions (in `layout.cells`, the last one aside: nothing follows it) of the cells that can
 * swallow the next. First those leaving a string, bracket or continuation open (a scan of the
 * text, which is all the prefilter reads when it decides not to parse). Then, when the joined
 * text was parsed, those that do not parse on their own (`class C` without a colon; `import`
 * alone takes the next cell's first name), as Jupyter compiles each cell on its own.
 *
 * Every surface asks the same question, so the editor's answer is the CLI's: an earlier version
 * asked the editor's kept joined tree instead (a top-level node running out of the cell), which
 * differs for a cell that parses only with its neighbours (an `else:` after a cell's `if`) or
 * whose error tree-sitter keeps inside it. Each cell's answer depends on its text alone and is
 * remembered by text (parsesAlone), so after a keystroke only the edited cell is parsed again.
 */
function brokenCells(parser: PythonParser, layout: NotebookLayout, parsed: boolean): number[] {
  const broken: number[] = [];
  for (let slot = 0; slot < layout.masked.length - 1; slot++) {
    const text = layout.masked[slot];
    if (openAnswers.get(text, leavesOpen) || (parsed && !parsesAlone(parser, text))) broken.push(slot);
  }
  return broken;
}

/** Whether each cell text leaves something open (leavesOpen), remembered by text: asked of every cell after each edit. */
const openAnswers = new TextMemo<boolean>();

/** Whether each cell text parsed on its own, remembered by text. */
const aloneAnswers = new TextMemo<boolean>();

/** True when `text` parses without a syntax error on its own. */
function parsesAlone(parser: PythonParser, text: string): boolean {
  return aloneAnswers.get(text, () => {
    const alone = parser.parse(text);
    const answer = !alone.rootNode.hasError;
    alone.delete();
    return answer;
  });
}

/** Findings of a layout's joined text, with ranges, spans and edits moved to their cells. */
function toCells(layout: NotebookLayout, findings: Finding[]): Finding[] {
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
  return findings.map((joined) => {
    // A copy: the findings of the joined text are also the memo edit reuse starts from.
    const finding: Finding = { ...joined, fixes: joined.fixes.map((fix) => ({ ...fix })) };
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
    return finding;
  });
}
