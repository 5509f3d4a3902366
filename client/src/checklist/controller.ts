/**
 * Holds what the checklist view shows: the evidence last received from the server and the review
 * state read from `.mlsec/review.json`; refreshes them and applies a person's review. The view,
 * the commands and the report all read from here.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CHECKLIST, REVIEW_FILE } from '../../../common/src/checklist';
import { ChecklistEvidenceRequest } from '../../../common/src/protocol';
import type { ChecklistNode, FindingFilter } from './model';
import { buildChecklistTree, displayStatus } from './model';
import { renderReport } from './report';
import type { ReviewChange, ReviewEntry, SaveResult } from './reviewFile';
import { loadReview, reviewerName, updateReview } from './reviewFile';
import { ChecklistTreeProvider } from './treeProvider';
import type { ChecklistState } from '../statusText';

export const CHECKLIST_VIEW_ID = 'mlsec.checklist';

export class ChecklistController implements vscode.Disposable {
  readonly provider: ChecklistTreeProvider;
  readonly view: vscode.TreeView<ChecklistNode>;
  private evidence?: ChecklistEvidenceRequest.Result;
  private evidenceError?: string = 'Waiting for the language server…';
  private review = new Map<string, ReviewEntry>();
  private reviewProblem?: string;
  private stale = false;
  private staleTimer?: ReturnType<typeof setTimeout>;
  private inFlight?: Promise<void>;
  private readonly disposables: vscode.Disposable[] = [];
  private watcher?: vscode.FileSystemWatcher;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after the evidence or the review state changed (tests wait on it). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.provider = new ChecklistTreeProvider(() => this.tree());
    this.view = vscode.window.createTreeView(CHECKLIST_VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true });
    this.disposables.push(
      this.provider,
      this.view,
      this.changed,
      this.view.onDidExpandElement((e) => this.provider.expansionChanged(e.element, true)),
      this.view.onDidCollapseElement((e) => this.provider.expansionChanged(e.element, false)),
      this.view.onDidChangeVisibility((e) => {
        if (e.visible && this.stale) void this.refresh();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watchReviewFile();
        this.reloadReview();
        void this.refresh();
      }),
    );
    this.watchReviewFile();
    this.reloadReview();
  }

  /** The folder whose `.mlsec/review.json` holds the review: the first local workspace folder. */
  reviewFolder(): vscode.Uri | undefined {
    return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri;
  }

  tree(): ChecklistNode[] {
    // Empty without a folder, so the view shows its welcome content (package.json viewsWelcome).
    if (!vscode.workspace.workspaceFolders?.length) return [];
    return buildChecklistTree({
      evidence: this.evidence,
      evidenceError: this.evidenceError,
      review: this.review,
      folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()),
      reviewProblem: this.reviewProblem,
      filter: this.filter,
    });
  }

  /** The view's finding filter (kept for the window's session). */
  filter: FindingFilter = {};

  setFilter(filter: FindingFilter): void {
    this.filter = filter;
    this.provider.refresh();
    this.changed.fire();
  }

  currentEvidence(): ChecklistEvidenceRequest.Result | undefined {
    return this.evidence;
  }

  reviewEntries(): ReadonlyMap<string, ReviewEntry> {
    return this.review;
  }

  /** Asks the server for evidence (optionally re-scanning the workspace first). */
  refresh(options: { rescan?: boolean } = {}): Promise<void> {
    if (this.inFlight && !options.rescan) return this.inFlight;
    const run = this.fetchEvidence(options.rescan ?? false).finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }

  private async fetchEvidence(rescan: boolean): Promise<void> {
    this.stale = false;
    const client = this.client();
    if (!vscode.workspace.workspaceFolders?.length) {
      this.evidence = undefined;
      this.evidenceError = 'Open a folder to gather evidence.';
    } else if (!client || !client.isRunning()) {
      this.evidenceError = 'The mlsec language server is not running (ML Security: Show Output).';
    } else {
      try {
        const params: ChecklistEvidenceRequest.Params = { rescan };
        this.evidence = await client.sendRequest<ChecklistEvidenceRequest.Result>(ChecklistEvidenceRequest.method, params);
        this.evidenceError = undefined;
        this.updateBadge();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.log.error(`checklist evidence request failed: ${message}`);
        this.evidenceError = `The server could not gather evidence: ${message}`;
      }
    }
    this.provider.refresh();
    this.changed.fire();
  }

  /**
   * Re-scans, gathers evidence and resolves once the view shows it (VS Code re-reads the tree
   * after the evidence arrives): what the Refresh Checklist progress covers.
   */
  async refreshAndShow(): Promise<void> {
    await this.refresh({ rescan: true });
    if (this.view.visible) await this.provider.rendered();
  }

  /**
   * Findings changed somewhere: refresh soon (the status item shows the checklist state even
   * when the view is hidden; the request reuses the server's index and does not re-scan).
   */
  markStale(): void {
    this.stale = true;
    clearTimeout(this.staleTimer);
    this.staleTimer = setTimeout(() => void this.refresh(), this.view.visible ? 1000 : 3000);
  }

  /** Counts for the status item. */
  state(): ChecklistState | undefined {
    if (!this.evidence) return undefined;
    const items = this.tree()
      .flatMap((group) => group.children)
      .filter((node) => node.kind === 'item');
    return {
      total: items.length,
      reviewed: items.filter((n) => n.status === 'reviewed' || n.status === 'not-applicable').length,
      atRisk: items.filter((n) => n.status === 'at-risk').length,
      changedSinceReview: items.filter((n) => n.changedSinceReview).length,
    };
  }

  reloadReview(): void {
    const folder = this.reviewFolder();
    if (!folder) {
      this.review = new Map();
      this.reviewProblem = undefined;
    } else {
      const loaded = loadReview(folder.fsPath);
      this.review = loaded.document.entries;
      this.reviewProblem = loaded.problems.length ? `${REVIEW_FILE} ${loaded.problems.map((p) => p.message).join('; ')}` : undefined;
      for (const problem of loaded.problems)
        this.log.warn(`${loaded.file}${problem.line !== undefined ? `:${problem.line + 1}` : ''}: ${problem.message}`);
    }
    this.provider.refresh();
    this.changed.fire();
  }

  /** Records a review of one item in the review file and shows it. */
  applyReview(itemId: string, change: ReviewChange): SaveResult {
    const folder = this.reviewFolder();
    if (!folder) throw new Error('Open a folder first: the review is stored in it, in ' + REVIEW_FILE + '.');
    if (!CHECKLIST.some((item) => item.id === itemId)) throw new Error(`Unknown checklist item "${itemId}".`);
    const result = updateReview(folder.fsPath, itemId, change, reviewerName(folder.fsPath));
    this.log.info(`${change.kind === 'reset' ? 'reset' : `marked ${change.kind}`}: ${itemId} (${result.file})`);
    if (result.backup) this.log.warn(`the previous review file was kept as ${result.backup}`);
    this.reloadReview();
    this.updateBadge();
    return result;
  }

  reportMarkdown(generator: string): string {
    const folders = vscode.workspace.workspaceFolders ?? [];
    return renderReport({
      workspaceName: vscode.workspace.name ?? folders[0]?.name ?? 'workspace',
      evidence: this.evidence,
      review: this.review,
      folders: folders.map((f) => f.uri.toString()),
      generatedAt: new Date(),
      generator,
    });
  }

  /** The checklist as data: evidence, review entries and each item's displayed status. */
  reportJson(generator: string): string {
    const evidence = this.evidence;
    const items = CHECKLIST.map((item) => {
      const itemEvidence = evidence?.items.find((e) => e.id === item.id);
      const review = this.review.get(item.id);
      return { id: item.id, title: item.title, status: displayStatus(itemEvidence, review), evidence: itemEvidence, review };
    });
    return (
      JSON.stringify(
        {
          generator,
          generatedAt: new Date().toISOString(),
          scannedAt: evidence?.scannedAt,
          counts: evidence?.counts,
          coverage: evidence?.coverage,
          items,
        },
        null,
        2,
      ) + '\n'
    );
  }

  private updateBadge(): void {
    const atRisk = this.tree()
      .flatMap((group) => group.children)
      .filter((node) => node.kind === 'item' && node.status === 'at-risk').length;
    this.view.badge = atRisk ? { value: atRisk, tooltip: `${atRisk} checklist item${atRisk === 1 ? '' : 's'} at risk` } : undefined;
  }

  private watchReviewFile(): void {
    this.watcher?.dispose();
    const folder = this.reviewFolder();
    if (!folder) return;
    // A pull, a checkout or a hand edit changes the review: show it.
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, REVIEW_FILE));
    const reload = (): void => this.reloadReview();
    this.watcher.onDidChange(reload);
    this.watcher.onDidCreate(reload);
    this.watcher.onDidDelete(reload);
  }

  dispose(): void {
    clearTimeout(this.staleTimer);
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
