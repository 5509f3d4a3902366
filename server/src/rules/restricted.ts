/**
 * Values the program restricts to a few constants, although they are not constants themselves:
 * a name checked against a literal set before it is used (`if mode not in ("a", "b"): raise`,
 * `if mode == "a": ...`), a name every assignment of which is fixed text (an `if`/`elif`/`else`
 * chain of literals, a loop over a literal tuple), and an argparse option declared with
 * `choices=[...]`, `type=int` or a flag action. Text built only from such values cannot carry
 * shell metacharacters or code an outsider chose, so MLS301 and MLS302 treat it like a literal.
 *
 * Written here rather than taken from a library: it is a small, security-relevant judgement
 * about our own syntax trees, and it errs on the side of "not restricted" (any other assignment
 * of the name between the check and the use, or any option declaration without choices, and
 * the value counts as data again).
 */
import type { Node } from '../engine/parser';
import type { Binding, SemanticModel } from '../engine/semantic';

const MAX_DEPTH = 8;

/** Statements after which control does not reach the next statement of the block. */
const EXITS = new Set(['return_statement', 'raise_statement', 'continue_statement', 'break_statement']);

/** Judges whether a node is fixed text (the caller's `isFixedText`, passed in to avoid a cycle). */
export type FixedCheck = (node: Node | null | undefined) => boolean;

/** True when a block's last statement leaves it (return, raise, continue, break). */
function leaves(block: Node | null | undefined): boolean {
  if (!block) return false;
  const statements = block.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  const last = statements[statements.length - 1];
  return !!last && EXITS.has(last.type);
}

/** A literal container whose every item (or key) is fixed: `("a", "b")`, `{"a", "b"}`, `{"a": ...}`. */
function fixedContainer(model: SemanticModel, node: Node | null | undefined, fixed: FixedCheck, depth = 0): boolean {
  if (!node || depth > MAX_DEPTH) return false;
  switch (node.type) {
    case 'list':
    case 'tuple':
    case 'set':
      return node.namedChildren.every((item) => !item || item.type === 'comment' || fixed(item));
    case 'dictionary':
      return node.namedChildren.every(
        (pair) => !pair || pair.type === 'comment' || (pair.type === 'pair' && fixed(pair.childForFieldName('key'))),
      );
    case 'parenthesized_expression':
      return fixedContainer(model, node.namedChildren[0], fixed, depth + 1);
    case 'identifier': {
      const binding = model.lookup(node.text, node.startIndex);
      if (binding?.kind !== 'assign' || !binding.value || !onlyBinding(model, binding) || mutated(model, node.text)) return false;
      return fixedContainer(model, binding.value, fixed, depth + 1);
    }
    default:
      return false;
  }
}

/**
 * True when the file may change a container bound to `name` in place (`name.append(x)`,
 * `name[k] = v`, `name += ...`): its literal then no longer says what it holds. Read from the
 * text, anywhere in the file, so it errs towards "changed".
 */
function mutated(model: SemanticModel, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `\\b${escaped}\\s*(?:\\.\\s*(?:append|extend|insert|add|update|setdefault|__setitem__)\\b|\\[[^\\]\\n]*\\]\\s*(?:[-+*/|&]|//)?=(?!=)|(?:[-+*/|&]|//)=)`,
  ).test(model.text);
}

/** True when `binding` is the only binding of its name in its scope (nothing reassigns it). */
function onlyBinding(model: SemanticModel, binding: Binding): boolean {
  return model.scopeAt(binding.node.startIndex).named(binding.name).length === 1;
}

/** True when `a` and `b` spell the same name or attribute chain (`mode`, `args.mode`). */
function sameTarget(a: Node, b: Node): boolean {
  return (a.type === 'identifier' || a.type === 'attribute') && a.type === b.type && a.text === b.text;
}

