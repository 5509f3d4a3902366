/**
 * ML serving frameworks: which functions LitServe, BentoML, Ray Serve and KServe call with a
 * request, and which of them return what the caller receives. Each is resolved through the
 * semantic model (a base class or decorator named by its import, aliases followed), never by a
 * method's name alone: a `predict` method of any other class is nothing here.
 *
 * - LitServe: subclasses of `litserve.LitAPI` (and subclasses of those in the same file):
 *   `decode_request(self, request)` receives the request, `predict(self, x)` what
 *   `decode_request` returns (the request itself when the class has none), `encode_response`
 *   returns the response (`predict` when there is no `encode_response`).
 * - KServe: subclasses of `kserve.Model`, with `preprocess`, `predict` and `postprocess` in the
 *   same roles.
 * - Ray Serve: `__call__(self, request)` of a class decorated `@serve.deployment`.
 * - BentoML: methods decorated `@bentoml.api` of a `@bentoml.service` class, and functions
 *   decorated `@svc.api(input=..., output=...)` of a `bentoml.Service`.
 * - Modal: functions and methods decorated `@modal.fastapi_endpoint` (or the older
 *   `@modal.web_endpoint`), whose parameters FastAPI fills from the request.
 * - Triton's Python backend: `execute(self, requests)` of the class Triton loads by its name,
 *   `TritonPythonModel`, in a file importing `triton_python_backend_utils`.
 *
 * The text words each is written with are exported for the prefilter and the closures
 * (words.ts, reach.ts); sources.ts decides what each parameter is.
 */
import type { Node } from '../parser';
import type { SemanticModel } from '../semantic';
import { CALL_RESULT_SUFFIX } from '../semantic';
import { classAround, methodsOf } from './methods';
import { wordOffsets } from './textWords';

export type ServingFramework = 'LitServe' | 'BentoML' | 'Ray Serve' | 'KServe' | 'Modal' | 'Triton';

/** The stage methods of the frameworks whose classes the request passes through, by framework. */
interface StageTable {
  framework: ServingFramework;
  /** The base classes a served class derives from (qualified names). */
  bases: readonly string[];
  decode: string;
  predict: string;
  encode: string;
}

export const STAGE_FRAMEWORKS: readonly StageTable[] = [
  {
    framework: 'LitServe',
    bases: ['litserve.LitAPI', 'litserve.api.LitAPI'],
    decode: 'decode_request',
    predict: 'predict',
    encode: 'encode_response',
  },
  { framework: 'KServe', bases: ['kserve.Model', 'kserve.model.Model'], decode: 'preprocess', predict: 'predict', encode: 'postprocess' },
];
/** Class decorators making a class's `__call__` an endpoint (Ray Serve) or its `@bentoml.api` methods (BentoML). */
const RAY_DEPLOYMENT = new Set(['ray.serve.deployment']);
const BENTO_SERVICE = new Set(['bentoml.service']);
const BENTO_API = new Set(['bentoml.api']);
/** Triton's Python backend: the class it loads by name, and the package of its utilities. */
const TRITON_CLASS = 'TritonPythonModel';
const TRITON_PACKAGE = 'triton_python_backend_utils';
/** Modal's decorators making a function a FastAPI endpoint. */
const MODAL_ENDPOINTS = new Set(['modal.fastapi_endpoint', 'modal.web_endpoint']);
/** The last names of the decorators making a function an endpoint (what the text search looks for). */
export const ENDPOINT_DECORATOR_WORDS = ['api', 'fastapi_endpoint', 'web_endpoint', 'deployment'];
/** BentoML's older `svc = bentoml.Service(...)`, whose `@svc.api(...)` functions are endpoints. */
const BENTO_LEGACY_SERVICE = 'bentoml.Service' + CALL_RESULT_SUFFIX;

/** The packages of the frameworks (a file importing none of them has no serving handler). */
export const SERVING_PACKAGES = ['litserve', 'bentoml', 'kserve', 'modal', TRITON_PACKAGE, 'ray'];
/** Methods whose first parameter (after `self`) may receive request data. */
export const SERVING_INPUT_METHODS = ['decode_request', 'predict', 'preprocess', '__call__', 'execute'];
/** Methods whose first parameter (after `self`) receives what `predict` returns. */
export const SERVING_OUTPUT_METHODS = ['encode_response', 'postprocess'];
/** Every method name a role is given by (for an editor's quiet test and the response search). */
export const SERVING_METHODS = [...new Set([...SERVING_INPUT_METHODS, ...SERVING_OUTPUT_METHODS])];

