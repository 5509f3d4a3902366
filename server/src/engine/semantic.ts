/**
 * The semantic layer every rule shares: scopes, bindings (imports, aliases, definitions,
 * assignments, parameters), fully qualified names of expressions, and constant values of
 * literals reachable through simple assignments.
 *
 * It is lazy, because walking a whole syntax tree costs more than everything the rules do on a
 * typical file: a scope exists once a lookup reaches it (found by going up from the offset, not
 * by walking down from the root), and its bindings are collected from its own statements when
 * first asked for. The module scope reads the top-level statements; a function body is only
 * read when a name is resolved inside it. Each collection is one `descendantsOfType` walk inside
 * WebAssembly over the scope's statements, with nested scopes skipped.
 */
import type { Node, Tree } from './parser';
import { identifierOccurrences, isIdentifierChar } from './textScan';

export type ScopeKind = 'module' | 'function' | 'class' | 'lambda';

export type BindingKind = 'import' | 'def' | 'class' | 'assign' | 'param' | 'other';

export interface Binding {
  name: string;
  kind: BindingKind;
  /** Offset from which the binding is in effect. */
  offset: number;
  /** The node that names the binding (identifier), for related locations. */
  node: Node;
  /** For imports: the fully qualified name the binding stands for (`torch`, `pickle.load`). */
  qualifiedName?: string;
  /** For single-target assignments: the assigned expression. */
  value?: Node;
  /** Made inside a function through a `global` declaration. */
  viaGlobal?: boolean;
}

/**
 * A binding with every field present, in one order: bindings are made in several shapes, and
 * code that reads them (lookups, resolution) runs optimised only while it sees one.
 */
function uniform(b: Binding): Binding {
  return {
    name: b.name,
    kind: b.kind,
    offset: b.offset,
    node: b.node,
    qualifiedName: b.qualifiedName,
    value: b.value,
    viaGlobal: b.viaGlobal ?? false,
  };
}

/** How a scope learns its bindings (see SemanticModel). */
interface ScopeSource {
  /** Adds every binding of the scope (through `Scope.add`). */
  populate(scope: Scope): void;
  /** The bindings of one name, in document order; without it, `populate` is used. */
  named?(scope: Scope, name: string): Binding[];
  /** Names declared `global` or `nonlocal` in the scope. */
  globals(scope: Scope): Set<string>;
}

export class Scope {
  private all: Map<string, Binding[]> | undefined;
  private readonly byName = new Map<string, Binding[]>();
  private declared: Set<string> | undefined;

  constructor(
    readonly kind: ScopeKind,
    /** Where the scope begins (a function's parameters) and ends. */
    readonly start: number,
    readonly end: number,
    readonly parent: Scope | undefined,
    /** Name of the function or class, for fingerprints and messages. */
    readonly name: string,
    private readonly source: ScopeSource,
  ) {}

  /** Every binding of the scope by name, each list in document order (collects them all). */
  get bindings(): Map<string, Binding[]> {
    if (!this.all) {
      this.all = new Map();
      this.source.populate(this);
    }
    return this.all;
  }

  /** The bindings of one name in this scope, in document order (empty when there are none). */
  named(name: string): Binding[] {
    if (!this.source.named) return this.bindings.get(name) ?? [];
    let list = this.byName.get(name);
    if (!list) this.byName.set(name, (list = this.source.named(this, name)));
    return list;
  }

  /** Names declared `global` (or `nonlocal`) in this scope. */
  get globals(): Set<string> {
    return (this.declared ??= this.source.globals(this));
  }

  add(made: Binding): void {
    const binding = uniform(made);
    const bindings = this.bindings;
    const list = bindings.get(binding.name);
    if (!list) bindings.set(binding.name, [binding]);
    else if (list[list.length - 1].offset <= binding.offset) list.push(binding);
    else {
      // A binding made through `global` in a function read later: keep document order.
      const at = list.findIndex((b) => b.offset > binding.offset);
      list.splice(at, 0, binding);
    }
  }

  /** Dotted path of enclosing definitions, e.g. `Trainer.load_checkpoint`. */
  get path(): string {
    const parts: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a walk up the scope chain starts here
    for (let scope: Scope | undefined = this; scope && scope.kind !== 'module'; scope = scope.parent) {
      parts.unshift(scope.name);
    }
    return parts.join('.');
  }
}

/** Nodes that open a scope of their own. */
const SCOPE_NODE_TYPES = new Set(['function_definition', 'class_definition', 'lambda']);

/**
 * Loops whose body may use a name bound later in the text: statements, and comprehensions, whose
 * element (`[x for x in data]`) is written before the `for` clause that binds it.
 */
const LOOP_NODE_TYPES = new Set([
  'for_statement',
  'while_statement',
  'list_comprehension',
  'set_comprehension',
  'dictionary_comprehension',
  'generator_expression',
]);

/** Statements after which control does not go on to the next statement of the block. */
const TERMINATORS = new Set(['return_statement', 'raise_statement']);

/** The node types that bind names, collected by one walk per scope. */
const BINDING_NODE_TYPES = [
  'function_definition',
  'class_definition',
  'lambda',
  'import_statement',
  'import_from_statement',
  'assignment',
  'augmented_assignment',
  'for_statement',
  'for_in_clause',
  'as_pattern_target',
  'named_expression',
  'global_statement',
  'nonlocal_statement',
];