/** The comparison's operator texts (`in`, `not in`, `==`). */
function operators(comparison: Node): string[] {
  return comparison.children.filter((c): c is Node => !!c && !c.isNamed).map((c) => c.text.replace(/\s+/g, ' '));
}

/**
 * True when `condition` being true proves `target` is one of a few fixed values (`positive`), or
 * when it being false does (`!positive`: `target not in (...)`, `target != "a"`).
 */
function restricts(model: SemanticModel, condition: Node | null, target: Node, positive: boolean, fixed: FixedCheck, depth = 0): boolean {
  if (!condition || depth > MAX_DEPTH) return false;
  switch (condition.type) {
    case 'parenthesized_expression':
      return restricts(model, condition.namedChildren[0], target, positive, fixed, depth + 1);
    case 'not_operator':
      return restricts(model, condition.childForFieldName('argument'), target, !positive, fixed, depth + 1);
    case 'boolean_operator': {
      const op = condition.childForFieldName('operator')?.text;
      const left = condition.childForFieldName('left');
      const right = condition.childForFieldName('right');
      // true: `a or b` restricts when both do; `a and b` when either does. False: the duals.
      if ((op === 'or') === positive)
        return restricts(model, left, target, positive, fixed, depth + 1) && restricts(model, right, target, positive, fixed, depth + 1);
      return restricts(model, left, target, positive, fixed, depth + 1) || restricts(model, right, target, positive, fixed, depth + 1);
    }
    case 'comparison_operator': {
      const parts = condition.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
      const ops = operators(condition);
      if (parts.length !== 2 || ops.length !== 1 || !sameTarget(parts[0], target)) return false;
      const [op] = ops;
      if (positive && op === 'in') return fixedContainer(model, parts[1], fixed);
      if (!positive && op === 'not in') return fixedContainer(model, parts[1], fixed);
      if ((positive && op === '==') || (!positive && op === '!=')) return fixed(parts[1]);
      return false;
    }
    default:
      return false;
  }
}

/** True when an `if` statement holds on every path past it only when `target` is restricted. */
function chainRestricts(model: SemanticModel, statement: Node, target: Node, fixed: FixedCheck): boolean {
  const condition = statement.childForFieldName('condition');
  const alternatives = statement.childrenForFieldName('alternative').filter((n): n is Node => !!n);
  // `if x not in ALLOWED: raise`: the way on is the condition being false.
  if (alternatives.length === 0)
    return leaves(statement.childForFieldName('consequence')) && restricts(model, condition, target, false, fixed);
  // `if x == "a": ... elif x == "b": ... else: raise`.
  const last = alternatives[alternatives.length - 1];
  if (last.type !== 'else_clause' || !leaves(last.childForFieldName('body'))) return false;
  if (!restricts(model, condition, target, true, fixed)) return false;
  return alternatives
    .slice(0, -1)
    .every((clause) => clause.type === 'elif_clause' && restricts(model, clause.childForFieldName('condition'), target, true, fixed));
}

/** True when some statement between `from` and `to` assigns `target` (a name or an attribute). */
function reassignedBetween(model: SemanticModel, target: Node, from: number, to: number): boolean {
  if (target.type === 'identifier') {
    const binding = model.lookup(target.text, to);
    if (!binding) return false;
    return model
      .scopeAt(binding.node.startIndex)
      .named(target.text)
      .some((b) => b.offset > from && b.offset <= to);
  }
  const text = model.text.slice(from, to);
  return new RegExp(`${target.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(?:[-+*/%|&^]|//|\\*\\*)?=(?!=)`).test(text);
}

/**
 * True when `target` (a name or `obj.attr`), where it is used, can only hold one of a few
 * fixed values: inside the body of an `if` that tests it against literals, or after a check
 * that leaves the block otherwise, with no assignment of it in between.
 */
