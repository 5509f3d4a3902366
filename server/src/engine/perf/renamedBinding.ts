/**
 * The name an edit of a module statement renames, for edit reuse (moduleStatement.ts): typing
 * into the target of `MODEL_ID = ...` or into the name an import binds (`import torch` →
 * `import torchx`, `import pickle as pk` → `import pickle as pkl`) changes one identifier, and
 * that identifier is the name the statement binds. Every other token of the statement is as it
 * was, at the same place relative to the statement.
 *
 * What such an edit changes for the rest of the file is the binding of the two names, the old
 * one (which loses the statement's binding) and the new one (which gains it); the other names
 * the statement binds keep the same kind of binding, from the same node text and the same value.
 * moduleStatement.ts then follows only these two names instead of every word of the statement
 * (why that is exact is written there).
 *
 * A binding target is read as semantic.ts binds: the identifier on the left of a plain assignment
 * (`name = value`, `name: T = value`), the first name of `import a.b`, the alias of
 * `import a as name` and `from m import a as name`, the name of `from m import name`. Renaming an
 * identifier into another identifier does not change how the statement parses, except for
 * Python's keywords and soft keywords, which are refused.
 */
import type { Node, Tree } from '../parser';
import type { Span } from '../text';
import { isIdentifierChar } from '../textScan';
import type { TextChange } from './editReuse';

/** Keywords and soft keywords (`match`, `case`, `type`: an identifier renamed into one may parse as another statement). */
const NOT_NAMES = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global if ' +
    'import in is lambda nonlocal not or pass raise return try while with yield match case type print exec'
  ).split(' '),
);
const IDENTIFIER = /^[A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*$/u;

/** The old and the new name of the binding an edit of a module statement renames. */
export interface Renamed {
  before: string;
  after: string;
}

/**
 * The binding `change` renames in the module statement `unit` (of the new text `after`, in
 * `tree`), whose text was `before` and is `now`; undefined when the change is not the renaming
 * of one identifier the statement binds (then every word of the statement counts).
 */
export function renamedBinding(tree: Tree, unit: Span, before: string, now: string, change: TextChange): Renamed | undefined {
  const removed = before.slice(change.start - unit.start, change.oldEnd - unit.start);
  const inserted = now.slice(change.start - unit.start, change.newEnd - unit.start);
  for (const piece of [removed, inserted])
    for (let k = 0; k < piece.length; k++) if (!isIdentifierChar(piece.charCodeAt(k))) return undefined;
  // The identifier around the change: the same start in both texts (the text before the change is the same).
  let start = change.start - unit.start;
  while (start > 0 && isIdentifierChar(now.charCodeAt(start - 1))) start--;
  const end = (text: string, from: number) => {
    let at = from;
    while (at < text.length && isIdentifierChar(text.charCodeAt(at))) at++;
    return at;
  };
  const oldName = before.slice(start, end(before, change.oldEnd - unit.start));
  const newName = now.slice(start, end(now, change.newEnd - unit.start));
  if (oldName === newName || !isName(oldName) || !isName(newName)) return undefined;
  const at = unit.start + start;
  const id = tree.rootNode.descendantForIndex(at, at + newName.length);
  if (id?.type !== 'identifier' || id.startIndex !== at || id.endIndex !== at + newName.length) return undefined;
  return bindsHere(id, unit) ? { before: oldName, after: newName } : undefined;
}

function isName(name: string): boolean {
  return IDENTIFIER.test(name) && !NOT_NAMES.has(name);
}

/** True when identifier `id` is a name its statement (the module statement `unit`) binds, as semantic.ts binds it. */
function bindsHere(id: Node, unit: Span): boolean {
  const parent = id.parent;
  if (!parent) return false;
  const statementOf = (node: Node | null) => node !== null && node.startIndex === unit.start && node.endIndex === unit.end;
  // `name = value` (not `a = b = value`, whose targets are bound apart, nor a tuple).
  if (parent.type === 'assignment' && parent.childForFieldName('left')?.id === id.id) {
    const right = parent.childForFieldName('right');
    const statement = parent.parent;
    return (
      right?.type !== 'assignment' &&
      statement?.type === 'expression_statement' &&
      statement.namedChildCount === 1 &&
      statementOf(statement)
    );
  }
  // `import a.b`: `a`; `import a as name`, `from m import a as name`: `name`.
  if (parent.type === 'dotted_name') {
    const statement = parent.parent;
    if (statement?.type === 'import_statement' && statementOf(statement)) return parent.firstNamedChild?.id === id.id;
    // `from m import name` (one part: `from m import a.b` is not Python).
    if (statement?.type === 'import_from_statement' && statementOf(statement))
      return parent.namedChildCount === 1 && statement.childForFieldName('module_name')?.id !== parent.id;
    return false;
  }
  if (parent.type === 'aliased_import' && parent.childForFieldName('alias')?.id === id.id) {
    const statement = parent.parent;
    return (statement?.type === 'import_statement' || statement?.type === 'import_from_statement') && statementOf(statement);
  }
  return false;
}
