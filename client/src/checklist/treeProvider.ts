/** Turns the plain checklist nodes (model.ts) into tree items for the view. */
import * as vscode from 'vscode';
import { Commands } from '../../../common/src/protocol';
import type { ChecklistNode } from './model';
import { RenderTracker } from './renderTracker';

export class ChecklistTreeProvider implements vscode.TreeDataProvider<ChecklistNode> {
  private readonly changed = new vscode.EventEmitter<ChecklistNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly renders = new RenderTracker();

  constructor(private readonly roots: () => ChecklistNode[]) {}

  refresh(): void {
    this.renders.changed();
    this.changed.fire(undefined);
  }

  /** Settles once VS Code has read the tree after the last refresh (bounded; see RenderTracker). */
  rendered(): Promise<void> {
    return this.renders.rendered();
  }

  getChildren(element?: ChecklistNode): ChecklistNode[] {
    const children = element ? element.children : this.roots();
    this.renders.read(
      element?.id,
      children.map((c) => ({ id: c.id, expanded: this.isExpanded(c), hasChildren: c.children.length > 0 })),
    );
    return children;
  }

  /** Expansion as the user left it (VS Code keeps it by id), else as the node starts. */
  private readonly expansion = new Map<string, boolean>();

  isExpanded(node: ChecklistNode): boolean {
    return this.expansion.get(node.id) ?? node.expanded === true;
  }

  /** Wired to the view's onDidExpandElement / onDidCollapseElement. */
  expansionChanged(node: ChecklistNode, expanded: boolean): void {
    this.expansion.set(node.id, expanded);
  }

  getTreeItem(node: ChecklistNode): vscode.TreeItem {
    const collapsible =
      node.children.length === 0
        ? vscode.TreeItemCollapsibleState.None
        : node.expanded
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, collapsible);
    item.id = node.id;
    item.description = node.description;
    if (node.tooltip) {
      const tooltip = new vscode.MarkdownString(node.tooltip);
      tooltip.supportThemeIcons = true;
      item.tooltip = tooltip;
    }
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    item.contextValue = node.contextValue;
    if (node.location) {
      item.command = { command: Commands.openLocation, title: 'Open', arguments: [node.location] };
    }
    item.accessibilityInformation = { label: [node.label, node.description].filter(Boolean).join(', ') };
    return item;
  }

  dispose(): void {
    this.renders.dispose();
    this.changed.dispose();
  }
}
