/**
 * The mlsec language server: live diagnostics, quick fixes, hovers and notebook support for
 * Python, plus the workspace scan and checklist evidence the extension's panels use. It runs the
 * same engine and rules as the CLI (server/src/engine, server/src/rules); this file only wires
 * LSP messages to the modules in ./lsp.
 *
 * Transport: whatever the client chose on the command line (`--stdio`, `--node-ipc`, `--socket`).
 * Diagnostics are pushed (textDocument/publishDiagnostics), which every client supports, including
 * notebook cells.
 */
import * as path from 'node:path';
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  LSPErrorCodes,
  ResponseError,
  TextDocumentSyncKind,
  ShowMessageNotification,
  MessageType,
  WatchKind,
} from 'vscode-languageserver/node';
import type { Diagnostic, InitializeParams, InitializeResult, WorkDoneProgressReporter } from 'vscode-languageserver/node';
import type { InitializationOptions } from '../../common/src/protocol';
import { ChecklistEvidenceRequest, Commands, RuleDocumentationRequest, ScanWorkspaceRequest } from '../../common/src/protocol';
import { Analyzer } from './engine/pipeline/analyzer';
import { findRule } from './engine/config/selection';
import { ALL_RULES } from './rules/index';
import { LiveAnalysis } from './lsp/analysis';
import { CodeActions, FIX_ALL_KIND } from './lsp/codeActions';
import { provideHover } from './lsp/hover';
import { Logger } from './lsp/logger';
import { RuleLinks, rulePage } from './lsp/rulePages';
import { MODEL_FILE_GLOBS } from './artifacts/inspect';
import { UpdateModelLockRequest } from '../../common/src/modelFiles';
import { ModelFileIndex } from './lsp/modelFiles';
import { RULE_CATALOGUE } from './rules/catalogue';
import { DocumentConfigs, SettingsStore } from './lsp/settings';
import { SettingsChanges } from './lsp/settingsChange';
import { DIAGNOSTIC_SOURCE } from './lsp/diagnostics';
import { filePathOf, fileUriOf } from './lsp/uris';
import type { ConfigProblem } from './engine/config/projectConfig';
import type { ProgressSink } from './lsp/workspaceScan';
import { WorkspaceIndex } from './lsp/workspaceScan';
import { exportSarif } from './lsp/sarifExport';
import { ExportSarifRequest } from '../../common/src/sarifExport';
import { Lifecycle, refuseWith } from './lsp/lifecycle';

// Requests before `initialize` and after `shutdown` are refused as LSP requires (lsp/lifecycle.ts).
const lifecycle = new Lifecycle();
const connection = createConnection({ messageStrategy: lifecycle });
refuseWith(connection);
const logger = new Logger(connection);

// Start loading the WebAssembly parser while the client is still initialising.
const analyzerReady = Analyzer.create(ALL_RULES);

interface Services {
  analyzer: Analyzer;
  settings: SettingsStore;
  configs: DocumentConfigs;
  live: LiveAnalysis;
  actions: CodeActions;
  index: WorkspaceIndex;
  links: RuleLinks;
  settingsChanges: SettingsChanges;
}

let services: Services | undefined;
let folders: string[] = [];
let clientCapabilities: InitializeParams['capabilities'] = {};

function folderPaths(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return uris.map(filePathOf).filter((p): p is string => p !== undefined);
}

/** Project files (pyproject.toml, .mlsec.toml) with published problems. */
const configFilesWithProblems = new Set<string>();

/**
 * Shows project-file problems where the user edits them: as diagnostics on the file, at the line
 * when known, replacing the previous set (a fixed file loses its diagnostics).
 */
