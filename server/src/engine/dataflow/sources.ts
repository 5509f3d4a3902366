/**
 * Where untrusted data enters a Python file: web requests, UI inputs, the command line and
 * language-model answers. Each source is a qualified name (resolved by the semantic model, so
 * aliases and shadowing are followed) or a parameter of a function a framework calls with
 * request data. Tables first, then the matching.
 */
import type { Node } from '../parser';
import type { SemanticModel } from '../semantic';
import { CALL_RESULT_SUFFIX } from '../semantic';
import type { Flow, FlowSpec, Source, Taint } from './flow';
import { arguments_, ownDescendants, parameterNames } from './flow';
import { wordOffsets } from './textWords';
import { bentoRemoteCall } from './bentoRemote';
import { servingRoleOf } from './serving';
import type { ServingRole } from './serving';

/** Attributes of Flask's `request` that hold client data (`request.json`, `request.args[...]`). */
export const FLASK_REQUEST_ATTRIBUTES = new Set(['json', 'form', 'args', 'files', 'data', 'values', 'headers', 'cookies', 'stream']);
/** Methods of Flask's `request` that return client data. */
export const FLASK_REQUEST_METHODS = new Set(['get_json', 'get_data']);
/** Attributes of a Django or Django REST framework request that hold client data. */
export const DJANGO_REQUEST_ATTRIBUTES = new Set(['POST', 'GET', 'body', 'FILES', 'COOKIES', 'data', 'query_params']);
/** What a standard-library `http.server` handler reads from the request: `self.rfile`, `self.path`, ... */
export const HTTP_HANDLER_ATTRIBUTES = new Set(['rfile', 'path', 'headers', 'requestline', 'raw_requestline']);
/** The standard library's request handler classes (a handler's methods read the request from `self`). */
export const HTTP_HANDLER_CLASSES = new Set([
  'http.server.BaseHTTPRequestHandler',
  'http.server.SimpleHTTPRequestHandler',
  'http.server.CGIHTTPRequestHandler',
]);
/** Type annotations that make a parameter the whole request (Starlette/FastAPI) or an upload. */
export const REQUEST_TYPES = new Set([
  'fastapi.Request',
  'starlette.requests.Request',
  'fastapi.UploadFile',
  'starlette.datastructures.UploadFile',
  'fastapi.WebSocket',
]);
/** Decorator methods that make a function a web endpoint (`@app.post("/x")`). */
export const ROUTE_METHODS = new Set(['route', 'get', 'post', 'put', 'patch', 'delete', 'api_route', 'websocket']);
/** Packages whose apps and routers those decorators belong to. */
export const WEB_PACKAGES = ['flask', 'fastapi', 'starlette', 'quart', 'sanic', 'litestar'];
/** Streamlit widgets that return what the user typed or uploaded. */
export const STREAMLIT_INPUTS = new Set(['text_input', 'text_area', 'chat_input', 'file_uploader', 'camera_input', 'data_editor']);
/** The Streamlit widgets among those that return text. */
const STREAMLIT_TEXT = new Set(['text_input', 'text_area', 'chat_input']);
/** Gradio constructors and component events whose `fn` receives the user's input. */
export const GRADIO_ENTRY_POINTS = new Set(['Interface', 'ChatInterface', 'TabbedInterface']);
export const GRADIO_EVENTS = new Set(['click', 'submit', 'change', 'input', 'upload', 'select', 'release', 'stream', 'then', 'success']);
/** Command-line sources. */
export const CLI_SOURCES = new Set(['input', 'builtins.input', 'sys.argv', 'raw_input']);
/** Parameter annotations that are validated values (numbers), not free data. */
const SCALAR_TYPES = new Set(['int', 'float', 'bool', 'complex']);
/** Names a typed container may be built from and still count as typed (`list[list[float]]`). */
const TYPED_ELEMENTS = new Set([
  'list',
  'List',
  'dict',
  'Dict',
  'tuple',
  'Tuple',
  'set',
  'Set',
  'typing',
  'int',
  'float',
  'bool',
  'str',
  'complex',
]);
/** Parameter annotations that leave the structure unvalidated (dict, list, Any, untyped). */
const UNVALIDATED_TYPES = /^(?:dict|list|Dict|List|Any|typing\.Any|typing\.Dict|typing\.List|object|bytes|Json)\b/;

/** LLM client calls whose result is the model's answer (qualified names or their endings). */
export const LLM_COMPLETIONS = ['litellm.completion', 'litellm.acompletion', 'litellm.text_completion'];
/** The endings of OpenAI and Anthropic client methods, on a client of that package. */
/** `methods`: the last names `ending` can end with (what reach.ts looks for in the text). */
export const LLM_CLIENT_METHODS: ReadonlyArray<{ package: string; ending: RegExp; methods: readonly string[]; label: string }> = [
  {
    package: 'openai',
    ending: /\.(?:chat\.completions|completions|responses|beta\.chat\.completions)\.(?:create|parse)$/,
    methods: ['create', 'parse'],
    label: 'OpenAI',
  },
  { package: 'anthropic', ending: /\.messages\.(?:create|stream)$/, methods: ['create', 'stream'], label: 'Anthropic' },
  // `InferenceClient`: its own methods and the OpenAI-style `chat.completions.create`.
  {
    package: 'huggingface_hub',
    ending: /\.(?:chat_completion|text_generation|chat\.completions\.create)$/,
    methods: ['chat_completion', 'text_generation', 'create'],
    label: 'Hugging Face Inference',
  },
];
/** LangChain runnables' methods whose result is the model's answer. */
export const LANGCHAIN_METHODS = new Set(['invoke', 'ainvoke', 'predict', 'run', 'arun', 'apredict', 'batch', 'generate']);
/** Hugging Face generation: `model.generate(...)`'s ids, then `decode`. */
export const GENERATION_METHODS = new Set(['generate']);

