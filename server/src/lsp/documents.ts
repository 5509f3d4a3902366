/**
 * Open documents as the server keeps them: the text (kept current with incremental changes), the
 * engine's edit session (engine/pipeline/editSession.ts: the tree and memo the next analysis
 * re-uses, told of every change) and the last analysis. Python files and notebooks share one
 * interface; a notebook is analysed as the joined text of its Python code cells, and its
 * diagnostics go to the cell documents.
 */
import type { InputProblem } from '../engine/findings';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver/node';
import { EditSession } from '../engine/pipeline/editSession';
import type { Finding } from '../engine/findings';
import type { NotebookCell } from '../engine/io/notebook';
import { NotebookLayout } from '../engine/io/notebook';

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
  /** What the engine keeps of this document between analyses (tree, memo). */
  readonly session: EditSession;
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
  readonly session = new EditSession();
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

  /** Applies LSP content changes in order, telling the engine's session of each one. */
  applyChanges(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change && change.range) {
        const text = this.document.getText();
        this.session.edit(text, this.document.offsetAt(change.range.start), this.document.offsetAt(change.range.end), change.text);
      } else {
        this.session.replaced();
      }
      this.document = TextDocument.update(this.document, [change], version);
    }
    if (changes.length === 0) this.document = TextDocument.update(this.document, [], version);
  }

  dropTree(): void {
    this.session.drop();
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
  /** The session of the joined text of the code cells (it finds the edit between two versions itself). */
  readonly session = new EditSession();
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

  dropTree(): void {
    this.session.drop();
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
