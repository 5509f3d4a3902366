/**
 * The data-flow core: which values an expression may carry from a source, asked backwards from
 * a sink's argument. It works on the tree-sitter tree and the semantic model's bindings; there
 * is no fix-point and no walk of whole files: each question follows the expression's parts and
 * the assignments that reach its names, each node answered once (memoised), so the work is
 * bounded by the size of the definitions the question reaches.
 *
 * What is followed and what is not is written down in docs/dataflow.md.
 */
import type { Node } from '../parser';
import type { Binding, SemanticModel } from '../semantic';
import { identifierOccurrences } from '../textScan';
import { CONTAINER_KINDS, mutationsOf } from './containers';
import { selfMethodOf } from './methods';

/** Where untrusted (or sensitive) data enters. */
export type SourceKind = 'request' | 'ui' | 'cli' | 'llm' | 'confidence';

export interface Source {
  kind: SourceKind;
  /** The expression (or parameter) where the data enters, for related information. */
  node: Node;
  /** What it is, for messages: "`request.get_json()`", "the Gradio input `text`". */
  label: string;
  /** A typed text parameter (`name: str`): untrusted text, but not an unvalidated structure. */
  weak?: boolean;
  /** A path to a file the framework stored itself (a Gradio upload): not a path an attacker chose. */
  madePath?: boolean;
}

/** A parameter of the function being summarised (helper summaries). */
export interface ParamOrigin {
  kind: 'param';
  index: number;
  name: string;
}

export type Origin = Source | ParamOrigin;

export type Taint = readonly Origin[];

export const CLEAN: Taint = Object.freeze([]) as Taint;

/** How many origins a value keeps: enough for a message and related information. */
const MAX_ORIGINS = 4;
/** How deep one question may go before it answers "clean" (never hangs on odd code). */
const MAX_DEPTH = 60;

export function isSource(origin: Origin): origin is Source {
  return origin.kind !== 'param';
}

/** What a family of flows treats as sources, and the calls that end or carry them. */
export interface FlowSpec {
  /** The source an expression is by itself (before following its parts), if any. */
  source(node: Node, flow: Flow): Source | undefined;
  /** A parameter that is a source (a request handler's argument, a Gradio input), if any. */
  parameterSource?(id: Node, definition: Node, flow: Flow): Source | undefined;
  /**
   * A call the spec decides itself (a pass-through or a sanitiser particular to it): the taint of
   * the result, or undefined to use the common handling.
   */
  call?(call: Node, callee: string | undefined, flow: Flow): Taint | undefined;
  /** Methods whose result carries nothing of their receiver (`argmax` of probabilities). */
  cleanMethods?: ReadonlySet<string>;
}

/** Functions whose result carries the taint of their arguments (qualified names). */
export const PASS_THROUGH = new Set([
  'str',
  'bytes',
  'list',
  'tuple',
  'dict',
  'set',
  'sorted',
  'reversed',
  'repr',
  'format',
  'builtins.str',
  'json.loads',
  'json.dumps',
  'numpy.array',
  'numpy.asarray',
  'numpy.asanyarray',
  'numpy.ascontiguousarray',
  'numpy.stack',
  'numpy.concatenate',
  'numpy.expand_dims',
  'numpy.reshape',
  'numpy.float32',
  'numpy.squeeze',
  'torch.tensor',
  'torch.as_tensor',
  'torch.from_numpy',
  'torch.Tensor',
  'torch.FloatTensor',
  'torch.LongTensor',
  'torch.stack',
  'torch.cat',
  'pandas.DataFrame',
  'pandas.Series',
  'os.path.join',
  'posixpath.join',
  'pathlib.Path',
  'pathlib.PurePath',
  'textwrap.dedent',
  'urllib.parse.unquote',
  'base64.b64decode',
  // KServe's helpers turning a payload's instances into an array or a data frame, unchecked, and
  // a prediction into the response.
  'kserve.utils.utils.get_predict_input',
  'kserve.utils.utils.get_predict_response',
  // XGBoost's data matrix holds the rows as given (kserve's xgbserver builds one from the payload).
  'xgboost.DMatrix',
  // Triton's Python backend: a request's input tensor, and the tensors of a response.
  'triton_python_backend_utils.get_input_tensor_by_name',
  'triton_python_backend_utils.Tensor',
  'triton_python_backend_utils.InferenceResponse',
  // The file opened carries what chose it: an uploaded file's path gives the upload's content.
  'open',
  'builtins.open',
  'io.open',
  'io.BytesIO',
  'io.StringIO',
  'flask.jsonify',
  'fastapi.responses.JSONResponse',
  'starlette.responses.JSONResponse',
]);