/** Per-file facts the source matching needs more than once. */
interface FileFacts {
  packages: Set<string>;
  /** The route handlers' definitions, in document order (found on first use). */
  readonly routes: Node[];
  /** Components stored under a key (`ui["name"] = gr.Dropdown(...)`), by key. */
  keyed: Map<string, InputClass | undefined>;
  /** What each function definition asked about is to a framework (handlerOf), by node id. */
  handlers: Map<number, Handler | null>;
  /** The function each Gradio registration call registers (null: none of this file), by call id. */
  registered: Map<number, Node | null>;
}

/** A function a web framework or Gradio calls with user data. */
interface Handler {
  role: 'route' | 'gradio';
  /** The Gradio registrations naming it, in document order (empty for a route). */
  registrations: Node[];
  /** For a Gradio callback, what kind of component feeds each parameter (by position), made on first use. */
  inputs?: Array<InputClass | undefined>;
}

/**
 * What a Gradio component hands its callback: a path to a file Gradio stored itself, text, one
 * of fixed choices, or structured data (a dataframe, JSON, or a component not known here).
 */
export type InputClass = 'file' | 'text' | 'choice' | 'data';

const COMPONENT_CLASSES: ReadonlyMap<string, InputClass> = new Map([
  ...[
    'audio',
    'image',
    'video',
    'file',
    'files',
    'uploadbutton',
    'model3d',
    'microphone',
    'webcam',
    'sketchpad',
    'imageeditor',
    'gallery',
    // Gradio joins the chosen name under `root_dir` and refuses what would leave it.
    'fileexplorer',
  ].map((c) => [c, 'file'] as const),
  ...['textbox', 'text', 'textarea', 'code', 'chatbot', 'multimodaltextbox', 'markdown', 'highlightedtext'].map(
    (c) => [c, 'text'] as const,
  ),
  ...['dropdown', 'radio', 'checkbox', 'checkboxgroup', 'slider', 'number', 'colorpicker', 'state'].map((c) => [c, 'choice'] as const),
]);

/** The class of a component made by a call to `name` (qualified) with `args` written as `argsText`. */
function classOf(name: string, argsText: string): InputClass {
  const last = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  // A dropdown that accepts values outside its choices hands over whatever was typed.
  if (last === 'dropdown' && /\ballow_custom_value\s*=\s*True\b/.test(argsText)) return 'text';
  return COMPONENT_CLASSES.get(last) ?? 'data';
}

