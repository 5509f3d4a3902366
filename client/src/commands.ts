/**
 * The palette and view commands (category "ML Security"). Every command that acts on a checklist
 * item accepts a tree node, an item id or nothing (then it asks), so the view's context menu, the
 * palette and the tests all use the same entry points.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { WorkDoneProgress } from 'vscode-languageclient/node';
import type { WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport } from 'vscode-languageclient/node';
import { CHECKLIST, REVIEW_FILE, plural } from '../../common/src/checklist';
import { Commands, ScanWorkspaceRequest } from '../../common/src/protocol';
import { ExportSarifRequest } from '../../common/src/sarifExport';
import type { ChecklistController } from './checklist/controller';
import { CHECKLIST_VIEW_ID } from './checklist/controller';
import type { FindingFilter, NodeLocation } from './checklist/model';
import { displayStatus, findingLabel, itemDescription } from './checklist/model';
import { REVIEWED_FIELD, readGitCommit, snapshotOf } from './checklist/staleness';
import type { ReviewChange } from './checklist/reviewFile';
import { registerModelLockCommand } from './modelLock';
import type { RuleDocsProvider } from './ruleDocs';
import { showRuleDocs } from './ruleDocs';
import type { FindingsStatusBar } from './statusBar';

export interface CommandContext {
  extension: vscode.ExtensionContext;
  client: () => LanguageClient | undefined;
  checklist: ChecklistController;
  statusBar: FindingsStatusBar;
  log: vscode.LogOutputChannel;
  ruleDocs: RuleDocsProvider;
}

export function registerCommands(ctx: CommandContext): void {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- VS Code passes command arguments untyped
  const register = (id: string, handler: (...args: any[]) => unknown): void => {
    ctx.extension.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          ctx.log.error(`${id}: ${message}`);
          void vscode.window.showErrorMessage(`mlsec: ${message}`);
          return undefined;
        }
      }),
    );
  };
  register(Commands.scanWorkspace, () => scanWorkspace(ctx));
  register(Commands.showChecklist, () => vscode.commands.executeCommand(`${CHECKLIST_VIEW_ID}.focus`));
  register(Commands.refreshChecklist, () =>
    vscode.window.withProgress({ location: { viewId: CHECKLIST_VIEW_ID }, title: 'Gathering evidence' }, () =>
      ctx.checklist.refreshAndShow(),
    ),
  );
  register(Commands.exportReport, (target?: unknown) => exportReport(ctx, target));
  register(Commands.filterChecklist, (filter?: FindingFilter) => filterChecklist(ctx, filter));
  register(Commands.markReviewed, (arg?: unknown, note?: string, acknowledge?: boolean) =>
    review(ctx, arg, 'reviewed', note, acknowledge === true),
  );
  register(Commands.markNotApplicable, (arg?: unknown, reason?: string) => review(ctx, arg, 'not-applicable', reason));
  register(Commands.resetReview, (arg?: unknown) => review(ctx, arg, 'reset'));
  register(Commands.openRuleDocs, (arg?: unknown) => openRuleDocumentation(ctx, arg));
  register(Commands.showOutput, () => ctx.log.show(true));
  register(Commands.restart, () => restartServer(ctx));
  register(Commands.openLocation, (location: NodeLocation) => openLocation(location));
  registerModelLockCommand(ctx, register);
}

async function scanWorkspace(ctx: CommandContext): Promise<ScanWorkspaceRequest.Result | undefined> {
  const client = ctx.client();
  if (!client?.isRunning()) throw new Error('the language server is not running; see ML Security: Show Output.');
  if (!vscode.workspace.workspaceFolders?.length) throw new Error('open a folder to scan.');
  const token = `mlsec-scan-${Date.now()}`;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'mlsec: scanning workspace', cancellable: false },
    async (progress) => {
      let reported = 0;
      const listener = client.onProgress(
        WorkDoneProgress.type,
        token,
        (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
          if (value.kind === 'end') return;
          const percentage = value.percentage;
          const increment = percentage !== undefined && percentage > reported ? percentage - reported : undefined;
          if (percentage !== undefined) reported = Math.max(reported, percentage);
          progress.report({ message: value.message, increment });
        },
      );
      try {
        const params: ScanWorkspaceRequest.Params = { workDoneToken: token };
        return await client.sendRequest<ScanWorkspaceRequest.Result>(ScanWorkspaceRequest.method, params);
      } finally {
        listener.dispose();
      }
    },
  );
  ctx.statusBar.update(result.counts);
  const total = result.counts.error + result.counts.warning + result.counts.info;
  ctx.log.info(
    `scanned ${result.files} files in ${Math.round(result.durationMs)} ms: ${total} open findings, ${result.problems.length} files not analysed`,
  );
  for (const problem of result.problems)
    ctx.log.warn(`${problem.uri}${problem.line !== undefined ? `:${problem.line + 1}` : ''}: ${problem.message}`);
  await ctx.checklist.refresh();
  const summary = `mlsec scanned ${plural(result.files, 'file')}: ${plural(total, 'open finding')} (${result.counts.error} errors, ${result.counts.warning} warnings)${result.problems.length ? `; ${plural(result.problems.length, 'file')} could not be analysed` : ''}.`;
  void vscode.window.showInformationMessage(summary, 'Show Checklist').then((choice) => {
    if (choice) void vscode.commands.executeCommand(Commands.showChecklist);
  });
  return result;
}

/** The report's default file name, at the root of the folder holding the review. */
export const REPORT_FILE = 'ml-security-checklist.md';

