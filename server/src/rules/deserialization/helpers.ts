/**
 * MLS1xx: loading models and data in formats that can run code when read (pickle and friends).
 * A checkpoint downloaded from a hub or a colleague is untrusted input: loading it must not
 * execute code.
 */
import { CallSite } from '../../engine/callSite';
import type { Argument } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import type { Fix, RelatedLocation, RuleContext } from '../../engine/rule';
import type { ConstValue } from '../../engine/semantic';
import { definedAt, isConstTrue, replaceValueFix } from '../support';

/** True for a constant that Python treats as true in a flag position (`True`, a non-zero number). */
export function isTruthyConst(value: ConstValue | undefined): boolean {
  return isConstTrue(value) || (value?.kind === 'num' && value.value !== 0);
}

/**
 * The node to underline for an argument: the argument itself when it is written inside the call,
 * else (a keyword that came from a `**options` dict defined elsewhere) the whole call.
 */
export function argumentOrCall(call: CallSite, argument: Argument): Node {
  const node = argument.node;
  return node.startIndex >= call.node.startIndex && node.endIndex <= call.node.endIndex ? node : call.node;
}

/**
 * Where a flag's value came from: the assignment of the constant it was read through, and the
 * dict entry when the keyword was spread into the call from a dict defined elsewhere.
 */
export function flagOrigin(
  context: RuleContext,
  call: CallSite,
  argument: Argument,
  value: ConstValue | undefined,
  what: string,
): RelatedLocation[] | undefined {
  const related = [...(definedAt(context, value, what) ?? [])];
  if (argumentOrCall(call, argument) === call.node) {
    related.push({
      span: { start: argument.node.startIndex, end: argument.node.endIndex },
      message: 'passed to the call through this dict entry',
    });
  }
  return related.length > 0 ? related : undefined;
}

/**
 * A fix replacing a flag's value, offered only when the literal sits in the call itself: a
 * constant defined elsewhere may be shared with other calls, and a `**{...}` entry is better
 * edited by hand.
 */
export function flagFix(title: string, argument: Argument, value: ConstValue | undefined, newText: string, safe: boolean): Fix[] {
  return value?.definedAt || argument.fromSplat ? [] : [replaceValueFix(title, argument, newText, safe)];
}

/** How the user spelled the callee, for messages (`T.load`, `pickle.Unpickler(f).load`). */
export function spelled(call: CallSite): string {
  const text = call.calleeNode.text.replace(/\s+/g, '');
  return text.length > 48 ? (call.callee ?? call.methodName ?? 'call') : text;
}
