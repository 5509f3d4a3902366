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
import { literalBounds, sourceTextOf } from '../engine/textScan';

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
    // What a comprehension makes holds its body's values (a dict: its keys'): `{k: v for k, v in
    // kwargs.items() if k in ALLOWED}` holds only allowed keys (comprehensionVariableFixed).
    case 'list_comprehension':
    case 'set_comprehension':
    case 'generator_expression':
      return fixed(node.childForFieldName('body'));
    case 'dictionary_comprehension': {
      const body = node.childForFieldName('body');
      return body?.type === 'pair' && fixed(body.childForFieldName('key'));
    }
    case 'identifier': {
      const binding = model.lookup(node.text, node.startIndex);
      if (binding?.kind !== 'assign' || !binding.value || !onlyBinding(model, binding) || changedInPlace(model, node.text, binding))
        return false;
      return fixedContainer(model, binding.value, fixed, depth + 1);
    }
    default:
      return false;
  }
}

/** The methods that put what they are given into the container they are called on. */
const ADDING_METHODS = ['append', 'extend', 'insert', 'add', 'update', 'setdefault', '__setitem__', '__iadd__', '__ior__'];

/** The most characters a change's arguments or value are read over (longer: not literals). */
const MAX_CHANGE = 4096;

/**
 * True when the file may change a container bound to `name` in place with anything but literals:
 * `name.append(x)`, `name[k] = v`, `name += more`. Its literal then no longer says what it holds.
 * Read from the whole text (a partial parse leaves functions out of the tree and blanks them in
 * its own text, and the answer must not depend on it): of the function that binds it, or of the
 * whole file for a module's or a class's name, so it errs towards "changed"; a change whose
 * arguments or value are written as literals only (`clauses.append("id = ?")`, `flags += ["-q"]`,
 * `table["k"] = "v"`) keeps the container fixed. Ways of changing it that bypass its name count
 * as changes: a changing method taken without calling it (`add = parts.append`), called on its
 * type (`list.append(parts, x)`), and the container given another name (`other = parts`). Handed
 * to a function that changes it, it is not seen.
 */
export function changedInPlace(model: SemanticModel, name: string, binding?: Binding): boolean {
  // The whole text, also where the tree is a partial parse's (whose text blanks the functions left out).
  const text = sourceTextOf(model.text).text;
  // A function's own name is changed only in its text (nested functions included).
  const scope = binding ? model.scopeAt(binding.node.startIndex) : undefined;
  const [from, to] = scope?.kind === 'function' ? [scope.start, scope.end] : [0, text.length];
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const site = new RegExp(
    `(?<![\\w.])${escaped}\\s*(?:\\.\\s*(?:${ADDING_METHODS.join('|')})\\s*\\(|\\[|(?:[-+*/%|&^@]|//|\\*\\*|<<|>>)=)`,
    'g',
  );
  const bypass = new RegExp(
    [
      // `add = parts.append`: a changing method taken to be called later.
      `(?<![\\w.])${escaped}\\s*\\.\\s*(?:${ADDING_METHODS.join('|')})\\b(?!\\s*\\()`,
      // `list.append(parts, x)`.
      `\\b(?:list|dict|set)\\s*\\.\\s*(?:${ADDING_METHODS.join('|')})\\s*\\(\\s*${escaped}\\b`,
      // `other = parts`: another name for the same container.
      `(?<![=!<>])=(?!=)[ \\t]*${escaped}[ \\t]*(?:$|[;#\\r\\n])`,
    ].join('|'),
    'gm',
  );
  bypass.lastIndex = from;
  const aside = bypass.exec(text);
  if (aside && aside.index < to) return true;
  site.lastIndex = from;
  for (let match = site.exec(text); match && match.index < to; match = site.exec(text)) {
    const end = match.index + match[0].length;
    const opener = text.charCodeAt(end - 1);
    if (opener === 40) {
      // A method call: its arguments, up to the matching parenthesis.
      const close = closing(text, end - 1);
      if (close < 0 || !literalsOnly(text, end, close)) return true;
    } else if (opener === 91) {
      // `name[k] = v` (or `name[k] += v`) changes it; `name[k]` read does not.
      const close = closing(text, end - 1);
      if (close < 0) return true;
      const assigned = /^[ \t]*(?:[-+*/%|&^@]|\/\/|\*\*|<<|>>)?=(?!=)/.exec(text.slice(close + 1, close + 8));
      if (!assigned) continue;
      const from = close + 1 + assigned[0].length;
      if (!literalsOnly(text, end, close) || !literalsOnly(text, from, statementEnd(text, from))) return true;
    } else if (!literalsOnly(text, end, statementEnd(text, end))) return true;
  }
  return false;
}

