/**
 * Knows when VS Code has read the tree again after a refresh. Firing `onDidChangeTreeData` only
 * asks VS Code to re-read the tree: it then calls `getChildren` for the root, and for each
 * expanded node it shows, over the extension host's message channel, after the event returns. A
 * progress indicator that ends when the evidence has arrived ends before the rows change; one
 * that waits for `rendered()` covers the update.
 *
 * After a change, the tracker waits for a read of the root, then for a read of every expanded
 * node among the children read (the walk VS Code makes), then a short grace period so that the
 * last answer is sent before the caller goes on. A time limit bounds the wait (a hidden view
 * never reads the tree). No `vscode` here, so unit tests can drive it.
 */
export interface RenderTrackerOptions {
  /** After the last expected read, wait this long (the answer to VS Code is still to be sent). */
  graceMs?: number;
  /** Upper bound for the wait. */
  limitMs?: number;
}

/** A child as VS Code will show it: whether it will read that child's children. */
export interface ReadChild {
  id: string;
  expanded: boolean;
  hasChildren: boolean;
}

const ROOT = '\u0000root';

interface Pending {
  promise: Promise<void>;
  settle: () => void;
  rootRead: boolean;
  expected: Set<string>;
  done: Set<string>;
  grace?: ReturnType<typeof setTimeout>;
  limit: ReturnType<typeof setTimeout>;
}

export class RenderTracker {
  private pending?: Pending;
  private readonly graceMs: number;
  private readonly limitMs: number;

  constructor(options: RenderTrackerOptions = {}) {
    this.graceMs = options.graceMs ?? 20;
    this.limitMs = options.limitMs ?? 5000;
  }

  /** Call when the tree's data changed (just before firing the change event). */
  changed(): void {
    if (this.pending) {
      // A walk under way may have started before this change: wait for the next root read.
      this.pending.rootRead = false;
      clearTimeout(this.pending.grace);
      return;
    }
    let settle!: () => void;
    const promise = new Promise<void>((resolve) => (settle = resolve));
    const pending: Pending = {
      promise,
      rootRead: false,
      expected: new Set(),
      done: new Set(),
      settle: () => {
        clearTimeout(pending.grace);
        clearTimeout(pending.limit);
        if (this.pending === pending) this.pending = undefined;
        settle();
      },
      limit: setTimeout(() => pending.settle(), this.limitMs),
    };
    this.pending = pending;
  }

  /** Call from `getChildren`: the node read (undefined for the root) and the children returned. */
  read(parent: string | undefined, children: readonly ReadChild[]): void {
    const pending = this.pending;
    if (!pending) return;
    const key = parent ?? ROOT;
    if (key === ROOT) {
      pending.rootRead = true;
      pending.expected = new Set([ROOT]);
      pending.done = new Set();
    } else if (!pending.rootRead || !pending.expected.has(key)) {
      return; // a read from a walk that started before the change
    }
    pending.done.add(key);
    for (const child of children) if (child.hasChildren && child.expanded) pending.expected.add(child.id);
    clearTimeout(pending.grace);
    if ([...pending.expected].every((id) => pending.done.has(id))) pending.grace = setTimeout(() => pending.settle(), this.graceMs);
  }

  /** Settles once the tree was read after the last change (at once when nothing is pending). */
  rendered(): Promise<void> {
    return this.pending?.promise ?? Promise.resolve();
  }

  dispose(): void {
    this.pending?.settle();
  }
}