/** What a statement binding a name must contain (one of BINDING_NODE_TYPES' keywords or `=`). */
const MAY_BIND = /=|\b(?:for|as|import|global|nonlocal|def|class|lambda)\b/;
/** MAY_BIND's keywords: a statement without them binds only through `=`. */
const BINDING_KEYWORD = /\b(?:for|as|import|global|nonlocal|def|class|lambda)\b/;
/** The statements collect binds without a walk when they are the only binding of their statement. */
const SIMPLE_ASSIGNMENTS = new Set(['assignment', 'augmented_assignment']);

/**
 * The one node of BINDING_NODE_TYPES a walk of statement `top` (whose text is `source`) would bind
 * from, when that is known without the walk (each walk has a fixed cost: the types are matched
 * against every symbol of the grammar), else undefined. `test/unit/semanticShortcut.test.ts`
 * checks it against the walk on every fixture and corpus file.
 * - One plain assignment (`WARMUP = 100`, `x += 1`) with one `=` in its text and none of the
 *   binding keywords: every other binding node needs a keyword or an `=` (`:=`, a chained `=`).
 * - A decorated definition whose decorators hold no binding keyword and no `:=` (the nodes of an
 *   expression bind only so): the definition, whose own body the walk skips.
 */
export function onlyBinding(top: Node, source: string): Node | undefined {
  if (top.type === 'expression_statement') {
    const single = top.namedChildCount === 1 ? top.firstNamedChild : null;
    if (single && SIMPLE_ASSIGNMENTS.has(single.type) && source.indexOf('=') === source.lastIndexOf('=') && !BINDING_KEYWORD.test(source))
      return single;
    return undefined;
  }
  if (top.type !== 'decorated_definition') return undefined;
  const definition = top.childForFieldName('definition');
  if (!definition || !SCOPE_NODE_TYPES.has(definition.type)) return undefined;
  const decorators = source.slice(0, definition.startIndex - top.startIndex);
  return BINDING_KEYWORD.test(decorators) || decorators.includes(':=') ? undefined : definition;
}

/** The node types a walk of a statement binds from (what collect walks for; exported for tests). */
export const BINDING_TYPES: readonly string[] = BINDING_NODE_TYPES;

export type ConstValue =
  | { kind: 'str'; value: string; node: Node; definedAt?: Node }
  | { kind: 'bool'; value: boolean; node: Node; definedAt?: Node }
  | { kind: 'none'; value: null; node: Node; definedAt?: Node }
  | { kind: 'num'; value: number; node: Node; definedAt?: Node }
  | { kind: 'dict'; value: Map<string, Node>; node: Node; definedAt?: Node }
  | { kind: 'seq'; value: Node[]; node: Node; definedAt?: Node };

/** Marks a qualified name that stands for the result of a call, e.g. `flask.Flask()`. */
export const CALL_RESULT_SUFFIX = '()';

const MAX_RESOLVE_DEPTH = 8;

export class SemanticModel {
  readonly module: Scope;
  /** The text the tree was parsed from. */
  readonly text: string;
  private readonly scopes = new Map<number, Scope>();
  private callNodes: Node[] | undefined;
  private commentNodes: Node[] | undefined;
  private imports: Array<{ statement: Node; qualifiedName: string }> | undefined;
  private readonly scopeCache = new Map<number, Scope>();

  /**
   * `extraImports`: top-level packages imported in parts of the text left out of the tree (see
   * partialParse.ts), which still count as the file's imports. `readByName`: from how many
   * top-level statements other than definitions on the module's bindings are found by name
   * (tests compare both ways).
   */
  constructor(
    readonly tree: Tree,
    text?: string,
    private readonly extraImports: readonly string[] = [],
    private readonly readByName = MODULE_READ_BY_NAME,
  ) {
    const root = tree.rootNode;
    this.text = text ?? root.text;
    this.module = new Scope('module', root.startIndex, Math.max(root.endIndex, Number.MAX_SAFE_INTEGER), undefined, '', {
      populate: (scope) => this.populateModule(scope),
      named: (scope, name) => this.moduleBindingsNamed(scope, name),
      globals: () => new Set(),
    });
  }

  /** Every call expression, in document order (one walk of the tree, on first use). */
  get calls(): Node[] {
    return (this.callNodes ??= this.tree.rootNode.descendantsOfType('call').filter((n): n is Node => !!n));
  }

  /** Every comment, in document order (one walk of the tree, on first use). */
  get comments(): Node[] {
    return (this.commentNodes ??= this.tree.rootNode.descendantsOfType('comment').filter((n): n is Node => !!n));
  }

  /**
   * The comments containing `word`, in document order, found from the text (no walk of the tree).
   * `word` must not contain `#` or quotes.
   */
  commentsContaining(word: string): Node[] {
    const found: Node[] = [];
    let after = -1;
    for (let i = this.text.indexOf(word); i >= 0; i = this.text.indexOf(word, i + word.length)) {
      if (i < after) continue;
      const node = this.tree.rootNode.descendantForIndex(i, i + word.length);
      if (node?.type !== 'comment') continue;
      found.push(node);
      after = node.endIndex;
    }
    return found;
  }

  /** The scope a definition node opens, made on first use. */
  private scopeOf(node: Node, parent: Scope): Scope {
    let scope = this.scopes.get(node.id);
    if (scope) return scope;
    const kind: ScopeKind = node.type === 'function_definition' ? 'function' : node.type === 'class_definition' ? 'class' : 'lambda';
    const name = kind === 'lambda' ? '<lambda>' : (node.childForFieldName('name')?.text ?? '<anonymous>');
    scope = new Scope(kind, scopeStart(node), node.endIndex, parent, name, {
      populate: (s) => this.populateDefinition(s, node),
      named: (s, bound) => this.bindingsNamed(s, bound),
      globals: (s) => this.declaredGlobals(s),
    });
    this.scopes.set(node.id, scope);
    return scope;
  }