export type ServingStage = 'decode' | 'predict' | 'encode' | 'endpoint';

/** What a function is to a serving framework. */
export interface ServingRole {
  framework: ServingFramework;
  /**
   * `decode`: receives the request; `predict`: receives what the decoding stage returns;
   * `encode`: receives what `predict` returns and returns the response; `endpoint`: receives the
   * request and returns the response.
   */
  stage: ServingStage;
  /** For a class with stages: its stage methods (its own, else a base class's of this file). */
  stages?: { table: StageTable; decode?: Node; predict?: Node; encode?: Node };
  /** For BentoML's `@svc.api(input=...)`: the input descriptor. */
  input?: Node;
  /** For an endpoint: every parameter is the caller's (BentoML) rather than only the first. */
  everyParameter?: boolean;
  /** An untyped parameter is a query string's text, as FastAPI reads it (Modal). */
  untypedText?: boolean;
  /** The framework builds every parameter from a declared model (BentoML's `input_spec=`). */
  validated?: boolean;
}

/** What a class is to a framework (memoised per class node). */
type ClassRole =
  | { kind: 'stages'; table: StageTable; methods: Map<string, Node> }
  | { kind: 'ray' }
  | { kind: 'triton' }
  | { kind: 'bento'; methods: Map<string, Node> }
  | null;

interface Memo {
  packages: Set<string>;
  functions: Map<number, ServingRole | null>;
  classes: Map<number, ClassRole>;
}

const memos = new WeakMap<SemanticModel, Memo>();

function memoOf(model: SemanticModel): Memo {
  let memo = memos.get(model);
  if (!memo) memos.set(model, (memo = { packages: new Set(model.importedPackages()), functions: new Map(), classes: new Map() }));
  return memo;
}

/** True when the file imports one of the serving frameworks. */
export function importsServing(model: SemanticModel): boolean {
  const packages = memoOf(model).packages;
  return SERVING_PACKAGES.some((p) => packages.has(p));
}

/**
 * The qualified names a base class or decorator may stand for: what the semantic model resolves
 * it to, and for a name the module also imports, the import (`try: from litserve import LitAPI` /
 * `except ImportError: LitAPI = object` is LitServe's class wherever litserve is installed).
 */
function resolved(model: SemanticModel, node: Node): string[] {
  const names: string[] = [];
  const name = model.qualifiedName(node);
  if (name) names.push(name);
  let root: Node = node;
  const rest: string[] = [];
  while (root.type === 'attribute') {
    rest.unshift(root.childForFieldName('attribute')?.text ?? '');
    root = root.childForFieldName('object')!;
  }
  if (root?.type !== 'identifier') return names;
  const binding = model.lookup(root.text, root.startIndex);
  // A name bound in the function or class around it, or a parameter, is not the module's import.
  if (binding && binding.kind !== 'import' && binding.kind !== 'assign' && binding.kind !== 'other') return names;
  for (const imported of model.module.named(root.text))
    if (imported.kind === 'import' && imported.qualifiedName) names.push([imported.qualifiedName, ...rest].join('.'));
  return names;
}

/** The names a definition's decorators resolve to (`@serve.deployment` and `@serve.deployment(...)` alike). */
function decoratorNames(model: SemanticModel, definition: Node): Array<{ name: string; call?: Node }> {
  const decorated = definition.parent;
  if (decorated?.type !== 'decorated_definition') return [];
  const found: Array<{ name: string; call?: Node }> = [];
  for (const decorator of decorated.namedChildren) {
    if (decorator?.type !== 'decorator') continue;
    const expression = decorator.namedChildren.find((n) => !!n && n.type !== 'comment');
    if (!expression) continue;
    const call = expression.type === 'call' ? expression : undefined;
    const fn = call ? call.childForFieldName('function') : expression;
    if (fn?.type !== 'identifier' && fn?.type !== 'attribute') continue;
    for (const name of resolved(model, fn)) found.push({ name, call });
  }
  return found;
}

