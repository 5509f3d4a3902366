/**
 * The helpers rules share, in one place: threat catalogue ids, constants of arguments, fixes, how
 * a callee is spelled in messages, where a flag came from, attribute assignments, telling fixed
 * text from data, and naming the class a receiver was made from. A rule file keeps a helper of
 * its own only when no other rule needs it.
 */
import type { Argument, CallSite } from '../engine/callSite';
import type { Node } from '../engine/parser';
import type { Fix, RelatedLocation, RuleContext } from '../engine/rule';
import type { ConstValue, SemanticModel } from '../engine/semantic';
import { CALL_RESULT_SUFFIX } from '../engine/semantic';
import {
  argparseRestricted,
  comprehensionVariableFixed,
  constantTableLookup,
  everyBindingFixed,
  fixedAssignment,
  guardedToConstants,
} from './restricted';

export const OWASP = {
  inputManipulation: 'ML01:2023 Input Manipulation Attack',
  dataPoisoning: 'ML02:2023 Data Poisoning Attack',
  modelInversion: 'ML03:2023 Model Inversion Attack',
  membershipInference: 'ML04:2023 Membership Inference Attack',
  modelTheft: 'ML05:2023 Model Theft',
  supplyChain: 'ML06:2023 AI Supply Chain Attacks',
  transferLearning: 'ML07:2023 Transfer Learning Attack',
  modelSkewing: 'ML08:2023 Model Skewing',
  outputIntegrity: 'ML09:2023 Output Integrity Attack',
  modelPoisoning: 'ML10:2023 Model Poisoning',
} as const;

export const ATLAS = {
  supplyChain: 'AML.T0010 ML Supply Chain Compromise',
  maliciousModel: 'AML.T0010.003 ML Supply Chain Compromise: Model',
  userExecution: 'AML.T0011 User Execution',
  unsafeArtifacts: 'AML.T0011.000 User Execution: Unsafe ML Artifacts',
  poisonTrainingData: 'AML.T0020 Poison Training Data',
  extraction: 'AML.T0024 Exfiltration via ML Inference API',
  promptInjection: 'AML.T0051 LLM Prompt Injection',
  pluginCompromise: 'AML.T0053 LLM Plugin Compromise',
  validAccounts: 'AML.T0012 Valid Accounts',
  publicApi: 'AML.T0040 ML Model Inference API Access',
} as const;

export const CWE_REFERENCE = (id: number) => ({ title: `CWE-${id}`, url: `https://cwe.mitre.org/data/definitions/${id}.html` });

/** The constant value of an argument, if it is one. */
export function constantOf(context: RuleContext, argument: Argument | undefined): ConstValue | undefined {
  return argument ? context.constant(argument.value) : undefined;
}

export function isConstTrue(value: ConstValue | undefined): boolean {
  return value?.kind === 'bool' && value.value === true;
}

export function isConstFalse(value: ConstValue | undefined): boolean {
  return value?.kind === 'bool' && value.value === false;
}

/** A fix replacing an argument's value (the literal in the call, not a constant defined elsewhere). */
export function replaceValueFix(title: string, argument: Argument, newText: string, safe: boolean): Fix {
  return { title, safe, edits: [{ start: argument.value.startIndex, end: argument.value.endIndex, newText }] };
}

/** A fix adding a keyword argument at the end of a call, keeping its layout. */
export function addKeywordFix(title: string, call: CallSite, context: RuleContext, keyword: string, safe: boolean): Fix | undefined {
  const edits = call.appendKeyword(context.text, keyword);
  return edits ? { title, safe, edits } : undefined;
}

/** Where a constant came from, as related information, when it came through a name. */
export function definedAt(context: RuleContext, value: ConstValue | undefined, what: string): RelatedLocation[] | undefined {
  return context.definedHere(value, what);
}