/**
 * Methods whose result carries their arguments as well as their receiver: `sep.join(parts)`,
 * `"...{}".format(x)`, `tokenizer.decode(ids)`, `prompt.replace("X", x)`.
 */
export const ARGUMENT_METHODS = new Set([
  'join',
  'format',
  'format_map',
  'decode',
  'batch_decode',
  'replace',
  'append',
  'extend',
  'update',
]);

/**
 * Methods of a tainted receiver whose result carries nothing of it: predicates, counts, and
 * the numeric sanitisers (`x.clip(0, 1)`).
 */
const CLEAN_METHODS = new Set([
  'startswith',
  'endswith',
  'isdigit',
  'isnumeric',
  'isalnum',
  'isalpha',
  'isidentifier',
  'count',
  'find',
  'index',
  'rfind',
  'clip',
  'clamp',
  'clamp_',
  'clip_',
  'keys',
  '__len__',
]);

/**
 * Functions whose result is safe whatever their argument (numbers, quoting, literal parsing,
 * file-name cleaning, schema validation). Any call the analysis does not know ends a flow as
 * well; these are listed so that the documentation and the tests can name them.
 */
export const SANITISERS = new Set([
  'int',
  'float',
  'bool',
  'len',
  'round',
  'abs',
  'numpy.clip',
  'torch.clamp',
  'torch.clip',
  'shlex.quote',
  'shlex.join',
  'ast.literal_eval',
  'html.escape',
  'markupsafe.escape',
  'bleach.clean',
  'werkzeug.utils.secure_filename',
  'os.path.basename',
  'jsonschema.validate',
]);

/** Statements that end a branch: what a check does when it fails. */
const EXIT_STATEMENTS = new Set(['raise_statement', 'return_statement', 'continue_statement', 'break_statement']);
/** Calls that end a request or a script when a check fails. */
const EXIT_CALLS = /^(?:abort|exit|stop|_exit|fail)$/;
/** Statement calls that validate their argument or raise: `jsonschema.validate(data, schema)`. */
const VALIDATING_METHODS = /^(?:validate|model_validate|model_validate_json|parse_obj|check_\w+|validate_\w+|assert_\w+)$/;

/** One flow family over one file: answers are memoised per node. */
export class Flow {
  private readonly memo = new Map<number, Taint>();
  private readonly summaries = new Map<number | string, Summary>();
  private depth = 0;

  constructor(
    readonly model: SemanticModel,
    readonly spec: FlowSpec,
    /** Set when this flow computes helper summaries: parameters become `param` origins. */
    private readonly summarising = false,
    private readonly summaryFlow?: Flow,
  ) {}

  /** A flow of the same spec over the same file, for summaries of helper functions. */
  static withSummaries(model: SemanticModel, spec: FlowSpec): Flow {
    return new Flow(model, spec, false, new Flow(model, spec, true));
  }

  /** The summary flow (parameters as origins), used for sinks inside helper functions. */
  get summary(): Flow | undefined {
    return this.summaryFlow;
  }

  /** What an expression may carry. */
  taint(node: Node | null | undefined): Taint {
    if (!node) return CLEAN;
    const known = this.memo.get(node.id);
    if (known) return known;
    if (this.depth > MAX_DEPTH) return CLEAN;
    // A cycle (a loop variable fed by itself) answers clean while it is being worked out.
    this.memo.set(node.id, CLEAN);
    this.depth++;
    let result: Taint;
    try {
      result = this.compute(node);
    } finally {
      this.depth--;
    }
    this.memo.set(node.id, result);
    return result;
  }

  /** The concrete sources an expression may carry (parameter origins left out). */
  sources(node: Node | null | undefined): Source[] {
    return this.taint(node).filter(isSource);
  }

