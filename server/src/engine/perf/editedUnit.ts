/**
 * The part of a file an edit changed, for edit reuse (editReuse.ts): the smallest unit around
 * the change whose effect on the rest of the file is known, so that only it has to be analysed
 * again (its calls, then the file rules and the finish) while the reports of the rest are moved.
 *
 * - `function`, `class`: the innermost definition (with its decorators) holding the change, in
 *   its body, its header or its decorators. Outside itself a definition makes one binding, its
 *   name at its start (what partial parsing's stub keeps, partialParse.ts); decorators, defaults,
 *   annotations and bases are evaluated where the definition is written, but they lie inside the
 *   unit, so their calls run again. When the edit touches the name, `renamed` gives both names:
 *   reuse then requires that neither is written anywhere else in the file. A class's header is
 *   read from elsewhere too (a rule judging `Server().run()` reads the bases of `Server`, and
 *   partial parsing keeps class headers for that): after an edit in a class's header or
 *   decorators, reuse requires that the class's name is written nowhere else.
 * - `comment`: a comment on a line of its own (a statement of the module or of a block, or one
 *   written between a compound statement's header and its block); no expression holds its text. Blanks typed at its end are its text too (tree-sitter's comment
 *   node ends before them, so they are not found in it).
 * - `blank`: spaces or tabs added or removed at the end of a line, outside any token, string or
 *   comment (and not after a `\` continuation), or after a comment ending a line of code inside an
 *   expression (a long signature's parameter): the tokens of the file are the same, so every
 *   binding is; the unit is the definition around the change, the change itself between two
 *   statements of the module, or the statement of the module it is in (a statement spanning
 *   lines: its calls' text holds the blanks, so they run again).
 *   In a definition's decorators or header, editReuse.ts narrows it to the part before the body.
 *
 * - `statement`: a statement of the module (an assignment, an import, a loop…), with no
 *   definition around it. Rules read module-level code without declaring all they read, so
 *   moduleStatement.ts decides what must run again (the statements and definitions whose names
 *   lead to it) or that the whole file must.
 *
 * Inside the body of a long function, editReuse.ts first tries a smaller unit than the function:
 * the statement of the body around the change (functionStatement.ts, reported as
 * `function-statement`), falling back to the function.
 *
 * In every case the edited tree of the old text (tree-sitter's `Tree.edit` moves its nodes over
 * the change) must have a node of the same type and extent at the same place: the old text had
 * the same unit, differing only by the change. Anything else is undefined: analyse the file.
 */
import type { Node, Tree } from '../parser';
import type { TextChange } from './editReuse';

/** `function-statement`: a statement of a long function's body (functionStatement.ts), reported by edit reuse only. */
export type UnitKind = 'function' | 'class' | 'comment' | 'blank' | 'statement' | 'function-statement';

export interface EditedUnit {
  kind: UnitKind;
  /** The unit in the new text (for `blank` between statements, the change itself). */
  start: number;
  end: number;
  /** The kind of definition the unit is (for `blank`: the definition it is, if any). */
  definition?: 'function' | 'class';
  /** True when the change lies in the body of the definition. */
  inBody: boolean;
  /** Names the unit binds that the edit may have changed: before and after. */
  renamed?: { before: string[]; after: string[] };
  /** The definition's name (in the new text). */
  name?: string;
}

