/**
 * Live analysis of open documents: debounced scheduling, incremental re-parsing and publishing.
 *
 * Every change bumps the document's `revision` and `generation`; an analysis is scheduled after
 * the debounce delay and runs synchronously on the current text, so a result is always for the
 * latest text when it is published, and a superseded scheduled run never fires (its generation is
 * no longer current). Diagnostics carry the document version, so a client can drop stale ones too.
 */
import type {
  Connection,
  Diagnostic,
  DidChangeNotebookDocumentParams,
  DidOpenNotebookDocumentParams,
  TextDocumentContentChangeEvent,
} from 'vscode-languageserver/node';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FindingSummary } from '../../../common/src/protocol';
import type { Analyzer } from '../engine/pipeline/analyzer';
import { analyzeCells, analyzeSource } from '../engine/pipeline/fileAnalysis';
import type { SourceAnalysis } from '../engine/pipeline/fileAnalysis';
import { filePathOf } from './uris';
import { ParseLimitError } from '../engine/parser';
import { DIAGNOSTIC_SOURCE, isOpen, notAnalysedDiagnostic, summarize, toDiagnostic } from './diagnostics';
import type { OpenDocument, Snapshot } from './documents';
import { joinedNotebookText, NotebookModel, PythonDocument } from './documents';
import { BaselineStore } from './baseline';
import type { Logger } from './logger';
import type { RuleLinks } from './rulePages';
import type { DocumentConfig, DocumentConfigs } from './settings';

export type Reason = 'open' | 'change' | 'save' | 'config';

/** A pause in typing long enough to build what the next edit needs (prepareWhenIdle). */
const TYPING_PAUSE_MS = 300;

/** How many leading characters are checked for NUL bytes (binary content). */
const BINARY_PROBE = 8192;

export class LiveAnalysis {
  readonly python = new Map<string, PythonDocument>();
  readonly notebooks = new Map<string, NotebookModel>();
  /** Cell document URI → its notebook. */
  private readonly cellOwner = new Map<string, NotebookModel>();
  /** Baseline files read, so that baseline findings show as hints or not at all. */
  private readonly baselines = new BaselineStore();
  /** Called after diagnostics of any document were published (for the findings totals). */
  onPublished: () => void = () => undefined;

  constructor(
    private readonly connection: Connection,
    private readonly analyzer: Analyzer,
    private readonly configs: DocumentConfigs,
    private readonly links: RuleLinks,
    private readonly logger: Logger,
  ) {}

  // ---------------------------------------------------------------------------------------------
  // Lifecycle of Python text documents.

  openPython(uri: string, languageId: string, version: number, text: string): void {
    this.python.get(uri)?.dispose();
    const document = new PythonDocument(uri, languageId, version, text);
    this.python.set(uri, document);
    this.schedule(document, 'open');
  }

  changePython(uri: string, changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    const document = this.python.get(uri);
    if (!document) {
      this.logger.warn(`change for a document that is not open: ${uri}`);
      return;
    }
    try {
      document.applyChanges(changes, version);
    } catch (error) {
      // A change that does not fit the text (a client bug): keep the new text, reparse from scratch.
      this.logger.error(`cannot apply a change to ${uri}`, error);
      document.dropTree();
    }
    document.revision++;
    this.schedule(document, 'change');
  }

  savePython(uri: string): void {
    const document = this.python.get(uri);
    if (document) this.schedule(document, 'save');
  }

