/**
 * Call discovery: the calls the rules dispatch on, found from the text instead of a walk of the
 * tree. Where a name a rule wants occurs in code, the syntax node there says whether it is
 * called or made an alias (`l = pickle.loads`, `from pickle import loads as l`), and aliases are
 * followed. Which calls a rule then gets is decided by resolving the callee through the semantic
 * model (Analyzer.runRules).
 */
import type { Node } from '../parser';
import type { RuleIndex } from './prefilter';
import type { SemanticModel } from '../semantic';
import type { Span } from '../text';
import { SourceText } from '../textScan';

/** The names whose calls were looked for (`key`: all of them, sorted) and where aliases were made. */
export interface CalledNames {
  key: string;
  names: readonly string[];
  aliasSites: readonly number[];
}

/** The calls the rules can want, the names followed to find them, and where aliases were made. */
export interface Candidates {
  calls: Node[];
  names: ReadonlySet<string>;
  /** Offsets of the occurrences that made an alias (`l = pickle.loads`: the offset of `pickle`). */
  aliasSites: number[];
}

/**
 * The calls the rules of an index can want, found from the text instead of a walk of the tree:
 * where a name the rules dispatch on is called (`loads(...)`, `pickle.loads(...)`), and where a
 * name bound to one of them is (`l = pickle.loads`, `from pickle import loads as l`, followed
 * through chains of such names). In document order, outer calls first, like a walk would give.
 */
export function candidateCalls(model: SemanticModel, source: SourceText, index: RuleIndex): Candidates {
  return callsOfNames(model, source, index.byName.keys());
}

/**
 * The calls of functions last named one of `names`, found from the text as candidateCalls finds
 * them (called where written, or through a name bound to one), for the rules' names or others
 * (literalSinks.ts: the callees of `literals` sinks).
 */
export function callsOfNames(model: SemanticModel, source: SourceText, names: Iterable<string>): Candidates {
  const root = model.tree.rootNode;
  const calls = new Map<number, Node>();
  const aliasSites: number[] = [];
  const wanted = new Set(names);
  const queue = [...wanted];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    for (const at of source.identifiers(name)) {
      const use = useOf(root, at, name);
      if (use?.call) calls.set(use.call.id, use.call);
      if (!use?.aliases) continue;
      aliasSites.push(at);
      for (const alias of use.aliases) {
        if (wanted.has(alias)) continue;
        wanted.add(alias);
        queue.push(alias);
      }
    }
  }
  return { calls: inWalkOrder(calls), names: wanted, aliasSites: aliasSites.sort((a, b) => a - b) };
}

/**
 * candidateCalls for the text of one function (`span`), when the names followed are known to be
 * `names` and none of them is made an alias there: undefined when one is (then the whole file
 * must be searched again, as an alias reaches calls anywhere).
 */
export function candidateCallsIn(model: SemanticModel, text: string, span: Span, names: Iterable<string>): Node[] | undefined {
  const root = model.tree.rootNode;
  // A function starts and ends between statements: its comments and strings are its own.
  const local = new SourceText(text.slice(span.start, span.end));
  const calls = new Map<number, Node>();
  for (const name of names) {
    for (const offset of local.identifiers(name)) {
      const use = useOf(root, span.start + offset, name);
      if (use?.aliases) return undefined;
      if (use?.call) calls.set(use.call.id, use.call);
    }
  }
  return inWalkOrder(calls);
}

/**
 * candidateCallsIn for several spans at once (sorted, apart, each starting and ending between
 * statements): the occurrences of the names in the whole text (`source`, whose occurrences the
 * editor keeps over edits) that lie in a span, each judged as candidateCallsIn judges it; the
 * same calls as a search of each span. Undefined when a name is made an alias in a span.
 */
export function candidateCallsWithin(
  model: SemanticModel,
  source: SourceText,
  spans: readonly Span[],
  names: Iterable<string>,
): Node[] | undefined {
  const root = model.tree.rootNode;
  const calls = new Map<number, Node>();
  for (const name of names) {
    for (const at of source.identifiers(name)) {
      if (!inSpans(spans, at)) continue;
      const use = useOf(root, at, name);
      if (use?.aliases) return undefined;
      if (use?.call) calls.set(use.call.id, use.call);
    }
  }
  return inWalkOrder(calls);
}

/** True when `at` lies in one of `spans` (sorted, apart). */
function inSpans(spans: readonly Span[], at: number): boolean {
  let low = 0;
  let high = spans.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (at < spans[mid].start) high = mid - 1;
    else if (at >= spans[mid].end) low = mid + 1;
    else return true;
  }
  return false;
}

/** What an occurrence of a name does: is it the function of a call, or does it make aliases of it? */
function useOf(root: Node, at: number, name: string): { call?: Node; aliases?: string[] } | undefined {
  const id = root.descendantForIndex(at, at + name.length);
  if (id?.type !== 'identifier' || id.startIndex !== at || id.endIndex !== at + name.length) return undefined;
  let parent = id.parent;
  let reference: Node = id;
  if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id) {
    reference = parent;
    parent = parent.parent;
  }
  if (!parent) return undefined;
  if (parent.type === 'call' && parent.childForFieldName('function')?.id === reference.id) return { call: parent };
  const aliases: string[] = [];
  if (parent.type === 'assignment' && parent.childForFieldName('right')?.id === reference.id) {
    // `a = b = pickle.loads` binds both names.
    for (let assignment: Node | null = parent; assignment?.type === 'assignment'; assignment = assignment.parent) {
      const left = assignment.childForFieldName('left');
      if (left?.type === 'identifier') aliases.push(left.text);
      if (assignment.parent?.type !== 'assignment' || assignment.parent.childForFieldName('right')?.id !== assignment.id) break;
    }
  } else if (parent.type === 'aliased_import' && parent.childForFieldName('name')?.id === reference.id) {
    const alias = parent.childForFieldName('alias')?.text;
    if (alias) aliases.push(alias);
  } else if (parent.type === 'dotted_name' && parent.parent?.type === 'aliased_import') {
    // `from m import loads as l` spells the name as a one-part dotted name.
    const aliased = parent.parent;
    const alias =
      aliased.childForFieldName('name')?.id === parent.id && parent.lastNamedChild?.id === id.id
        ? aliased.childForFieldName('alias')?.text
        : undefined;
    if (alias) aliases.push(alias);
  } else return undefined;
  return { aliases };
}

export function calledNamesOf(candidates: Candidates): CalledNames {
  const names = [...candidates.names].sort();
  return { key: names.join(' '), names, aliasSites: candidates.aliasSites };
}

/** Calls in the order a walk of the tree meets them: by start, outer calls first. */
export function inWalkOrder(calls: Map<number, Node>): Node[] {
  return [...calls.values()].sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
}
