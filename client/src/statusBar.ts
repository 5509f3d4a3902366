/** The status bar shield: open findings in the workspace by severity; a click opens the checklist. */
import * as vscode from 'vscode';
import { Commands } from '../../common/src/protocol';
import type { SeverityCounts } from '../../common/src/protocol';
import { statusBarText, statusBarTooltip } from './statusText';

export class FindingsStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private counts?: SeverityCounts;

  constructor() {
    this.item = vscode.window.createStatusBarItem('mlsec.findings', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'mlsec findings';
    this.item.command = Commands.showChecklist;
    this.render();
    this.item.show();
  }

  update(counts: SeverityCounts): void {
    this.counts = counts;
    this.render();
  }

  current(): SeverityCounts | undefined {
    return this.counts;
  }

  text(): string {
    return this.item.text;
  }

  private render(): void {
    this.item.text = statusBarText(this.counts);
    this.item.tooltip = statusBarTooltip(this.counts);
    this.item.accessibilityInformation = { label: statusBarTooltip(this.counts) };
  }

  dispose(): void {
    this.item.dispose();
  }
}
