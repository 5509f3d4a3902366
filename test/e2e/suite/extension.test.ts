/**
 * Extension-host tests: activation, diagnostics in a Python file and a notebook, a quick fix, and
 * the checklist commands, against the fixture workspace (test/e2e/workspace, copied by runTest).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../../common/src/protocol';
import type { MlsecApi } from '../../../client/src/extension';

const EXTENSION_ID = 'mlsec.mlsec';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is open');
  return folder.uri.fsPath;
}

/** Polls until `probe` returns a value (not a fixed sleep). */
async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}

describe('mlsec extension', function () {
  this.timeout(90_000);
  let api: MlsecApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<MlsecApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed in the test instance`);
    api = await extension.activate();
    await api.ready;
    assert.ok(api.client.isRunning(), 'the language server is running');
  });

  it('reports an unsafe torch.load in a Python file and fixes it', async () => {
    const uri = vscode.Uri.file(path.join(workspaceRoot(), 'src', 'train.py'));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const diagnostic = await waitFor('MLS102 in src/train.py', () =>
      vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'MLS102'),
    );
    assert.equal(diagnostic.range.start.line, 7);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error, 'pyproject.toml raises MLS102 to error');

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      diagnostic.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => a.edit && a.diagnostics?.some((d) => codeOf(d) === 'MLS102') && /weights_only/.test(a.title));
    assert.ok(fix?.edit, `a weights_only quick fix among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(document.getText(), /torch\.load\(path, weights_only=True\)/);
    await waitFor('MLS102 to clear', () => !vscode.languages.getDiagnostics(uri).some((d) => codeOf(d) === 'MLS102'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('reports findings in notebook cells', async () => {
    const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(path.join(workspaceRoot(), 'explore.ipynb')));
    await vscode.window.showNotebookDocument(notebook);
    const cell = notebook.cellAt(1).document.uri;
    const diagnostic = await waitFor('MLS102 in the notebook cell', () =>
      vscode.languages.getDiagnostics(cell).find((d) => codeOf(d) === 'MLS102'),
    );
    assert.equal(diagnostic.range.start.line, 2);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('scans the workspace and shows the counts in the status bar', async () => {
    await vscode.commands.executeCommand(Commands.scanWorkspace);
    const counts = await waitFor('counts in the status bar', () => api.statusBar.current());
    assert.ok(counts.error + counts.warning > 0);
    assert.match(api.statusBar.text(), /^\$\(shield\) /);
  });

  it('shows the checklist with evidence from the workspace', async () => {
    await vscode.commands.executeCommand(Commands.showChecklist);
    await vscode.commands.executeCommand(Commands.refreshChecklist);
    const evidence = await waitFor('checklist evidence', () => api.checklist.currentEvidence());
    const versioning = evidence.items.find((i) => i.id === 'model-versioning');
    assert.ok(
      versioning?.signals.some((s) => s.file === 'models/classifier.safetensors'),
      'safetensors artifact is evidence',
    );
    const validation = evidence.items.find((i) => i.id === 'input-validation');
    assert.ok(validation?.signals.some((s) => s.file === 'src/serve.py' && !s.weak));
    const audits = evidence.items.find((i) => i.id === 'security-audits');
    assert.equal(audits?.status, 'evidence');
    const roots = api.checklist.tree();
    assert.deepEqual(
      roots.filter((r) => r.kind === 'group').map((r) => r.label),
      ['Threats', 'Practices', 'Further practices'],
    );
    const tampering = roots.find((r) => r.id === 'group:threats')!.children.find((t) => t.threatId === 'model-tampering')!;
    assert.ok(tampering.children.length >= 1, 'the unsafe loads are listed under model tampering');
  });

  it('records reviews in .mlsec/review.json and resets them', async () => {
    const file = path.join(workspaceRoot(), '.mlsec', 'review.json');
    assert.equal(await vscode.commands.executeCommand(Commands.markReviewed, 'explainability', 'SHAP plots checked'), true);
    assert.equal(await vscode.commands.executeCommand(Commands.markNotApplicable, 'privacy-preserving', 'no personal data'), true);
    let text = fs.readFileSync(file, 'utf8');
    assert.match(text, /"explainability": \{ "state": "reviewed", "note": "SHAP plots checked", "by": "[^"]+", "at": "[^"]+" \}/);
    assert.match(text, /"privacy-preserving": \{ "state": "not-applicable", "note": "no personal data"/);
    const item = api.checklist
      .tree()
      .flatMap((r) => r.children)
      .find((n) => n.itemId === 'explainability')!;
    assert.equal(item.status, 'reviewed');
    assert.equal(item.contextValue, 'checklistItem.reviewed');
    assert.equal(await vscode.commands.executeCommand(Commands.resetReview, 'explainability'), true);
    text = fs.readFileSync(file, 'utf8');
    assert.match(text, /"explainability": \{ "state": "open", "by"/);
  });

  it('exports the checklist report as Markdown in an editor', async () => {
    const document = await vscode.commands.executeCommand<vscode.TextDocument>(Commands.exportReport);
    assert.equal(document.languageId, 'markdown');
    const text = document.getText();
    assert.match(text, /^# ML security checklist: /);
    assert.match(text, /### \[x\] Privacy-preserving ML: Not applicable/);
    assert.match(text, /\[src\/train\.py:8\]\(src\/train\.py#L8\) \*\*MLS102\*\*/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('opens a rule page from the language server', async () => {
    await vscode.commands.executeCommand(Commands.openRuleDocs, 'MLS102');
    // The Markdown preview reads the page through the mlsec-docs: provider (client/src/ruleDocs.ts).
    const page = await waitFor('the MLS102 page', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'mlsec-docs' && d.uri.path === '/MLS102.md'),
    );
    assert.match(page.getText(), /^# MLS102 torch-load-unsafe\n/);
    assert.match(page.getText(), /^## What it flags$/m);
    // (Show Output is driven through the palette by the real-editor suite, test/e2e/real-editor.)
  });
});
