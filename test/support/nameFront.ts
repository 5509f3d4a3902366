/**
 * The check nameSuperset.test.ts and nameSupersetFuzz.test.ts make of one text: partial parsing
 * (planned even for small texts) must keep every call the semantic model resolves to a callee a
 * rule wants.
 */
import type { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import type { HotWords } from '../../server/src/engine/perf/partialParse';
import { partialText } from '../../server/src/engine/perf/partialParse';
import { SemanticModel } from '../../server/src/engine/semantic';

export interface FrontCheck {
  /** False when partial parsing made no plan for the text (nothing checked). */
  planned: boolean;
  /** Calls the model resolved to a wanted callee. */
  resolved: number;
  /** Those left out by partial parsing: line and resolved name. */
  lost: Array<{ line: number; name: string }>;
}

/** `wanted(name, method)`: the model's qualified name of the callee, and the method's name for `x.m(...)`. */
export function checkNameFront(
  engine: Analyzer,
  text: string,
  hot: HotWords,
  wanted: (name: string | undefined, method: string | undefined) => boolean,
): FrontCheck {
  // minSkipped 0: plan even small texts, so that every one exercises the text front.
  const partial = partialText(text, hot, 0);
  const check: FrontCheck = { planned: !!partial, resolved: 0, lost: [] };
  if (!partial) return check;
  const kept = (offset: number) => partial.ranges.some((r) => offset >= r.startIndex && offset < r.endIndex);
  const tree = engine.parser.parse(text);
  try {
    const model = new SemanticModel(tree, text);
    for (const call of tree.rootNode.descendantsOfType('call')) {
      const fn = call?.childForFieldName('function');
      if (!call || !fn) continue;
      const name = model.qualifiedName(fn);
      const method = fn.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
      if (!wanted(name, method)) continue;
      check.resolved++;
      if (!kept(call.startIndex)) check.lost.push({ line: text.slice(0, call.startIndex).split('\n').length, name: name ?? method ?? '?' });
    }
  } finally {
    tree.delete();
  }
  return check;
}