  private compute(node: Node): Taint {
    const own = this.spec.source(node, this);
    if (own) return [own];
    switch (node.type) {
      case 'identifier':
        return this.identifier(node);
      case 'attribute':
        return this.taint(node.childForFieldName('object'));
      case 'subscript':
        return this.taint(node.childForFieldName('value'));
      case 'call':
        return this.call(node);
      case 'string':
        return union(interpolations(node).map((n) => this.taint(n)));
      case 'concatenated_string':
      case 'list':
      case 'tuple':
      case 'set':
      case 'expression_list':
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'list_splat':
      case 'dictionary_splat':
      case 'parenthesized_expression':
      case 'await':
      case 'starred_expression':
        return union(named(node).map((n) => this.taint(n)));
      case 'dictionary':
        return union(named(node).map((pair) => (pair.type === 'pair' ? this.taint(pair.childForFieldName('value')) : this.taint(pair))));
      case 'keyword_argument':
        return this.taint(node.childForFieldName('value'));
      case 'binary_operator':
        return union([this.taint(node.childForFieldName('left')), this.taint(node.childForFieldName('right'))]);
      case 'boolean_operator':
        return union([this.taint(node.childForFieldName('left')), this.taint(node.childForFieldName('right'))]);
      case 'conditional_expression': {
        const parts = named(node);
        // `a if condition else b`: the condition is not the value.
        return union([this.taint(parts[0]), this.taint(parts[2])]);
      }
      case 'list_comprehension':
      case 'set_comprehension':
      case 'generator_expression':
        return this.taint(node.childForFieldName('body'));
      case 'dictionary_comprehension': {
        const body = node.childForFieldName('body');
        return body?.type === 'pair' ? this.taint(body.childForFieldName('value')) : this.taint(body);
      }
      case 'named_expression':
        return this.taint(node.childForFieldName('value'));
      default:
        return CLEAN;
    }
  }

  private call(node: Node): Taint {
    const fn = node.childForFieldName('function');
    if (!fn) return CLEAN;
    const callee = this.model.qualifiedName(fn);
    const decided = this.spec.call?.(node, callee, this);
    if (decided) return decided;
    if (callee && SANITISERS.has(callee)) return CLEAN;
    const args = node.childForFieldName('arguments');
    const argumentTaint = () => union(arguments_(args).map((a) => this.taint(a)));
    if (callee && PASS_THROUGH.has(callee)) return argumentTaint();
    if (fn.type === 'identifier') {
      const helper = this.helperDefinition(fn);
      if (helper) return this.throughHelper(helper, args);
      return CLEAN;
    }
    if (fn.type !== 'attribute') return CLEAN;
    // `self.summarize(text)`: a method of the class the call is in, summarised like a helper.
    const own = selfMethodOf(this.model, fn);
    if (own) return this.throughHelper(own.definition, args, own.skip);
    const method = fn.childForFieldName('attribute')?.text ?? '';
    if (CLEAN_METHODS.has(method) || this.spec.cleanMethods?.has(method)) return CLEAN;
    // `path.replace("..", "_")`: a path made unable to leave its folder.
    if (method === 'replace' && /\.\./.test(arguments_(args)[0]?.text ?? '')) return CLEAN;
    const receiver = this.taint(fn.childForFieldName('object'));
    if (ARGUMENT_METHODS.has(method)) return union([receiver, argumentTaint()]);
    return receiver;
  }

  /** A function defined in this file that a call names (`clean(x)`), if any. */
  helperDefinition(fn: Node): Node | undefined {
    if (fn.type !== 'identifier') return undefined;
    const binding = this.model.lookup(fn.text, fn.startIndex);
    if (binding?.kind !== 'def') return undefined;
    const definition = binding.node.parent;
    return definition?.type === 'function_definition' ? definition : undefined;
  }

  /**
   * The result of calling a helper: the sources its returns carry by themselves, and the
   * arguments' taint for each parameter that reaches a return. One level: inside a summary,
   * calls to other helpers are not followed (they end the flow). `skip`: the parameters the call
   * does not pass (a method's `self`).
   */
  private throughHelper(definition: Node, args: Node | null, skip = 0, element?: Element): Taint {
    if (this.summarising || !this.summaryFlow) return CLEAN;
    const summary = this.summaryFlow.summaryOf(definition, element);
    const parts: Taint[] = [summary.sources];
    for (const index of summary.returnedParams) {
      // A method's object (`self`) is not among the call's arguments.
      if (index < skip) continue;
      const arg = argumentFor(args, index - skip, summary.params[index]);
      if (arg) parts.push(this.taint(arg));
    }
    return union(parts);
  }

