/**
 * The semantic layer every rule shares: scopes, bindings (imports, aliases, definitions,
 * assignments, parameters), fully qualified names of expressions, and constant values of
 * literals reachable through simple assignments.
 *
 * It is built from one tree-sitter query run inside WebAssembly; the captures arrive in document
 * order, so scopes are tracked with a stack of (start, end) spans instead of walking every node
 * from JavaScript.
 */
import type { Node, Tree } from './parser';

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

export class Scope {
  readonly bindings = new Map<string, Binding[]>();
  readonly globals = new Set<string>();
  readonly children: Scope[] = [];

  constructor(
    readonly kind: ScopeKind,
    readonly start: number,
    readonly end: number,
    readonly parent: Scope | undefined,
    /** Name of the function or class, for fingerprints and messages. */
    readonly name: string,
  ) {
    parent?.children.push(this);
  }

  add(binding: Binding): void {
    const list = this.bindings.get(binding.name);
    if (list) list.push(binding);
    else this.bindings.set(binding.name, [binding]);
  }

  /** Dotted path of enclosing definitions, e.g. `Trainer.load_checkpoint`. */
  get path(): string {
    const parts: string[] = [];
    for (let scope: Scope | undefined = this; scope && scope.kind !== 'module'; scope = scope.parent) {
      parts.unshift(scope.name);
    }
    return parts.join('.');
  }
}

export type ConstValue =
  | { kind: 'str'; value: string; node: Node; definedAt?: Node }
  | { kind: 'bool'; value: boolean; node: Node; definedAt?: Node }
  | { kind: 'none'; value: null; node: Node; definedAt?: Node }
  | { kind: 'num'; value: number; node: Node; definedAt?: Node }
  | { kind: 'dict'; value: Map<string, Node>; node: Node; definedAt?: Node }
  | { kind: 'seq'; value: Node[]; node: Node; definedAt?: Node };

/** Marks a qualified name that stands for the result of a call, e.g. `flask.Flask()`. */
export const CALL_RESULT_SUFFIX = '()';

/**
 * The node types the model is built from, collected in document order by one walk inside
 * WebAssembly (`descendantsOfType`). That walk is about twice as fast as a tree-sitter query
 * matching the same shapes, and the model is the largest cost after parsing.
 */
const MODEL_NODE_TYPES = [
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
  'call',
  'comment',
];

const MAX_RESOLVE_DEPTH = 8;

export class SemanticModel {
  readonly module: Scope;
  /** Every call expression, in document order. */
  readonly calls: Node[] = [];
  /** Every comment, in document order. */
  readonly comments: Node[] = [];
  private readonly scopes: Scope[] = [];

  constructor(readonly tree: Tree) {
    const root = tree.rootNode;
    this.module = new Scope('module', root.startIndex, Math.max(root.endIndex, Number.MAX_SAFE_INTEGER), undefined, '');
    this.scopes.push(this.module);
    this.build();
  }