/**
 * Saves the checklist report to a file the user picks (the workspace root by default; Markdown,
 * JSON with the evidence and review as data, or SARIF with the workspace's findings) and opens
 * it: a saved file whose relative links resolve from the repository root, not an Untitled buffer
 * that asks to be saved. A target URI may be passed (tests, other extensions) to skip the dialog.
 */
async function exportReport(ctx: CommandContext, target?: unknown): Promise<vscode.Uri | undefined> {
  if (!ctx.checklist.currentEvidence()) await ctx.checklist.refresh();
  const version = (ctx.extension.extension.packageJSON as { version?: string }).version;
  const generator = `mlsec ${version ?? ''}`.trim();
  const folder = ctx.checklist.reviewFolder() ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  let uri = target instanceof vscode.Uri ? target : typeof target === 'string' ? vscode.Uri.file(target) : undefined;
  if (!uri) {
    uri = await vscode.window.showSaveDialog({
      title: 'Export the security checklist',
      defaultUri: folder ? vscode.Uri.joinPath(folder, REPORT_FILE) : undefined,
      filters: { Markdown: ['md'], JSON: ['json'], SARIF: ['sarif'] },
      saveLabel: 'Export',
    });
  }
  if (!uri) return undefined;
  const name = uri.path.toLowerCase();
  const content = name.endsWith('.sarif')
    ? await sarifLog(ctx)
    : name.endsWith('.json')
      ? ctx.checklist.reportJson(generator)
      : ctx.checklist.reportMarkdown(generator);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
  ctx.log.info(`checklist report written to ${uri.fsPath}`);
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}

/**
 * The workspace's findings as SARIF, from the server: the CLI's formatter (`mlsec scan --format
 * sarif`) writes it, so the view has no SARIF writer of its own.
 */
async function sarifLog(ctx: CommandContext): Promise<string> {
  const client = ctx.client();
  if (!client?.isRunning()) throw new Error('the language server is not running; see ML Security: Show Output.');
  const result = await vscode.window.withProgress(
    { location: { viewId: CHECKLIST_VIEW_ID }, title: 'Writing SARIF' },
    (): Promise<ExportSarifRequest.Result> => client.sendRequest<ExportSarifRequest.Result>(ExportSarifRequest.method, {}),
  );
  if (result.problems > 0)
    void vscode.window.showWarningMessage(
      `mlsec: ${plural(result.problems, 'file')} had problems (not analysed, or analysed in part); the SARIF log lists them as tool notifications.`,
    );
  return result.sarif;
}

/** The item a command is about: a tree node, an id, or the user's pick. */
async function resolveItem(ctx: CommandContext, arg: unknown, placeHolder: string): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { itemId?: unknown }).itemId === 'string') return (arg as { itemId: string }).itemId;
  const evidence = ctx.checklist.currentEvidence();
  const picked = await vscode.window.showQuickPick(
    CHECKLIST.map((item) => ({
      label: item.title,
      // The same words as the tree's row.
      description: itemDescription(
        displayStatus(
          evidence?.items.find((e) => e.id === item.id),
          ctx.checklist.reviewEntries().get(item.id),
        ),
        evidence?.items.find((e) => e.id === item.id),
        ctx.checklist.reviewEntries().get(item.id),
      ),
      id: item.id,
    })),
    { placeHolder },
  );
  return picked?.id;
}