  /**
   * What a helper's returns carry: concrete sources, and which parameters reach them. With
   * `element`, what item `index` of the returned tuples carries (a return that is not a tuple of
   * `count` items counts whole).
   */
  summaryOf(definition: Node, element?: Element): Summary {
    const key = element ? `${definition.id}:${element.index}/${element.count}` : definition.id;
    const known = this.summaries.get(key);
    if (known) return known;
    const summary: Summary = { params: parameterNames(definition), returnedParams: [], sources: [] };
    this.summaries.set(key, summary);
    const returned: Taint[] = [];
    for (const statement of ownDescendants(definition, 'return_statement')) {
      let value = statement.namedChildren[0];
      if (value && element && (value.type === 'expression_list' || value.type === 'tuple')) {
        const items = named(value);
        if (items.length === element.count && !items.some((n) => n.type.endsWith('splat'))) value = items[element.index];
      }
      if (value) returned.push(this.taint(value));
    }
    const all = union(returned);
    summary.sources = all.filter(isSource);
    summary.returnedParams = [...new Set(all.filter((o): o is ParamOrigin => o.kind === 'param').map((o) => o.index))];
    return summary;
  }

  /**
   * `a, b = helper(x)` (or `self.method(x)`): what the helper's returned tuples hold at the
   * target's position, when the targets are written out without a splat; undefined otherwise.
   */
  private unpackedCall(assignment: Node, target: Node): Taint | undefined {
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (!left || right?.type !== 'call' || target.parent?.id !== left.id) return undefined;
    if (left.type !== 'pattern_list' && left.type !== 'tuple_pattern') return undefined;
    const targets = named(left);
    if (targets.some((n) => n.type === 'list_splat_pattern')) return undefined;
    const fn = right.childForFieldName('function');
    if (!fn) return undefined;
    const element = { index: targets.findIndex((n) => n.id === target.id), count: targets.length };
    const args = right.childForFieldName('arguments');
    if (fn.type === 'identifier') {
      const helper = this.helperDefinition(fn);
      return helper ? this.throughHelper(helper, args, 0, element) : undefined;
    }
    const own = selfMethodOf(this.model, fn);
    return own ? this.throughHelper(own.definition, args, own.skip, element) : undefined;
  }

  private identifier(id: Node): Taint {
    const bindings = this.reaching(id);
    const parts: Taint[] = [];
    for (const binding of bindings) {
      if (this.guarded(id, binding)) continue;
      parts.push(this.bindingTaint(binding, id));
    }
    if (bindings.length > 0) parts.push(this.mutations(id, bindings));
    return union(parts);
  }

  /**
   * What mutations put into a local container before this use (`results.append(probs)`,
   * `out["k"] = v`: containers.ts), from the earliest binding of the name that reaches the use,
   * in the same scope. A name bound in another scope (a module list read in a function) gets none.
   */
  private mutations(id: Node, bindings: readonly Binding[]): Taint {
    const sites = mutationsOf(this.model, id.text);
    if (sites.length === 0) return CLEAN;
    const scope = this.model.scopeAt(id.startIndex);
    let from = Infinity;
    for (const binding of bindings) {
      if (binding.kind === 'import' || binding.kind === 'def' || binding.kind === 'class') return CLEAN;
      if (this.model.scopeAt(binding.node.startIndex) !== scope) return CLEAN;
      from = Math.min(from, binding.kind === 'param' ? -1 : binding.node.startIndex);
    }
    const parts: Taint[] = [];
    for (const site of sites) {
      if (site.at <= from) continue;
      if (site.at >= id.startIndex) break;
      if (this.model.scopeAt(site.at) !== scope) continue;
      // Only the kinds followed into containers (and a helper's parameters, for its summary).
      for (const value of site.values)
        parts.push(this.taint(value).filter((origin) => origin.kind === 'param' || CONTAINER_KINDS.has(origin.kind)));
    }
    return union(parts);
  }

  /**
   * The bindings of a name that may reach a use: the latest one before it in the same scope
   * whose statement encloses the use (it runs on every path), and every later one (made in a
   * branch). A name bound in another scope (a module variable read in a function) may hold any
   * of its values.
   */
  reaching(id: Node): Binding[] {
    const model = this.model;
    const chosen = model.lookup(id.text, id.startIndex);
    if (!chosen) return [];
    if (chosen.kind === 'import' || chosen.kind === 'def' || chosen.kind === 'class') return [chosen];
    const home = model.scopeAt(chosen.node.startIndex);
    const list = home.named(id.text);
    if (!list.includes(chosen)) return [chosen];
    if (model.scopeAt(id.startIndex) !== home || chosen.offset > id.startIndex) return list;
    const found: Binding[] = [];
    for (let i = list.indexOf(chosen); i >= 0; i--) {
      const binding = list[i];
      if (binding.offset > id.startIndex) continue;
      found.push(binding);
      if (binding.kind === 'param' || dominates(binding.node, id)) break;
    }
    return found;
  }