/** The text of a node, shortened for messages. */
export function snippet(node: Node, max = 40): string {
  const text = node.text.replace(/\s+/g, ' ');
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** Drops undefined entries from a list of fixes. */
export function fixes(...list: Array<Fix | undefined>): Fix[] {
  return list.filter((f): f is Fix => f !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Syntax: calls, flags, attribute assignments, fixed text.

const MAX_DEPTH = 8;

/** The string node containing `node` (itself, or an ancestor through string parts), if any. */
export function enclosingString(node: Node | null): Node | undefined {
  for (let n: Node | null = node, hops = 0; n && hops < 4; n = n.parent, hops++) {
    if (n.type === 'string') return n;
    if (n.type !== 'string_content' && n.type !== 'string_start' && n.type !== 'string_end' && n.type !== 'escape_sequence')
      return undefined;
  }
  return undefined;
}

/**
 * The calls of the file whose function is written `name(...)` or `x.name(...)`, found from where
 * `name` is written (not by visiting every call). For each, the argument list.
 */
export function callsNamed(context: RuleContext, names: Iterable<string>): Array<{ call: Node; fn: Node; args: Node }> {
  const found: Array<{ call: Node; fn: Node; args: Node }> = [];
  for (const name of names) {
    for (const id of identifiersSpelled(context, name)) {
      const fn = id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id ? id.parent : id;
      const call = fn.parent;
      const args = call?.childForFieldName('arguments');
      if (call?.type === 'call' && call.childForFieldName('function')?.id === fn.id && args?.type === 'argument_list')
        found.push({ call, fn, args });
    }
  }
  return found;
}

/** The keyword arguments `name=value` of calls, for the given names, found from where they are written. */
export function keywordArguments(context: RuleContext, names: Iterable<string>): Array<{ call: Node; argument: Node }> {
  const found: Array<{ call: Node; argument: Node }> = [];
  for (const name of names) {
    for (const id of identifiersSpelled(context, name)) {
      const argument = id.parent;
      if (argument?.type !== 'keyword_argument' || argument.childForFieldName('name')?.id !== id.id) continue;
      const call = argument.parent?.parent;
      if (argument.parent?.type === 'argument_list' && call?.type === 'call') found.push({ call, argument });
    }
  }
  return found;
}

/** `[A-Za-z0-9_]`, by character code. */
function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * Identifiers spelled `word`, found by scanning the text (cheap) and asking the tree for the node
 * at each occurrence, so strings and comments that mention the word are skipped.
 */
export function identifiersSpelled(context: RuleContext, word: string): Node[] {
  const found: Node[] = [];
  const root = context.model.tree.rootNode;
  const text = context.text;
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + word.length)) {
    const end = i + word.length;
    if ((i > 0 && isWordCode(text.charCodeAt(i - 1))) || (end < text.length && isWordCode(text.charCodeAt(end)))) continue;
    const node = root.descendantForIndex(i, end);
    if (node?.type === 'identifier' && node.startIndex === i && node.endIndex === end) found.push(node);
  }
  return found;
}

export interface AttributeAssignment {
  assignment: Node;
  /** The attribute written (`app.debug`). */
  target: Node;
  object: Node;
  value: Node;
}

/** For the attribute name of `obj.name = value`, the assignment; else undefined. */
export function attributeAssignment(identifier: Node): AttributeAssignment | undefined {
  const attribute = identifier.parent;
  if (attribute?.type !== 'attribute' || attribute.childForFieldName('attribute')?.id !== identifier.id) return undefined;
  const assignment = attribute.parent;
  if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.id !== attribute.id) return undefined;
  const object = attribute.childForFieldName('object');
  const value = assignment.childForFieldName('right');
  return object && value ? { assignment, target: attribute, object, value } : undefined;
}

/** True when the file imports one of the top-level packages. */
export function importsAny(model: SemanticModel, packages: readonly string[]): boolean {
  const imported = model.importedPackages();
  return packages.some((p) => imported.includes(p));
}

/**
 * The expression a `with expr as name:` target was bound from, when `identifier` refers to such a
 * target. The semantic model binds these targets without a value (what `__enter__` returns is not
 * known in general); rules that know the library's context managers return `self` ask here.
 */
