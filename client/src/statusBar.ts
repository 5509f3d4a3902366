/** The status item: checklist state and narrowed coverage (see statusText.ts); a click opens the checklist. */
import * as vscode from 'vscode';
import { Commands } from '../../common/src/protocol';
import type { SeverityCounts } from '../../common/src/protocol';
import type { StatusInput } from './statusText';
import { statusBarText, statusBarTooltip, statusWarns } from './statusText';

/** `mlsec.statusBar.show`. */
export const SHOW_STATUS_SETTING = 'statusBar.show';

export class FindingsStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private input: StatusInput = {};
  private readonly listener: vscode.Disposable;

  constructor() {
    this.item = vscode.window.createStatusBarItem('mlsec.findings', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'mlsec checklist';
    this.item.command = Commands.showChecklist;
    this.render();
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`mlsec.${SHOW_STATUS_SETTING}`)) this.render();
    });
  }

  /** Open-finding totals (shown in the tooltip). */
  update(counts: SeverityCounts): void {
    this.input = { ...this.input, counts };
    this.render();
  }

  /** Checklist state and coverage, after the checklist changed. */
  updateChecklist(state: Pick<StatusInput, 'checklist' | 'coverage'>): void {
    this.input = { ...this.input, ...state };
    this.render();
  }

  current(): SeverityCounts | undefined {
    return this.input.counts;
  }

  text(): string {
    return this.item.text;
  }

  tooltip(): string {
    return statusBarTooltip(this.input);
  }

  private render(): void {
    this.item.text = statusBarText(this.input);
    const tooltip = statusBarTooltip(this.input);
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: tooltip.split('\n').join(' ') };
    this.item.backgroundColor = statusWarns(this.input) ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    if (vscode.workspace.getConfiguration('mlsec').get<boolean>(SHOW_STATUS_SETTING, true)) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.listener.dispose();
    this.item.dispose();
  }
}