/** The class of one entry of `inputs=`: `"text"`, `gr.Textbox(...)`, a name bound to one, `ui["key"]`. */
function componentClass(model: SemanticModel, node: Node): InputClass | undefined {
  let value: Node | undefined = node;
  if (value.type === 'identifier') {
    const binding = model.lookup(value.text, value.startIndex);
    value = binding?.kind === 'assign' ? binding.value : undefined;
  }
  if (!value) return undefined;
  if (value.type === 'string') return COMPONENT_CLASSES.get(value.text.replace(/^["']|["']$/g, '').toLowerCase()) ?? 'data';
  if (value.type === 'subscript') {
    const key = model.constantValue(value.childForFieldName('subscript'));
    return key?.kind === 'str' ? keyedComponent(model, key.value) : undefined;
  }
  if (value.type !== 'call') return undefined;
  const name = model.qualifiedName(value.childForFieldName('function')!);
  if (!name?.startsWith('gradio.')) return undefined;
  return classOf(name, value.childForFieldName('arguments')?.text ?? '');
}

/**
 * The class of the component stored under a key (`shared.gradio["grammar_file"] = gr.Dropdown(...)`),
 * for UIs that keep their components in a dict and name them by key in `inputs=`. Found in the
 * text, so that it does not depend on which definitions were parsed; undefined when a key is
 * stored with something that is not a Gradio component, and `data` when its components differ.
 */
function keyedComponent(model: SemanticModel, key: string): InputClass | undefined {
  const known = fileFacts(model).keyed;
  if (known.has(key)) return known.get(key);
  let found: InputClass | undefined;
  let first = true;
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`\\[\\s*(["'])${escaped}\\1\\s*\\]\\s*=(?!=)\\s*([A-Za-z_][\\w.]*)\\s*\\(`, 'g');
  for (const match of model.text.matchAll(pattern)) {
    const [head, ...rest] = match[2].split('.');
    const binding = model.lookup(head, match.index);
    const name = binding?.kind === 'import' && binding.qualifiedName ? [binding.qualifiedName, ...rest].join('.') : undefined;
    const open = match.index + match[0].length;
    const kind = name?.startsWith('gradio.') ? classOf(name, callArgumentsText(model.text, open)) : undefined;
    found = first ? kind : found === kind ? found : kind === undefined || found === undefined ? undefined : 'data';
    first = false;
    if (found === undefined) break;
  }
  known.set(key, found);
  return found;
}

/** The text of a call's arguments from just after its `(` to the matching `)` (bounded). */
function callArgumentsText(text: string, open: number): string {
  let depth = 1;
  const limit = Math.min(text.length, open + 4000);
  for (let i = open; i < limit; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && --depth === 0) return text.slice(open, i);
  }
  return text.slice(open, limit);
}

/**
 * The classes of a registration's `inputs=`, by position: a list, one component, lists joined
 * with `+`, or a project helper naming stored components by key (`gradio("a", "b")`).
 * Undefined when the number of inputs is not known.
 */
function inputClasses(model: SemanticModel, inputs: Node | undefined): Array<InputClass | undefined> | undefined {
  if (!inputs) return undefined;
  if (inputs.type === 'binary_operator' && inputs.childForFieldName('operator')?.text === '+') {
    const left = inputClasses(model, inputs.childForFieldName('left') ?? undefined);
    const right = inputClasses(model, inputs.childForFieldName('right') ?? undefined);
    return left && right ? [...left, ...right] : undefined;
  }
  if (inputs.type === 'list' || inputs.type === 'tuple') {
    const items = inputs.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
    if (items.some((item) => item.type === 'list_splat')) return undefined;
    return items.map((item) => componentClass(model, item));
  }
  const keys = helperKeys(model, inputs);
  if (keys) return keys.map((key) => keyedComponent(model, key));
  return [componentClass(model, inputs)];
}

/** The keys a project's own helper is given (`gradio("a", "b")`, `gradio(["a", "b"])`): constant strings only. */
function helperKeys(model: SemanticModel, call: Node): string[] | undefined {
  if (call.type !== 'call') return undefined;
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  const name = model.qualifiedName(fn);
  if (name?.startsWith('gradio.')) return undefined;
  let args = arguments_(call.childForFieldName('arguments'));
  if (args.length === 1 && (args[0].type === 'list' || args[0].type === 'tuple'))
    args = args[0].namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  const keys: string[] = [];
  for (const arg of args) {
    const value = model.constantValue(arg);
    if (value?.kind !== 'str') return undefined;
    keys.push(value.value);
  }
  return keys.length > 0 ? keys : undefined;
}

const facts = new WeakMap<SemanticModel, FileFacts>();

export function fileFacts(model: SemanticModel): FileFacts {
  let known = facts.get(model);
  if (known) return known;
  let routes: Node[] | undefined;
  const made: FileFacts = {
    packages: new Set(model.importedPackages()),
    keyed: new Map(),
    handlers: new Map(),
    registered: new Map(),
    get routes() {
      return (routes ??= findRoutes(model, made));
    },
  };
  facts.set(model, (known = made));
  return known;
}

/** The root package of a qualified name (`flask` of `flask.Flask().route`). */
function root(name: string | undefined): string | undefined {
  return name?.split(/[.(]/)[0];
}

/**
 * What a function definition is to a framework, decided when first asked (a flow asks about the
 * few definitions whose parameters it reaches; a large Gradio UI registers hundreds): a Gradio
 * callback when a Gradio interface or event registers it by name (`btn.click(fn, ...)`,
 * `gr.Interface(fn=...)`), else a web route when a route decorator of a web framework is on it
 * (`@app.post("/x")`). The registrations are found where the function's name is written.
 */
function handlerOf(model: SemanticModel, definition: Node): Handler | undefined {
  const known = fileFacts(model);
  const memo = known.handlers.get(definition.id);
  if (memo !== undefined) return memo ?? undefined;
  let handler: Handler | null = null;
  const gradio = known.packages.has('gradio');
  const web = WEB_PACKAGES.some((p) => known.packages.has(p));
  if (gradio) {
    const registrations = gradioRegistrationsOf(model, definition);
    if (registrations.length > 0) handler = { role: 'gradio', registrations };
  }
  if (!handler && web && routeDecorators(model, definition).length > 0) handler = { role: 'route', registrations: [] };
  known.handlers.set(definition.id, handler);
  return handler ?? undefined;
}

/**
 * The Gradio registrations of a definition, in document order: calls of an interface
 * (`gr.Interface(fn, ...)`) or of a component's event (`btn.click(fn, ...)`, on a component made
 * by gradio or whose making is not visible) whose `fn` (or first positional argument) is a name
 * that resolves to it.
 */
function gradioRegistrationsOf(model: SemanticModel, definition: Node): Node[] {
  const name = definition.childForFieldName('name');
  if (!name || name.text.length === 0) return [];
  const root = model.tree.rootNode;
  const found: Node[] = [];
  for (const at of wordOffsets(model.text, name.text)) {
    if (at === name.startIndex) continue;
    const id = root.descendantForIndex(at, at + name.text.length);
    if (id?.type !== 'identifier' || id.startIndex !== at) continue;
    const call = registrationCall(id);
    if (call && registeredBy(model, call)?.id === definition.id) found.push(call);
  }
  return found;
}

/** The call `id` is the callback of when it is written as one (`x.click(id, ...)`, `Interface(fn=id)`), by syntax alone. */
function registrationCall(id: Node): Node | undefined {
  let args = id.parent;
  if (args?.type === 'keyword_argument') args = args.childForFieldName('name')?.text === 'fn' ? args.parent : null;
  const call = args?.type === 'argument_list' ? args.parent : undefined;
  if (call?.type !== 'call') return undefined;
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'attribute' && fn?.type !== 'identifier') return undefined;
  const last = fn.type === 'attribute' ? (fn.childForFieldName('attribute')?.text ?? '') : fn.text;
  if (!GRADIO_ENTRY_POINTS.has(last) && !(GRADIO_EVENTS.has(last) && fn.type === 'attribute')) return undefined;
  return callbackOf(call)?.id === id.id ? call : undefined;
}

/** A registration call's callback expression: its `fn=`, else its first positional argument. */
function callbackOf(call: Node): Node | undefined {
  const args = arguments_(call.childForFieldName('arguments'));
  const given = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'fn')?.childForFieldName('value');
  return given ?? args.find((a) => a.type !== 'keyword_argument');
}

