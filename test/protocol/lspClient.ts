/**
 * A real LSP client for the protocol tests: spawns the built server (dist/server.js --stdio),
 * speaks JSON-RPC over its stdio with vscode-languageserver-protocol, answers the server's
 * requests (configuration, registrations, progress, applyEdit) and records what it publishes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import type {
  ClientCapabilities,
  LogMessageParams,
  ProtocolConnection,
  PublishDiagnosticsParams,
  ServerCapabilities,
  TextDocumentContentChangeEvent,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FindingsChangedNotification, MlsecSettings } from '../../common/src/protocol';
import { DEFAULT_SETTINGS } from '../../common/src/protocol';
import { DIST } from '../support/paths';

export const SERVER = path.join(DIST, 'server.js');

export function fileUri(file: string): string {
  return pathToFileURL(file).toString();
}

export interface StartOptions {
  /** Workspace folder paths. */
  folders?: string[];
  /** Settings per scope URI (undefined scope = window); defaults otherwise. */
  settings?: (scopeUri: string | undefined) => Partial<MlsecSettings>;
  initializationOptions?: unknown;
  capabilities?: ClientCapabilities;
  trace?: 'off' | 'messages' | 'verbose';
  /** Run the server as this user and group (tests running as root use it to meet EACCES). */
  user?: { uid: number; gid: number };
}

type Waiter<T> = { test: (value: T) => boolean; resolve: (value: T) => void };

export class LspTestClient {
  readonly published: PublishDiagnosticsParams[] = [];
  readonly logs: LogMessageParams[] = [];
  /** window/showMessage notifications (same shape as log messages: type and message). */
  readonly messages: LogMessageParams[] = [];
  readonly totals: FindingsChangedNotification.Params[] = [];
  readonly progress: Array<{ token: string | number; value: { kind: string; percentage?: number; message?: string } }> = [];
  /** Documents the client has open, kept current with the edits it sends and applies. */
  readonly documents = new Map<string, TextDocument>();
  private readonly diagnosticWaiters: Array<Waiter<PublishDiagnosticsParams>> = [];
  private readonly totalWaiters: Array<Waiter<FindingsChangedNotification.Params>> = [];
  settings: (scopeUri: string | undefined) => Partial<MlsecSettings>;
  stderr = '';
  exited = false;
  serverCapabilities: ServerCapabilities = {};

  private constructor(
    readonly connection: ProtocolConnection,
    readonly child: ChildProcess,
    options: StartOptions,
  ) {
    this.settings = options.settings ?? (() => ({}));
  }

