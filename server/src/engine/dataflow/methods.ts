/**
 * Methods of the same class called through the object (`self.summarize(text)` inside a method of
 * the class that defines `summarize`): flow.ts summarises them one level, like the file's own
 * helper functions (docs/dataflow.md, "Helper functions and methods"). Serving classes keep the
 * model call in such helpers, so a flow that stopped at `self.name(...)` missed most of them.
 *
 * Only the class the call is written in is looked at: `self.name` in a subclass that does not
 * define `name` is not followed (which class's `name` runs depends on the object), and a method
 * of another class with the same name is never taken for it. `self.x.name(...)`, `other.name(...)`
 * and a property are not method calls of the class.
 */
import type { Node } from '../parser';
import type { SemanticModel } from '../semantic';
import { wordOffsets } from './textWords';

/** A method called through the object, and how many of its parameters the call does not pass (`self`). */
export interface MethodCall {
  definition: Node;
  /** 1 for an instance or class method (its first parameter is the object), 0 for a static method. */
  skip: number;
}

/** The class whose body defines `definition` directly, if any. */
export function classAround(definition: Node): Node | undefined {
  const inner = definition.parent?.type === 'decorated_definition' ? definition.parent : definition;
  const block = inner.parent;
  return block?.type === 'block' && block.parent?.type === 'class_definition' ? block.parent : undefined;
}

/** The methods a class body defines, by name (the last definition of a name wins, as in Python). */
export function methodsOf(cls: Node): Map<string, Node> {
  const methods = new Map<string, Node>();
  for (const child of cls.childForFieldName('body')?.namedChildren ?? []) {
    const definition = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    const name = definition?.type === 'function_definition' ? definition.childForFieldName('name')?.text : undefined;
    if (name) methods.set(name, definition!);
  }
  return methods;
}

/** The last names of a definition's decorators (`staticmethod`, `property`, `functools.cache` → `cache`). */
function decoratorWords(definition: Node): string[] {
  const decorated = definition.parent;
  if (decorated?.type !== 'decorated_definition') return [];
  const words: string[] = [];
  for (const decorator of decorated.namedChildren) {
    if (decorator?.type !== 'decorator') continue;
    const text = decorator.text.replace(/^@/, '').replace(/\(.*$/s, '');
    words.push(text.slice(text.lastIndexOf('.') + 1).trim());
  }
  return words;
}

const methodMemo = new WeakMap<SemanticModel, Map<number, MethodCall | null>>();

/**
 * The method of the same class a call's function names (`self.name` with `self` the first
 * parameter of the method, or of a method around the nested function, the call is written in),
 * if any. Memoised per attribute node.
 */
export function selfMethodOf(model: SemanticModel, fn: Node): MethodCall | undefined {
  if (fn.type !== 'attribute') return undefined;
  let memo = methodMemo.get(model);
  if (!memo) methodMemo.set(model, (memo = new Map()));
  const known = memo.get(fn.id);
  if (known !== undefined) return known ?? undefined;
  const found = resolve(model, fn) ?? null;
  memo.set(fn.id, found);
  return found ?? undefined;
}

function resolve(model: SemanticModel, fn: Node): MethodCall | undefined {
  const object = fn.childForFieldName('object');
  const name = fn.childForFieldName('attribute')?.text;
  if (object?.type !== 'identifier' || !name) return undefined;
  const binding = model.lookup(object.text, object.startIndex);
  if (binding?.kind !== 'param') return undefined;
  // The method whose first parameter the object is.
  let caller: Node | null = binding.node.parent;
  for (let hops = 0; caller && caller.type !== 'function_definition' && hops < 4; hops++) caller = caller.parent;
  if (caller?.type !== 'function_definition') return undefined;
  const first = caller.childForFieldName('parameters')?.namedChildren.find((p) => !!p && p.type !== 'comment');
  const firstName =
    first?.type === 'identifier' ? first : (first?.childForFieldName('name') ?? first?.namedChildren.find((c) => c?.type === 'identifier'));
  if (firstName?.id !== binding.node.id) return undefined;
  const cls = classAround(caller);
  if (!cls || decoratorWords(caller).some((w) => w === 'staticmethod')) return undefined;
  const definition = methodsOf(cls).get(name);
  if (!definition) return undefined;
  const words = decoratorWords(definition);
  // A property is read, not called: `self.name(...)` calls what it returns.
  if (words.some((w) => w === 'property' || w === 'cached_property' || w.endsWith('setter'))) return undefined;
  return { definition, skip: words.includes('staticmethod') ? 0 : 1 };
}

/** The calls `self.name(...)` of a method from methods of its own class (selfMethodOf), in document order. */
export function selfCallsOf(model: SemanticModel, definition: Node): Node[] {
  const name = definition.childForFieldName('name')?.text;
  if (!name || !classAround(definition)) return [];
  const root = model.tree.rootNode;
  const found: Node[] = [];
  for (const at of wordOffsets(model.text, name)) {
    const id = root.descendantForIndex(at, at + name.length);
    if (id?.type !== 'identifier' || id.startIndex !== at || id.endIndex !== at + name.length) continue;
    const fn = id.parent;
    if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.id !== id.id) continue;
    const call = fn.parent;
    if (call?.type !== 'call' || call.childForFieldName('function')?.id !== fn.id) continue;
    if (selfMethodOf(model, fn)?.definition.id === definition.id) found.push(call);
  }
  return found;
}