/** The function definition a Gradio registration call registers, if it is one and names a function of this file. */
function registeredBy(model: SemanticModel, call: Node): Node | undefined {
  const known = fileFacts(model).registered;
  const memo = known.get(call.id);
  if (memo !== undefined) return memo ?? undefined;
  let found: Node | null = null;
  const fn = call.childForFieldName('function')!;
  const last = fn.type === 'attribute' ? (fn.childForFieldName('attribute')?.text ?? '') : fn.text;
  // Each name resolved only for the kind of registration it can be (a large UI has hundreds).
  const isEntry = GRADIO_ENTRY_POINTS.has(last) && !!model.qualifiedName(fn)?.startsWith('gradio.');
  const receiver =
    !isEntry && GRADIO_EVENTS.has(last) && fn.type === 'attribute' ? model.qualifiedName(fn.childForFieldName('object')!) : undefined;
  // `btn.click(fn, ...)` on a component made by gradio, or on one whose making is not visible
  // (`self.btn`, a component passed in) in a file that imports gradio.
  const isEvent = GRADIO_EVENTS.has(last) && fn.type === 'attribute' && (receiver === undefined || receiver.startsWith('gradio.'));
  const target = isEntry || isEvent ? callbackOf(call) : undefined;
  if (target?.type === 'identifier') {
    const binding = model.lookup(target.text, target.startIndex);
    const definition = binding?.kind === 'def' ? binding.node.parent : undefined;
    if (definition?.type === 'function_definition') found = definition;
  }
  known.set(call.id, found);
  return found ?? undefined;
}

/** The classes of the components feeding a Gradio callback's parameters (by position). */
function gradioInputs(model: SemanticModel, handler: Handler): Array<InputClass | undefined> {
  if (handler.inputs) return handler.inputs;
  let merged: Array<InputClass | undefined> | undefined;
  for (const call of handler.registrations) {
    const args = arguments_(call.childForFieldName('arguments'));
    const given = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'fn')?.childForFieldName('value');
    const inputs = args
      .find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'inputs')
      ?.childForFieldName('value');
    const positional = args.filter((a) => a.type !== 'keyword_argument');
    const classes = inputClasses(model, inputs ?? (given ? positional[0] : positional[1])) ?? [];
    // Registered more than once with different components: the least checked one counts.
    merged = merged ? classes.map((c, i) => (c === merged![i] ? c : 'data')) : classes;
  }
  return (handler.inputs = merged ?? []);
}

/** The route decorator calls on a definition (`@app.post("/x")` of a web framework's app or router). */
function routeDecorators(model: SemanticModel, definition: Node): Node[] {
  const decorated = definition.parent;
  if (decorated?.type !== 'decorated_definition' || decorated.childForFieldName('definition')?.id !== definition.id) return [];
  const packages = fileFacts(model).packages;
  const found: Node[] = [];
  for (const decorator of decorated.namedChildren) {
    if (decorator?.type !== 'decorator') continue;
    const call = decorator.namedChildren.find((n) => n?.type === 'call');
    const fn = call?.childForFieldName('function');
    if (!call || fn?.type !== 'attribute' || !ROUTE_METHODS.has(fn.childForFieldName('attribute')?.text ?? '')) continue;
    const owner = root(model.qualifiedName(fn.childForFieldName('object')!));
    // An app or router made elsewhere (`bp`, `router` from another module) in a web file counts.
    if (owner === undefined || WEB_PACKAGES.includes(owner) || !packages.has(owner)) found.push(call);
  }
  return found;
}

/**
 * The route handlers of the file, in the order of their route decorators (a function Gradio
 * registers before its decorator is not one: it is a Gradio callback).
 */
function findRoutes(model: SemanticModel, known: FileFacts): Node[] {
  if (!WEB_PACKAGES.some((p) => known.packages.has(p))) return [];
  const found: Array<{ at: number; definition: Node }> = [];
  const seen = new Set<number>();
  const root = model.tree.rootNode;
  for (const method of ROUTE_METHODS)
    for (const at of wordOffsets(model.text, method)) {
      const id = root.descendantForIndex(at, at + method.length);
      if (id?.type !== 'identifier' || id.startIndex !== at || id.parent?.type !== 'attribute') continue;
      const call = id.parent.parent;
      if (call?.type !== 'call' || call.parent?.type !== 'decorator') continue;
      const definition = call.parent.parent?.childForFieldName('definition');
      if (definition?.type !== 'function_definition' || seen.has(definition.id)) continue;
      if (!routeDecorators(model, definition).some((d) => d.id === call.id)) continue;
      const handler = handlerOf(model, definition);
      // The first route decorator counts, unless Gradio registered the function before it.
      const registered = handler?.role === 'gradio' && handler.registrations.some((r) => r.startIndex < call.startIndex);
      seen.add(definition.id);
      if (!registered) found.push({ at: call.startIndex, definition });
    }
  return found.sort((a, b) => a.at - b.at).map((f) => f.definition);
}