  static async start(options: StartOptions = {}): Promise<LspTestClient> {
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], ...(options.user ?? {}) });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspTestClient(connection, child, options);
    child.stderr!.on('data', (chunk: Buffer) => (client.stderr += chunk.toString()));
    child.on('exit', () => (client.exited = true));
    client.wire();
    connection.listen();
    const folders = options.folders ?? [];
    const initialized = (await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: folders[0] ? fileUri(folders[0]) : null,
      workspaceFolders: folders.map((f) => ({ uri: fileUri(f), name: path.basename(f) })),
      capabilities: options.capabilities ?? defaultCapabilities(),
      initializationOptions: options.initializationOptions,
      trace: options.trace ?? 'off',
    })) as { capabilities: ServerCapabilities };
    client.serverCapabilities = initialized.capabilities;
    await connection.sendNotification('initialized', {});
    return client;
  }

  private wire(): void {
    const c = this.connection;
    c.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      this.published.push(params);
      this.settle(this.diagnosticWaiters, params);
    });
    c.onNotification('window/logMessage', (params: LogMessageParams) => void this.logs.push(params));
    c.onNotification('window/showMessage', (params: LogMessageParams) => void this.messages.push(params));
    c.onNotification('mlsec/findingsChanged', (params: FindingsChangedNotification.Params) => {
      this.totals.push(params);
      this.settle(this.totalWaiters, params);
    });
    c.onNotification(
      '$/progress',
      (params: { token: string | number; value: { kind: string; percentage?: number } }) => void this.progress.push(params),
    );
    c.onRequest('workspace/configuration', (params: { items: Array<{ scopeUri?: string; section?: string }> }) =>
      params.items.map((item) => ({ ...DEFAULT_SETTINGS, ...this.settings(item.scopeUri) })),
    );
    c.onRequest('client/registerCapability', () => null);
    c.onRequest('client/unregisterCapability', () => null);
    c.onRequest('window/workDoneProgress/create', () => null);
    c.onRequest('workspace/applyEdit', (params: { edit: WorkspaceEdit }) => {
      void this.applyEdit(params.edit).catch(() => undefined);
      return { applied: true };
    });
  }

  private settle<T>(waiters: Array<Waiter<T>>, value: T): void {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].test(value)) {
        waiters[i].resolve(value);
        waiters.splice(i, 1);
      }
    }
  }

  /** The next diagnostics published for `uri` that pass `test` (earlier ones are not considered). */
  nextDiagnostics(
    uri: string,
    test: (p: PublishDiagnosticsParams) => boolean = () => true,
    timeoutMs = 10000,
  ): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no diagnostics for ${uri} within ${timeoutMs} ms; server stderr: ${this.stderr.slice(-2000)}`)),
        timeoutMs,
      );
      this.diagnosticWaiters.push({
        test: (p) => p.uri === uri && test(p),
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  nextTotals(
    test: (p: FindingsChangedNotification.Params) => boolean = () => true,
    timeoutMs = 10000,
  ): Promise<FindingsChangedNotification.Params> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no findingsChanged within ${timeoutMs} ms`)), timeoutMs);
      this.totalWaiters.push({
        test,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  /** Opens a Python document and returns its first diagnostics. */
  async open(uri: string, text: string, languageId = 'python'): Promise<PublishDiagnosticsParams> {
    this.documents.set(uri, TextDocument.create(uri, languageId, 1, text));
    const published = this.nextDiagnostics(uri);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return published;
  }

  /** Sends changes and returns the diagnostics published for the new version. */
  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<PublishDiagnosticsParams> {
    const document = this.documents.get(uri)!;
    const version = document.version + 1;
    this.documents.set(uri, TextDocument.update(document, changes, version));
    const published = this.nextDiagnostics(uri, (p) => p.version === version);
    const notebook = this.cellOwner.get(uri);
    if (notebook) {
      const state = this.notebooks.get(notebook)!;
      state.version++;
      await this.connection.sendNotification('notebookDocument/didChange', {
        notebookDocument: { uri: notebook, version: state.version },
        change: { cells: { textContent: [{ document: { uri, version }, changes }] } },
      });
    } else {
      await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    }
    return published;
  }

  readonly notebooks = new Map<string, { version: number; cells: string[] }>();
  private readonly cellOwner = new Map<string, string>();

  /**
   * Whether a cell of this language is synced, as vscode-languageclient decides it: only the cells
   * matching the server's `notebookSelector[].cells` languages (all cells when it names none).
   */
  private syncsCell(languageId: string): boolean {
    const sync = this.serverCapabilities.notebookDocumentSync;
    const selector = sync && 'notebookSelector' in sync ? sync.notebookSelector : [];
    return selector.some((entry) => entry.cells === undefined || entry.cells.some((cell) => cell.language === languageId));
  }

  /**
   * Opens a Jupyter notebook through notebook sync; returns the cell document URIs (index = the
   * cell's position in the notebook). Like VS Code, only the cells the server's selector asks for
   * are sent.
   */
  async openNotebook(uri: string, cells: Array<{ kind: 'code' | 'markdown'; text: string; language?: string }>): Promise<string[]> {
    const cellUris = cells.map((_, i) => `vscode-notebook-cell:${uri.replace(/^file:\/\//, '')}#cell${i}`);
    const all = cells.map((cell, i) => ({
      uri: cellUris[i],
      kind: cell.kind === 'code' ? 2 : 1,
      languageId: cell.language ?? (cell.kind === 'code' ? 'python' : 'markdown'),
      version: 1,
      text: cell.text,
    }));
    const items = all.filter((item) => this.syncsCell(item.languageId));
    for (const item of items) {
      this.documents.set(item.uri, TextDocument.create(item.uri, item.languageId, 1, item.text));
      this.cellOwner.set(item.uri, uri);
    }
    this.notebooks.set(uri, { version: 1, cells: items.map((item) => item.uri) });
    await this.connection.sendNotification('notebookDocument/didOpen', {
      notebookDocument: {
        uri,
        notebookType: 'jupyter-notebook',
        version: 1,
        cells: items.map((item) => ({ kind: item.kind, document: item.uri })),
      },
      cellTextDocuments: items.map(({ uri: cellUri, languageId, version, text }) => ({ uri: cellUri, languageId, version, text })),
    });
    return cellUris;
  }

  /** Inserts a code cell at `index` (a structure change). */
  async insertCell(uri: string, index: number, text: string, cellUri: string): Promise<string> {
    const state = this.notebooks.get(uri)!;
    this.documents.set(cellUri, TextDocument.create(cellUri, 'python', 1, text));
    this.cellOwner.set(cellUri, uri);
    state.cells.splice(index, 0, cellUri);
    state.version++;
    await this.connection.sendNotification('notebookDocument/didChange', {
      notebookDocument: { uri, version: state.version },
      change: {
        cells: {
          structure: {
            array: { start: index, deleteCount: 0, cells: [{ kind: 2, document: cellUri }] },
            didOpen: [{ uri: cellUri, languageId: 'python', version: 1, text }],
          },
        },
      },
    });
    return cellUri;
  }

  async closeNotebook(uri: string): Promise<void> {
    const state = this.notebooks.get(uri)!;
    this.notebooks.delete(uri);
    for (const cell of state.cells) {
      this.cellOwner.delete(cell);
      this.documents.delete(cell);
    }
    await this.connection.sendNotification('notebookDocument/didClose', {
      notebookDocument: { uri },
      cellTextDocuments: state.cells.map((c) => ({ uri: c })),
    });
  }

  async close(uri: string): Promise<void> {
    this.documents.delete(uri);
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  text(uri: string): string {
    return this.documents.get(uri)!.getText();
  }

  /** The edits of a workspace edit, per document. */
  static editsByUri(edit: WorkspaceEdit): Map<string, TextEdit[]> {
    const byUri = new Map<string, TextEdit[]>();
    for (const [uri, edits] of Object.entries(edit.changes ?? {})) byUri.set(uri, edits);
    for (const change of edit.documentChanges ?? []) {
      if (!('textDocument' in change)) throw new Error('unexpected resource operation');
      byUri.set(change.textDocument.uri, [...(byUri.get(change.textDocument.uri) ?? []), ...(change.edits as TextEdit[])]);
    }
    return byUri;
  }

  /**
   * Applies a workspace edit as an editor does: the edits of each document become incremental
   * content changes (last one first, so earlier positions stay valid), sent to the server.
   * Returns the diagnostics published for the new version of `uri` (when given).
   */
  async applyEdit(edit: WorkspaceEdit, uri?: string): Promise<PublishDiagnosticsParams | undefined> {
    let result: Promise<PublishDiagnosticsParams> | undefined;
    for (const [target, edits] of LspTestClient.editsByUri(edit)) {
      if (!this.documents.has(target)) throw new Error(`edit for a document that is not open: ${target}`);
      const ordered = [...edits].sort(
        (a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character,
      );
      const sent = this.change(
        target,
        ordered.map((e) => ({ range: e.range, text: e.newText })),
      );
      if (target === uri) result = sent;
      else sent.catch(() => undefined);
    }
    return result;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), delay(3000)]);
      await this.connection.sendNotification('exit');
    } catch {
      // the server may already be gone
    }
    await Promise.race([new Promise((resolve) => this.child.once('exit', resolve)), delay(3000)]);
    if (!this.exited) this.child.kill();
    this.connection.dispose();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function defaultCapabilities(): ClientCapabilities {
  return {
    workspace: {
      configuration: true,
      didChangeConfiguration: { dynamicRegistration: true },
      didChangeWatchedFiles: { dynamicRegistration: true },
      workspaceEdit: { documentChanges: true },
      workspaceFolders: true,
      applyEdit: true,
    },
    textDocument: {
      synchronization: { didSave: true, dynamicRegistration: false },
      publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
      codeAction: {
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } },
        isPreferredSupport: true,
      },
      hover: { contentFormat: ['markdown', 'plaintext'] },
    },
    notebookDocument: { synchronization: { dynamicRegistration: false } },
    window: { workDoneProgress: true },
  };
}