  /**
   * The innermost scope containing an offset: the definitions around the node at the offset,
   * from the outside in, whose scope (parameters and body, not name or decorators) holds it.
   */
  scopeAt(offset: number): Scope {
    let scope = this.scopeCache.get(offset);
    if (scope) return scope;
    scope = this.module;
    // Down through statement lists: a binary search among the statements of the module, then of
    // the body of each definition holding the offset. Nodes that open a scope elsewhere (lambdas,
    // definitions inside `if` or `with`) are looked for only in a statement whose text can hold
    // them, by going up from the offset to that statement.
    let container: Node = this.tree.rootNode;
    for (;;) {
      const statement = this.statementAt(container, offset);
      if (!statement) break;
      const definition = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
      if (
        definition &&
        (definition.type === 'function_definition' || definition.type === 'class_definition') &&
        offset >= scopeStart(definition) &&
        offset < definition.endIndex
      ) {
        scope = this.scopeOf(definition, scope);
        const body = definition.childForFieldName('body');
        if (body?.type !== 'block' || offset < body.startIndex) {
          // In the parameters: defaults may hold lambdas.
          if (this.mayOpenScope(scopeStart(definition), body?.startIndex ?? definition.endIndex))
            scope = this.scopesUpTo(offset, definition, scope);
          break;
        }
        container = body;
        continue;
      }
      if (this.mayOpenScope(statement.startIndex, statement.endIndex)) scope = this.scopesUpTo(offset, statement, scope);
      break;
    }
    this.scopeCache.set(offset, scope);
    return scope;
  }

  private readonly statementLists = new Map<number, Node[]>();

  /** The statements of a module or block (its named children), read once. */
  private statementsOf(container: Node): Node[] {
    let list = this.statementLists.get(container.id);
    if (!list) this.statementLists.set(container.id, (list = container.namedChildren.filter((n): n is Node => !!n)));
    return list;
  }

  /** The last statement of a block that is not a comment (read from the end: a long body is not copied per lookup). */
  private lastStatement(block: Node): Node | undefined {
    const list = this.statementsOf(block);
    for (let i = list.length - 1; i >= 0; i--) if (list[i].type !== 'comment') return list[i];
    return undefined;
  }