/** The qualified name of a parameter's annotation, or its text when it does not resolve. */
function annotationOf(model: SemanticModel, id: Node): { name: string; node: Node } | undefined {
  const param = id.parent;
  if (!param || (param.type !== 'typed_parameter' && param.type !== 'typed_default_parameter')) return undefined;
  const type = param.childForFieldName('type');
  if (!type) return undefined;
  const inner = type.namedChildren[0] ?? type;
  const base = inner.type === 'generic_type' || inner.type === 'subscript' ? (inner.namedChildren[0] ?? inner) : inner;
  return { name: model.qualifiedName(base) ?? base.text, node: inner };
}

function isMethodSelf(definition: Node, index: number): boolean {
  if (index !== 0) return false;
  for (let n = definition.parent; n; n = n.parent) {
    if (n.type === 'class_definition') return true;
    if (n.type === 'function_definition' || n.type === 'module') return false;
  }
  return false;
}

/**
 * Annotations of a serving framework's parameters that hold data nothing has checked the shape or
 * values of (an array, a tensor, a data frame, an image), where a class would otherwise count as
 * validated. BentoML checks `Annotated[np.ndarray, Shape(...), DType(...)]`, which is not these.
 */
const SERVING_DATA_TYPES =
  /^(?:numpy\.ndarray|numpy\.array|torch\.Tensor|pandas\.DataFrame|pandas\.Series|PIL\.Image\.Image|PIL\.Image|starlette\.requests\.Request|fastapi\.Request)$/;
/** Annotations of an uploaded file the framework stored itself (BentoML's `Path` parameters). */
const SERVING_PATH_TYPES = new Set(['pathlib.Path', 'pathlib.PurePath']);
/** BentoML's legacy input descriptors that check what they are given (`JSON(pydantic_model=M)`, shapes enforced). */
const VALIDATING_DESCRIPTOR = /\b(?:pydantic_model|enforce_shape|enforce_dtype)\s*=\s*(?!None\b|False\b)/;

/** True when an annotation names `pathlib.Path`, itself or through an alias assigned in the file (one level). */
function namesPath(model: SemanticModel, annotation: Node, depth = 0): boolean {
  for (const id of annotation.type === 'identifier' ? [annotation] : annotation.descendantsOfType('identifier')) {
    if (!id) continue;
    if (SERVING_PATH_TYPES.has(model.qualifiedName(id) ?? '')) return true;
    const binding = depth === 0 ? model.lookup(id.text, id.startIndex) : undefined;
    if (binding?.kind === 'assign' && binding.value && namesPath(model, binding.value, 1)) return true;
  }
  return false;
}

/** "the LitServe request `request`", for messages. */
function servingLabel(role: ServingRole, id: Node, what = 'request'): string {
  return `the ${role.framework} ${what} \`${id.text}\``;
}

/**
 * The source a parameter of a serving framework's handler is (servingRoleOf), or undefined when
 * it is none; null when the function is no serving handler (the web and Gradio rules then apply).
 */