  /** What a binding gives its name. */
  private bindingTaint(binding: Binding, use: Node): Taint {
    switch (binding.kind) {
      case 'param':
        return this.parameter(binding);
      case 'assign':
        return this.taint(binding.value);
      case 'other':
        return this.otherBinding(binding.node, use);
      default:
        return CLEAN;
    }
  }

  private parameter(binding: Binding): Taint {
    const definition = definitionOfParameter(binding.node);
    if (!definition) return CLEAN;
    const own = this.spec.parameterSource?.(binding.node, definition, this);
    const parts: Taint[] = own ? [[own]] : [];
    if (this.summarising && definition.type === 'function_definition') {
      const index = parameterNames(definition).indexOf(binding.name);
      if (index >= 0) parts.push([{ kind: 'param', index, name: binding.name }]);
    }
    return union(parts);
  }

  /** Tuple unpacking, `+=`, loops, comprehensions, `:=`, `with ... as`. */
  private otherBinding(target: Node, use: Node): Taint {
    for (let node: Node | null = target.parent, hops = 0; node && hops < 12; node = node.parent, hops++) {
      switch (node.type) {
        case 'assignment': {
          const part = unpacked(node, target);
          if (part) return this.taint(part);
          return this.unpackedCall(node, target) ?? this.taint(node.childForFieldName('right'));
        }
        case 'augmented_assignment': {
          // `x += y`: the value before and what is added. The left side read as a use finds the
          // binding before this statement.
          const left = node.childForFieldName('left');
          return union([left && left.id !== use.id ? this.taint(left) : CLEAN, this.taint(node.childForFieldName('right'))]);
        }
        case 'for_statement':
        case 'for_in_clause':
          return this.taint(node.childForFieldName('right'));
        case 'named_expression':
          return this.taint(node.childForFieldName('value'));
        case 'as_pattern':
          return this.taint(node.namedChildren[0]);
        case 'block':
        case 'module':
        case 'function_definition':
        case 'class_definition':
          return CLEAN;
      }
    }
    return CLEAN;
  }

  /**
   * True when a check between a binding and a use ends the flow: an `if` on the name whose
   * branch raises or returns (`if not isinstance(x, list): raise ...`), an `assert` on it, a
   * validating call on it as a statement (`jsonschema.validate(x, schema)`), or a use inside
   * the branch of a membership, type or range test (`if x in ALLOWED: ...`).
   */
  guarded(use: Node, binding: Binding): boolean {
    const name = use.text;
    const after = binding.kind === 'param' ? -1 : binding.offset;
    let child: Node = use;
    let occurrences: number[] | undefined;
    for (let node: Node | null = use.parent; node; child = node, node = node.parent) {
      if (node.type === 'function_definition' || node.type === 'class_definition' || node.type === 'lambda') break;
      if ((node.type === 'if_statement' || node.type === 'elif_clause') && node.startIndex >= after) {
        const condition = node.childForFieldName('condition');
        const consequence = node.childForFieldName('consequence');
        if (condition && consequence?.id === child.id && isPositiveCheck(condition, name)) return true;
      }
      if (node.type === 'block' || node.type === 'module') {
        // Every check mentions the name: only statements holding it are looked at (the list of
        // where it is written, once per use, spares reading every statement of a long function).
        occurrences ??= [...identifierOccurrences(this.model.text.slice(Math.max(after, 0), use.startIndex), name)].map(
          (at) => at + Math.max(after, 0),
        );
        let k = occurrences.length - 1;
        for (let sibling = child.previousNamedSibling; sibling && sibling.startIndex >= after; sibling = sibling.previousNamedSibling) {
          const end = sibling.endIndex;
          while (k >= 0 && occurrences[k] >= end) k--;
          if (k < 0) break;
          if (occurrences[k] < sibling.startIndex) continue;
          if (this.isExitCheck(sibling, name)) return true;
        }
      }
    }
    return false;
  }

