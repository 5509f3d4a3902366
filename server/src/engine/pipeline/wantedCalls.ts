/**
 * Which rules want a call, decided before any of them runs (Analyzer.runRules): those its
 * function's last name names (or the last name it resolves to, for an alias), kept by what the
 * function resolves to when they name callees. Edit reuse asks the same of calls it does not run
 * (perf/dispatchedCalls.ts).
 */
import type { Node } from '../parser';
import type { Rule } from '../rule';
import type { SemanticModel } from '../semantic';
import type { SourceText } from '../textScan';
import { spellings } from './literalSinks';
import type { RuleIndex } from './prefilter';

/**
 * The rules of `index` named by a call's function (its last name, or the last name it resolves
 * to) that want the call, and its callee when it was resolved for that: what runRules decides
 * before a rule runs (perf/dispatchedCalls.ts asks the same of calls it does not run).
 */
export function rulesWanting(
  callNode: Node,
  model: SemanticModel,
  index: RuleIndex,
  spelled?: (rule: Rule, last: string) => boolean,
): { wanting: Rule[]; callee?: string; resolved: boolean } {
  const fn = callNode.childForFieldName('function');
  const last = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.type === 'identifier' ? fn.text : undefined;
  // Resolved only when needed: a bare name (which may be an alias), or a rule wanting callees.
  let callee: string | undefined;
  let resolved = false;
  const resolve = () => {
    if (!resolved) callee = fn ? model.qualifiedName(fn) : undefined;
    resolved = true;
    return callee;
  };
  // An imported function may be called by an alias (`from pickle import load as l`): dispatch
  // on the name it resolves to, too.
  const resolvedLast = fn?.type === 'identifier' ? lastSegment(resolve()) : undefined;
  const named = mergeRules(
    last ? index.byName.get(last) : undefined,
    resolvedLast && resolvedLast !== last ? index.byName.get(resolvedLast) : undefined,
  );
  // A rule named by callees wants this call only if it resolves to one of them (or, for a
  // rule with methods too, is one of those): decided before the arguments are indexed. With
  // `spelled`, an attribute call is resolved only when the text writes every name of one of the
  // rule's callees ending in it (the model spells a qualified name with the code's identifiers:
  // `d.get(...)` in a file that never writes `requests` is no `requests.get`); the rules wanting
  // the call are the same either way.
  const wanting = (named ?? []).filter(
    (rule) =>
      !rule.callees ||
      (rule.methods !== undefined && rule.methods.includes(last ?? '')) ||
      ((!spelled || fn?.type !== 'attribute' || spelled(rule, last ?? '')) && resolve() !== undefined && calleeSet(rule).has(callee!)),
  );
  return { wanting, callee, resolved };
}

const calleeSets = new WeakMap<Rule, ReadonlySet<string>>();

/** A rule's callees as a set, made once per rule. */
function calleeSet(rule: Rule): ReadonlySet<string> {
  let set = calleeSets.get(rule);
  if (!set) calleeSets.set(rule, (set = new Set(rule.callees ?? [])));
  return set;
}

function lastSegment(name: string | undefined): string | undefined {
  return name === undefined ? undefined : name.slice(name.lastIndexOf('.') + 1);
}

function mergeRules(a: Rule[] | undefined, b: Rule[] | undefined): Rule[] | undefined {
  if (!a) return b;
  if (!b) return a;
  return [...new Set([...a, ...b])];
}

/**
 * Whether `source` writes every name of one of a rule's callees whose last name is `last` (for
 * rulesWanting), remembered per name and per rule for one text.
 */
export function spellingTest(source: SourceText): (rule: Rule, last: string) => boolean {
  const written = new Map<string, boolean>();
  const writes = (name: string) => {
    let known = written.get(name);
    if (known === undefined) written.set(name, (known = source.hasIdentifier(name)));
    return known;
  };
  const spelled = new Map<Rule, Map<string, boolean>>();
  return (rule, last) => {
    let byLast = spelled.get(rule);
    if (!byLast) spelled.set(rule, (byLast = new Map()));
    let known = byLast.get(last);
    if (known === undefined) byLast.set(last, (known = calleeSpellings(rule, last).some((names) => names.every(writes))));
    return known;
  };
}

const spellingsOf = new WeakMap<Rule, Map<string, string[][]>>();
/** The names each of a rule's callees with this last name is written with (without a call's `()`). */
function calleeSpellings(rule: Rule, last: string): readonly string[][] {
  let byLast = spellingsOf.get(rule);
  if (!byLast) spellingsOf.set(rule, (byLast = spellings(rule.callees ?? [])));
  return byLast.get(last) ?? [];
}
