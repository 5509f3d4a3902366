/**
 * Syntax helpers shared by the code-execution (MLS3xx), serving (MLS4xx) and secrets (MLS5xx)
 * families: finding attribute assignments cheaply, telling fixed text from data, and naming the
 * class a receiver was made from.
 */
import type { Argument, CallSite } from '../engine/callSite';
import type { Node } from '../engine/parser';
import type { Fix, RelatedLocation, RuleContext } from '../engine/rule';
import type { ConstValue, SemanticModel } from '../engine/semantic';
import { CALL_RESULT_SUFFIX } from '../engine/semantic';
import { argparseRestricted, constantTableLookup, everyBindingFixed, guardedToConstants } from './restricted';
import { replaceValueFix } from './support';

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
 * Identifiers spelled `word`, found by scanning the text (cheap) and asking the tree for the node
 * at each occurrence, so strings and comments that mention the word are skipped.
 */
export function identifiersSpelled(context: RuleContext, word: string): Node[] {
  const found: Node[] = [];
  const root = context.model.tree.rootNode;
  for (let i = context.text.indexOf(word); i >= 0; i = context.text.indexOf(word, i + word.length)) {
    const before = i > 0 ? context.text[i - 1] : '';
    const after = context.text[i + word.length] ?? '';
    if (/[A-Za-z0-9_]/.test(before) || /[A-Za-z0-9_]/.test(after)) continue;
    const node = root.descendantForIndex(i, i + word.length);
    if (node?.type === 'identifier' && node.startIndex === i && node.text === word) found.push(node);
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
  const node = argument.node;
  return node.startIndex >= call.node.startIndex && node.endIndex <= call.node.endIndex ? node : call.node;
}

/** True for a constant Python treats as true in a flag position (`True`, a non-zero number). */
export function isTruthy(value: ConstValue | undefined): boolean {
  return (value?.kind === 'bool' && value.value) || (value?.kind === 'num' && value.value !== 0);
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

/** A fix replacing a flag's value, only when the literal is written in the call itself. */
export function flagFix(title: string, argument: Argument, value: ConstValue | undefined, newText: string, safe: boolean): Fix[] {
  return value?.definedAt || argument.fromSplat ? [] : [replaceValueFix(title, argument, newText, safe)];
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
      const binding = model.lookup(node.text, node.startIndex);
      if (binding?.kind === 'assign' && binding.value && binding.node.id !== node.id && again(binding.value)) return true;
      // Not a constant, but restricted to a few (see restricted.ts).
      return everyBindingFixed(model, node, again) || guardedToConstants(model, node, again);
    }
    case 'attribute':
      return argparseRestricted(model, node, again) || guardedToConstants(model, node, again);
    case 'subscript':
      return constantTableLookup(model, node, again);
    case 'call': {
      const fn = node.childForFieldName('function');
      const args = node.childForFieldName('arguments');
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
