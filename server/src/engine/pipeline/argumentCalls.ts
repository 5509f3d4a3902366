/**
 * The calls of a file found by what their arguments are written with, for rules that judge a call
 * by a keyword whatever it calls (RuleContext.callsWithKeywords, RuleContext.callsMentioning).
 *
 * The plain way lists every call of the tree (SemanticModel.calls) and tests each; the fast way
 * goes from where the words are written up to the call around them, which in a file of thousands
 * of calls and a few keywords skips nearly all of them. Both give the same calls in the same order
 * (a walk of the tree's: by start, outer calls first): the analysis without optimisations
 * (`everyCall`) takes the plain way, and the differential checks and `argumentCalls.test.ts`
 * compare the two.
 */
import type { Node } from '../parser';
import type { SemanticModel } from '../semantic';
import { identifierOccurrences } from '../textScan';
import { inWalkOrder } from './calls';

/** The call whose argument list `args` is, if it is one. */
export function callOf(args: Node | null | undefined): Node | undefined {
  const call = args?.type === 'argument_list' ? args.parent : undefined;
  return call?.type === 'call' && call.childForFieldName('arguments')?.id === args!.id ? call : undefined;
}

/** The call a keyword argument named by the identifier at [at, end) belongs to. */
export function callOfKeywordAt(root: Node, at: number, end: number): Node | undefined {
  const id = root.descendantForIndex(at, end);
  if (id?.type !== 'identifier' || id.startIndex !== at || id.endIndex !== end) return undefined;
  const argument = id.parent;
  return argument?.type === 'keyword_argument' && argument.childForFieldName('name')?.id === id.id ? callOf(argument.parent) : undefined;
}

/** The calls with a `**` argument, found where `**` is written. */
export function splatCalls(root: Node, text: string, add: (call: Node | undefined) => void): void {
  for (let at = text.indexOf('**'); at >= 0; at = text.indexOf('**', at + 2)) {
    const splat = root.descendantForIndex(at, at + 2)?.parent;
    if (splat?.type === 'dictionary_splat' && splat.startIndex === at) add(callOf(splat.parent));
  }
}

/** True when a call passes one of `keywords` by name, or a `**` (the plain test). */
function passesKeyword(call: Node, keywords: readonly string[]): boolean {
  const args = call.childForFieldName('arguments');
  if (args?.type !== 'argument_list') return false;
  for (const arg of args.namedChildren) {
    if (arg?.type === 'dictionary_splat') return true;
    if (arg?.type === 'keyword_argument' && keywords.includes(arg.childForFieldName('name')?.text ?? '')) return true;
  }
  return false;
}

/** True when a call's argument list's text holds `word` (the plain test). */
function mentions(call: Node, word: string): boolean {
  const args = call.childForFieldName('arguments');
  return args?.type === 'argument_list' && args.text.includes(word);
}

/** Models analysed the plain way (the unoptimised reference: AnalysisOptions.everyCall). */
const plain = new WeakSet<SemanticModel>();

/** Makes callsWithKeywords and callsMentioning test every call of the tree (the unoptimised reference). */
export function findArgumentCallsInEveryCall(model: SemanticModel): void {
  plain.add(model);
}

const memo = new WeakMap<SemanticModel, Map<string, readonly Node[]>>();

function remembered(model: SemanticModel, key: string, find: () => readonly Node[]): readonly Node[] {
  let known = memo.get(model);
  if (!known) memo.set(model, (known = new Map()));
  let calls = known.get(key);
  if (!calls) known.set(key, (calls = find()));
  return calls;
}

/**
 * The calls passing one of `keywords` by name, or a `**` argument (which may hide any of them),
 * in the order a walk of the tree meets them.
 */
export function callsWithKeywords(model: SemanticModel, keywords: readonly string[]): readonly Node[] {
  return remembered(model, `k ${keywords.join(' ')}`, () => {
    if (plain.has(model)) return model.calls.filter((call) => passesKeyword(call, keywords));
    const root = model.tree.rootNode;
    const found = new Map<number, Node>();
    const add = (call: Node | undefined) => {
      if (call) found.set(call.id, call);
    };
    for (const keyword of new Set(keywords))
      for (const at of identifierOccurrences(model.text, keyword)) add(callOfKeywordAt(root, at, at + keyword.length));
    splatCalls(root, model.text, add);
    return inWalkOrder(found);
  });
}

/**
 * The calls whose argument list's text holds `word` anywhere (a keyword, a string, a comment, a
 * nested call's arguments), in the order a walk of the tree meets them.
 */
export function callsMentioning(model: SemanticModel, word: string): readonly Node[] {
  return remembered(model, `m ${word}`, () => {
    if (plain.has(model)) return model.calls.filter((call) => mentions(call, word));
    if (word.length === 0) return model.calls.filter((call) => callOf(call.childForFieldName('arguments')));
    const text = model.text;
    const root = model.tree.rootNode;
    const found = new Map<number, Node>();
    for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
      // Every argument list around the occurrence holds it: the calls of each.
      for (let node = root.descendantForIndex(at, at + word.length); node; node = node.parent) {
        if (node.type !== 'argument_list' || node.startIndex > at || node.endIndex < at + word.length) continue;
        const call = callOf(node);
        if (call) found.set(call.id, call);
      }
    }
    return inWalkOrder(found);
  });
}
