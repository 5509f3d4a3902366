/**
 * Open documents as the server keeps them: the text (kept current with incremental changes), the
 * tree-sitter tree of the last analysis (edited with every change so the next parse reuses it),
 * and the last analysis. Python files and notebooks share one interface; a notebook is analysed
 * as the joined text of its Python code cells, and its diagnostics go to the cell documents.
 */
import type { InputProblem } from '../engine/findings';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver/node';
import type { EditMemo } from '../engine/pipeline/analyzer';
import { changeBetween } from '../engine/perf/editReuse';
import type { Finding } from '../engine/findings';
import type { NotebookCell } from '../engine/io/notebook';
import { NotebookLayout } from '../engine/io/notebook';
import { analysisText } from '../engine/text';
import type { Edit, Tree } from '../engine/parser';

export interface Point {
  row: number;
  column: number;
}

/**
 * Row and column (UTF-16 units) of an offset as tree-sitter counts them in the analysed text
 * (engine/text.ts analysisText): rows end at `\n` and at a lone `\r`, which the analysis reads as `\n`.
 */
export function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  const breaks = text.indexOf('\r') < 0 ? /\n/g : /\r(?!\n)|\n/g;
  for (let m = breaks.exec(text); m && m.index < offset; m = breaks.exec(text)) {
    row++;
    lineStart = m.index + 1;
  }
  return { row, column: offset - lineStart };
}

/**
 * The tree edit for replacing text[start, end) with `inserted`, in terms of the analysed texts
 * before and after (see analysisText): whether a `\r` reads as a line break depends on the
 * character after it, so the edit is widened over a `\r` before it and a `\n` after it.
 */
export function treeEdit(text: string, start: number, end: number, inserted: string): Edit {
  const from = start > 0 && text.charCodeAt(start - 1) === 13 ? start - 1 : start;
  const to = end < text.length && text.charCodeAt(end) === 10 ? end + 1 : end;
  const before = analysisText(text.slice(from, to));
  const after = analysisText(text.slice(from, start) + inserted + text.slice(end, to));
  const startPosition = pointAt(text, from);
  return {
    startIndex: from,
    oldEndIndex: to,
    newEndIndex: from + after.length,
    startPosition,
    oldEndPosition: advance(startPosition, before),
    newEndPosition: advance(startPosition, after),
  };
}

/** The point reached from `start` after the text `inserted`. */
export function advance(start: Point, inserted: string): Point {
  const last = inserted.lastIndexOf('\n');
  if (last < 0) return { row: start.row, column: start.column + inserted.length };
  let rows = 0;
  for (let i = inserted.indexOf('\n'); i >= 0; i = inserted.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: inserted.length - last - 1 };
}

/** The single edit turning `before` into `after` (common prefix and suffix kept). */
export function diffEdit(before: string, after: string): Edit | undefined {
  const change = changeBetween(before, after);
  if (!change) return undefined;
  const startPosition = pointAt(before, change.start);
  return {
    startIndex: change.start,
    oldEndIndex: change.oldEnd,
    newEndIndex: change.newEnd,
    startPosition,
    oldEndPosition: advance(startPosition, before.slice(change.start, change.oldEnd)),
    newEndPosition: advance(startPosition, after.slice(change.start, change.newEnd)),
  };
}

/** The result of analysing one version of a document. */
export interface Snapshot {
  version: number;
  revision: number;
  /** Unsuppressed and suppressed findings; offsets are relative to the document (or the cell). */
  findings: Finding[];
  imports: string[];
  /** Set when the document was not analysed (too large, binary, excluded, disabled). */
  skipped?: string;
  /** Lines of a dependency manifest that could not be read (shown as diagnostics on the line). */
  problems?: InputProblem[];
  /**
   * Set when the document should have been analysed but could not be (too large, binary, over the
   * parser's limits, an internal error): shown as a diagnostic. Exclusions do not set it.
   */
  problem?: { message: string; internal: boolean };
  /** Notebooks: the cell document URI of each notebook cell index, at analysis time. */
  cellUris?: string[];
  layout?: NotebookLayout;
  durationMs: number;
}

interface Base {
  readonly uri: string;
  readonly version: number;
  tree?: Tree;
  snapshot?: Snapshot;
  /** Documents that diagnostics were last published to (the cells, for a notebook). */
  published: Set<string>;
  /** Cancels the pending (debounced) analysis, if any. */
  cancelPending?: () => void;
  /** Incremented for every scheduled analysis; only the latest one may publish. */
  generation: number;
  /** Incremented on every change of text or configuration; a snapshot of an older one is stale. */
  revision: number;
  dispose(): void;
}