  /** The statement of a module or block that holds the offset. */
  private statementAt(container: Node, offset: number): Node | undefined {
    const list = this.statementsOf(container);
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const node = list[mid];
      if (offset < node.startIndex) high = mid - 1;
      else if (offset >= node.endIndex) low = mid + 1;
      else return node;
    }
    return undefined;
  }

  private readonly openers = new Map<string, boolean>();

  /** False when the text between two offsets cannot hold a scope (no `lambda`, `def`, `class`). */
  private mayOpenScope(start: number, end: number): boolean {
    const key = `${start}:${end}`;
    let may = this.openers.get(key);
    if (may === undefined) this.openers.set(key, (may = /\b(?:lambda|def|class)\b/.test(this.text.slice(start, end))));
    return may;
  }

  /** The scopes opened between `top` and the offset, innermost last, built on `base`. */
  private scopesUpTo(offset: number, top: Node, base: Scope): Scope {
    const chain: Node[] = [];
    for (let node: Node | null = this.tree.rootNode.descendantForIndex(offset, offset); node && node.id !== top.id; node = node.parent) {
      if (SCOPE_NODE_TYPES.has(node.type) && offset >= scopeStart(node) && offset < node.endIndex) chain.push(node);
    }
    let scope = base;
    for (let i = chain.length - 1; i >= 0; i--) scope = this.scopeOf(chain[i], scope);
    return scope;
  }

  private populateModule(scope: Scope): void {
    const root = this.tree.rootNode;
    this.collect(scope, this.statementsOf(root));
    // `global x` in a function binds x here when the function assigns it: read those functions.
    for (const statement of this.globalStatements()) {
      void this.scopeAt(statement.startIndex).bindings;
    }
  }

  /**
   * The module's bindings of one name. A module of many statements (a notebook's joined cells,
   * hundreds of cells that each assign and call) is not bound whole for the few names a whole
   * analysis asks about: only the top-level statements writing the name are, each as
   * populateModule binds it (collect), and their bindings of the name kept. A name some function
   * declares `global` (or `nonlocal`) is bound from inside that function too, which only reading
   * the module whole finds. Both ways give the same list (`test/unit/moduleNamed.test.ts`).
   */
  private moduleBindingsNamed(scope: Scope, name: string): Binding[] {
    const root = this.tree.rootNode;
    this.byName ??= this.statementsOf(root).filter((s) => !DEFINITION_TYPES.has(s.type)).length >= this.readByName;
    if (!this.byName || this.declaredAnywhere().has(name)) return scope.bindings.get(name) ?? [];
    const found: Binding[] = [];
    let last: Node | undefined;
    // Occurrences come in document order: a statement's are consecutive.
    for (const at of this.occurrencesIn(scope, name)) {
      const statement = this.statementAt(root, at);
      if (!statement || statement.id === last?.id) continue;
      last = statement;
      let bound = this.statementBindings.get(statement.id);
      if (!bound) {
        const probe = new Scope('module', 0, 0, undefined, '', { populate: () => {}, globals: () => new Set() });
        this.collect(probe, [statement]);
        this.statementBindings.set(statement.id, (bound = probe.bindings));
      }
      const list = bound.get(name);
      if (list) found.push(...list);
    }
    return found;
  }

  /** Whether the module's bindings are found by name (moduleBindingsNamed), decided on first use. */
  private byName: boolean | undefined;

  /** What each top-level statement binds, for moduleBindingsNamed. */
  private readonly statementBindings = new Map<number, Map<string, Binding[]>>();

  private declaredNames: Set<string> | undefined;

  /** The names some `global` or `nonlocal` statement of the file declares. */
  private declaredAnywhere(): Set<string> {
    if (this.declaredNames) return this.declaredNames;
    const names = new Set<string>();
    for (const statement of this.globalStatements())
      for (const child of statement.namedChildren) if (child?.type === 'identifier') names.add(child.text);
    return (this.declaredNames = names);
  }

  /**
   * The bindings of `name` in a function, class or lambda scope, from the occurrences of the
   * name inside it: cheaper than reading the whole body when only a few names are looked up.
   * Names the scope declares `global` are bound in the module, not here.
   */
  private bindingsNamed(scope: Scope, name: string): Binding[] {
    if (scope.globals.has(name)) return [];
    const found: Binding[] = [];
    const root = this.tree.rootNode;
    for (const i of this.occurrencesIn(scope, name)) {
      // `json.load`, `json[...]`: the object of an attribute or subscript is never a target.
      const next = nextCodeChar(this.text, i + name.length);
      if ((next === '.' || next === '[') && !onImportLine(this.text, i)) continue;
      // `x.name` is an attribute; `name(...)` a call, unless `def name(` or `class name(` binds it.
      const previous = previousCodeChar(this.text, i);
      if (previous === '.') continue;
      if (next === '(' && previous !== '\\' && !BINDS_CALLED_NAME.test(this.text.slice(Math.max(0, i - 12), i))) continue;
      const id = root.descendantForIndex(i, i + name.length);
      if (id?.type !== 'identifier' || id.startIndex !== i || id.endIndex !== i + name.length) continue;
      const binding = this.bindingAt(id);
      if (binding && this.scopeAt(id.startIndex) === scope) found.push(binding);
    }
    return found.sort((a, b) => a.offset - b.offset);
  }

  /** The binding an identifier makes where it stands, if it is a binding position. */
  /** Per scope, how many names were looked up in it, and past a few, where each word is written. */
  private readonly scopeWords = new Map<Scope, { asked: number; index?: Map<string, number[]> }>();

  /**
   * Where `name` is written as a whole word in a scope's text. The first few names are searched
   * for; a scope asked about more (a long function, where each search reads all of it) is read
   * once into an index of its words, which gives the same offsets.
   */
  private occurrencesIn(scope: Scope, name: string): Iterable<number> {
    const end = Math.min(scope.end, this.text.length);
    let words = this.scopeWords.get(scope);
    if (!words) this.scopeWords.set(scope, (words = { asked: 0 }));
    if (!words.index && ++words.asked > INDEXED_AFTER && end - scope.start > INDEXED_SIZE)
      words.index = wordIndex(this.text, scope.start, end);
    if (words.index) return words.index.get(name) ?? [];
    // Searching a slice stops at the scope's end (the slice shares the text's memory). A scope
    // starts and ends between tokens, so whole words of the slice are whole words of the text.
    const found: number[] = [];
    for (const j of identifierOccurrences(this.text.slice(scope.start, end), name)) found.push(scope.start + j);
    return found;
  }

  /** The bindings of each parameter list bindingAt has read, by the list's node id. */
  private readonly parameterProbes = new Map<number, Scope>();

  private bindingAt(id: Node): Binding | undefined {
    // A keyword argument's name (`f(name=value)`) binds nothing: decided without the walk below,
    // which would bind a whole enclosing statement to find that out.
    const parent = id.parent;
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === id.id) return undefined;
    let depth = 0;
    for (let node = id.parent; node && depth < 12; node = node.parent, depth++) {
      if (node.type === 'block' || node.type === 'module' || node.type === 'lambda') return undefined;
      const relevant = node.type === 'parameters' || node.type === 'lambda_parameters' || BINDING_NODE_TYPES.includes(node.type);
      if (!relevant || node.type === 'lambda') continue;
      const owner = node.type === 'parameters' || node.type === 'lambda_parameters' ? node.parent : undefined;
      // A parameter list is bound once per model: a function of hundreds of parameters would
      // otherwise bind them all for each occurrence of each of them.
      let probe = owner ? this.parameterProbes.get(node.id) : undefined;
      if (!probe) {
        probe = new Scope('function', owner ? scopeStart(owner) : 0, 0, undefined, '', {
          populate: () => {},
          globals: () => new Set(),
        });
        if (owner) {
          this.bindParameters(probe, node);
          this.parameterProbes.set(node.id, probe);
        } else this.bindNode(probe, node);
      }
      const made = probe.bindings.get(id.text)?.find((b) => b.node.id === id.id);
      if (made) return made;
      if (node.type === 'function_definition' || node.type === 'class_definition' || owner) return undefined;
    }
    return undefined;
  }

  /** Names declared `global` or `nonlocal` directly in a function, class or lambda scope. */
  private declaredGlobals(scope: Scope): Set<string> {
    const names = new Set<string>();
    for (const statement of this.globalStatements()) {
      if (statement.startIndex < scope.start || statement.startIndex >= scope.end || this.scopeAt(statement.startIndex) !== scope) continue;
      for (const child of statement.namedChildren) if (child?.type === 'identifier') names.add(child.text);
    }
    return names;
  }

  private globalStatementNodes: Node[] | undefined;

  /** The file's `global` and `nonlocal` statements, found once from the text. */
  private globalStatements(): Node[] {
    if (this.globalStatementNodes) return this.globalStatementNodes;
    const found: Node[] = [];
    for (const keyword of ['global', 'nonlocal']) {
      for (const at of identifierOccurrences(this.text, keyword)) {
        const statement = this.tree.rootNode.descendantForIndex(at, at + keyword.length)?.parent;
        if (statement?.type === `${keyword}_statement` && statement.startIndex === at) found.push(statement);
      }
    }
    return (this.globalStatementNodes = found);
  }

  private populateDefinition(scope: Scope, node: Node): void {
    const params = node.childForFieldName('parameters');
    if (params) this.bindParameters(scope, params);
    const body = node.childForFieldName('body');
    if (!body) return;
    this.collect(scope, node.type === 'lambda' ? [body] : body.type === 'block' ? body.namedChildren : [body]);
  }

  /**
   * Binds what `nodes` (the statements of one scope, or a lambda's body) bind in `scope`. Nested
   * definitions bind their name here; what happens inside them belongs to their own scope.
   */
  private collect(scope: Scope, nodes: ReadonlyArray<Node | null>): void {
    for (const top of nodes) {
      if (!top) continue;
      let skipUntil = -1;
      if (SCOPE_NODE_TYPES.has(top.type)) {
        this.bindNode(scope, top);
        continue;
      }
      // Each walk has a fixed cost (the types are matched against every symbol of the grammar):
      // a statement that cannot bind is not walked.
      const source = this.text.slice(top.startIndex, top.endIndex);
      if (!MAY_BIND.test(source)) continue;
      const only = onlyBinding(top, source);
      if (only) {
        this.bindNode(scope, only);
        continue;
      }
      const found = top.descendantsOfType(BINDING_NODE_TYPES);
      for (const node of found) {
        if (!node || node.startIndex < skipUntil) continue;
        this.bindNode(scope, node);
        if (SCOPE_NODE_TYPES.has(node.type)) skipUntil = node.endIndex;
      }
    }
  }

  private bindNode(scope: Scope, node: Node): void {
    switch (node.type) {
      case 'function_definition':
      case 'class_definition': {
        const nameNode = node.childForFieldName('name');
        if (nameNode)
          scope.add({
            name: nameNode.text,
            kind: node.type === 'function_definition' ? 'def' : 'class',
            offset: node.startIndex,
            node: nameNode,
          });
        break;
      }
      case 'import_statement':
        this.bindImport(scope, node);
        break;
      case 'import_from_statement':
        this.bindImportFrom(scope, node);
        break;
      case 'assignment':
        this.bindAssignment(scope, node);
        break;
      case 'augmented_assignment':
      case 'for_statement':
      case 'for_in_clause':
      case 'named_expression':
      case 'as_pattern_target': {
        // `x += 1`, `for x in`, `[... for x in ...]`, `(x := ...)`, `with ... as x`
        const target =
          node.type === 'as_pattern_target' ? node : node.childForFieldName(node.type === 'named_expression' ? 'name' : 'left');
        if (!target || ((node.type === 'augmented_assignment' || node.type === 'named_expression') && target.type !== 'identifier')) break;
        for (const id of identifiersIn(target)) this.bind(scope, { name: id.text, kind: 'other', offset: target.endIndex, node: id });
        break;
      }
      case 'global_statement':
      case 'nonlocal_statement':
        for (const child of node.namedChildren) if (child?.type === 'identifier') scope.globals.add(child.text);
        break;
    }
  }

  /** Records a binding made in `scope`, in the module scope when the name is declared `global`. */
  private bind(scope: Scope, binding: Binding): void {
    if (scope !== this.module && scope.globals.has(binding.name)) this.module.add({ ...binding, viaGlobal: true });
    else scope.add(binding);
  }

  private bindParameters(scope: Scope, params: Node): void {
    for (const param of params.namedChildren) {
      if (!param) continue;
      const id =
        param.type === 'identifier'
          ? param
          : (param.childForFieldName('name') ?? param.namedChildren.find((c) => c?.type === 'identifier') ?? null);
      if (id && id.type === 'identifier') scope.add({ name: id.text, kind: 'param', offset: scope.start, node: id });
    }
  }

  private bindImport(scope: Scope, node: Node): void {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'dotted_name') {
        // `import torch.hub` binds `torch`, and `torch.hub.load` still resolves through attributes.
        const first = child.namedChildren[0];
        if (first) scope.add({ name: first.text, kind: 'import', offset: node.endIndex, node: first, qualifiedName: first.text });
      } else if (child.type === 'aliased_import') {
        const target = child.childForFieldName('name');
        const alias = child.childForFieldName('alias');
        if (target && alias) {
          this.bind(scope, { name: alias.text, kind: 'import', offset: node.endIndex, node: alias, qualifiedName: target.text });
        }
      }
    }
  }

  private bindImportFrom(scope: Scope, node: Node): void {
    const moduleNode = node.childForFieldName('module_name');
    if (!moduleNode) return;
    // Relative imports name the project's own modules, never the libraries the rules know.
    const relative = moduleNode.type === 'relative_import';
    const moduleName = moduleNode.text;
    for (const child of node.childrenForFieldName('name')) {
      if (!child) continue;
      let target: Node | null = child;
      let alias: Node | null = null;
      if (child.type === 'aliased_import') {
        target = child.childForFieldName('name');
        alias = child.childForFieldName('alias');
      }
      if (!target) continue;
      const local = alias ?? target.namedChildren[target.namedChildren.length - 1] ?? target;
      this.bind(scope, {
        name: local.text,
        kind: relative ? 'other' : 'import',
        offset: node.endIndex,
        node: local,
        qualifiedName: relative ? undefined : `${moduleName}.${target.text}`,
      });
    }
  }

  private bindAssignment(scope: Scope, node: Node): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left) return;
    if (left.type === 'identifier') {
      // `a = b = value`: the right side of the outer assignment is itself an assignment.
      let value = right;
      while (value && value.type === 'assignment') value = value.childForFieldName('right');
      this.bind(scope, { name: left.text, kind: 'assign', offset: node.endIndex, node: left, value: value ?? undefined });
      return;
    }
    if (left.type === 'attribute' || left.type === 'subscript') return;
    for (const id of identifiersIn(left)) {
      this.bind(scope, { name: id.text, kind: 'other', offset: node.endIndex, node: id });
    }
  }

  /**
   * The binding a name refers to at `offset`, following Python's rules: the innermost function
   * scope that binds it, skipping class bodies seen from nested functions; within a scope, the
   * latest binding before the use, or the last one when the use comes first (a function body
   * referring to a name bound later in the module).
   */
  lookup(name: string, offset: number): Binding | undefined {
    // A zero-width identifier tree-sitter inserted in broken code names nothing.
    if (name.length === 0) return undefined;
    const start = this.scopeAt(offset);
    let scope: Scope | undefined = start;
    let first = true;
    while (scope) {
      if (scope.globals.has(name)) {
        scope = this.module;
        first = false;
      }
      if (first || scope.kind !== 'class') {
        let list: Binding[] | undefined = scope.named(name);
        // Seen from another scope, module-level statements define a name; a rebinding through
        // `global` inside some function only counts when nothing else binds it.
        if (list && scope !== start && list.some((b) => !b.viaGlobal)) list = list.filter((b) => !b.viaGlobal);
        if (list && list.length > 0) {
          let chosen: Binding | undefined;
          for (const binding of list) if (binding.offset <= offset && !this.leftBefore(binding, offset)) chosen = binding;
          if (chosen) return chosen;
          // Module and class bodies run top to bottom: a name used there before any binding of
          // it (outside a loop that may bind it on an earlier turn) is not bound yet, so it is
          // the builtin or the enclosing scope's, not a later `from x import eval`.
          if (scope === start && scope.kind !== 'function' && scope.kind !== 'lambda' && !this.inLoopBinding(list, offset)) {
            first = false;
            scope = scope.parent;
            continue;
          }
          return list[list.length - 1];
        }
      }
      first = false;
      scope = scope.parent;
    }
    return undefined;
  }

  /**
   * True when a binding made before `offset` cannot reach it: the binding sits in a block (an
   * `if`/`elif`/`else`/`except`/`with`/loop body) that does not hold the offset and whose last
   * statement returns or raises, so control never flows from it to the use. A `try` body does not
   * count: an exception raised after the binding reaches the handlers.
   */
  private leftBefore(binding: Binding, offset: number): boolean {
    let depth = 0;
    for (let node = binding.node.parent; node && depth < 40; node = node.parent, depth++) {
      if (offset >= node.startIndex && offset < node.endIndex) return false;
      if (SCOPE_NODE_TYPES.has(node.type) || node.type === 'module') return false;
      if (node.type !== 'block' || node.parent?.type === 'try_statement') continue;
      const last = this.lastStatement(node);
      if (last && TERMINATORS.has(last.type)) return true;
    }
    return false;
  }

  /** True when the use at `offset` is in a loop or comprehension (of its scope) that also binds the name. */
  private inLoopBinding(list: Binding[], offset: number): boolean {
    let depth = 0;
    for (let node = this.tree.rootNode.descendantForIndex(offset, offset); node && depth < 60; node = node.parent, depth++) {
      if (SCOPE_NODE_TYPES.has(node.type)) return false;
      if (!LOOP_NODE_TYPES.has(node.type)) continue;
      const loop = node;
      if (list.some((b) => b.offset > offset && b.node.startIndex >= loop.startIndex && b.node.endIndex <= loop.endIndex)) return true;
    }
    return false;
  }

  /**
   * The binding a name refers to where it is called or its attribute is taken. A binding to
   * `None` cannot be what is meant there (None has no attributes and is not callable), so another
   * binding of the name in the same scope is used instead: this keeps
   * `try: import yaml` / `except ImportError: yaml = None` resolving `yaml.load` to the library.
   */
  private bindingInUse(node: Node): Binding | undefined {
    const binding = this.lookup(node.text, node.startIndex);
    if (binding?.kind !== 'assign' || binding.value?.type !== 'none') return binding;
    const parent = node.parent;
    const used =
      (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === node.id) ||
      (parent?.type === 'call' && parent.childForFieldName('function')?.id === node.id);
    if (!used) return binding;
    const home = this.scopeAt(binding.node.startIndex).named(node.text);
    const list = home.includes(binding) ? home : this.module.named(node.text);
    const others = list.filter((b) => !(b.kind === 'assign' && b.value?.type === 'none'));
    if (others.length === 0) return binding;
    let chosen: Binding | undefined;
    for (const other of others) if (other.offset <= node.startIndex) chosen = other;
    return chosen ?? others[others.length - 1];
  }

  /**
   * The fully qualified name an expression stands for: `T.load` after `import torch as T` is
   * `torch.load`; `l` after `from pickle import load as l` is `pickle.load`; `app.run` after
   * `app = Flask(__name__)` is `flask.Flask().run`. Names bound locally to something unknown
   * (a parameter, a local def or class) resolve to undefined: they are not the library.
   * Unbound names resolve to themselves, which covers builtins and star imports.
   */
  qualifiedName(node: Node, depth = 0): string | undefined {
    if (depth > MAX_RESOLVE_DEPTH) return undefined;
    switch (node.type) {
      case 'identifier': {
        const binding = this.bindingInUse(node);
        if (!binding) return node.text;
        switch (binding.kind) {
          case 'import':
            return binding.qualifiedName;
          case 'assign':
            if (binding.value && binding.node.id !== node.id) {
              const value = binding.value;
              if (value.type === 'identifier' || value.type === 'attribute') return this.qualifiedName(value, depth + 1);
              if (value.type === 'call') {
                const fn = value.childForFieldName('function');
                const callee = fn ? this.qualifiedName(fn, depth + 1) : undefined;
                return callee ? callee + CALL_RESULT_SUFFIX : undefined;
              }
            }
            return undefined;
          default:
            return undefined;
        }
      }
      case 'attribute': {
        const object = node.childForFieldName('object');
        const attribute = node.childForFieldName('attribute');
        if (!object || !attribute) return undefined;
        const base = this.qualifiedName(object, depth + 1);
        return base ? `${base}.${attribute.text}` : undefined;
      }
      case 'call': {
        const fn = node.childForFieldName('function');
        const callee = fn ? this.qualifiedName(fn, depth + 1) : undefined;
        return callee ? callee + CALL_RESULT_SUFFIX : undefined;
      }
      case 'parenthesized_expression': {
        const inner = node.namedChildren[0];
        return inner ? this.qualifiedName(inner, depth + 1) : undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * The constant value of an expression: a literal, or a name whose reaching assignment is a
   * literal (following chains of names). `definedAt` is the assignment's target when the value
   * came through a name, so a diagnostic can point at where the constant was set.
   */
  constantValue(node: Node | null | undefined, depth = 0): ConstValue | undefined {
    if (!node || depth > MAX_RESOLVE_DEPTH) return undefined;
    switch (node.type) {
      case 'true':
        return { kind: 'bool', value: true, node };
      case 'false':
        return { kind: 'bool', value: false, node };
      case 'none':
        return { kind: 'none', value: null, node };
      case 'integer':
      case 'float': {
        const value = Number(node.text.replace(/_/g, ''));
        return Number.isNaN(value) ? undefined : { kind: 'num', value, node };
      }
      case 'unary_operator': {
        const operand = node.childForFieldName('argument');
        const inner = this.constantValue(operand, depth + 1);
        const op = node.childForFieldName('operator')?.text ?? node.text.trim()[0];
        if (inner?.kind === 'num') return { kind: 'num', value: op === '-' ? -inner.value : inner.value, node };
        return undefined;
      }
      case 'string': {
        const value = stringLiteralValue(node);
        return value === undefined ? undefined : { kind: 'str', value, node };
      }
      case 'concatenated_string': {
        let value = '';
        for (const part of node.namedChildren) {
          const text = part ? stringLiteralValue(part) : undefined;
          if (text === undefined) return undefined;
          value += text;
        }
        return { kind: 'str', value, node };
      }
      case 'parenthesized_expression':
        return this.constantValue(node.namedChildren[0], depth + 1);
      case 'dictionary': {
        const entries = new Map<string, Node>();
        for (const pair of node.namedChildren) {
          if (!pair || pair.type !== 'pair') return undefined;
          const key = this.constantValue(pair.childForFieldName('key'), depth + 1);
          const value = pair.childForFieldName('value');
          if (key?.kind !== 'str' || !value) return undefined;
          entries.set(key.value, value);
        }
        return { kind: 'dict', value: entries, node };
      }
      case 'call': {
        // dict(trust_remote_code=True) is as constant as the literal form.
        const fn = node.childForFieldName('function');
        if (fn?.type !== 'identifier' || fn.text !== 'dict' || this.lookup('dict', node.startIndex)) return undefined;
        const entries = new Map<string, Node>();
        for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
          if (arg?.type !== 'keyword_argument') return undefined;
          const name = arg.childForFieldName('name');
          const value = arg.childForFieldName('value');
          if (!name || !value) return undefined;
          entries.set(name.text, value);
        }
        return { kind: 'dict', value: entries, node };
      }
      case 'list':
      case 'tuple':
        return { kind: 'seq', value: node.namedChildren.filter((c): c is Node => !!c), node };
      case 'identifier': {
        const binding = this.lookup(node.text, node.startIndex);
        if (!binding || binding.kind !== 'assign' || !binding.value || binding.node.id === node.id) return undefined;
        const inner = this.constantValue(binding.value, depth + 1);
        return inner ? { ...inner, definedAt: inner.definedAt ?? binding.node } : undefined;
      }
      default:
        return undefined;
    }
  }

  /** Top-level packages the file imports (`torch`, `sklearn`, `art`), anywhere in it. */
  /**
   * Whether importedPackages was asked since the model was made (by a rule: edit reuse keeps no
   * report over a change of the file's packages once one may depend on them, moduleStatement.ts).
   */
  packagesAsked = false;

  importedPackages(): string[] {
    this.packagesAsked = true;
    return [...new Set([...this.importedNames().map((i) => i.qualifiedName.split('.')[0]), ...this.extraImports])].sort();
  }

  /**
   * Every absolute import of the file with the qualified name it binds, found from the `import`
   * keywords of the text rather than by reading every scope.
   */
  private importedNames(): Array<{ statement: Node; qualifiedName: string }> {
    if (this.imports) return this.imports;
    const found: Array<{ statement: Node; qualifiedName: string }> = [];
    const seen = new Set<number>();
    const probe = new Scope('module', 0, 0, undefined, '', { populate: () => {}, globals: () => new Set() });
    for (const at of identifierOccurrences(this.text, 'import')) {
      const keyword = this.tree.rootNode.descendantForIndex(at, at + 6);
      const statement = keyword?.parent;
      if (!statement || (statement.type !== 'import_statement' && statement.type !== 'import_from_statement') || seen.has(statement.id))
        continue;
      seen.add(statement.id);
      if (statement.type === 'import_statement') this.bindImport(probe, statement);
      else this.bindImportFrom(probe, statement);
      for (const list of probe.bindings.values())
        for (const b of list) if (b.kind === 'import' && b.qualifiedName) found.push({ statement, qualifiedName: b.qualifiedName });
      probe.bindings.clear();
    }
    return (this.imports = found);
  }

  /** The innermost scope's dotted path at an offset (for fingerprints). */
  scopePathAt(offset: number): string {
    return this.scopeAt(offset).path;
  }
}

/** Where a definition's scope begins: its parameters (defaults included), else its body. */
function scopeStart(node: Node): number {
  return (node.childForFieldName('parameters') ?? node.childForFieldName('body') ?? node).startIndex;
}

/** True when the line holding `offset` starts an import (`import os.path` binds `os`). */
function onImportLine(text: string, offset: number): boolean {
  const line = text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset).trimStart();
  return line.startsWith('import') || line.startsWith('from');
}

