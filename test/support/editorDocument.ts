/**
 * An open document as the language server keeps it: its text, the tree edited over each change
 * and the memo of the last analysis, so that an edit is analysed as the server analyses a
 * didChange (incremental parsing and edit reuse). Shared by the edit-reuse tests.
 */
import * as assert from 'node:assert/strict';
import type { AnalysisResult, Analyzer } from '../../server/src/engine/pipeline/analyzer';
import type { Tree } from '../../server/src/engine/parser';
import { treeEdit } from '../../server/src/engine/perf/treeEdit';
import { LONG_FUNCTION } from '../../server/src/engine/perf/functionStatement';

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

/** The findings equal a fresh analysis's (every field); returns their codes and lines. */
export function sameAsFresh(engine: Analyzer, document: EditorDocument, what: string): string[] {
  const fresh = engine.analyzePython(document.text, { keepTree: true });
  fresh.tree?.delete();
  assert.deepEqual(
    document.result.findings.map((f) => JSON.stringify(f)),
    fresh.findings.map((f) => JSON.stringify(f)),
    what,
  );
  return document.result.findings.map((f) => `${f.code}:${f.range.start.line + 1}`);
}

/** Statements no rule looks at, enough to make a function long (functionStatement.LONG_FUNCTION). */
export function padding(prefix: string): string[] {
  const lines: string[] = [];
  for (let i = 0; lines.join('\n').length < LONG_FUNCTION; i++) lines.push(`    ${prefix}_${i} = ${i} * 2`);
  return lines;
}