/**
 * Marking an item with open findings reviewed accepts those findings as they are: the person must
 * say so explicitly (a modal listing them), and the review records them so that a new one makes
 * the item "changed since review". `acknowledged` is for callers that asked already.
 */
async function acknowledgeFindings(
  ctx: CommandContext,
  itemId: string,
  title: string,
  acknowledged: boolean,
): Promise<{ record: Record<string, unknown> } | undefined> {
  // The review records the findings as they are now, not as the view last showed them.
  await ctx.checklist.refresh();
  const evidence = ctx.checklist.currentEvidence()?.items.find((e) => e.id === itemId);
  const findings = evidence?.findings ?? [];
  if (findings.length > 0 && !acknowledged) {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString());
    const listed = findings.slice(0, 8).map((f) => `• ${findingLabel(f, folders)} ${f.code} (${f.severity})`);
    if (findings.length > 8) listed.push(`• … and ${findings.length - 8} more`);
    const button = `Acknowledge ${plural(findings.length, 'open finding')}`;
    const choice = await vscode.window.showWarningMessage(
      `"${title}" has ${plural(findings.length, 'open finding')}${evidence?.status === 'at-risk' ? ' and is at risk' : ''}. Marking it reviewed records that you accept them as they are; a new finding will mark the review as changed.`,
      { modal: true, detail: listed.join('\n') },
      button,
    );
    if (choice !== button) return undefined;
  }
  const folder = ctx.checklist.reviewFolder();
  const snapshot = snapshotOf(findings, folder ? readGitCommit(folder.fsPath) : undefined);
  return { record: { [REVIEWED_FIELD]: snapshot } };
}

async function review(
  ctx: CommandContext,
  arg: unknown,
  kind: ReviewChange['kind'],
  text?: string,
  acknowledged = false,
): Promise<boolean> {
  const itemId = await resolveItem(
    ctx,
    arg,
    kind === 'reset' ? 'Item whose review to reset' : kind === 'reviewed' ? 'Item to mark reviewed' : 'Item to mark not applicable',
  );
  if (!itemId) return false;
  const title = CHECKLIST.find((item) => item.id === itemId)?.title ?? itemId;
  let change: ReviewChange;
  if (kind === 'reset') {
    change = { kind };
  } else if (kind === 'reviewed') {
    const note =
      text ??
      (await vscode.window.showInputBox({
        title: `Mark reviewed: ${title}`,
        prompt: `Optional note for ${REVIEW_FILE} (what was checked). Press Enter to skip.`,
      }));
    if (note === undefined) return false;
    const recorded = await acknowledgeFindings(ctx, itemId, title, acknowledged);
    if (!recorded) return false;
    change = { kind, note: note.trim() || undefined, record: recorded.record };
  } else {
    const reason =
      text ??
      (await vscode.window.showInputBox({
        title: `Not applicable: ${title}`,
        prompt: `Why this practice does not apply to the project (stored in ${REVIEW_FILE}).`,
        validateInput: (value) => (value.trim() ? undefined : 'A reason is required.'),
      }));
    if (!reason?.trim()) return false;
    change = { kind, note: reason.trim() };
  }
  const result = ctx.checklist.applyReview(itemId, change);
  if (result.problems.length || result.backup) {
    const kept = result.backup ? ` The previous file was kept as ${vscode.workspace.asRelativePath(result.backup)}.` : '';
    void vscode.window.showWarningMessage(
      `mlsec: ${REVIEW_FILE} had problems: ${result.problems.map((p) => p.message).join('; ')}.${kept}`,
    );
  }
  return true;
}