  private isExitCheck(statement: Node, name: string): boolean {
    switch (statement.type) {
      case 'if_statement': {
        const condition = statement.childForFieldName('condition');
        const consequence = statement.childForFieldName('consequence');
        return !!condition && !!consequence && isCheckOf(condition, name) && endsInExit(consequence);
      }
      case 'assert_statement':
        return !!statement.namedChildren[0] && isCheckOf(statement.namedChildren[0], name);
      case 'expression_statement': {
        const call = statement.namedChildren[0];
        if (call?.type !== 'call') return false;
        const fn = call.childForFieldName('function');
        const last = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
        if (!last || !VALIDATING_METHODS.test(last)) return false;
        return arguments_(call.childForFieldName('arguments')).some((a) => mentions(a, name));
      }
      default:
        return false;
    }
  }
}

/** An item of the tuples a helper returns: `a, b = helper()` (index of `count` targets). */
interface Element {
  index: number;
  count: number;
}

export interface Summary {
  params: string[];
  returnedParams: number[];
  sources: Source[];
}

function union(parts: readonly Taint[]): Taint {
  let result: Origin[] | undefined;
  let only: Taint = CLEAN;
  for (const part of parts) {
    if (part.length === 0) continue;
    if (only.length === 0 && !result) {
      only = part;
      continue;
    }
    result ??= [...only];
    for (const origin of part) {
      if (result.length >= MAX_ORIGINS) break;
      if (!result.some((o) => sameOrigin(o, origin))) result.push(origin);
    }
  }
  return result ?? only;
}

function sameOrigin(a: Origin, b: Origin): boolean {
  if (a.kind === 'param' || b.kind === 'param') return a.kind === b.kind && (a as ParamOrigin).index === (b as ParamOrigin).index;
  return a.kind === b.kind && a.node.id === b.node.id;
}

/**
 * `a, b = x, y`: the value a target of a tuple assignment takes, when both sides are written out
 * with as many items and no splat; undefined otherwise (then every name holds the whole right side).
 */
function unpacked(assignment: Node, target: Node): Node | undefined {
  const left = assignment.childForFieldName('left');
  const right = assignment.childForFieldName('right');
  if (!left || !right || target.parent?.id !== left.id) return undefined;
  if (!['pattern_list', 'tuple_pattern', 'tuple', 'expression_list'].includes(left.type)) return undefined;
  if (right.type !== 'expression_list' && right.type !== 'tuple') return undefined;
  const targets = named(left);
  const values = named(right);
  if (targets.length !== values.length || [...targets, ...values].some((n) => n.type.endsWith('splat') || n.type === 'list_splat_pattern'))
    return undefined;
  return values[targets.findIndex((n) => n.id === target.id)];
}

function named(node: Node): Node[] {
  return node.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
}

/** The expressions interpolated in an f-string. */
function interpolations(node: Node): Node[] {
  const found: Node[] = [];
  for (const child of node.children) {
    if (!child) continue;
    if (child.type === 'interpolation') {
      const expression = child.childForFieldName('expression') ?? child.namedChildren[0];
      if (expression) found.push(expression);
    } else if (child.type === 'string_content') {
      for (const part of child.children) {
        const expression = part?.type === 'interpolation' ? (part.childForFieldName('expression') ?? part.namedChildren[0]) : undefined;
        if (expression) found.push(expression);
      }
    }
  }
  return found;
}

/** The argument expressions of a call (positional, keyword values, splats). */
export function arguments_(args: Node | null | undefined): Node[] {
  if (args?.type !== 'argument_list') return args ? [args] : [];
  return named(args);
}

/** The argument given for a parameter, by position or by name. */
function argumentFor(args: Node | null, index: number, name: string | undefined): Node | undefined {
  const list = arguments_(args);
  for (const arg of list) {
    if (arg.type === 'keyword_argument' && arg.childForFieldName('name')?.text === name) return arg.childForFieldName('value') ?? undefined;
  }
  const positional = list.filter((a) => a.type !== 'keyword_argument' && a.type !== 'dictionary_splat');
  if (positional.some((a) => a.type === 'list_splat')) return positional.find((a) => a.type === 'list_splat');
  return positional[index];
}