/**
 * From this many top-level statements other than definitions on, the module's bindings of a name
 * are found from its occurrences (moduleBindingsNamed); below, binding every statement once costs
 * less (a definition binds its name without a walk: a long file of functions is quick to bind).
 */
export const MODULE_READ_BY_NAME = 256;

/** Top-level statements binding only their own name (collect reads them without a walk). */
const DEFINITION_TYPES = new Set(['function_definition', 'class_definition', 'decorated_definition', 'comment']);

/** Names looked up in a scope before its words are indexed, and the smallest scope worth it (UTF-16 units). */
const INDEXED_AFTER = 8;
const INDEXED_SIZE = 4096;

/**
 * Every maximal run of identifier characters in text[start, end), by its text: for a name, the
 * offsets identifierOccurrences finds (a whole word is a maximal run).
 */
function wordIndex(text: string, start: number, end: number): Map<string, number[]> {
  const index = new Map<string, number[]>();
  let i = start;
  while (i < end) {
    if (!isIdentifierChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < end && isIdentifierChar(text.charCodeAt(j))) j++;
    const word = text.slice(i, j);
    const list = index.get(word);
    if (list) list.push(i);
    else index.set(word, [i]);
    i = j;
  }
  return index;
}

/** The last character before `offset` that is not a space or a tab. */
function previousCodeChar(text: string, offset: number): string {
  let i = offset - 1;
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  return i >= 0 ? text[i] : '';
}