/** What a class is to a framework: by a base class (or a base class of this file that is one) or a decorator. */
function classRole(model: SemanticModel, cls: Node, depth = 0): ClassRole {
  const memo = memoOf(model);
  const known = memo.classes.get(cls.id);
  if (known !== undefined) return known;
  // A cycle of local classes (broken code) ends here.
  memo.classes.set(cls.id, null);
  let role: ClassRole = null;
  for (const base of cls.childForFieldName('superclasses')?.namedChildren ?? []) {
    if (!base || (base.type !== 'identifier' && base.type !== 'attribute')) continue;
    const names = resolved(model, base);
    const table = STAGE_FRAMEWORKS.find((t) => names.some((name) => t.bases.includes(name)));
    if (table) {
      role = { kind: 'stages', table, methods: methodsOf(cls) };
      break;
    }
    // A subclass of a served class of this file: its stages, overridden by the subclass's own.
    const binding = base.type === 'identifier' ? model.lookup(base.text, base.startIndex) : undefined;
    const parent = binding?.kind === 'class' ? binding.node.parent : undefined;
    if (parent?.type === 'class_definition' && depth < 4) {
      const inherited = classRole(model, parent, depth + 1);
      if (inherited?.kind === 'stages') {
        role = { kind: 'stages', table: inherited.table, methods: new Map([...inherited.methods, ...methodsOf(cls)]) };
        break;
      }
    }
  }
  // Triton finds the class by its name in the model's file.
  if (!role && cls.childForFieldName('name')?.text === TRITON_CLASS && memo.packages.has(TRITON_PACKAGE)) role = { kind: 'triton' };
  if (!role)
    for (const { name } of decoratorNames(model, cls)) {
      if (RAY_DEPLOYMENT.has(name)) role = { kind: 'ray' };
      else if (BENTO_SERVICE.has(name)) role = { kind: 'bento', methods: methodsOf(cls) };
      if (role) break;
    }
  memo.classes.set(cls.id, role);
  return role;
}

/** What a function definition is to a serving framework, if anything (memoised). */
export function servingRoleOf(model: SemanticModel, definition: Node): ServingRole | undefined {
  if (definition.type !== 'function_definition') return undefined;
  const memo = memoOf(model);
  const known = memo.functions.get(definition.id);
  if (known !== undefined) return known ?? undefined;
  let role: ServingRole | null = null;
  if (importsServing(model)) {
    const name = definition.childForFieldName('name')?.text ?? '';
    const cls = classAround(definition);
    const owner = cls ? classRole(model, cls) : null;
    if (decoratorNames(model, definition).some((d) => MODAL_ENDPOINTS.has(d.name)))
      role = { framework: 'Modal', stage: 'endpoint', everyParameter: true, untypedText: true };
    else if (owner?.kind === 'stages') {
      const { table, methods } = owner;
      const stage = name === table.decode ? 'decode' : name === table.predict ? 'predict' : name === table.encode ? 'encode' : undefined;
      // The class's own method of that name (not a nested function called the same).
      if (stage && methods.get(name)?.id === definition.id)
        role = {
          framework: table.framework,
          stage,
          stages: { table, decode: methods.get(table.decode), predict: methods.get(table.predict), encode: methods.get(table.encode) },
        };
    } else if (owner?.kind === 'triton') {
      if (name === 'execute') role = { framework: 'Triton', stage: 'endpoint' };
    } else if (owner?.kind === 'ray') {
      if (name === '__call__') role = { framework: 'Ray Serve', stage: 'endpoint' };
    } else if (owner?.kind === 'bento') {
      const api = decoratorNames(model, definition).find((d) => BENTO_API.has(d.name));
      // `@bentoml.api(input_spec=Model)`: the parameters are built from that pydantic model.
      const spec = api?.call
        ?.childForFieldName('arguments')
        ?.namedChildren.some((a) => a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'input_spec');
      if (api) role = { framework: 'BentoML', stage: 'endpoint', everyParameter: true, ...(spec ? { validated: true } : {}) };
    } else if (!cls && decoratorNames(model, definition).some((d) => RAY_DEPLOYMENT.has(d.name))) {
      // A function deployment (`@serve.deployment def f(request)`): called with the request.
      role = { framework: 'Ray Serve', stage: 'endpoint' };
    } else if (!cls) {
      // `@svc.api(input=JSON(), output=JSON())` of `svc = bentoml.Service(...)`.
      for (const { name: decorator, call } of decoratorNames(model, definition))
        if (call && decorator === BENTO_LEGACY_SERVICE + '.api') {
          const input = call
            .childForFieldName('arguments')
            ?.namedChildren.find((a) => a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'input')
            ?.childForFieldName('value');
          role = { framework: 'BentoML', stage: 'endpoint', input: input ?? undefined };
          break;
        }
    }
  }
  memo.functions.set(definition.id, role);
  return role ?? undefined;
}