function publishConfigProblems(problems: readonly ConfigProblem[]): void {
  const byUri = new Map<string, Diagnostic[]>();
  for (const problem of problems) {
    const uri = fileUriOf(problem.file);
    const line = problem.line ?? 0;
    const diagnostic: Diagnostic = {
      range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } },
      severity: problem.fatal ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      source: DIAGNOSTIC_SOURCE,
      code: 'config',
      message: `mlsec configuration: ${problem.message}; ${problem.effect ?? 'defaults are used instead'}.`,
    };
    const list = byUri.get(uri);
    if (list) list.push(diagnostic);
    else byUri.set(uri, [diagnostic]);
  }
  for (const uri of configFilesWithProblems) if (!byUri.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
  configFilesWithProblems.clear();
  for (const [uri, diagnostics] of byUri) {
    void connection.sendDiagnostics({ uri, diagnostics });
    configFilesWithProblems.add(uri);
  }
}

connection.onInitialize(async (params): Promise<InitializeResult> => {
  clientCapabilities = params.capabilities;
  folders = folderPaths(params);
  const analyzer = await analyzerReady;
  const options = (params.initializationOptions ?? {}) as InitializationOptions;
  const links = new RuleLinks(
    typeof options.extensionDocsUri === 'string' ? options.extensionDocsUri : undefined,
    typeof options.ruleDocsCommand === 'string' ? options.ruleDocsCommand : undefined,
  );
  const settings = new SettingsStore(connection, logger, params.capabilities.workspace?.configuration === true);
  const workspaceTrusted = options.workspaceTrusted !== false;
  const repositoryConfigIgnored = !workspaceTrusted && options.ignoreRepositoryConfig === true;
  const configs = new DocumentConfigs(settings, analyzer, () => folders, logger, repositoryConfigIgnored);
  configs.onConfigProblems = publishConfigProblems;
  // Editor settings naming unknown rules or selecting none: said in a window message, once each.
  settings.onSettings = (raw, normalized) => configs.checkSettings(raw, normalized);
  configs.onSettingsProblem = (problem) => {
    const text = `mlsec settings: ${problem.message}`;
    // A notification, not a request: nothing waits for the user to dismiss it.
    void connection.sendNotification(ShowMessageNotification.type, {
      type: problem.fatal ? MessageType.Error : MessageType.Warning,
      message: text,
    });
  };
  const live = new LiveAnalysis(connection, analyzer, configs, links, logger);
  const workspaceEdit = params.capabilities.workspace?.workspaceEdit;
  const actions = new CodeActions(
    live,
    links,
    { documentChanges: workspaceEdit?.documentChanges === true, snippets: workspaceEdit?.snippetEditSupport === true },
    (uri) => configs.forDocument(uri).then((c) => c.settings.suppressionActions),
  );
  const index = new WorkspaceIndex(connection, analyzer, settings, configs, live, links, logger, () => folders);
  index.models = new ModelFileIndex(connection, configs, links, logger, () => index.notifyTotals());
  index.trust = { workspaceTrusted, repositoryConfigIgnored };
  if (repositoryConfigIgnored)
    logger.info('untrusted workspace: project configuration files are not applied (mlsec.untrustedWorkspace.ignoreRepositoryConfig)');
  live.onPublished = () => index.notifyTotals();
  const settingsChanges = new SettingsChanges({
    settings,
    configs,
    live,
    index,
    logger,
    folders: () => folders,
    applyWindowSettings: (w) => logger.setLevel(w.logLevel),
  });
  services = { analyzer, settings, configs, live, actions, index, links, settingsChanges };
  logger.info(
    `mlsec server ${serverVersion()} on node ${process.version}, ${analyzer.rules.length} rules, ${folders.length} workspace folder(s)`,
  );
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      notebookDocumentSync: {
        // Every cell is synced, markdown included: a finding's cell index must be the cell's
        // position in the notebook (as on disk, in the CLI and the report), which a list of the
        // Python cells alone cannot give. Only Python code cells are analysed (codeCells()).
        notebookSelector: [{ notebook: { notebookType: 'jupyter-notebook' } }],
        save: true,
      },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
      hoverProvider: true,
      executeCommandProvider: { commands: [Commands.applySafeFixes] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'mlsec', version: serverVersion() },
  };
});

