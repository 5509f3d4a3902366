/**
 * Knows when VS Code has read the tree again after a refresh. Firing `onDidChangeTreeData` only
 * asks VS Code to re-read the tree: it then calls `getChildren` for the root and for each expanded
 * node, over the extension host's message channel, after the event returns. A progress indicator
 * that ends when the evidence has arrived ends before the rows change; one that waits for
 * `rendered()` covers the update. No `vscode` here, so unit tests can drive it.
 */
export interface RenderTrackerOptions {
  /** After the root was read, the tree counts as read once no node was read for this long. */
  quietMs?: number;
  /** Upper bound for the wait (a hidden or closing view never reads the tree). */
  limitMs?: number;
}

interface Pending {
  promise: Promise<void>;
  settle: () => void;
  rootRead: boolean;
  quiet?: ReturnType<typeof setTimeout>;
  limit: ReturnType<typeof setTimeout>;
}

export class RenderTracker {
  private pending?: Pending;
  private readonly quietMs: number;
  private readonly limitMs: number;

  constructor(options: RenderTrackerOptions = {}) {
    this.quietMs = options.quietMs ?? 50;
    this.limitMs = options.limitMs ?? 5000;
  }

  /** Call when the tree's data changed (just before firing the change event). */
  changed(): void {
    if (this.pending) {
      // A read already under way may have started before this change: wait for the next root.
      this.pending.rootRead = false;
      clearTimeout(this.pending.quiet);
      return;
    }
    let settle!: () => void;
    const promise = new Promise<void>((resolve) => (settle = resolve));
    const pending: Pending = {
      promise,
      rootRead: false,
      settle: () => {
        clearTimeout(pending.quiet);
        clearTimeout(pending.limit);
        if (this.pending === pending) this.pending = undefined;
        settle();
      },
      limit: setTimeout(() => pending.settle(), this.limitMs),
    };
    this.pending = pending;
  }

  /** Call from `getChildren` (`root`: called without an element). */
  read(root: boolean): void {
    const pending = this.pending;
    if (!pending) return;
    if (root) pending.rootRead = true;
    if (!pending.rootRead) return;
    clearTimeout(pending.quiet);
    pending.quiet = setTimeout(() => pending.settle(), this.quietMs);
  }

  /** Settles once the tree was read after the last change (at once when nothing is pending). */
  rendered(): Promise<void> {
    return this.pending?.promise ?? Promise.resolve();
  }

  dispose(): void {
    this.pending?.settle();
  }
}
