/**
 * Builds the language client for the bundled server (dist/server.js, run by VS Code's own Node
 * over IPC). Python files and the Python cells of Jupyter notebooks are synced; notebook cells go
 * through LSP notebook synchronisation when the server announces `notebookDocumentSync`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import type { LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import type { InitializationOptions } from '../../common/src/protocol';
import { Commands } from '../../common/src/protocol';

export const CLIENT_ID = 'mlsec';
export const CLIENT_NAME = 'mlsec ML Security';
/** `mlsec.untrustedWorkspace.ignoreRepositoryConfig`, read when the server starts. */
export const IGNORE_REPOSITORY_CONFIG = 'untrustedWorkspace.ignoreRepositoryConfig';

/** Dependency manifests and lock files, checked against vulnerability advisories (MLS7xx). */
export const MANIFEST_PATTERN =
  '**/{requirements*.txt,*requirements.txt,requirements*.in,*requirements.in,constraints*.txt,requirements/*.txt,pyproject.toml,setup.cfg,Pipfile,Pipfile.lock,poetry.lock,uv.lock,pylock*.toml,environment*.yml,environment*.yaml}';

/** The documents the server analyses: Python on disk or unsaved, Python cells of notebooks, manifests. */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'python' },
  { scheme: 'file', pattern: MANIFEST_PATTERN },
  { scheme: 'untitled', language: 'python' },
  { notebook: { notebookType: 'jupyter-notebook', scheme: 'file' }, language: 'python' },
  { notebook: { notebookType: 'jupyter-notebook', scheme: 'untitled' }, language: 'python' },
];

export function createLanguageClient(context: vscode.ExtensionContext, outputChannel: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    // --expose-gc: after replacing its parser runtime the server collects the old one at once,
    // giving its WebAssembly memory back (server/src/lsp/analysis.ts, parserReady).
    run: { module, transport: TransportKind.ipc, options: { execArgv: ['--expose-gc'] } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009', '--expose-gc'] } },
  };
  // Set below; read by the middleware only once requests flow.
  let client: LanguageClient | undefined;
  const running = (): boolean => client?.isRunning() === true;
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel,
    // Settings are pulled by the server per document (workspace/configuration); the server
    // registers for change notifications itself (naming `configurationSection` here as well would
    // send every change twice).
    synchronize: {
      // Project configuration read by the server; it reloads when one changes.
      // Manifests and locks: their findings, and the versions version-aware rules read.
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/{pyproject.toml,.mlsec.toml,.gitignore}'),
        vscode.workspace.createFileSystemWatcher(MANIFEST_PATTERN),
      ],
    },
    diagnosticCollectionName: 'mlsec',
    // Diagnostics and hovers link rule codes to the documentation command, which shows the page
    // rendered and read-only (ruleDocs.ts); the shipped page is the fallback for other clients.
    // A function: read again at every (re)start, as trust and the setting may have changed.
    initializationOptions: (): InitializationOptions => ({
      extensionDocsUri: vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules').toString(),
      ruleDocsCommand: Commands.openRuleDocs,
      workspaceTrusted: vscode.workspace.isTrusted,
      ignoreRepositoryConfig: vscode.workspace.getConfiguration('mlsec').get<boolean>(IGNORE_REPOSITORY_CONFIG, false),
    }),
    // Hover links may run that one command, and nothing else.
    markdown: { isTrusted: { enabledCommands: [Commands.openRuleDocs] } },
    // While the window closes (the client stopping) VS Code still asks for code actions and
    // hovers; answering nothing avoids "Channel has been closed" errors in the log.
    middleware: {
      provideCodeActions: (document, range, actionContext, token, next) => (running() ? next(document, range, actionContext, token) : []),
      provideHover: (document, position, token, next) => (running() ? next(document, position, token) : undefined),
    },
  };
  client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  return client;
}
