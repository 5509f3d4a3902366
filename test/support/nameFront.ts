/**
 * The check nameSuperset.test.ts and nameSupersetFuzz.test.ts make of one text: partial parsing
 * (planned even for small texts) must keep every call the semantic model resolves to a callee a
 * rule wants.
 */
import type { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import type { HotWords } from '../../server/src/engine/perf/partialParse';
import { partialText } from '../../server/src/engine/perf/partialParse';
import { someDeclaredArgument } from '../../server/src/engine/perf/declarationCheck';
import type { Node } from '../../server/src/engine/parser';
import type { ConstantArguments } from '../../server/src/engine/rule';
import { SemanticModel } from '../../server/src/engine/semantic';

export interface FrontCheck {
  /** False when partial parsing made no plan for the text (nothing checked). */
  planned: boolean;
  /** Calls the model resolved to a wanted callee. */
  resolved: number;
  /** Those left out by partial parsing: line and resolved name. */
  lost: Array<{ line: number; name: string }>;
}

/**
 * `wanted(name, method, call)`: the model's qualified name of the callee, the method's name for
 * `x.m(...)`, and the call (a rule judging constant arguments wants only calls that pass some).
 */
export function checkNameFront(
  engine: Analyzer,
  text: string,
  hot: HotWords,
  wanted: (name: string | undefined, method: string | undefined, call: Node, model: SemanticModel) => boolean,
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
      if (!wanted(name, method, call, model)) continue;
      check.resolved++;
      if (!kept(call.startIndex)) check.lost.push({ line: text.slice(0, call.startIndex).split('\n').length, name: name ?? method ?? '?' });
    }
  } finally {
    tree.delete();
  }
  return check;
}

/**
 * True when the call passes, at one of the declared arguments, constant text as the semantic
 * model reads it (a string; a name bound to one; a parenthesised one) that the declared value
 * test takes, or passes `*args`/`**kwargs`: read from the tree, independently of the text check
 * partial parsing makes (perf/constantArguments.ts).
 */
export function passesConstantArgument(call: Node, declared: ConstantArguments, model: SemanticModel, word?: string): boolean {
  // What the rules read (RuleContext.constant): the model's constant, which must pass the declared
  // value test (`word`: the callee's last name or the method); a literal the model gives no value
  // (an f-string) counts, as the text front counts it.
  const canBeText = (value: Node | null): boolean => {
    if (!value) return false;
    if (value.type === 'parenthesized_expression') return canBeText(value.namedChildren[0] ?? null);
    const constant = model.constantValue(value);
    if (constant?.kind === 'str') return !declared.value || word === undefined || declared.value(constant.value, word);
    return value.type === 'string' || value.type === 'concatenated_string';
  };
  return someDeclaredArgument(call, declared, canBeText);
}