const DEFINITIONS = new Set(['function_definition', 'class_definition']);
const BLANK = /^[ \t]*$/;
const IDENTIFIER = /^[A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*$/u;

/**
 * The unit holding `change` (old text `before`, new text `after`, `tree` parsed from `after`,
 * `editedOldTree` the tree of `before` after `Tree.edit`), or undefined when there is none that
 * reuse can take.
 */
export function editedUnit(tree: Tree, editedOldTree: Tree, change: TextChange, before: string, after: string): EditedUnit | undefined {
  const { start, oldEnd, newEnd } = change;
  const removed = before.slice(start, oldEnd);
  const inserted = after.slice(start, newEnd);
  if (BLANK.test(removed) && BLANK.test(inserted) && atLineEnd(after, newEnd) && after.charCodeAt(start - 1) !== 92 /* \ */) {
    const blank = blankUnit(tree, editedOldTree, change, after);
    // Blanks ending a comment are the comment's text: a comment unit, below.
    if (blank) return blank;
  }
  // After a deletion, the node the character before it is in (an empty range at a node's end
  // would find the node around it).
  const node = tree.rootNode.descendantForIndex(start > 0 && newEnd === start ? start - 1 : start, newEnd);
  if (!node) return undefined;
  // A comment on a line of its own (with blanks typed at its end: the comment's text, outside its node).
  const trailing = node.type === 'comment' && node.endIndex === start && BLANK.test(inserted) && atLineEnd(after, newEnd);
  if (node.type === 'comment' && node.startIndex < start && (newEnd <= node.endIndex || trailing) && isStatementLevel(node, after)) {
    // A comment runs to the end of its line: with no line break changed, the old text had one
    // from the same `#` (its end, moved by the edit of the tree, may be off by the line break).
    if (removed.includes('\n') || inserted.includes('\n')) return undefined;
    const old = editedOldTree.rootNode.descendantForIndex(node.startIndex, node.startIndex + 1);
    if (old?.type !== 'comment' || old.startIndex !== node.startIndex) return undefined;
    return { kind: 'comment', start: node.startIndex, end: Math.max(node.endIndex, newEnd), inBody: false };
  }
  const definition = innermostDefinition(node);
  if (definition) return definitionUnit(definition, editedOldTree, change, before, after);
  // A statement of the module: what other statements can read of it is decided by
  // moduleStatement.ts, which analyses the whole file when it cannot tell.
  const statement = moduleStatement(node);
  if (!statement || !hadSame(editedOldTree, statement, statement, change, after)) return undefined;
  return { kind: 'statement', start: statement.startIndex, end: statement.endIndex, inBody: false };
}

/** The statement of the module holding `node` (not a definition, a comment or an error), if any. */
function moduleStatement(node: Node): Node | undefined {
  let n: Node | null = node;
  while (n?.parent && n.parent.type !== 'module') n = n.parent;
  if (!n?.parent || n.type === 'comment' || n.type === 'ERROR' || n.type === 'decorated_definition' || DEFINITIONS.has(n.type))
    return undefined;
  return n;
}

function atLineEnd(text: string, at: number): boolean {
  return at >= text.length || text.charCodeAt(at) === 10;
}

/** A blank change at a line's end: the statement or definition around it, or the change itself. */
function blankUnit(tree: Tree, editedOldTree: Tree, change: TextChange, after: string): EditedUnit | undefined {
  const { start, newEnd } = change;
  let node = tree.rootNode.descendantForIndex(start, newEnd);
  let old = editedOldTree.rootNode.descendantForIndex(start, newEnd);
  // Tree.edit grows the nodes ending where blanks are typed over them (the `:` of a header, the
  // name ending an import): a node never ends with blanks, so the one the new tree has there is
  // the first around them that did not end there.
  while (newEnd > start && old && old.startIndex < start && old.endIndex === newEnd && old.parent) old = old.parent;
  // A comment ending a line of code does end with the blanks typed after it: they are its text,
  // which no rule reads (the finish, which reads suppressions, runs again), and no token of the
  // code changed. The unit is found from what holds the comment, in both trees.
  // Blanks removed from a comment's end were its text too: the comment now ends where they were.
  if (newEnd === start && start > 0) {
    const comment = (root: Node) => {
      const n = root.descendantForIndex(start - 1, start);
      return n?.type === 'comment' && n.endIndex === start ? n : undefined;
    };
    node = comment(tree.rootNode) ?? node;
    old = comment(editedOldTree.rootNode) ?? old;
  }
  const trailing = (n: Node | null) =>
    n?.type === 'comment' && n.startIndex < start && n.endIndex === newEnd && !isStatementLevel(n, after);
  if (trailing(node)) node = node!.parent;
  if (trailing(old)) old = old!.parent;
  if (!node || !old || !sameNode(node, old)) return undefined;
  // Inside a token (a string's or a comment's text): not blank for the tokenizer.
  for (let n: Node | null = node; n; n = n.parent) if (n.childCount === 0 || n.type === 'string' || n.type === 'comment') return undefined;
  // In a definition, the definition (its calls run again, or it is moved when no rule can look
  // at it); between two statements of the module, the change itself; inside one (spanning lines),
  // that statement (its calls run again: their text holds the blanks).
  const definition = innermostDefinition(node);
  if (!definition) {
    if (node.type === 'module') return { kind: 'blank', start, end: newEnd, inBody: false };
    const statement = moduleStatement(node);
    return statement ? { kind: 'blank', start: statement.startIndex, end: statement.endIndex, inBody: false } : undefined;
  }
  const whole = withDecorators(definition);
  const body = definition.childForFieldName('body');
  return {
    kind: 'blank',
    start: whole.startIndex,
    end: whole.endIndex,
    definition: definition.type === 'function_definition' ? 'function' : 'class',
    inBody: body !== null && start >= body.startIndex && newEnd <= body.endIndex,
  };
}

function definitionUnit(definition: Node, editedOldTree: Tree, change: TextChange, before: string, after: string): EditedUnit | undefined {
  const { start, oldEnd, newEnd } = change;
  const whole = withDecorators(definition);
  if (!hadSame(editedOldTree, definition, whole, change, after)) return undefined;
  const kind = definition.type === 'function_definition' ? 'function' : 'class';
  const body = definition.childForFieldName('body');
  const inBody = body !== null && start >= body.startIndex && newEnd <= body.endIndex;
  const name = definition.childForFieldName('name');
  if (!name) return undefined;
  // Touching the name (typing at its end) may change it.
  if (newEnd < name.startIndex || start > name.endIndex)
    return { kind, definition: kind, start: whole.startIndex, end: whole.endIndex, inBody, name: name.text };
  if (start < name.startIndex || newEnd > name.endIndex) return undefined;
  const oldName = before.slice(name.startIndex, name.endIndex - (newEnd - oldEnd));
  const newName = after.slice(name.startIndex, name.endIndex);
  if (!IDENTIFIER.test(oldName) || !IDENTIFIER.test(newName)) return undefined;
  const renamed = oldName === newName ? undefined : { before: [oldName], after: [newName] };
  return { kind, definition: kind, start: whole.startIndex, end: whole.endIndex, inBody, renamed, name: newName };
}

/** The innermost definition holding `node`; from a decorator, the definition it decorates. */
function innermostDefinition(node: Node | null): Node | undefined {
  for (let n = node; n; n = n.parent) {
    if (DEFINITIONS.has(n.type)) return n;
    if (n.type === 'decorated_definition') return n.childForFieldName('definition') ?? undefined;
  }
  return undefined;
}

function withDecorators(definition: Node): Node {
  return definition.parent?.type === 'decorated_definition' ? definition.parent : definition;
}

/** A statement of the module or of a block (what a comment on its own line is too). */
function isStatementLevel(node: Node, text: string): boolean {
  const parent = node.parent;
  if (parent === null) return false;
  if (parent.type === 'module' || parent.type === 'block') return true;
  // tree-sitter hangs a comment written between a compound statement's header and its block (or
  // before `else:`) on the statement itself: still no expression's, when alone on its line.
  return COMPOUND.has(parent.type) && /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', node.startIndex - 1) + 1, node.startIndex));
}

/** Statements whose clauses tree-sitter hangs comments between header and block on. */
const COMPOUND = new Set([
  'if_statement',
  'elif_clause',
  'else_clause',
  'for_statement',
  'while_statement',
  'try_statement',
  'except_clause',
  'finally_clause',
  'with_statement',
  'function_definition',
  'class_definition',
]);

/**
 * True when the edited old tree has a node of `node`'s type at its start, whose extent with its
 * decorators (`whole` is the new one's) is the same, or ended where text was inserted that the
 * new node takes in (typing at the end of a function's last line: `Tree.edit` grows only the
 * nodes an edit is inside).
 */
export function hadSame(editedOldTree: Tree, node: Node, whole: Node, change: TextChange, after: string): boolean {
  let old: Node | null = editedOldTree.rootNode.descendantForIndex(node.startIndex, node.startIndex + 1);
  while (old && old.startIndex === node.startIndex && old.type !== node.type) old = old.parent;
  if (!old || old.type !== node.type || old.startIndex !== node.startIndex) return false;
  const oldWhole = node === whole ? old : withDecorators(old);
  if (oldWhole.startIndex !== whole.startIndex) return false;
  if (oldWhole.endIndex === whole.endIndex) return true;
  // Text replaced or deleted on the node's last line, the edit reaching the line break: the tree
  // edit (treeEdit.ts) also spans the line break, so the old node's end moved to just after it
  // (the change, found as the smallest difference, may stop short of the line's end: `True` →
  // `False` differs in `Tru`/`Fals`). Nodes of statements never end after a line break.
  if (change.oldEnd > change.start && oldWhole.endIndex === whole.endIndex + 1 && change.newEnd <= whole.endIndex)
    return after.charCodeAt(whole.endIndex) === 10 && !after.slice(change.newEnd, whole.endIndex).includes('\n');
  return change.oldEnd === change.start && oldWhole.endIndex === change.start && whole.endIndex === change.newEnd;
}

function sameNode(a: Node | null, b: Node | null): boolean {
  return a !== null && b !== null && a.type === b.type && a.startIndex === b.startIndex && a.endIndex === b.endIndex;
}