function servingParameter(model: SemanticModel, id: Node, definition: Node, flow: Flow): Source | undefined | null {
  const role = servingRoleOf(model, definition);
  if (!role) return null;
  const names = parameterNames(definition);
  const index = names.indexOf(id.text);
  const first = isMethodSelf(definition, 0) ? 1 : 0;
  if (index < first) return undefined;
  const request = (what = 'request', weak = false, madePath = false): Source => ({
    kind: 'request',
    node: id,
    label: servingLabel(role, id, what),
    ...(weak ? { weak } : {}),
    ...(madePath ? { madePath } : {}),
  });
  switch (role.stage) {
    case 'encode':
      return undefined;
    case 'predict': {
      if (index !== first) return undefined;
      const stages = role.stages!;
      // Without a decoding stage the framework hands the request over as the caller sent it.
      if (!stages.decode) return request();
      // What the decoding stage returns, one level: the request's sources that reach its returns.
      const found = ownDescendants(stages.decode, 'return_statement').flatMap((r) =>
        flow.sources(r.namedChildren.find((n) => !!n && n.type !== 'comment')).filter((s) => s.kind === 'request'),
      );
      if (found.length === 0) return undefined;
      // Where the request enters (the decoding stage's parameter, as a rule), named with the way it came.
      return {
        kind: 'request',
        node: found[0].node,
        label: `${found[0].label}, which \`${stages.table.decode}\` passes to \`${stages.table.predict}\` as \`${id.text}\``,
        ...(found.every((s) => s.weak) ? { weak: true } : {}),
      };
    }
    case 'decode':
    case 'endpoint': {
      if (role.validated || (!role.everyParameter && index !== first)) return undefined;
      if (role.input) {
        // BentoML's legacy descriptors: `Text()` is text, a pydantic model or an enforced shape is checked.
        const descriptor = role.input.type === 'call' ? role.input.childForFieldName('function') : role.input;
        const kind = descriptor ? model.qualifiedName(descriptor) : undefined;
        if (VALIDATING_DESCRIPTOR.test(role.input.text)) return undefined;
        if (kind && /^bentoml\.(?:io\.)?Text$/.test(kind)) return request('request', true);
        return request();
      }
      const annotation = annotationOf(model, id);
      if (!annotation) return request('request', !!role.untypedText);
      const name = annotation.name;
      if (SCALAR_TYPES.has(name) || name.startsWith('bentoml.')) return undefined;
      if (SERVING_DATA_TYPES.test(name) || REQUEST_TYPES.has(name)) return request();
      // A file BentoML stored itself (`Path`, `list[Path]`, an alias of `Annotated[Path, ...]`).
      if (SERVING_PATH_TYPES.has(name) || namesPath(model, annotation.node)) return request('upload', true, true);
      const typedElements =
        /\[/.test(annotation.node.text) && annotation.node.descendantsOfType('identifier').every((n) => !!n && TYPED_ELEMENTS.has(n.text));
      if (name === 'str' || name === 'builtins.str' || typedElements) return request('request', true);
      // A class (a pydantic model, a dataclass) validates what the framework builds it from.
      if (!UNVALIDATED_TYPES.test(annotation.node.text) && !UNVALIDATED_TYPES.test(name)) return undefined;
      return request();
    }
  }
}

/** The source a handler's parameter is, if any. */
function handlerParameter(model: SemanticModel, id: Node, definition: Node, flow: Flow): Source | undefined {
  const serving = servingParameter(model, id, definition, flow);
  if (serving !== null) return serving;
  const annotation = annotationOf(model, id);
  if (annotation && REQUEST_TYPES.has(annotation.name)) {
    return { kind: 'request', node: id, label: `the request parameter \`${id.text}\`` };
  }
  if (definition.type !== 'function_definition') return undefined;
  const handler = handlerOf(model, definition);
  if (!handler) return undefined;
  const role = handler.role;
  const index = parameterNames(definition).indexOf(id.text);
  if (index < 0 || isMethodSelf(definition, index)) return undefined;
  if (annotation) {
    const name = annotation.name;
    if (SCALAR_TYPES.has(name)) return undefined;
    // gr.Request, gr.Progress and the like are framework objects, not the user's input.
    if (name.startsWith('gradio.')) return undefined;
    // `list[list[float]]`, `dict[str, int]`: the framework checks the element types, not bounds.
    const typedElements =
      /\[/.test(annotation.node.text) && annotation.node.descendantsOfType('identifier').every((n) => !!n && TYPED_ELEMENTS.has(n.text));
    const text = name === 'str' || name === 'builtins.str' || typedElements;
    // A class (a pydantic model, a dataclass, a TypedDict) validates what it is built from.
    if (!text && !UNVALIDATED_TYPES.test(annotation.node.text) && !UNVALIDATED_TYPES.test(name)) return undefined;
    if (text) return { kind: role === 'gradio' ? 'ui' : 'request', node: id, label: describe(role, id), weak: true };
  } else if (role === 'route') {
    // Flask passes path variables (`<name>`) as text; FastAPI reads an untyped parameter as text.
    return { kind: 'request', node: id, label: describe(role, id), weak: true };
  }
  const defaultValue = id.parent?.childForFieldName('value');
  if (
    role === 'gradio' &&
    defaultValue?.type === 'call' &&
    root(model.qualifiedName(defaultValue.childForFieldName('function')!)) === 'gradio'
  )
    return undefined;
  if (role === 'gradio') {
    // A component's value is converted by Gradio: text, a choice, or a file it stored itself.
    const offset = isMethodSelf(definition, 0) ? 1 : 0;
    const kind = gradioInputs(model, handler)[index - offset];
    // One of the choices the app offers, or a number within its bounds: Gradio rejects anything
    // else before the callback runs (`Dropdown`, `Radio`, `CheckboxGroup`, `Slider`, `Number`).
    if (kind === 'choice') return undefined;
    if (kind === 'text') return { kind: 'ui', node: id, label: describe(role, id), weak: true };
    if (kind === 'file') return { kind: 'ui', node: id, label: describe(role, id), weak: true, madePath: true };
  }
  return { kind: role === 'gradio' ? 'ui' : 'request', node: id, label: describe(role, id) };
}

function describe(role: 'route' | 'gradio', id: Node): string {
  return role === 'gradio' ? `the Gradio input \`${id.text}\`` : `the request parameter \`${id.text}\``;
}

/** True when the expression is a parameter called `request` of a Django/DRF view. */
function isDjangoRequest(model: SemanticModel, object: Node): boolean {
  if (object.type !== 'identifier' || object.text !== 'request') return false;
  const packages = fileFacts(model).packages;
  if (!packages.has('django') && !packages.has('rest_framework')) return false;
  return model.lookup(object.text, object.startIndex)?.kind === 'param';
}

/**
 * `self` in a method of a class derived from one of the standard library's HTTP request handlers
 * (`class Handler(BaseHTTPRequestHandler)`): its request attributes are what the client sent.
 */
function isHandlerSelf(model: SemanticModel, object: Node): boolean {
  if (object.type !== 'identifier') return false;
  const binding = model.lookup(object.text, object.startIndex);
  if (binding?.kind !== 'param') return false;
  let definition: Node | null = object.parent;
  while (definition && definition.type !== 'function_definition') definition = definition.parent;
  const first = definition?.childForFieldName('parameters')?.namedChildren[0];
  if (!definition || first?.type !== 'identifier' || first.text !== object.text) return false;
  const body = definition.parent?.type === 'decorated_definition' ? definition.parent.parent : definition.parent;
  const cls = body?.parent;
  if (body?.type !== 'block' || cls?.type !== 'class_definition') return false;
  for (const base of cls.childForFieldName('superclasses')?.namedChildren ?? []) {
    const name = base ? model.qualifiedName(base) : undefined;
    if (name && HTTP_HANDLER_CLASSES.has(name)) return true;
  }
  return false;
}

function short(node: Node): string {
  const text = node.text.replace(/\s+/g, ' ');
  return text.length > 50 ? text.slice(0, 49) + '…' : text;
}

/** The LLM call an expression is, if it is one. */
export function llmCall(model: SemanticModel, call: Node, callee: string | undefined): Source | undefined {
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  const packages = fileFacts(model).packages;
  if (callee && LLM_COMPLETIONS.includes(callee)) return { kind: 'llm', node: call, label: `the LiteLLM answer \`${short(fn)}(...)\`` };
  if (fn.type !== 'attribute') {
    // A transformers pipeline called on text returns generated text.
    if (callee === 'transformers.pipeline' + CALL_RESULT_SUFFIX)
      return { kind: 'llm', node: call, label: `the pipeline output \`${short(fn)}(...)\`` };
    return undefined;
  }
  const text = fn.text.replace(/\s+/g, '');
  for (const client of LLM_CLIENT_METHODS) {
    if (!packages.has(client.package)) continue;
    const resolvedRoot = root(callee);
    if ((resolvedRoot === undefined || resolvedRoot === client.package) && client.ending.test('.' + text))
      return { kind: 'llm', node: call, label: `the ${client.label} answer \`${short(fn)}(...)\`` };
  }
  const method = fn.childForFieldName('attribute')?.text ?? '';
  const receiver = fn.childForFieldName('object');
  if (LANGCHAIN_METHODS.has(method) && receiver) {
    const name = model.qualifiedName(receiver);
    if (name && /^langchain(?:_[a-z0-9]+)?\./.test(name))
      return { kind: 'llm', node: call, label: `the LangChain answer \`${short(fn)}(...)\`` };
    if (!name && isLangChainPipe(model, receiver)) return { kind: 'llm', node: call, label: `the LangChain answer \`${short(fn)}(...)\`` };
  }
  if (GENERATION_METHODS.has(method) && (packages.has('transformers') || packages.has('vllm')))
    return { kind: 'llm', node: call, label: `the generated output \`${short(fn)}(...)\`` };
  return undefined;
}

/** `chain = prompt | llm` where one side is a LangChain object. */
function isLangChainPipe(model: SemanticModel, receiver: Node): boolean {
  let value: Node | undefined = receiver;
  if (value.type === 'identifier') {
    const binding = model.lookup(value.text, value.startIndex);
    value = binding?.kind === 'assign' ? binding.value : undefined;
  }
  if (value?.type !== 'binary_operator' || value.childForFieldName('operator')?.text !== '|') return false;
  for (const side of value.descendantsOfType(['identifier', 'call']).slice(0, 16)) {
    if (!side) continue;
    const name = side.type === 'call' ? model.qualifiedName(side.childForFieldName('function')!) : model.qualifiedName(side);
    if (name && /^langchain(?:_[a-z0-9]+)?\./.test(name)) return true;
  }
  return false;
}

/** Sources of untrusted data: requests, UI inputs, the command line, LLM answers. */
export const UNTRUSTED: FlowSpec = {
  source(node: Node, flow: Flow): Source | undefined {
    const model = flow.model;
    switch (node.type) {
      case 'identifier': {
        const name = model.qualifiedName(node);
        if (name === 'sys.argv' && node.text !== 'sys') return { kind: 'cli', node, label: '`sys.argv`' };
        return undefined;
      }
      case 'attribute': {
        const object = node.childForFieldName('object');
        const attribute = node.childForFieldName('attribute')?.text ?? '';
        if (!object) return undefined;
        if (DJANGO_REQUEST_ATTRIBUTES.has(attribute) && isDjangoRequest(model, object))
          return { kind: 'request', node, label: `\`${short(node)}\`` };
        if (HTTP_HANDLER_ATTRIBUTES.has(attribute) && isHandlerSelf(model, object))
          return { kind: 'request', node, label: `\`${short(node)}\` of an \`http.server\` handler` };
        if (!FLASK_REQUEST_ATTRIBUTES.has(attribute) && attribute !== 'argv') return undefined;
        const name = model.qualifiedName(node);
        if (name === 'sys.argv') return { kind: 'cli', node, label: '`sys.argv`' };
        if (name === `flask.request.${attribute}` || name === `quart.request.${attribute}`)
          return { kind: 'request', node, label: `\`${short(node)}\`` };
        return undefined;
      }
      case 'call': {
        const fn = node.childForFieldName('function');
        if (!fn) return undefined;
        const callee = model.qualifiedName(fn);
        if (callee && CLI_SOURCES.has(callee) && fn.type === 'identifier') return { kind: 'cli', node, label: `\`${short(fn)}()\`` };
        if (callee) {
          const dot = callee.lastIndexOf('.');
          const last = callee.slice(dot + 1);
          const owner = callee.slice(0, dot);
          if ((owner === 'flask.request' || owner === 'quart.request') && FLASK_REQUEST_METHODS.has(last))
            return { kind: 'request', node, label: `\`${short(node)}\`` };
          if (owner === 'streamlit' && STREAMLIT_INPUTS.has(last))
            // Typed text is untrusted but not an unvalidated structure (as a Gradio Textbox's).
            return { kind: 'ui', node, label: `the Streamlit input \`${short(fn)}(...)\``, weak: STREAMLIT_TEXT.has(last) };
        }
        return llmCall(model, node, callee);
      }
      default:
        return undefined;
    }
  },
  parameterSource(id: Node, definition: Node, flow: Flow): Source | undefined {
    return handlerParameter(flow.model, id, definition, flow);
  },
};

/** Calls that produce class probabilities, scores or logits: what confidence-exposure follows. */
export const CONFIDENCE_METHODS = new Set(['predict_proba', 'predict_log_proba', 'decision_function', 'softmax', 'log_softmax']);
export const CONFIDENCE_FUNCTIONS = new Set([
  'torch.softmax',
  'torch.nn.functional.softmax',
  'torch.nn.functional.log_softmax',
  'torch.sigmoid',
  'scipy.special.softmax',
  'scipy.special.expit',
  'tensorflow.nn.softmax',
  'jax.nn.softmax',
]);
/** Attributes of a model's output that are raw scores. */
export const CONFIDENCE_ATTRIBUTES = new Set(['logits']);
/** Reductions that keep only the label (what should be returned instead). */
const LABEL_METHODS = new Set(['argmax', 'argmin', 'argsort', 'topk', 'max', 'round', 'item']);

/** Sources of raw model confidences; rounding, `argmax` and unknown calls end them. */
export const CONFIDENCE: FlowSpec = {
  source(node: Node, flow: Flow): Source | undefined {
    if (node.type === 'attribute') {
      const attribute = node.childForFieldName('attribute')?.text ?? '';
      if (CONFIDENCE_ATTRIBUTES.has(attribute)) return { kind: 'confidence', node, label: `\`${short(node)}\`` };
      return undefined;
    }
    if (node.type !== 'call') return undefined;
    const fn = node.childForFieldName('function');
    if (!fn) return undefined;
    const callee = flow.model.qualifiedName(fn);
    if (callee && CONFIDENCE_FUNCTIONS.has(callee)) return { kind: 'confidence', node, label: `\`${short(fn)}(...)\`` };
    // A BentoML runner's score method: `runner.predict_proba.run(x)` (bentoRemote.ts).
    const remote = fn.type === 'attribute' ? bentoRemoteCall(flow.model, node) : undefined;
    if (remote?.method && CONFIDENCE_METHODS.has(remote.method)) return { kind: 'confidence', node, label: `\`${short(fn)}(...)\`` };
    if (fn.type === 'attribute') {
      const method = fn.childForFieldName('attribute')?.text ?? '';
      // `F.softmax` of an unresolved `F` and `logits.softmax(-1)` both count.
      if (
        CONFIDENCE_METHODS.has(method) &&
        !(callee && !callee.includes(CALL_RESULT_SUFFIX) && !CONFIDENCE_FUNCTIONS.has(callee) && importRooted(flow.model, fn))
      )
        return { kind: 'confidence', node, label: `\`${short(fn)}(...)\`` };
    }
    return undefined;
  },
  /**
   * The output parameter of a serving class's encoding stage (`encode_response(self, output)`,
   * KServe's `postprocess`) holds what its `predict` returns, one level.
   */
  parameterSource(id: Node, definition: Node, flow: Flow): Source | undefined {
    const role = servingRoleOf(flow.model, definition);
    const predict = role?.stage === 'encode' ? role.stages?.predict : undefined;
    if (!predict || parameterNames(definition).indexOf(id.text) !== 1) return undefined;
    for (const statement of ownDescendants(predict, 'return_statement')) {
      const found = flow.sources(statement.namedChildren.find((n) => !!n && n.type !== 'comment'));
      if (found.length > 0) return found[0];
    }
    return undefined;
  },
  call(_call: Node, callee: string | undefined): Taint | undefined {
    if (callee === 'numpy.round' || callee === 'numpy.around' || callee === 'numpy.argmax' || callee === 'torch.argmax') return [];
    return undefined;
  },
  cleanMethods: LABEL_METHODS,
};

/** True when an attribute's object resolves to an imported module (`np.softmax` is not a model's). */
function importRooted(model: SemanticModel, fn: Node): boolean {
  let object = fn.childForFieldName('object');
  while (object?.type === 'attribute') object = object.childForFieldName('object');
  if (object?.type !== 'identifier') return false;
  return model.lookup(object.text, object.startIndex)?.kind === 'import';
}