/** The names of a definition's parameters, in order. */
export function parameterNames(definition: Node): string[] {
  const names: string[] = [];
  for (const param of definition.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!param) continue;
    const id =
      param.type === 'identifier' ? param : (param.childForFieldName('name') ?? param.namedChildren.find((c) => c?.type === 'identifier'));
    if (id?.type === 'identifier') names.push(id.text);
  }
  return names;
}

/** The function or lambda whose parameter `id` is. */
export function definitionOfParameter(id: Node): Node | undefined {
  for (let node: Node | null = id.parent, hops = 0; node && hops < 4; node = node.parent, hops++) {
    if (node.type === 'parameters' || node.type === 'lambda_parameters') {
      const owner = node.parent;
      return owner && (owner.type === 'function_definition' || owner.type === 'lambda') ? owner : undefined;
    }
  }
  return undefined;
}

/** Descendants of a type inside a definition, not inside definitions nested in it. */
export function ownDescendants(definition: Node, type: string): Node[] {
  const body = definition.childForFieldName('body');
  if (!body) return [];
  return body.descendantsOfType(type).filter((n): n is Node => !!n && innermostDefinition(n) === definition.id);
}

function innermostDefinition(node: Node): number | undefined {
  for (let n = node.parent; n; n = n.parent) if (n.type === 'function_definition' || n.type === 'lambda') return n.id;
  return undefined;
}

/** The statement holding a node: the ancestor whose parent is a block or the module. */
function statementOf(node: Node): Node {
  let current = node;
  while (current.parent && current.parent.type !== 'block' && current.parent.type !== 'module') current = current.parent;
  return current;
}

/** True when the statement binding `target` runs before `use` on every path to it. */
function dominates(target: Node, use: Node): boolean {
  const statement = statementOf(target);
  const container = statement.parent;
  if (!container) return true;
  // A `for`/`with` statement binds for its own body; any other statement for what follows it.
  if (use.startIndex >= statement.startIndex && use.endIndex <= statement.endIndex) return true;
  return use.startIndex >= container.startIndex && use.endIndex <= container.endIndex;
}

/** True when `node` contains the identifier `name` (as a whole word in code). */
function mentions(node: Node, name: string): boolean {
  if (node.type === 'identifier') return node.text === name;
  if (!new RegExp(`\\b${escapeRegExp(name)}\\b`).test(node.text)) return false;
  return node.descendantsOfType('identifier').some((n) => n?.text === name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A condition that checks the value (type, shape, range, membership, pattern), not only whether
 * it is there: `isinstance(x, list)`, `len(x) > 10`, `x not in ALLOWED`, `x.shape != (1, 4)`.
 */
function isCheckOf(condition: Node, name: string): boolean {
  if (!mentions(condition, name)) return false;
  const text = condition.text;
  if (
    /\bisinstance\s*\(|\blen\s*\(|\.shape\b|\.ndim\b|\.dtype\b|\bmatch\s*\(|\bfullmatch\s*\(|\.is(?:digit|numeric|alnum|alpha)\s*\(/.test(
      text,
    )
  )
    return true;
  // A comparison with the name in it, except a bare test for None (`x is None`).
  for (const comparison of [condition, ...condition.descendantsOfType('comparison_operator').filter((n): n is Node => !!n)]) {
    if (comparison.type !== 'comparison_operator' || !mentions(comparison, name)) continue;
    if (
      /\bis\s+(?:not\s+)?None\b/.test(comparison.text) &&
      !/[<>=!]=?|\bin\b/.test(comparison.text.replace(/\bis\s+(?:not\s+)?None\b/, ''))
    )
      continue;
    return true;
  }
  return false;
}

/** A positive test whose branch only runs for good values: membership, type or range. */
function isPositiveCheck(condition: Node, name: string): boolean {
  if (!isCheckOf(condition, name)) return false;
  // `if x not in ALLOWED:` runs its branch for the bad values.
  return !/\bnot\s+in\b|^\s*not\b/.test(condition.text);
}

/** True when a branch ends the request or the script: raise, return, abort(), sys.exit()... */
function endsInExit(block: Node): boolean {
  const statements = named(block);
  const last = statements[statements.length - 1];
  if (!last) return false;
  if (EXIT_STATEMENTS.has(last.type)) return true;
  const call = last.type === 'expression_statement' ? last.namedChildren[0] : undefined;
  if (call?.type !== 'call') return false;
  const fn = call.childForFieldName('function');
  const name = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
  return !!name && EXIT_CALLS.test(name);
}
