/**
 * Entry point of the VS Code extension: wiring only. It starts the language server, and connects
 * the status bar, the checklist view and the commands to it.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, FindingsChangedNotification } from '../../common/src/protocol';
import { ChecklistController } from './checklist/controller';
import { createLanguageClient, IGNORE_REPOSITORY_CONFIG } from './client';
import { ACTIVATED_CONTEXT } from './contextKeys';
import { registerCommands } from './commands';
import { RULE_DOCS_SCHEME, RuleDocsProvider } from './ruleDocs';
import { FindingsStatusBar } from './statusBar';

/** What `activate` returns; the extension-host tests use it. */
export interface MlsecApi {
  client: LanguageClient;
  checklist: ChecklistController;
  statusBar: FindingsStatusBar;
  /** Settles once the server has started (or failed to) and the first evidence was requested. */
  ready: Promise<void>;
}

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): MlsecApi {
  const log = vscode.window.createOutputChannel('mlsec', { log: true });
  context.subscriptions.push(log);
  client = createLanguageClient(context, log);
  const current = client;
  const statusBar = new FindingsStatusBar();
  const checklist = new ChecklistController(() => current, log);
  context.subscriptions.push(statusBar, checklist);
  const ruleDocs = new RuleDocsProvider(() => current, context.extensionUri, log);
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(RULE_DOCS_SCHEME, ruleDocs));
  registerCommands({ extension: context, client: () => current, checklist, statusBar, log, ruleDocs });
  // The checklist view shows its "starting" welcome text until this is set (package.json
  // viewsWelcome), instead of VS Code's "no data provider" message.
  void vscode.commands.executeCommand('setContext', ACTIVATED_CONTEXT, true);

  // The server learns trust and the repository-configuration choice when it starts: restart it
  // when either changes, so the results follow.
  const restartForTrust = (why: string) => {
    if (!current.isRunning()) return;
    log.info(`${why}: restarting the language server`);
    void vscode.commands.executeCommand(Commands.restart);
  };
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => restartForTrust('the workspace is now trusted')),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!vscode.workspace.isTrusted && event.affectsConfiguration(`mlsec.${IGNORE_REPOSITORY_CONFIG}`))
        restartForTrust(`mlsec.${IGNORE_REPOSITORY_CONFIG} changed`);
    }),
  );

  const showChecklistState = () =>
    statusBar.updateChecklist({ checklist: checklist.state(), coverage: checklist.currentEvidence()?.coverage });
  context.subscriptions.push(checklist.onDidChange(showChecklistState));

  current.onNotification(FindingsChangedNotification.method, (params: FindingsChangedNotification.Params) => {
    statusBar.update(params.counts);
    checklist.markStale();
  });

  const ready = current.start().then(
    async () => {
      await checklist.refresh();
      const counts = checklist.currentEvidence()?.counts;
      if (counts && !statusBar.current()) statusBar.update(counts);
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      log.error(`the language server did not start: ${message}`);
      void checklist.refresh();
      void vscode.window.showErrorMessage('mlsec: the language server did not start.', 'Show Output').then((choice) => {
        if (choice) log.show(true);
      });
    },
  );
  return { client: current, checklist, statusBar, ready };
}

export async function deactivate(): Promise<void> {
  if (client?.isRunning()) await client.stop();
  client = undefined;
}