export function guardedToConstants(model: SemanticModel, target: Node, fixed: FixedCheck): boolean {
  const use = target.startIndex;
  let child: Node = target;
  for (let node = target.parent, depth = 0; node && depth < 60; child = node, node = node.parent, depth++) {
    if (node.type === 'function_definition' || node.type === 'class_definition' || node.type === 'lambda') return false;
    if ((node.type === 'if_statement' || node.type === 'elif_clause') && node.childForFieldName('consequence')?.id === child.id) {
      const condition = node.childForFieldName('condition');
      if (restricts(model, condition, target, true, fixed) && !reassignedBetween(model, target, node.startIndex, use)) return true;
    }
    // `eval(f"torch.{x}") if x in ("float16", "bfloat16") else None`: the value the condition
    // chooses (the first when it holds, the last when it does not).
    if (node.type === 'conditional_expression') {
      const [chosen, condition, otherwise] = node.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
      const positive = chosen?.id === child.id ? true : otherwise?.id === child.id ? false : undefined;
      if (
        positive !== undefined &&
        restricts(model, condition, target, positive, fixed) &&
        !reassignedBetween(model, target, node.startIndex, use)
      )
        return true;
    }
    if (node.type !== 'block' && node.type !== 'module') continue;
    // The statements before the one holding the use, nearest first.
    const statements = node.namedChildren.filter((n): n is Node => !!n);
    for (let i = statements.findIndex((s) => s.id === child.id) - 1; i >= 0; i--) {
      const statement = statements[i];
      if (statement.type === 'assert_statement') {
        const tested = statement.namedChildren[0];
        if (tested && restricts(model, tested, target, true, fixed) && !reassignedBetween(model, target, statement.endIndex, use))
          return true;
      }
      if (statement.type === 'if_statement' && chainRestricts(model, statement, target, fixed)) {
        return !reassignedBetween(model, target, statement.endIndex, use);
      }
    }
  }
  return false;
}

/**
 * True when every binding of the name in its scope gives it fixed text: assignments of fixed
 * text (an `if`/`elif`/`else` chain of literals) and `for name in (<literals>)` loops. A
 * parameter, an import, or any other assignment makes it data.
 */
export function everyBindingFixed(model: SemanticModel, name: Node, fixed: FixedCheck): boolean {
  const binding = model.lookup(name.text, name.startIndex);
  if (!binding) return false;
  const all = model.scopeAt(binding.node.startIndex).named(name.text);
  return all.every((b) => {
    if (b.kind === 'assign') return !!b.value && b.node.id !== name.id && fixed(b.value);
    if (b.kind !== 'other') return false;
    const loop = b.node.parent;
    return (
      loop?.type === 'for_statement' &&
      loop.childForFieldName('left')?.id === b.node.id &&
      fixedContainer(model, loop.childForFieldName('right'), fixed)
    );
  });
}

/**
 * True for `obj.name` when the file declares the argparse option `name` only with a restricted
 * value: `choices=` a literal list of fixed values (and no default outside fixed text),
 * `type=int`/`float`, or a flag action (`store_true`, `store_false`, `count`, `store_const`).
 */
export function argparseRestricted(model: SemanticModel, attribute: Node, fixed: FixedCheck): boolean {
  const name = attribute.childForFieldName('attribute')?.text;
  if (!name) return false;
  const declarations = argparseDeclarations(model, name);
  return declarations.length > 0 && declarations.every((keywords) => restrictedDeclaration(model, keywords, fixed));
}

/**
 * The keyword arguments of every `add_argument(...)` call of the file that declares the option
 * stored as `name` (`--server-name` or `dest="server_name"` for `server_name`).
 */