export function withItemValue(model: SemanticModel, identifier: Node): Node | undefined {
  if (identifier.type !== 'identifier') return undefined;
  const binding = model.lookup(identifier.text, identifier.startIndex);
  if (binding?.kind !== 'other') return undefined;
  const target = binding.node.parent;
  if (target?.type !== 'as_pattern_target' || target.namedChildren[0]?.id !== binding.node.id) return undefined;
  const pattern = target.parent;
  if (pattern?.type !== 'as_pattern' || pattern.parent?.type !== 'with_item') return undefined;
  return pattern.namedChildren[0] ?? undefined;
}

/**
 * The qualified name of the object a method is called on (`flask.Flask()` for `app` after
 * `app = Flask(__name__)`), also through a `with gr.Blocks() as demo:` target and method calls
 * chained on it (`gradio.Blocks().queue()`); undefined when it cannot be named (a parameter, an
 * attribute of `self`, the result of a project function).
 */
export function receiverName(model: SemanticModel, receiver: Node): string | undefined {
  const named = model.qualifiedName(receiver);
  if (named) return named;
  // Strip method calls chained on a `with` target: `demo.queue().launch()`.
  let base: Node | null = receiver;
  const chain: string[] = [];
  for (let depth = 0; base && depth < MAX_DEPTH; depth++) {
    if (base.type === 'call') {
      const fn: Node | null = base.childForFieldName('function');
      if (fn?.type !== 'attribute') return undefined;
      chain.unshift(`${fn.childForFieldName('attribute')?.text ?? ''}${CALL_RESULT_SUFFIX}`);
      base = fn.childForFieldName('object');
    } else if (base.type === 'attribute') {
      chain.unshift(base.childForFieldName('attribute')?.text ?? '');
      base = base.childForFieldName('object');
    } else break;
  }
  if (base?.type !== 'identifier') return undefined;
  const value = withItemValue(model, base);
  if (value?.type !== 'call') return undefined;
  const made = model.qualifiedName(value);
  return made ? [made, ...chain].join('.') : undefined;
}

/** The receiver node of a method call (`app` in `app.run()`), if the callee is an attribute. */
export function receiverNode(call: CallSite): Node | undefined {
  return call.calleeNode.type === 'attribute' ? (call.calleeNode.childForFieldName('object') ?? undefined) : undefined;
}

/** How the user spelled the callee, for messages (`sp.run`, `app.run`). */
export function spelled(call: CallSite): string {
  const text = call.calleeNode.text.replace(/\s+/g, '').replace(/\((?:[^()]|\([^()]*\))+\)/g, '(...)');
  return text.length > 48 ? (call.callee ?? call.methodName ?? 'call') : text;
}

/** The argument itself when written inside the call, else (a `**options` entry) the call. */
export function argumentOrCall(call: CallSite, argument: Argument): Node {
  return within(argument.node, call.node) ? argument.node : call.node;
}

/** True for a constant Python treats as true in a flag position (`True`, a non-zero number). */
export function isTruthy(value: ConstValue | undefined): boolean {
  return (value?.kind === 'bool' && value.value) || (value?.kind === 'num' && value.value !== 0);
}

/** True for a constant Python treats as false in a flag position (`False`, `0`). */
export function isFalsy(value: ConstValue | undefined): boolean {
  return isConstFalse(value) || (value?.kind === 'num' && value.value === 0);
}