/** The offset of the bracket closing the one at `open` (strings and comments skipped), or -1. */
function closing(text: string, open: number): number {
  let depth = 0;
  const limit = Math.min(text.length, open + MAX_CHANGE);
  for (let i = open; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      i = stringEnd(text, i) - 1;
      if (i < 0) return -1;
    } else if (c === 35) {
      while (i < limit && text.charCodeAt(i) !== 10) i++;
    } else if (c === 40 || c === 91 || c === 123) depth++;
    else if ((c === 41 || c === 93 || c === 125) && --depth === 0) return i;
  }
  return -1;
}

/** Where the statement going on at `from` ends: a line break or `;` outside brackets (or the limit). */
function statementEnd(text: string, from: number): number {
  let depth = 0;
  const limit = Math.min(text.length, from + MAX_CHANGE);
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      const end = stringEnd(text, i);
      if (end < 0) return limit;
      i = end - 1;
    } else if (c === 92) i++;
    else if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth--;
    else if (depth <= 0 && (c === 10 || c === 13 || c === 59 || c === 35)) return i;
  }
  return limit;
}

/** The offset after the string literal whose quote is at `at` (triple quotes too), or -1 when it does not end. */
function stringEnd(text: string, at: number): number {
  const bounds = literalBounds(text, at);
  return bounds.end === bounds.bodyEnd ? -1 : bounds.end;
}

/**
 * True when text[from, to) is written with literals only: strings (an f-string without a
 * replacement field), numbers, `True`, `False`, `None`, and the brackets, commas, colons and
 * signs between them (`"id = ?"`, `0, "-q"`, `["-q", "-v"]`, `{"k": "v"}`); comments aside.
 */
function literalsOnly(text: string, from: number, to: number): boolean {
  let any = false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 35) {
      while (i < to && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) {
      let j = i;
      while (j < to && isWordChar(text.charCodeAt(j))) j++;
      const word = text.slice(i, j);
      const quote = text.charCodeAt(j);
      if ((quote === 34 || quote === 39) && /^(?:[rRbBuU]|[rR][bB]|[bB][rR]|[fF][rR]?|[rR][fF])$/.test(word)) {
        const end = stringEnd(text, j);
        if (end < 0 || end > to || (/[fF]/.test(word) && text.slice(j, end).includes('{'))) return false;
        i = end - 1;
        any = true;
        continue;
      }
      if (word !== 'True' && word !== 'False' && word !== 'None') return false;
      i = j - 1;
      any = true;
      continue;
    }
    if (c === 34 || c === 39) {
      const end = stringEnd(text, i);
      if (end < 0 || end > to) return false;
      i = end - 1;
      any = true;
    } else if (c >= 48 && c <= 57) any = true;
    else if (!' \t\r\n\\.,:()[]{}+-'.includes(text[i])) return false;
  }
  return any;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
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
 * text (an `if`/`elif`/`else` chain of literals), augmented assignments of fixed text (`x +=
 * "-v"`), and loops over fixed values (`for name in (<literals>)`, `for key, value in
 * TABLE.items()`). A parameter, an import, or any other assignment makes it data.
 */
export function everyBindingFixed(model: SemanticModel, name: Node, fixed: FixedCheck): boolean {
  const binding = model.lookup(name.text, name.startIndex);
  if (!binding) return false;
  const all = model.scopeAt(binding.node.startIndex).named(name.text);
  return all.every((b) => {
    if (b.kind === 'assign') return b.node.id !== name.id && fixedAssignment(model, b, fixed);
    if (b.kind !== 'other') return false;
    // `flags += ["-v"]`: what is added is fixed, and so is every other binding.
    const statement = b.node.parent;
    if (statement?.type === 'augmented_assignment' && statement.childForFieldName('left')?.id === b.node.id)
      return fixed(statement.childForFieldName('right'));
    return loopTargetFixed(model, b.node, fixed);
  });
}

/**
 * True when an assignment binds fixed text: its value is, and when that value is a container
 * literal (`[]`, `{...}`), nothing but literals is put into it afterwards (changedInPlace):
 * `parts = []; parts.append(user)` makes `" ".join(parts)` data.
 */
export function fixedAssignment(model: SemanticModel, binding: Binding, fixed: FixedCheck): boolean {
  if (!binding.value || !fixed(binding.value)) return false;
  let value: Node | null = binding.value;
  while (value?.type === 'parenthesized_expression') value = value.namedChildren[0];
  const container = value?.type === 'list' || value?.type === 'set' || value?.type === 'dictionary';
  return !container || !changedInPlace(model, binding.name, binding);
}

/**
 * True when `target`, a name a `for` statement or a comprehension's `for` binds, only takes fixed
 * values: the loop runs over a fixed container, or over `TABLE.items()`, `.keys()` or `.values()`
 * of a literal dict (each part of `key, value` judged by its place), or `enumerate` of one.
 */