  closePython(uri: string): void {
    const document = this.python.get(uri);
    if (!document) return;
    document.dispose();
    this.python.delete(uri);
    this.configs.evict(uri);
    this.clearPublished(document);
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle of notebooks (LSP notebook document sync).

  openNotebook(params: DidOpenNotebookDocumentParams): void {
    const { notebookDocument, cellTextDocuments } = params;
    this.closeNotebook(notebookDocument.uri);
    const notebook = new NotebookModel(notebookDocument.uri, notebookDocument.version);
    notebook.cells = notebookDocument.cells.map((cell) => ({ document: cell.document, kind: cell.kind }));
    for (const item of cellTextDocuments) {
      notebook.texts.set(item.uri, TextDocument.create(item.uri, item.languageId, item.version, item.text));
      this.cellOwner.set(item.uri, notebook);
    }
    this.notebooks.set(notebook.uri, notebook);
    this.schedule(notebook, 'open');
  }

  changeNotebook(params: DidChangeNotebookDocumentParams): void {
    const notebook = this.notebooks.get(params.notebookDocument.uri);
    if (!notebook) {
      this.logger.warn(`change for a notebook that is not open: ${params.notebookDocument.uri}`);
      return;
    }
    notebook.version = params.notebookDocument.version;
    const cells = params.change.cells;
    if (cells?.structure) {
      const { array, didOpen, didClose } = cells.structure;
      for (const closed of didClose ?? []) {
        notebook.texts.delete(closed.uri);
        this.cellOwner.delete(closed.uri);
        if (notebook.published.delete(closed.uri)) void this.connection.sendDiagnostics({ uri: closed.uri, diagnostics: [] });
      }
      for (const item of didOpen ?? []) {
        notebook.texts.set(item.uri, TextDocument.create(item.uri, item.languageId, item.version, item.text));
        this.cellOwner.set(item.uri, notebook);
      }
      notebook.cells.splice(
        array.start,
        array.deleteCount,
        ...(array.cells ?? []).map((cell) => ({ document: cell.document, kind: cell.kind })),
      );
    }
    for (const cell of cells?.data ?? []) {
      const entry = notebook.cells.find((c) => c.document === cell.document);
      if (entry) entry.kind = cell.kind;
    }
    for (const content of cells?.textContent ?? []) {
      const text = notebook.texts.get(content.document.uri);
      if (text) TextDocument.update(text, content.changes, content.document.version);
      else this.logger.warn(`change for an unknown notebook cell: ${content.document.uri}`);
    }
    notebook.revision++;
    this.schedule(notebook, 'change');
  }

  saveNotebook(uri: string): void {
    const notebook = this.notebooks.get(uri);
    if (notebook) this.schedule(notebook, 'save');
  }

  closeNotebook(uri: string): void {
    const notebook = this.notebooks.get(uri);
    if (!notebook) return;
    notebook.dispose();
    this.notebooks.delete(uri);
    for (const cell of notebook.texts.keys()) this.cellOwner.delete(cell);
    this.configs.evict(uri);
    this.clearPublished(notebook);
  }

  // ---------------------------------------------------------------------------------------------

  /** The open document a URI belongs to: a Python document, a notebook, or a notebook's cell. */
  find(uri: string): OpenDocument | undefined {
    return this.python.get(uri) ?? this.notebooks.get(uri) ?? this.cellOwner.get(uri);
  }

  /** The text document of a Python document or of a notebook cell. */
  textOf(uri: string): TextDocument | undefined {
    return this.python.get(uri)?.textDocument ?? this.cellOwner.get(uri)?.texts.get(uri);
  }

  all(): OpenDocument[] {
    return [...this.python.values(), ...this.notebooks.values()];
  }

  /** Re-analyses every open document (settings or project files changed). */
  reanalyzeAll(): void {
    for (const document of this.all()) {
      document.revision++;
      this.schedule(document, 'config');
    }
  }

  schedule(document: OpenDocument, reason: Reason): void {
    const generation = ++document.generation;
    document.cancelPending?.();
    document.cancelPending = undefined;
    this.configs.forDocument(document.uri).then(
      (config) => {
        if (generation !== document.generation || !this.isOpen(document)) return;
        if (reason === 'change' && config.settings.run === 'onSave') return;
        const fire = () => {
          document.cancelPending = undefined;
          if (generation !== document.generation || !this.isOpen(document)) return;
          if (this.analyzer.parser.needsReplacing) {
            // The parser's runtime is replaced first (see engine/parser.ts); then this run goes on
            // unless the document moved on meanwhile.
            void this.parserReady().then(fire);
            return;
          }
          this.publish(document, this.analyze(document, config));
          // The trees the analysis replaced are freed once the diagnostics are out.
          setImmediate(() => document.session.tidy());
          this.prepareWhenIdle(document, generation, reason === 'change' ? TYPING_PAUSE_MS : 0);
        };
        const delay = reason === 'change' ? config.settings.debounceMs : 0;
        if (delay <= 0) {
          const handle = setImmediate(fire);
          document.cancelPending = () => clearImmediate(handle);
        } else {
          const handle = setTimeout(fire, delay);
          document.cancelPending = () => clearTimeout(handle);
        }
      },
      (error) => this.logger.error(`cannot resolve the configuration of ${document.uri}`, error),
    );
  }

  /**
   * Once the diagnostics of an analysis are out, builds what the document's next edit would
   * build first (EditSession.prepare), unless the document changed or closed meanwhile: the
   * first keystrokes after opening are then as quick as the later ones. Changes no result. After
   * an edit it waits for a pause in typing (`delay`): an edit usually hands on what it built, and
   * building the rest between two quick keystrokes would make the second one wait for it.
   */
  private prepareWhenIdle(document: OpenDocument, generation: number, delay: number): void {
    const prepare = () => {
      if (generation !== document.generation || !this.isOpen(document)) return;
      try {
        document.session.prepare();
      } catch (error) {
        // The next edit builds the same on its own (and reports a failure there).
        this.logger.debug(`preparing ${document.uri} for edits failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    if (delay <= 0) setImmediate(prepare);
    else setTimeout(prepare, delay);
  }

  /**
   * The analysis of the document's current text, running it now if the last one is stale (a
   * request such as a code action must not work on offsets of an older text). Publishes the
   * result when the document is analysed on type.
   */
  async current(document: OpenDocument): Promise<Snapshot | undefined> {
    if (document.snapshot && document.snapshot.revision === document.revision) return document.snapshot;
    const config = await this.configs.forDocument(document.uri);
    if (!this.isOpen(document)) return undefined;
    if (document.snapshot && document.snapshot.revision === document.revision) return document.snapshot;
    document.generation++;
    document.cancelPending?.();
    document.cancelPending = undefined;
    await this.parserReady();
    if (!this.isOpen(document)) return undefined;
    if (document.snapshot && document.snapshot.revision === document.revision) return document.snapshot;
    const snapshot = this.analyze(document, config);
    if (config.settings.run === 'onType' || !document.snapshot) this.publish(document, snapshot);
    else document.snapshot = snapshot;
    return snapshot;
  }

  /**
   * Replaces the parser's runtime when it aborted or holds too much memory (engine/parser.ts).
   * If that fails the analyses report an internal error on each document; nothing waits forever.
   */
  async parserReady(): Promise<void> {
    if (!this.analyzer.parser.needsReplacing) return;
    const wasUsable = this.analyzer.parser.usable;
    const held = Math.round(this.analyzer.parser.memoryBytes / 1048576);
    try {
      await this.analyzer.parser.ready();
      this.logger.info(`replaced the parser runtime (it held ${held} MiB)`);
      if (!wasUsable) this.logger.warn('the parser failed on an earlier document and was restarted');
      // Trees kept for incremental parsing belong to the old runtime and would keep its memory
      // alive: the next analysis of each document parses afresh.
      for (const document of this.all()) document.session.dropIfStale(this.analyzer.parser);
      // The old runtime's memory (up to hundreds of MB) goes back only when it is collected; an
      // idle server may not collect for a long time. The client starts the server with
      // --expose-gc; elsewhere (tests, other editors) this does nothing.
      (globalThis as { gc?: () => void }).gc?.();
    } catch (error) {
      this.logger.error('cannot restart the parser', error);
    }
  }

  private isOpen(document: OpenDocument): boolean {
    return document.kind === 'python' ? this.python.get(document.uri) === document : this.notebooks.get(document.uri) === document;
  }

  /** Runs the engine on the document's current text. Never throws. */
  analyze(document: OpenDocument, config: DocumentConfig): Snapshot {
    const started = performance.now();
    const base = { version: document.version, revision: document.revision, findings: [], imports: [] };
    const skip = (reason: string, problem?: Snapshot['problem']): Snapshot => {
      document.dropTree();
      if (document.snapshot?.skipped !== reason) this.logger.info(`not analysing ${document.uri}: ${reason}`);
      return { ...base, skipped: reason, problem, durationMs: performance.now() - started };
    };
    const notAnalysed = (reason: string) => skip(reason, { message: reason, internal: false });
    if (config.skipReason) return skip(config.skipReason);
    this.analyzer.takeRuleFailures();
    try {
      if (document.kind === 'python') {
        const text = document.text;
        const problem = inputProblem(text, config.maxFileSize);
        if (problem) return notAnalysed(problem);
        // The engine's one entry (as for the CLI and the workspace scan), with this document's session.
        const file = filePathOf(document.uri);
        const result = analyzeSource(this.analyzer, { file, text, kind: 'python', session: document.session }, config.selection, {
          advisories: config.settings.advisories,
        });
        if (result.as === 'manifest')
          return { ...base, findings: result.findings, problems: result.problems, durationMs: performance.now() - started };
        return this.snapshotOf(document, result, started, config);
      }
      const foreign = document.foreignLanguage();
      if (foreign) return skip(`the notebook's language is ${JSON.stringify(foreign)}, not Python`);
      const cells = document.codeCells();
      const joined = joinedNotebookText(cells);
      const problem = inputProblem(joined, config.maxFileSize);
      if (problem) return notAnalysed(problem);
      const file = filePathOf(document.uri);
      const result = analyzeCells(this.analyzer, { file, cells, session: document.session }, config.selection, {
        advisories: config.settings.advisories,
      });
      const snapshot = this.snapshotOf(document, result, started, config);
      snapshot.layout = result.layout;
      snapshot.cellUris = document.cells.map((c) => c.document);
      return snapshot;
    } catch (error) {
      // Over the parser's limits (see engine/parser.ts): said on the document, not an error.
      if (error instanceof ParseLimitError) return notAnalysed(error.message);
      // An engine failure on one document must not take the server down or leave a broken tree.
      document.dropTree();
      this.logger.error(`analysis of ${document.uri} failed`, error);
      const reason = `internal error: ${error instanceof Error ? error.message : String(error)} (details in the mlsec output)`;
      return { ...base, skipped: reason, problem: { message: reason, internal: true }, durationMs: performance.now() - started };
    }
  }

  private snapshotOf(document: OpenDocument, result: SourceAnalysis, started: number, config: DocumentConfig): Snapshot {
    const durationMs = performance.now() - started;
    // A rule that failed is an internal error shown on the document (its other findings stay).
    const failures = this.analyzer.takeRuleFailures();
    for (const failure of failures) this.logger.error(`analysis of ${document.uri}: ${failure}`);
    if (this.logger.verbose) {
      const t = result.timings ?? { parse: 0, model: 0, rules: 0 };
      this.logger.debug(
        `analysed ${document.uri} v${document.version} in ${durationMs.toFixed(1)} ms${result.reused === 'moved' ? ' (findings moved over the edit)' : result.reused === 'function' ? ' (edited function only)' : ''} (parse ${t.parse.toFixed(1)}, model ${t.model.toFixed(1)}, rules ${t.rules.toFixed(1)}): ${result.findings.length} finding(s), ${result.syntaxErrors} syntax error region(s)`,
      );
    }
    const problem =
      failures.length > 0 ? { message: `internal error: ${failures.join('; ')} (details in the mlsec output)`, internal: true } : undefined;
    const findings = this.baselines.apply(filePathOf(document.uri), result.findings, config.baselineFile, config.settings.baselineFindings);
    return { version: document.version, revision: document.revision, findings, imports: result.imports, durationMs, problem };
  }

  /** Publishes a snapshot's diagnostics, unless the document moved on since it was taken. */
  publish(document: OpenDocument, snapshot: Snapshot): void {
    if (!this.isOpen(document) || snapshot.revision !== document.revision) return;
    document.snapshot = snapshot;
    const open = snapshot.findings.filter(isOpen);
    const problem = snapshot.problem ? notAnalysedDiagnostic(snapshot.problem.message, snapshot.problem.internal) : undefined;
    if (document.kind === 'python') {
      const diagnostics = open.map((f) => toDiagnostic(f, () => document.uri, this.links));
      // A manifest line that cannot be read: shown where it is, the rest of the file is still judged.
      for (const problem of snapshot.problems ?? []) {
        const line = problem.line ?? 0;
        diagnostics.push({
          range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } },
          severity: DiagnosticSeverity.Warning,
          source: DIAGNOSTIC_SOURCE,
          code: 'input',
          message: `mlsec cannot read this: ${problem.message}`,
        });
      }
      if (problem) diagnostics.push(problem);
      void this.connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
      document.published.add(document.uri);
    } else {
      const byCell = new Map<string, Diagnostic[]>();
      const cellUris = snapshot.cellUris ?? document.cells.map((c) => c.document);
      const uriOf = (cell: number | undefined) => cellUris[cell ?? 0] ?? document.uri;
      if (problem) byCell.set(uriOf(0), [problem]);
      for (const finding of open) {
        const uri = uriOf(finding.cell);
        const list = byCell.get(uri);
        const diagnostic = toDiagnostic(finding, uriOf, this.links);
        if (list) list.push(diagnostic);
        else byCell.set(uri, [diagnostic]);
      }
      for (const uri of document.published) if (!byCell.has(uri) && document.texts.has(uri)) byCell.set(uri, []);
      for (const uri of [...document.published]) if (!document.texts.has(uri)) document.published.delete(uri);
      for (const [uri, diagnostics] of byCell) {
        const text = document.texts.get(uri);
        void this.connection.sendDiagnostics({ uri, version: text?.version, diagnostics });
        if (diagnostics.length > 0) document.published.add(uri);
        else document.published.delete(uri);
      }
    }
    this.onPublished();
  }

  private clearPublished(document: OpenDocument): void {
    for (const uri of document.published) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    document.published.clear();
    this.onPublished();
  }

  /** Open findings of open documents, keyed by the document (notebook, not cell) URI. */
  openFindings(): Map<string, FindingSummary[]> {
    const result = new Map<string, FindingSummary[]>();
    for (const document of this.all()) {
      const snapshot = document.snapshot;
      if (!snapshot) continue;
      result.set(
        document.uri,
        snapshot.findings.filter(isOpen).map((f) => summarize(document.uri, f)),
      );
    }
    return result;
  }

  dispose(): void {
    for (const document of this.all()) document.dispose();
    this.python.clear();
    this.notebooks.clear();
    this.cellOwner.clear();
  }
}

/** Why a text should not be analysed in the editor: too large, or binary-looking. */
export function inputProblem(text: string, maxFileSize: number): string | undefined {
  // UTF-8 needs at most three bytes per UTF-16 unit: skip counting when it cannot matter.
  if (text.length * 3 > maxFileSize) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxFileSize) return `${bytes} bytes, over the ${maxFileSize}-byte limit (mlsec.maxFileSize / max-file-size)`;
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0 && nul < BINARY_PROBE) return 'binary content (NUL characters)';
  return undefined;
}