connection.onInitialized(async () => {
  const s = services!;
  if (clientCapabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'mlsec' });
  }
  if (clientCapabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
    const all = WatchKind.Create | WatchKind.Change | WatchKind.Delete;
    void connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: ['**/*.py', '**/*.pyi', '**/*.ipynb', '**/pyproject.toml', '**/.mlsec.toml', '**/.gitignore', ...MODEL_FILE_GLOBS].map(
        (globPattern) => ({ globPattern, kind: all }),
      ),
    });
  }
  if (clientCapabilities.workspace?.workspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders((event) => {
      const removed = new Set(event.removed.map((f) => filePathOf(f.uri)));
      folders = [
        ...folders.filter((f) => !removed.has(f)),
        ...event.added.map((f) => filePathOf(f.uri)).filter((p): p is string => p !== undefined),
      ];
      s.configs.clearProjectFiles();
      s.live.reanalyzeAll();
    });
  }
  // mlsec.logLevel (window-wide) sets how much the server logs; info until it is read.
  const windowSettings = await s.settings.get(undefined);
  logger.setLevel(windowSettings.logLevel);
});

function withServices<P, R>(fallback: R, handler: (s: Services, params: P) => R | Promise<R>): (params: P) => Promise<R> {
  return async (params: P) => {
    if (!services) return fallback;
    try {
      return await handler(services, params);
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      logger.error('request failed', error);
      return fallback;
    }
  };
}

// --- Python documents ------------------------------------------------------------------------
connection.onDidOpenTextDocument(
  withServices(undefined, (s, p) =>
    s.live.openPython(p.textDocument.uri, p.textDocument.languageId, p.textDocument.version, p.textDocument.text),
  ),
);
connection.onDidChangeTextDocument(
  withServices(undefined, (s, p) => s.live.changePython(p.textDocument.uri, p.contentChanges, p.textDocument.version)),
);
connection.onDidSaveTextDocument(withServices(undefined, (s, p) => s.live.savePython(p.textDocument.uri)));
connection.onDidCloseTextDocument(
  withServices(undefined, (s, p) => {
    s.live.closePython(p.textDocument.uri);
    s.index.documentClosed(p.textDocument.uri);
  }),
);

// --- Notebooks -------------------------------------------------------------------------------
connection.notebooks.synchronization.onDidOpenNotebookDocument(withServices(undefined, (s, p) => s.live.openNotebook(p)));
connection.notebooks.synchronization.onDidChangeNotebookDocument(withServices(undefined, (s, p) => s.live.changeNotebook(p)));
connection.notebooks.synchronization.onDidSaveNotebookDocument(
  withServices(undefined, (s, p) => s.live.saveNotebook(p.notebookDocument.uri)),
);
connection.notebooks.synchronization.onDidCloseNotebookDocument(
  withServices(undefined, (s, p) => {
    s.live.closeNotebook(p.notebookDocument.uri);
    s.index.documentClosed(p.notebookDocument.uri);
  }),
);

// --- Settings and files ----------------------------------------------------------------------
connection.onDidChangeConfiguration(withServices(undefined, (s, p) => s.settingsChanges.notify(p.settings)));
connection.onDidChangeWatchedFiles(withServices(undefined, (s, p) => s.index.filesChanged(p.changes)));

// --- Features --------------------------------------------------------------------------------
connection.onCodeAction((params, token) =>
  services ? services.actions.provide(params, token).catch((e) => (logger.error('code action failed', e), [])) : [],
);
connection.onHover((params) =>
  services
    ? provideHover(params, services.live, services.analyzer.rules, services.links).catch((e) => (logger.error('hover failed', e), null))
    : null,
);

