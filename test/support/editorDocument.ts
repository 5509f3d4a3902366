/**
 * An open document as the language server keeps it: its text, the tree edited over each change
 * and the memo of the last analysis, so that an edit is analysed as the server analyses a
 * didChange (incremental parsing and edit reuse). Shared by the edit-reuse tests.
 */
import * as assert from 'node:assert/strict';
import type { AnalysisResult, Analyzer } from '../../server/src/engine/pipeline/analyzer';
import type { Tree } from '../../server/src/engine/parser';
import { treeEdit } from '../../server/src/engine/perf/treeEdit';

export class EditorDocument {
  private tree: Tree | undefined;
  result: AnalysisResult;

  constructor(
    private readonly engine: Analyzer,
    public text: string,
  ) {
    this.result = engine.analyzePython(text, { keepTree: true });
    this.tree = this.result.tree;
  }

  /** Replaces text[start, end) and re-analyses as the server does after a didChange. */
  edit(start: number, end: number, inserted: string): AnalysisResult {
    this.tree?.edit(treeEdit(this.text, start, end, inserted));
    this.text = this.text.slice(0, start) + inserted + this.text.slice(end);
    this.result = this.engine.analyzePython(this.text, { keepTree: true, previousTree: this.tree, previous: this.result.memo });
    this.tree?.delete();
    this.tree = this.result.tree;
    return this.result;
  }

  /** Replaces the first `old` after `after` by `now`. */
  replace(after: string, old: string, now: string): AnalysisResult {
    const at = this.text.indexOf(old, this.text.indexOf(after));
    assert.ok(at >= 0, `${old} after ${after}`);
    return this.edit(at, at + old.length, now);
  }

  dispose(): void {
    this.tree?.delete();
  }
}