async function openRuleDocumentation(ctx: CommandContext, arg: unknown): Promise<void> {
  let code: string | undefined;
  if (typeof arg === 'string') code = arg;
  else if (arg && typeof arg === 'object' && typeof (arg as { ruleCode?: unknown }).ruleCode === 'string')
    code = (arg as { ruleCode: string }).ruleCode;
  else if (arg && typeof arg === 'object' && typeof (arg as { code?: unknown }).code === 'string') code = (arg as { code: string }).code;
  if (!code) {
    const seen = new Map<string, string>();
    for (const threat of ctx.checklist.currentEvidence()?.threats ?? []) for (const f of threat.findings) seen.set(f.code, f.name);
    const picks = [...seen].sort().map(([c, name]) => ({ label: c, description: name }));
    const picked = picks.length
      ? await vscode.window.showQuickPick([...picks, { label: 'Other rule…', description: '' }], { placeHolder: 'Rule to document' })
      : { label: 'Other rule…' };
    if (!picked) return;
    code =
      picked.label === 'Other rule…'
        ? await vscode.window.showInputBox({
            prompt: 'Rule code or name, e.g. MLS102',
            validateInput: (v) => (v.trim() ? undefined : 'Enter a rule code'),
          })
        : picked.label;
  }
  if (!code) return;
  code = code.trim();
  // Resolve a rule name (torch-load-unsafe) to its code before opening the page.
  const known = await ctx.ruleDocs.markdown(code);
  if (known === undefined) throw new Error(`no documentation found for rule "${code}".`);
  const resolved = /^#\s*(MLS\d{3})\b/m.exec(known)?.[1] ?? code;
  await showRuleDocs(/^MLS\d{3}$/i.test(code) ? code : resolved);
}

async function openLocation(location: NodeLocation): Promise<void> {
  const uri = vscode.Uri.parse(location.uri);
  const range = new vscode.Range(
    location.line,
    location.character,
    location.endLine ?? location.line,
    location.endCharacter ?? location.character,
  );
  if (location.cell !== undefined && uri.path.toLowerCase().endsWith('.ipynb')) {
    const notebook = await vscode.workspace.openNotebookDocument(uri);
    const cell = Math.min(location.cell, Math.max(0, notebook.cellCount - 1));
    await vscode.window.showNotebookDocument(notebook, { selections: [new vscode.NotebookRange(cell, cell + 1)] });
    const cellDocument = notebook.cellAt(cell).document;
    await vscode.window.showTextDocument(cellDocument, { selection: range, preserveFocus: false });
    return;
  }
  await vscode.window.showTextDocument(uri, { selection: range, preview: true });
}

/**
 * Stops and starts the language server (after a crash, or to pick up a changed environment).
 * The checklist asks for evidence again once the new server runs.
 */
async function restartServer(ctx: CommandContext): Promise<void> {
  const client = ctx.client();
  if (!client) throw new Error('the language client was not created; see ML Security: Show Output.');
  ctx.log.info('restarting the language server');
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'mlsec: restarting the language server' },
    async () => {
      if (client.isRunning()) await client.restart();
      else await client.start();
    },
  );
  await ctx.checklist.refresh();
}

/** Narrows the findings the checklist lists: by severity, rule and path (or clears that). */
async function filterChecklist(ctx: CommandContext, given?: FindingFilter): Promise<FindingFilter | undefined> {
  if (given && typeof given === 'object') {
    ctx.checklist.setFilter({ ...given });
    return ctx.checklist.filter;
  }
  const current = ctx.checklist.filter;
  const picks = [
    { label: 'Errors only', apply: (): FindingFilter | undefined => ({ ...current, minSeverity: 'error' }) },
    { label: 'Errors and warnings', apply: (): FindingFilter | undefined => ({ ...current, minSeverity: 'warning' }) },
    { label: 'All severities', apply: (): FindingFilter | undefined => ({ ...current, minSeverity: undefined }) },
    { label: 'By rule…', description: current.rule, apply: undefined },
    { label: 'By path…', description: current.path, apply: undefined },
    { label: 'Clear filters', apply: (): FindingFilter | undefined => ({}) },
  ];
  const picked = await vscode.window.showQuickPick(picks, {
    placeHolder: 'Which findings the checklist lists (statuses count all of them)',
  });
  if (!picked) return undefined;
  let next: FindingFilter | undefined;
  if (picked.apply) next = picked.apply();
  else {
    const rule = picked.label === 'By rule…';
    const value = await vscode.window.showInputBox({
      prompt: rule
        ? 'Rule code, prefix or name (e.g. MLS1, MLS102, torch-load-unsafe); empty for any'
        : 'Part of the file path (e.g. src/serving); empty for any',
      value: rule ? current.rule : current.path,
    });
    if (value === undefined) return undefined;
    next = rule ? { ...current, rule: value.trim() || undefined } : { ...current, path: value.trim() || undefined };
  }
  if (next) ctx.checklist.setFilter(next);
  return next;
}