export class PythonDocument implements Base {
  readonly kind = 'python';
  tree?: Tree;
  /** What the last analysis left for the next one to reuse (kept with the tree it belongs to). */
  memo?: EditMemo;
  snapshot?: Snapshot;
  published = new Set<string>();
  /** Cancels the pending (debounced) analysis, if any. */
  cancelPending?: () => void;
  generation = 0;
  revision = 0;
  private document: TextDocument;

  constructor(
    readonly uri: string,
    languageId: string,
    version: number,
    text: string,
  ) {
    this.document = TextDocument.create(uri, languageId, version, text);
  }

  get version(): number {
    return this.document.version;
  }

  get text(): string {
    return this.document.getText();
  }

  get textDocument(): TextDocument {
    return this.document;
  }

  /** Applies LSP content changes in order, editing the kept tree alongside the text. */
  applyChanges(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change && change.range) {
        if (this.tree) {
          const text = this.document.getText();
          const start = this.document.offsetAt(change.range.start);
          const end = this.document.offsetAt(change.range.end);
          this.tree.edit(treeEdit(text, start, end, change.text));
        }
      } else {
        // A whole-document replacement: nothing of the old tree is worth reusing.
        this.dropTree();
      }
      this.document = TextDocument.update(this.document, [change], version);
    }
    if (changes.length === 0) this.document = TextDocument.update(this.document, [], version);
  }

  dropTree(): void {
    deleteTree(this.tree);
    this.tree = undefined;
    this.memo = undefined;
  }

  dispose(): void {
    this.dropTree();
    this.cancelPending?.();
    this.snapshot = undefined;
  }
}

export interface NotebookCellEntry {
  /** The cell's text document URI (`vscode-notebook-cell:` in VS Code). */
  document: string;
  /** LSP NotebookCellKind: 1 markup, 2 code. */
  kind: number;
}

export class NotebookModel implements Base {
  readonly kind = 'notebook';
  tree?: Tree;
  /** The joined text the kept tree was parsed from (tree edits are computed against it). */
  treeText?: string;
  snapshot?: Snapshot;
  published = new Set<string>();
  /** Cancels the pending (debounced) analysis, if any. */
  cancelPending?: () => void;
  generation = 0;
  revision = 0;
  cells: NotebookCellEntry[] = [];
  /** Text documents of the cells, by cell document URI. */
  readonly texts = new Map<string, TextDocument>();

  constructor(
    readonly uri: string,
    public version: number,
  ) {}

  /** Python code cells in notebook order, as the engine takes them (index = position in the notebook). */
  codeCells(): NotebookCell[] {
    const cells: NotebookCell[] = [];
    this.cells.forEach((cell, index) => {
      const text = this.texts.get(cell.document);
      if (cell.kind === 2 && text && text.languageId === 'python') cells.push({ index, text: text.getText() });
    });
    return cells;
  }

  /** The language of the code cells when none of them is Python (the notebook is then not analysed). */
  foreignLanguage(): string | undefined {
    let foreign: string | undefined;
    for (const cell of this.cells) {
      const language = cell.kind === 2 ? this.texts.get(cell.document)?.languageId : undefined;
      if (language === 'python') return undefined;
      foreign ??= language;
    }
    return foreign;
  }

  cellIndexOf(cellUri: string): number {
    return this.cells.findIndex((c) => c.document === cellUri);
  }

  /** Brings the kept tree in line with the new joined text before a re-parse. */
  prepareTree(joined: string): void {
    if (!this.tree || this.treeText === undefined) return;
    const edit = diffEdit(this.treeText, joined);
    if (edit) this.tree.edit(edit);
    this.treeText = joined;
  }

  dropTree(): void {
    deleteTree(this.tree);
    this.tree = undefined;
    this.treeText = undefined;
  }

  dispose(): void {
    this.dropTree();
    this.cancelPending?.();
    this.snapshot = undefined;
  }
}

export type OpenDocument = PythonDocument | NotebookModel;

export function joinedNotebookText(cells: readonly NotebookCell[]): string {
  return new NotebookLayout(cells).text;
}

/**
 * Frees a kept tree. The parser's runtime may have aborted since the tree was made (see
 * engine/parser.ts): its memory is then dropped with the runtime, and freeing cannot fail the caller.
 */
function deleteTree(tree: Tree | undefined): void {
  try {
    tree?.delete();
  } catch {
    // The runtime that made the tree is gone; nothing is left to free.
  }
}
