/**
 * What the engine keeps of one open document between analyses, for the editor: the tree-sitter
 * tree of the last analysis (edited with every change, so the next parse re-uses what did not
 * change) and the memo of that analysis (so findings an edit cannot have changed are moved, not
 * recomputed: perf/editReuse.ts). The language server only reports edits and asks for analyses
 * (through pipeline/fileAnalysis.ts, the entry every surface shares); it never touches a tree.
 *
 * The session also records the text its tree was parsed from and brings the tree in line with
 * any text it is asked to analyse (one edit over the changed middle) when edits were not reported
 * one by one (a notebook, whose joined text is rebuilt from its cells; a missed change). An edit
 * that cannot be applied drops the tree: the next analysis parses afresh, which is always exact.
 */
import type { AnalysisOptions, AnalysisResult, EditMemo } from './analyzer';
import type { Node, PythonParser, Tree } from '../parser';
import { diffEdit, treeEdit } from '../perf/treeEdit';
import { analysisText } from '../text';
import { prepareForEdits } from '../perf/editWarmup';

export class EditSession {
  private tree?: Tree;
  /** The text (as given, before line-ending normalisation) the kept tree stands for. */
  private treeText?: string;
  private memo?: EditMemo;
  /**
   * The last analysis of a text without a syntax error: a copy of its tree, the text and the
   * memo. Broken text is parsed afresh (analyzer.ts) and its memo cannot be re-used, so the
   * edit after a broken one (the next keystroke, an undo) starts from this one instead.
   */
  private good?: { tree: Tree; text: string; memo: EditMemo };
  /** The parser of the last optionsFor (the one the analysis kept next ran with). */
  private parser?: PythonParser;
  /** The text of the last analysis kept. */
  private lastText?: string;
  /**
   * Trees replaced by a later analysis, freed by tidy (freeing the previous tree of a large text
   * walks the children of its root: a notebook's hundreds of statements, 0.3 ms), so that the
   * editor can publish first. At most RETIRED_TREES wait; drop frees them too.
   */
  private retired: Tree[] = [];

  /** Whether a tree is kept (for tests and logs). */
  get hasTree(): boolean {
    return this.tree !== undefined;
  }

  /**
   * Records that text[start, end) of `text` (the text the session last saw) was replaced by
   * `inserted`. Reported edits keep the edit-reuse memo exact; the text is what the client sent.
   */
  edit(text: string, start: number, end: number, inserted: string): void {
    if (!this.tree || this.treeText === undefined) return;
    // Offsets are the client's, in the text the session was told of; optionsFor checks that the
    // result is the text analysed next (and mends or drops the tree when it is not).
    this.tree.edit(treeEdit(text, start, end, inserted));
    this.treeText = this.treeText.slice(0, start) + inserted + this.treeText.slice(end);
  }

  /** The smallest syntax node at an offset of the last analysed text, from the kept tree. */
  nodeAt(offset: number): Node | undefined {
    return this.tree?.rootNode.descendantForIndex(offset) ?? undefined;
  }

  /** The whole text was replaced: nothing of the old tree is worth re-using. */
  replaced(): void {
    this.drop();
  }

  /**
   * The options that make an analysis of `text` re-use this session's tree and memo, after
   * bringing the tree in line with `text`. A tree made by a parser runtime that was replaced
   * since (parser.ts) is dropped. Call `keep` with the result.
   */
  optionsFor(text: string, parser: PythonParser): Pick<AnalysisOptions, 'previousTree' | 'keepTree' | 'previous'> {
    if (this.tree && !parser.owns(this.tree)) this.drop();
    this.parser = parser;
    if (this.good && !parser.owns(this.good.tree)) this.drop();
    // The same text analysed again: something else changed (settings, the project's package
    // versions), so nothing of the earlier analyses is re-used but the tree (parsing is exact).
    const again = text === this.lastText;
    if (again) {
      deleteTree(this.good?.tree);
      this.good = undefined;
    }
    if (this.good && (!this.tree || !this.memo || this.memo.hadError || text === this.good.text)) {
      // After a broken text, the last good one: its tree is brought to `text` below. So for an
      // undo back to the good text after a notebook's cells analysed with broken ones blank.
      deleteTree(this.tree);
      this.tree = this.good.tree;
      this.treeText = this.good.text;
      this.memo = this.good.memo;
      this.good = undefined;
    }
    if (this.tree && this.treeText !== text) {
      const edit = this.treeText === undefined ? undefined : diffEdit(analysisText(this.treeText), analysisText(text));
      if (edit) this.tree.edit(edit);
      else this.drop();
      // The memo stays: the analyzer checks it against the new text itself (EditMemo.text).
    }
    return { previousTree: this.tree, keepTree: true, previous: this.tree && !again ? this.memo : undefined };
  }

  /** Keeps what an analysis of `text` made with `optionsFor` leaves for the next one. */
  keep(text: string, result: AnalysisResult): void {
    this.lastText = text;
    const old = this.tree;
    this.tree = result.tree;
    this.treeText = result.tree ? text : undefined;
    this.memo = result.tree ? result.memo : undefined;
    if (old && old !== result.tree) this.retire(old);
    // A notebook analysed with its broken cells blank (notebookCells.ts editorText) has a tree
    // without error of a text that is not the notebook's: the last good analysis stays (an undo
    // returns to it), and the next edit starts from this tree.
    if (result.tree && result.memo && !result.memo.hadError && result.syntaxErrors === 0) {
      this.retire(this.good?.tree);
      const copy = this.parser?.copy(result.tree);
      this.good = copy ? { tree: copy, text, memo: result.memo } : undefined;
    }
  }

  /**
   * Builds ahead what the next edit's reuse of the last analysis would build on first use
   * (perf/editWarmup.ts): for the editor's idle time after an analysis, so a keystroke does not
   * pay for it. Changes no result. Returns false when there was nothing to build.
   */
  prepare(): boolean {
    // The tree stands for the memo's text until an edit is reported (then only the memo is read).
    const tree = this.treeText !== undefined && this.treeText === this.lastText ? this.tree : undefined;
    return this.tree !== undefined && this.memo !== undefined && prepareForEdits(this.memo, tree);
  }

  /** Frees the trees later analyses replaced (keep): for the editor once it has published. */
  tidy(): void {
    const retired = this.retired;
    this.retired = [];
    for (const tree of retired) deleteTree(tree);
  }

  private retire(tree: Tree | undefined): void {
    if (!tree) return;
    this.retired.push(tree);
    if (this.retired.length > RETIRED_TREES) this.tidy();
  }

  /** Forgets the tree and the memo (the parser changed, the document was skipped or closed). */
  drop(): void {
    this.tidy();
    deleteTree(this.tree);
    deleteTree(this.good?.tree);
    this.tree = undefined;
    this.treeText = undefined;
    this.memo = undefined;
    this.good = undefined;
    this.lastText = undefined;
  }

  /** Drops the tree when `parser` no longer owns it (its runtime was replaced). */
  dropIfStale(parser: PythonParser): void {
    if ((this.tree && !parser.owns(this.tree)) || (this.good && !parser.owns(this.good.tree))) this.drop();
  }
}

/** Replaced trees kept for tidy before the session frees them itself (two analyses' worth). */
const RETIRED_TREES = 4;

/**
 * Frees a kept tree. The parser's runtime may have aborted since the tree was made (parser.ts):
 * its memory is then dropped with the runtime, and freeing cannot fail the caller.
 */
function deleteTree(tree: Tree | undefined): void {
  try {
    tree?.delete();
  } catch {
    // The runtime that made the tree is gone; nothing is left to free.
  }
}
