/** "ML Security: Update Model Lock": asks the server to record the workspace's model files in mlsec.lock. */
import * as vscode from 'vscode';
import { UpdateModelLockRequest } from '../../common/src/modelFiles';
import { Commands } from '../../common/src/protocol';
import type { CommandContext } from './commands';

export function registerModelLockCommand(ctx: CommandContext, register: (id: string, handler: () => unknown) => void): void {
  register(Commands.updateModelLock, async () => {
    const client = ctx.client();
    if (!client?.isRunning()) throw new Error('the language server is not running; see ML Security: Show Output.');
    const result = await client.sendRequest<UpdateModelLockRequest.Result>(UpdateModelLockRequest.method);
    if (result.locks.length === 0) {
      void vscode.window.showInformationMessage('mlsec: no model files in the workspace, no lock written.');
      return result;
    }
    const text = result.locks
      .map(
        (l) =>
          `${vscode.workspace.asRelativePath(vscode.Uri.parse(l.uri))}: ${l.entries} locked (${l.added} added, ${l.changed} changed, ${l.removed} removed)`,
      )
      .join('; ');
    void vscode.window.showInformationMessage(`mlsec: ${text}. Review and commit mlsec.lock.`);
    return result;
  });
}