function loopTargetFixed(model: SemanticModel, target: Node, fixed: FixedCheck): boolean {
  let position: number | undefined;
  let left: Node = target;
  const parent = target.parent;
  if (parent && (parent.type === 'pattern_list' || parent.type === 'tuple_pattern')) {
    position = parent.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment').findIndex((n) => n.id === target.id);
    left = parent;
  }
  const loop = left.parent;
  if ((loop?.type !== 'for_statement' && loop?.type !== 'for_in_clause') || loop.childForFieldName('left')?.id !== left.id) return false;
  return iteratedFixed(model, loop.childForFieldName('right'), position, fixed);
}

/** Builtins that give back what they are given, in some order. */
const SAME_ITEMS = new Set(['sorted', 'list', 'tuple', 'set', 'reversed', 'frozenset']);

/**
 * True when the items of `iterable` are fixed at `position` of each (every part when undefined).
 */
function iteratedFixed(model: SemanticModel, iterable: Node | null, position: number | undefined, fixed: FixedCheck, depth = 0): boolean {
  if (!iterable || depth > MAX_DEPTH) return false;
  if (fixedContainer(model, iterable, fixed)) return true;
  if (iterable.type !== 'call') return false;
  const fn = iterable.childForFieldName('function');
  const args = (iterable.childForFieldName('arguments')?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
  if (fn?.type === 'identifier' && !model.lookup(fn.text, fn.startIndex)) {
    if (args.length !== 1 || args[0].type === 'list_splat' || args[0].type === 'keyword_argument') return false;
    if (SAME_ITEMS.has(fn.text)) return iteratedFixed(model, args[0], position, fixed, depth + 1);
    // `enumerate(items)`: a count, then an item.
    if (fn.text === 'enumerate')
      return position === 0 || iteratedFixed(model, args[0], position === 1 ? undefined : position, fixed, depth + 1);
    return false;
  }
  if (fn?.type !== 'attribute' || args.length > 0) return false;
  const table = fn.childForFieldName('object');
  if (!table) return false;
  switch (fn.childForFieldName('attribute')?.text) {
    case 'keys':
      return fixedContainer(model, table, fixed);
    case 'values':
      return constantTable(model, table, fixed);
    case 'items':
      return (position === 1 || fixedContainer(model, table, fixed)) && (position === 0 || constantTable(model, table, fixed));
    default:
      return false;
  }
}

/**
 * For a name a comprehension's `for` binds where it is used inside that comprehension, whether it
 * only takes fixed values: the loop runs over fixed values (loopTargetFixed), or an `if` of the
 * comprehension after that `for` restricts it (`k for k in names if k in ALLOWED`). Undefined
 * when no comprehension around the name binds it. (Python 3 gives a comprehension's names their
 * own scope; the semantic model binds them in the scope around it.)
 */
export function comprehensionVariableFixed(model: SemanticModel, name: Node, fixed: FixedCheck): boolean | undefined {
  for (let node = name.parent, depth = 0; node && depth < 60; node = node.parent, depth++) {
    if (node.type === 'function_definition' || node.type === 'class_definition' || node.type === 'lambda' || node.type === 'module')
      return undefined;
    if (
      node.type !== 'list_comprehension' &&
      node.type !== 'set_comprehension' &&
      node.type !== 'dictionary_comprehension' &&
      node.type !== 'generator_expression'
    )
      continue;
    const clauses = node.namedChildren.filter((n): n is Node => !!n && (n.type === 'for_in_clause' || n.type === 'if_clause'));
    // The last `for` binding the name is the one in effect for the body.
    let bound = -1;
    let target: Node | undefined;
    clauses.forEach((clause, i) => {
      if (clause.type !== 'for_in_clause') return;
      const left = clause.childForFieldName('left');
      const found = left ? namesIn(left).find((id) => id.text === name.text) : undefined;
      if (found) {
        bound = i;
        target = found;
      }
    });
    if (!target) continue;
    if (loopTargetFixed(model, target, fixed)) return true;
    return clauses
      .slice(bound + 1)
      .some((clause) => clause.type === 'if_clause' && restricts(model, clause.namedChildren[0], name, true, fixed));
  }
  return undefined;
}

/** The identifiers a target binds (`a`, `a, (b, c)`). */
function namesIn(node: Node): Node[] {
  if (node.type === 'identifier') return [node];
  if (node.type === 'attribute' || node.type === 'subscript') return [];
  return node.namedChildren.flatMap((child) => (child ? namesIn(child) : []));
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
    if (binding?.kind !== 'assign' || !binding.value || !onlyBinding(model, binding) || changedInPlace(model, node.text, binding))
      return false;
    return constantTable(model, binding.value, fixed, depth + 1);
  }
  if (node.type !== 'dictionary') return false;
  const pairs = node.namedChildren.filter((p): p is Node => !!p && p.type !== 'comment');
  return pairs.length > 0 && pairs.every((pair) => pair.type === 'pair' && fixed(pair.childForFieldName('value')));
}