/** The keyword before a name a definition binds, which a `(` follows (`def name(`, `class Name(`). */
const BINDS_CALLED_NAME = /(?:^|[^A-Za-z0-9_])(?:def|class)[ \t]+$/;

/** The first character at or after `offset` that is not a space or a tab. */
function nextCodeChar(text: string, offset: number): string {
  let i = offset;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  return text[i] ?? '';
}

/** The value of a plain (non f-) string literal, or undefined when it is interpolated. */
export function stringLiteralValue(node: Node): string | undefined {
  if (node.type !== 'string') return undefined;
  let value = '';
  let raw = false;
  for (const child of node.children) {
    if (!child) continue;
    switch (child.type) {
      case 'string_start':
        raw = child.text
          .replace(/["']+$/, '')
          .toLowerCase()
          .includes('r');
        break;
      case 'string_content': {
        // Escape sequences are children of the content: decode them, keep the text between.
        let cursor = child.startIndex;
        const text = child.text;
        for (const part of child.children) {
          if (!part) continue;
          if (part.type === 'interpolation') return undefined;
          if (part.type !== 'escape_sequence') continue;
          value += text.slice(cursor - child.startIndex, part.startIndex - child.startIndex);
          value += raw ? part.text : unescape(part.text);
          cursor = part.endIndex;
        }
        value += text.slice(cursor - child.startIndex);
        break;
      }
      case 'escape_sequence':
        value += raw ? child.text : unescape(child.text);
        break;
      case 'interpolation':
        return undefined;
    }
  }
  return value;
}

function unescape(sequence: string): string {
  switch (sequence[1]) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '0':
      return '\0';
    case '\\':
      return '\\';
    case "'":
      return "'";
    case '"':
      return '"';
    case '\n':
      return '';
    case 'x':
    case 'u':
    case 'U': {
      const code = Number.parseInt(sequence.slice(2), 16);
      return Number.isNaN(code) ? sequence : String.fromCodePoint(code);
    }
    default:
      return sequence;
  }
}

/** Identifiers bound by an assignment or loop target (`a, (b, *c) = ...`). */
function identifiersIn(node: Node): Node[] {
  if (node.type === 'identifier') return [node];
  if (node.type === 'attribute' || node.type === 'subscript') return [];
  const found: Node[] = [];
  for (const child of node.namedChildren) if (child) found.push(...identifiersIn(child));
  return found;
}
