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

export const CLIENT_ID = 'mlsec';
export const CLIENT_NAME = 'mlsec ML Security';

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
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011', '--expose-gc'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel,
    // Settings are pulled by the server per document (workspace/configuration); this only makes
    // the client forward change notifications for our section.
    synchronize: {
      configurationSection: 'mlsec',
      // Project configuration read by the server; it reloads when one changes.
      // Manifests and locks: their findings, and the versions version-aware rules read.
      fileEvents: [vscode.workspace.createFileSystemWatcher('**/{pyproject.toml,.mlsec.toml,.gitignore}'), vscode.workspace.createFileSystemWatcher(MANIFEST_PATTERN)],
    },
    diagnosticCollectionName: 'mlsec',
    // Diagnostics link their rule code to the documentation page shipped inside the extension.
    initializationOptions: { extensionDocsUri: vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules').toString() } satisfies InitializationOptions,
  };
  return new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
}