/** True when `inner` lies inside `outer` (by offsets). */
export function within(inner: Node, outer: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

/** The string constant of an argument (through names), or undefined. */
export function stringOf(context: RuleContext, argument: Argument | undefined): (ConstValue & { kind: 'str' }) | undefined {
  const value = constantOf(context, argument);
  return value?.kind === 'str' ? value : undefined;
}

/** Where a flag came from: the constant's assignment and the `**dict` entry, when not in the call. */
export function flagOrigin(
  context: RuleContext,
  call: CallSite,
  argument: Argument,
  value: ConstValue | undefined,
  what: string,
): RelatedLocation[] | undefined {
  const related = [...(context.definedHere(value, what) ?? [])];
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

/** An unsafe fix replacing a constant value, offered only when the literal is written in the call itself. */
export function inlineReplaceFix(
  title: string,
  call: CallSite,
  argument: Argument,
  value: ConstValue | undefined,
  newText: string,
): Fix | undefined {
  if (!value || value.definedAt || !within(argument.value, call.node)) return undefined;
  return replaceValueFix(title, argument, newText, false);
}

const SHELL_QUOTERS = new Set(['shlex.quote', 'shlex.join', 'pipes.quote']);

export interface FixedTextOptions {
  /** Treat `shlex.quote(x)` / `shlex.join(xs)` as fixed: right for shell commands, not for code. */
  shellQuoted?: boolean;
}

/**
 * True when an expression's text is fixed by the program rather than by data: a literal, a name
 * bound to one, and `+`, `%`, f-strings, `.format` and `sep.join([...])` built only from such
 * parts. With `shellQuoted`, values passed through `shlex.quote` count as fixed too, since the shell
 * will read them as a single word.
 */
export function isFixedText(model: SemanticModel, node: Node | null | undefined, options: FixedTextOptions = {}, depth = 0): boolean {
  if (!node || depth > MAX_DEPTH) return false;
  const again = (n: Node | null | undefined) => isFixedText(model, n, options, depth + 1);
  switch (node.type) {
    case 'string': {
      for (const child of node.children) {
        if (!child) continue;
        if (child.type === 'interpolation') {
          if (!again(child.namedChildren[0])) return false;
        } else if (child.type === 'string_content') {
          for (const part of child.children) if (part?.type === 'interpolation' && !again(part.namedChildren[0])) return false;
        }
      }
      return true;
    }
    case 'concatenated_string':
      return node.namedChildren.every((part) => again(part));
    case 'integer':
    case 'float':
    case 'true':
    case 'false':
    case 'none':
      return true;
    case 'parenthesized_expression':
      return again(node.namedChildren[0]);
    case 'list':
    case 'tuple':
      return node.namedChildren.every((item) => again(item));
    case 'binary_operator': {
      const operator = node.childForFieldName('operator')?.text;
      if (operator !== '+' && operator !== '%') return false;
      return again(node.childForFieldName('left')) && again(node.childForFieldName('right'));
    }
    case 'identifier': {
      // A comprehension's own name: what its `for` runs over, or what its `if` allows.
      const inComprehension = comprehensionVariableFixed(model, node, again);
      if (inComprehension !== undefined) return inComprehension || guardedToConstants(model, node, again);
      const binding = model.lookup(node.text, node.startIndex);
      if (binding?.kind === 'assign' && binding.node.id !== node.id && fixedAssignment(model, binding, again)) return true;
      // Not a constant, but restricted to a few (see restricted.ts).
      return everyBindingFixed(model, node, again) || guardedToConstants(model, node, again);
    }
    // `"WHERE " + clause if clause else ""`: either branch is what it gives.
    case 'conditional_expression': {
      const [chosen, , otherwise] = node.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
      return again(chosen) && again(otherwise);
    }
    case 'list_comprehension':
    case 'set_comprehension':
    case 'generator_expression':
      return again(node.childForFieldName('body'));
    case 'attribute':
      return argparseRestricted(model, node, again) || guardedToConstants(model, node, again);
    case 'subscript':
      return constantTableLookup(model, node, again);
    case 'call': {
      const fn = node.childForFieldName('function');
      const args = node.childForFieldName('arguments');
      // `" ".join(f"--{o}" for o in options)`: the generator is the argument list itself.
      if (fn?.type === 'attribute' && args?.type === 'generator_expression')
        return fn.childForFieldName('attribute')?.text === 'join' && again(fn.childForFieldName('object')) && again(args);
      if (!fn || args?.type !== 'argument_list') return false;
      if (options.shellQuoted && SHELL_QUOTERS.has(model.qualifiedName(fn) ?? '')) return true;
      if (constantTableLookup(model, node, again)) return true;
      if (fn.type !== 'attribute') return false;
      const method = fn.childForFieldName('attribute')?.text;
      if (method !== 'join' && method !== 'format') return false;
      if (!again(fn.childForFieldName('object'))) return false;
      return args.namedChildren.every((arg) => {
        if (!arg || arg.type === 'comment') return true;
        if (arg.type === 'keyword_argument') return again(arg.childForFieldName('value'));
        return arg.type !== 'list_splat' && arg.type !== 'dictionary_splat' && again(arg);
      });
    }
    default:
      return false;
  }
}
