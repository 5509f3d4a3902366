/**
 * What the data-flow tests compare: findings as `code@line:column message`, and an edit analysed
 * as the editor does (the previous analysis's tree and memo) next to a fresh analysis.
 */
import type { AnalysisResult } from '../../server/src/engine/pipeline/analyzer';
import { diffEdit } from '../../server/src/engine/perf/treeEdit';
import { analyzer } from './engine';

export function summary(result: AnalysisResult): string[] {
  return result.findings.map((f) => `${f.code}@${f.range.start.line}:${f.range.start.character} ${f.message}`);
}

/** Analyses `before`, then `after` as an edit of it (as the editor does), and the fresh analysis of `after`. */
export async function edited(before: string, after: string): Promise<{ reused: string | undefined; edited: string[]; fresh: string[] }> {
  const engine = await analyzer();
  const first = engine.analyzePython(before, { keepTree: true });
  const edit = diffEdit(before, after);
  if (edit) first.tree!.edit(edit);
  const second = engine.analyzePython(after, { keepTree: true, previous: first.memo, previousTree: first.tree });
  const fresh = summary(engine.analyzePython(after));
  first.tree?.delete();
  second.tree?.delete();
  return { reused: second.reused, edited: summary(second), fresh };
}