/**
 * The functions of the file whose returns the caller of a serving framework receives: an
 * endpoint, the encoding stage, or `predict` of a class with no encoding stage. Found where
 * their names (or `api` decorators) are written.
 */
export function servingResponders(model: SemanticModel): Node[] {
  if (!importsServing(model)) return [];
  const root = model.tree.rootNode;
  const found = new Map<number, Node>();
  const consider = (definition: Node | null | undefined) => {
    if (definition?.type !== 'function_definition' || found.has(definition.id)) return;
    const role = servingRoleOf(model, definition);
    if (!role) return;
    if (role.stage === 'endpoint' || role.stage === 'encode' || (role.stage === 'predict' && !role.stages?.encode))
      found.set(definition.id, definition);
  };
  for (const word of ['predict', ...SERVING_OUTPUT_METHODS, '__call__', 'execute'])
    for (const at of wordOffsets(model.text, word)) {
      const id = root.descendantForIndex(at, at + word.length);
      if (id?.type === 'identifier' && id.parent?.type === 'function_definition' && id.parent.childForFieldName('name')?.id === id.id)
        consider(id.parent);
    }
  // `@bentoml.api`, `@svc.api(...)`, `@modal.fastapi_endpoint(...)`: the decorated function.
  for (const word of ENDPOINT_DECORATOR_WORDS)
    for (const at of wordOffsets(model.text, word)) {
      let node: Node | null = root.descendantForIndex(at, at + word.length);
      for (let hops = 0; node && node.type !== 'decorator' && hops < 6; hops++) node = node.parent;
      if (node?.type === 'decorator') consider(node.parent?.childForFieldName('definition'));
    }
  return [...found.values()].sort((a, b) => a.startIndex - b.startIndex);
}

/**
 * True when a call in a KServe stage method hands on, besides the payload, one of the stage's
 * later parameters (`self._impl.predict(payload, headers)`, `headers=headers`): a wrapper passing
 * the request to a delegate KServe model, whose own `predict` is the handler that receives it
 * and is analysed where it is defined. No model library's inference method takes KServe's
 * request headers or context, so such a call is not taken for a model (MLS801 reported every
 * such flow twice in kserve's predictiveserver and autogluonserver).
 */
export function kserveDelegateCall(model: SemanticModel, call: Node, definition: Node | undefined): boolean {
  if (!definition || servingRoleOf(model, definition)?.framework !== 'KServe') return false;
  const later = new Set(
    (definition.childForFieldName('parameters')?.namedChildren ?? [])
      .filter((p): p is Node => !!p && p.type !== 'comment')
      .slice(2)
      .map((p) => (p.type === 'identifier' ? p : (p.childForFieldName('name') ?? p.namedChildren.find((c) => c?.type === 'identifier'))))
      .filter((id): id is Node => id?.type === 'identifier')
      .map((id) => id.text),
  );
  for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
    const value = arg?.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
    if (value?.type !== 'identifier' || !later.has(value.text)) continue;
    const binding = model.lookup(value.text, value.startIndex);
    if (binding?.kind === 'param' && binding.node.parent && isParameterOf(binding.node, definition)) return true;
  }
  return false;
}

function isParameterOf(id: Node, definition: Node): boolean {
  for (let node: Node | null = id.parent, hops = 0; node && hops < 4; node = node.parent, hops++)
    if (node.type === 'parameters') return node.parent?.id === definition.id;
  return false;
}