export function argparseDeclarations(model: SemanticModel, name: string): Array<Map<string, Node>> {
  const found: Array<Map<string, Node>> = [];
  const root = model.tree.rootNode;
  for (let i = model.text.indexOf('add_argument'); i >= 0; i = model.text.indexOf('add_argument', i + 12)) {
    const id = root.descendantForIndex(i, i + 12);
    const fn = id?.parent;
    const call = fn?.parent;
    if (id?.type !== 'identifier' || id.text !== 'add_argument' || fn?.type !== 'attribute' || call?.type !== 'call') continue;
    const args = call.childForFieldName('arguments');
    if (args?.type !== 'argument_list') continue;
    const keywords = new Map<string, Node>();
    const flags: string[] = [];
    for (const arg of args.namedChildren) {
      if (!arg) continue;
      if (arg.type === 'keyword_argument') {
        const key = arg.childForFieldName('name')?.text;
        const value = arg.childForFieldName('value');
        if (key && value) keywords.set(key, value);
      } else {
        const value = model.constantValue(arg);
        if (value?.kind === 'str') flags.push(value.value);
      }
    }
    if (optionDest(flags, keywords, model) === name) found.push(keywords);
  }
  return found;
}

/** The attribute argparse stores an option under. */
function optionDest(flags: string[], keywords: Map<string, Node>, model: SemanticModel): string | undefined {
  const dest = model.constantValue(keywords.get('dest'));
  if (dest?.kind === 'str') return dest.value;
  const long = flags.find((f) => f.startsWith('--')) ?? flags.find((f) => !f.startsWith('-')) ?? flags[0];
  return long?.replace(/^-+/, '').replace(/-/g, '_');
}

function restrictedDeclaration(model: SemanticModel, keywords: Map<string, Node>, fixed: FixedCheck): boolean {
  const action = model.constantValue(keywords.get('action'));
  if (action?.kind === 'str' && ['store_true', 'store_false', 'count', 'version', 'help'].includes(action.value)) return true;
  if (action?.kind === 'str' && action.value === 'store_const') return fixed(keywords.get('const'));
  if (action && action.kind !== 'str') return false;
  if (action?.kind === 'str' && action.value !== 'store') return false; // append, extend, custom actions
  const nargs = keywords.get('nargs');
  // argparse does not check a default against `choices`: it must be fixed text itself.
  const defaultValue = keywords.get('default');
  if (defaultValue && !fixed(defaultValue)) return false;
  const type = keywords.get('type');
  if (!nargs && type && (type.text === 'int' || type.text === 'float') && !model.lookup(type.text, type.startIndex)) return true;
  const choices = keywords.get('choices');
  if (!choices) return false;
  // A list value (nargs) is formatted as `['a', 'b']`: still only fixed words, quotes and commas.
  return fixedContainer(model, choices, fixed);
}

/**
 * True for `TABLE[key]` and `TABLE.get(key[, default])` where `TABLE` is a literal dict (bound
 * once) whose every value is fixed text: a lookup in a table of constant commands.
 */
export function constantTableLookup(model: SemanticModel, node: Node, fixed: FixedCheck): boolean {
  let table: Node | null = null;
  if (node.type === 'subscript') table = node.childForFieldName('value');
  else if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    const args = node.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
    if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'get' || args.length < 1 || args.length > 2) return false;
    if (args.some((a) => a.type === 'keyword_argument' || a.type === 'list_splat' || a.type === 'dictionary_splat')) return false;
    if (args.length === 2 && !fixed(args[1])) return false;
    table = fn.childForFieldName('object');
  }
  return !!table && constantTable(model, table, fixed);
}

function constantTable(model: SemanticModel, node: Node, fixed: FixedCheck, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (node.type === 'identifier') {
    const binding = model.lookup(node.text, node.startIndex);
    if (binding?.kind !== 'assign' || !binding.value || !onlyBinding(model, binding) || mutated(model, node.text)) return false;
    return constantTable(model, binding.value, fixed, depth + 1);
  }
  if (node.type !== 'dictionary') return false;
  const pairs = node.namedChildren.filter((p): p is Node => !!p && p.type !== 'comment');
  return pairs.length > 0 && pairs.every((pair) => pair.type === 'pair' && fixed(pair.childForFieldName('value')));
}