connection.onExecuteCommand(async (params) => {
  if (!services || params.command !== Commands.applySafeFixes) return null;
  const uri = params.arguments?.[0];
  if (typeof uri !== 'string') throw new ResponseError(LSPErrorCodes.RequestFailed, `${Commands.applySafeFixes} expects a document URI`);
  const edit = await services.actions.fixAll(uri);
  if (!edit) return { applied: false, fixes: 0 };
  const result = await connection.workspace.applyEdit({ label: 'mlsec: apply all safe fixes', edit });
  return { applied: result.applied };
});

async function progressFor(token: string | number | undefined, title: string): Promise<{ sink: ProgressSink; done(): void }> {
  let reporter: WorkDoneProgressReporter | undefined;
  if (token !== undefined) reporter = connection.window.attachWorkDoneProgress(token);
  else if (clientCapabilities.window?.workDoneProgress) {
    try {
      reporter = await connection.window.createWorkDoneProgress();
    } catch {
      reporter = undefined;
    }
  }
  reporter?.begin(title, 0, undefined, true);
  return {
    sink: {
      report: (percentage, message) => (message === undefined ? reporter?.report(percentage) : reporter?.report(percentage, message)),
    },
    done: () => reporter?.done(),
  };
}

connection.onRequest(ScanWorkspaceRequest.method, async (params: ScanWorkspaceRequest.Params | undefined, token) => {
  if (!services) throw new ResponseError(LSPErrorCodes.ServerCancelled, 'the server is not initialised');
  const progress = await progressFor(params?.workDoneToken, 'mlsec: scanning the workspace');
  try {
    return await services.index.scan(token, progress.sink);
  } finally {
    progress.done();
  }
});

connection.onRequest(ChecklistEvidenceRequest.method, async (params: ChecklistEvidenceRequest.Params | undefined, token) => {
  if (!services) throw new ResponseError(LSPErrorCodes.ServerCancelled, 'the server is not initialised');
  const needsScan = params?.rescan || !services.index.hasScanned;
  const progress = needsScan ? await progressFor(undefined, 'mlsec: gathering checklist evidence') : undefined;
  try {
    return await services.index.checklistEvidence(params, token, progress?.sink);
  } finally {
    progress?.done();
  }
});

connection.onRequest(UpdateModelLockRequest.method, async (): Promise<UpdateModelLockRequest.Result> => {
  if (!services?.index.models) throw new ResponseError(LSPErrorCodes.ServerCancelled, 'the server is not initialised');
  try {
    return await services.index.models.updateLock(folders);
  } catch (error) {
    throw new ResponseError(LSPErrorCodes.RequestFailed, error instanceof Error ? error.message : String(error));
  }
});

connection.onRequest(
  RuleDocumentationRequest.method,
  (params: RuleDocumentationRequest.Params | undefined): RuleDocumentationRequest.Result => {
    const rule = services && typeof params?.code === 'string' ? findRule(RULE_CATALOGUE, params.code) : undefined;
    if (!rule) throw new ResponseError(LSPErrorCodes.RequestFailed, `unknown rule: ${String(params?.code)}`);
    return { code: rule.code, name: rule.name, markdown: rulePage(rule) };
  },
);

connection.onRequest(ExportSarifRequest.method, async (_params: ExportSarifRequest.Params | undefined, token) => {
  if (!services) throw new ResponseError(LSPErrorCodes.ServerCancelled, 'the server is not initialised');
  const { analyzer, settings, configs } = services;
  return exportSarif({ analyzer, settings, configs, folders, version: serverVersion(), logger }, token);
});

connection.onShutdown(() => {
  services?.settingsChanges.dispose();
  services?.index.dispose();
  services?.live.dispose();
});

function serverVersion(): string {
  try {
    // dist/server.js → ../package.json inside the extension; absent when run from elsewhere.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the extension's own manifest, bundled next to the server
    return (require(path.join(__dirname, '..', 'package.json')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

// A bug must be logged, not end the session: the editor would lose every diagnostic.
process.on('uncaughtException', (error) => logger.error('uncaught exception', error));
process.on('unhandledRejection', (error) => logger.error('unhandled rejection', error));

connection.listen();