  private build(): void {
    const stack: Scope[] = [this.module];
    const current = (offset: number): Scope => {
      while (stack.length > 1 && offset >= stack[stack.length - 1].end) stack.pop();
      return stack[stack.length - 1];
    };
    for (const node of this.tree.rootNode.descendantsOfType(MODEL_NODE_TYPES)) {
      if (!node) continue;
      const scope = current(node.startIndex);
      switch (node.type) {
        case 'function_definition':
        case 'class_definition': {
          const kind = node.type === 'function_definition' ? 'function' : 'class';
          const nameNode = node.childForFieldName('name');
          const label = nameNode?.text ?? '<anonymous>';
          if (nameNode) {
            scope.add({ name: label, kind: kind === 'function' ? 'def' : 'class', offset: node.startIndex, node: nameNode });
          }
          const body = node.childForFieldName('body');
          const inner = new Scope(kind, (node.childForFieldName('parameters') ?? body ?? node).startIndex, node.endIndex, scope, label);
          this.scopes.push(inner);
          stack.push(inner);
          const params = node.childForFieldName('parameters');
          if (params) this.bindParameters(inner, params);
          break;
        }
        case 'lambda': {
          const inner = new Scope('lambda', node.startIndex, node.endIndex, scope, '<lambda>');
          this.scopes.push(inner);
          stack.push(inner);
          const params = node.childForFieldName('parameters');
          if (params) this.bindParameters(inner, params);
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
        case 'call':
          this.calls.push(node);
          break;
        case 'comment':
          this.comments.push(node);
          break;
      }
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
   * The innermost scope containing an offset. A scope's children are disjoint and in document
   * order (they are created as the captures arrive), so each level is a binary search: a module
   * with thousands of functions costs a dozen comparisons per lookup, not a scan of them all.
   */
  scopeAt(offset: number): Scope {
    let scope = this.module;
    for (;;) {
      const children = scope.children;
      let low = 0;
      let high = children.length - 1;
      let child: Scope | undefined;
      while (low <= high) {
        const mid = (low + high) >> 1;
        const candidate = children[mid];
        if (offset < candidate.start) high = mid - 1;
        else if (offset >= candidate.end) low = mid + 1;
        else {
          child = candidate;
          break;
        }
      }
      if (!child) return scope;
      scope = child;
    }
  }

  private resolvingNames: Set<string> | undefined;

  /**
   * False when no scope binds `name` by an import or an assignment: then `qualifiedName` of the
   * name is the name itself (unbound) or undefined (a parameter, def, class or loop variable), and
   * callers that look for aliases can skip the lookup.
   */
  mayResolveToOtherName(name: string): boolean {
    if (!this.resolvingNames) {
      this.resolvingNames = new Set();
      for (const scope of this.scopes) {
        for (const [bound, list] of scope.bindings) if (list.some((b) => b.kind === 'import' || b.kind === 'assign')) this.resolvingNames.add(bound);
      }
    }
    return this.resolvingNames.has(name);
  }

  /**
   * The binding a name refers to at `offset`, following Python's rules: the innermost function
   * scope that binds it, skipping class bodies seen from nested functions; within a scope, the
   * latest binding before the use, or the last one when the use comes first (a function body
   * referring to a name bound later in the module).
   */
  lookup(name: string, offset: number): Binding | undefined {
    const start = this.scopeAt(offset);
    let scope: Scope | undefined = start;
    let first = true;
    while (scope) {
      if (scope.globals.has(name)) {
        scope = this.module;
        first = false;
      }
      if (first || scope.kind !== 'class') {
        let list = scope.bindings.get(name);
        // Seen from another scope, module-level statements define a name; a rebinding through
        // `global` inside some function only counts when nothing else binds it.
        if (list && scope !== start && list.some((b) => !b.viaGlobal)) list = list.filter((b) => !b.viaGlobal);
        if (list && list.length > 0) {
          let chosen: Binding | undefined;
          for (const binding of list) if (binding.offset <= offset) chosen = binding;
          return chosen ?? list[list.length - 1];
        }
      }
      first = false;
      scope = scope.parent;
    }
    return undefined;
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
    const home = this.scopeAt(binding.node.startIndex).bindings.get(node.text);
    const list = (home?.includes(binding) ? home : this.module.bindings.get(node.text)) ?? [];
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

  /** Top-level packages the file imports (`torch`, `sklearn`, `art`), for workspace evidence. */
  importedPackages(): string[] {
    const found = new Set<string>();
    for (const scope of this.scopes) {
      for (const list of scope.bindings.values()) {
        for (const binding of list) {
          if (binding.kind === 'import' && binding.qualifiedName) found.add(binding.qualifiedName.split('.')[0]);
        }
      }
    }
    return [...found].sort();
  }

  /** The innermost scope's dotted path at an offset (for fingerprints). */
  scopePathAt(offset: number): string {
    return this.scopeAt(offset).path;
  }
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
        raw = child.text.replace(/["']+$/, '').toLowerCase().includes('r');
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
