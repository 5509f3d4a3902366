/**
 * Where data must not arrive unchecked: code execution, shells, SQL, deserialisation, file paths,
 * unescaped HTML and model inference. Tables of qualified names (resolved through the semantic
 * model, so `from os import system as run` is `os.system`) and of method names for the calls made
 * on objects the file does not name (`cursor.execute`, `model.predict`).
 */
import { CallSite } from '../callSite';
import { bentoRemoteCall } from './bentoRemote';
import { kserveDelegateCall } from './serving';
import type { Node } from '../parser';
import type { SemanticModel } from '../semantic';
import { CALL_RESULT_SUFFIX } from '../semantic';
import { identifierOccurrences } from '../textScan';
import { knownOccurrences } from './reach';

export type SinkKind = 'code' | 'shell' | 'sql' | 'deserialize' | 'path' | 'html' | 'model';

export interface Sink {
  kind: SinkKind;
  call: Node;
  /** The arguments whose value must not be untrusted. */
  arguments: Node[];
  /** How the call is written, for messages. */
  spelled: string;
}

const builtin = (name: string) => [name, `builtins.${name}`];

export const CODE_SINKS = new Set([...builtin('eval'), ...builtin('exec'), ...builtin('compile')]);
export const SHELL_SINKS = new Set(['os.system', 'os.popen', 'posix.system', 'subprocess.getoutput', 'subprocess.getstatusoutput']);
/** Run a shell only with `shell=True`. */
export const SHELL_WHEN_ASKED = new Set([
  'subprocess.run',
  'subprocess.call',
  'subprocess.check_call',
  'subprocess.check_output',
  'subprocess.Popen',
]);
/** Methods of database cursors, connections and sessions that run SQL text. */
export const SQL_METHODS = new Set(['execute', 'executemany', 'executescript']);
export const SQL_FUNCTIONS = new Set([
  'pandas.read_sql',
  'pandas.read_sql_query',
  'sqlalchemy.text',
  'sqlalchemy.sql.text',
  'sqlalchemy.sql.expression.text',
]);
export const DESERIALIZE_SINKS = new Set([
  'pickle.loads',
  'pickle.load',
  '_pickle.loads',
  'dill.loads',
  'dill.load',
  'cloudpickle.loads',
  'cloudpickle.load',
  'torch.load',
  'joblib.load',
  'marshal.loads',
]);
export const PATH_SINKS = new Set([
  ...builtin('open'),
  'io.open',
  'flask.send_file',
  'shutil.rmtree',
  'os.remove',
  'os.unlink',
  'os.rmdir',
  'os.removedirs',
]);
/**
 * `pathlib.Path` methods that read, write or delete the file their receiver names: the receiver
 * (`Path(name)`, `base / name`, a variable holding one) is what must not be untrusted. Names no
 * other common type has, so that `str.replace` or `zipfile.open` are not taken for them.
 */
export const PATH_METHODS = new Set(['read_text', 'read_bytes', 'write_text', 'write_bytes', 'unlink', 'rmdir']);
export const HTML_SINKS = new Set([
  'markupsafe.Markup',
  'flask.Markup',
  'flask.render_template_string',
  'jinja2.Template',
  'streamlit.components.v1.html',
]);
/** `st.markdown(..., unsafe_allow_html=True)` and its siblings. */
export const HTML_WHEN_UNSAFE = new Set(['streamlit.markdown', 'streamlit.write', 'streamlit.caption']);
/** Methods that run a model on their arguments. */
export const INFERENCE_METHODS = new Set([
  'predict',
  'predict_proba',
  'predict_log_proba',
  'decision_function',
  'forward',
  'generate',
  'encode',
]);
/** Calling one of these objects runs the model: `pipe(text)`, `model(x)`. */
const MODEL_MAKERS =
  /^(?:transformers\.pipeline|torch\.nn\.[A-Z]\w*|[\w.]+\.from_pretrained|sentence_transformers\.SentenceTransformer|torch\.jit\.load|onnxruntime\.InferenceSession)\(\)$/;
/** `AutoTokenizer.from_pretrained()` and other preprocessors are not the model. */
const NOT_A_MODEL_MAKER = /(?:Tokenizer\w*|Processor|FeatureExtractor|Config|Scheduler)\.from_pretrained\(\)$/;
/** Receivers whose `encode` is text encoding, not a model (`tokenizer.encode`, `s.encode("utf-8")`). */
const NOT_A_MODEL = /token|codec|base64|json|str|text|encoder$/i;

/** The last names of every sink above: attribute calls named otherwise cannot be sinks. */
export const SINK_NAMES = new Set(
  [
    ...CODE_SINKS,
    ...SHELL_SINKS,
    ...SHELL_WHEN_ASKED,
    ...SQL_METHODS,
    ...SQL_FUNCTIONS,
    ...DESERIALIZE_SINKS,
    ...PATH_SINKS,
    ...PATH_METHODS,
    ...HTML_SINKS,
    ...HTML_WHEN_UNSAFE,
    ...INFERENCE_METHODS,
  ].map((name) => name.slice(name.lastIndexOf('.') + 1)),
);

/** The last names of the sinks other than model inference (found from the text). */
const NON_MODEL_NAMES = new Set(
  [
    ...CODE_SINKS,
    ...SHELL_SINKS,
    ...SHELL_WHEN_ASKED,
    ...SQL_METHODS,
    ...SQL_FUNCTIONS,
    ...DESERIALIZE_SINKS,
    ...PATH_SINKS,
    ...PATH_METHODS,
    ...HTML_SINKS,
    ...HTML_WHEN_UNSAFE,
  ].map((name) => name.slice(name.lastIndexOf('.') + 1)),
);

/**
 * The names a call of a sink other than model inference is written with in `text`: each sink's
 * last name (`system`, `execute`), and the names imported as one (`from os import system as sh`),
 * each with the sinks' last names it may stand for.
 */
export function sinkCallNames(text: string): ReadonlyMap<string, ReadonlySet<string>> {
  // Asked for each flow a plan checks and by the analysis of the same text.
  if (text === namesText) return namesMemo;
  const names = new Map<string, Set<string>>();
  for (const name of NON_MODEL_NAMES) names.set(name, new Set([name]));
  // The import statements, found from the word `import` (matching a pattern at every line start
  // costs more on a long text): each from its line's start to the end of the line, or of its
  // parentheses (`from os import (\n    system as sh,\n)`).
  const known = knownOccurrences(text);
  let after = -1;
  for (const at of known ? known('import') : identifierOccurrences(text, 'import')) {
    if (at < after) continue;
    const start = text.lastIndexOf('\n', at - 1) + 1;
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    if (!IMPORT_START.test(text.slice(start, at + 6))) continue;
    const open = text.indexOf('(', at);
    if (open >= 0 && open < end) {
      const close = text.indexOf(')', open);
      end = close < 0 ? text.length : close;
    }
    after = end;
    for (const alias of text.slice(start, end).matchAll(/\b(\w+)\s+as\s+(\w+)/g))
      if (NON_MODEL_NAMES.has(alias[1])) {
        const known = names.get(alias[2]);
        if (known) known.add(alias[1]);
        else names.set(alias[2], new Set([alias[1]]));
      }
  }
  namesText = text;
  namesMemo = names;
  return names;
}
/** The start of an import statement's line, up to its `import`. */
const IMPORT_START = /^[ \t]*(?:from\s+\S+\s+)?import$/;
let namesText: string | undefined;
let namesMemo: ReadonlyMap<string, ReadonlySet<string>> = new Map();

/**
 * The calls that can be sinks other than model inference, found where their names (or names
 * imported as them: `from os import system as sh`) occur in the text, without visiting every
 * call of the file. In document order.
 */
export function nonModelSinkCalls(model: SemanticModel): Node[] {
  const text = model.text;
  const names = sinkCallNames(text).keys();
  const root = model.tree.rootNode;
  const seen = new Set<number>();
  const found: Node[] = [];
  // Each name searched in the text, unless reach.ts has indexed every name of it already.
  const known = knownOccurrences(text);
  for (const name of names) {
    for (const at of known ? known(name) : identifierOccurrences(text, name)) {
      const id = root.descendantForIndex(at, at + name.length);
      if (id?.type !== 'identifier' || id.startIndex !== at || id.endIndex !== at + name.length) continue;
      let fn: Node = id;
      if (fn.parent?.type === 'attribute' && fn.parent.childForFieldName('attribute')?.id === fn.id) fn = fn.parent;
      const call = fn.parent;
      if (call?.type !== 'call' || call.childForFieldName('function')?.id !== fn.id || seen.has(call.id)) continue;
      seen.add(call.id);
      found.push(call);
    }
  }
  return found.sort((a, b) => a.startIndex - b.startIndex);
}

function truthy(model: SemanticModel, node: Node | undefined): boolean {
  if (!node) return false;
  const value = model.constantValue(node);
  return value ? (value.kind === 'bool' ? value.value : value.kind === 'num' ? value.value !== 0 : false) : true;
}

function spell(call: CallSite): string {
  return call.calleeNode.text.replace(/\s+/g, '');
}

/**
 * The sink a call is, if any. `kinds` limits the question to what the caller wants (a call is
 * resolved only once either way).
 */
export function sinkOf(model: SemanticModel, node: Node, kinds: ReadonlySet<SinkKind>): Sink | undefined {
  const fn = node.childForFieldName('function');
  if (!fn || (fn.type !== 'identifier' && fn.type !== 'attribute')) return undefined;
  // A BentoML runner or a service this one depends on runs a model elsewhere (bentoRemote.ts).
  if (kinds.has('model') && fn.type === 'attribute' && bentoRemoteCall(model, node)) {
    const list = node.childForFieldName('arguments')?.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment') ?? [];
    return list.length > 0 ? { kind: 'model', call: node, arguments: list, spelled: fn.text.replace(/\s+/g, '') } : undefined;
  }
  // Most calls of a file are none of these: an attribute call is resolved only when its name is
  // a sink's (a bare name may be an alias or a model object, so it is always resolved).
  if (fn.type === 'attribute' && !SINK_NAMES.has(fn.childForFieldName('attribute')?.text ?? '')) return undefined;
  // Asked for model inference only, a bare name is a sink when it holds a model object: assigned.
  if (fn.type === 'identifier' && !kinds.has('code') && model.lookup(fn.text, fn.startIndex)?.kind !== 'assign') return undefined;
  const call = new CallSite(node, model);
  const callee = call.callee;
  const method = fn.type === 'attribute' ? call.methodName : undefined;
  const first = (name: string, position = 0) => {
    const arg = call.argument(name, position);
    return arg ? [arg.value] : [];
  };
  const sink = (kind: SinkKind, args: Node[]): Sink | undefined =>
    kinds.has(kind) && args.length > 0 ? { kind, call: node, arguments: args, spelled: spell(call) } : undefined;
  if (callee) {
    if (CODE_SINKS.has(callee)) return sink('code', first('source'));
    if (SHELL_SINKS.has(callee)) return sink('shell', first(callee.endsWith('popen') || callee.endsWith('system') ? 'command' : 'cmd'));
    if (SHELL_WHEN_ASKED.has(callee))
      return truthy(model, call.keywords.get('shell')?.value) && call.keywords.has('shell') ? sink('shell', first('args')) : undefined;
    if (SQL_FUNCTIONS.has(callee)) return sink('sql', first(callee.startsWith('pandas') ? 'sql' : 'text'));
    if (DESERIALIZE_SINKS.has(callee)) return sink('deserialize', first(callee.endsWith('loads') ? 'data' : 'f'));
    if (PATH_SINKS.has(callee))
      return sink('path', first(callee.includes('send_file') ? 'path_or_file' : callee.includes('open') ? 'file' : 'path'));
    if (HTML_SINKS.has(callee)) return sink('html', first('source'));
    if (HTML_WHEN_UNSAFE.has(callee))
      return truthy(model, call.keywords.get('unsafe_allow_html')?.value) && call.keywords.has('unsafe_allow_html')
        ? sink('html', first('body'))
        : undefined;
  }
  if (method && SQL_METHODS.has(method)) {
    // A module's own function (`sqlite3.execute` does not exist; `conn.execute` does).
    if (callee && !callee.includes(CALL_RESULT_SUFFIX) && isImportPath(model, fn)) return undefined;
    return sink('sql', first('sql'));
  }
  if (method && PATH_METHODS.has(method) && kinds.has('path')) {
    // `Path(name).read_text()`: the receiver names the file (a module's function is not a path).
    const receiver = fn.childForFieldName('object');
    if (!receiver || receiver.type === 'string' || isImportPath(model, fn)) return undefined;
    return { kind: 'path', call: node, arguments: [receiver], spelled: `Path.${method}` };
  }
  if (kinds.has('model')) {
    if (method && INFERENCE_METHODS.has(method)) {
      const receiver = fn.childForFieldName('object');
      if (!receiver || receiver.type === 'string' || isImportPath(model, fn)) return undefined;
      // `encode` runs a model only for sentence-transformers style encoders.
      if (method === 'encode' && (NOT_A_MODEL.test(receiver.text) || !model.importedPackages().includes('sentence_transformers')))
        return undefined;
      // A KServe wrapper handing the request to a delegate model's handler (serving.ts).
      if (kserveDelegateCall(model, node, enclosingDefinition(node))) return undefined;
      return sink('model', allArguments(call));
    }
    if (callee && MODEL_MAKERS.test(callee) && !NOT_A_MODEL_MAKER.test(callee)) return sink('model', allArguments(call));
    if (fn.type === 'identifier' && isLocalModule(model, fn)) return sink('model', allArguments(call));
  }
  return undefined;
}

function allArguments(call: CallSite): Node[] {
  const list = call.argumentList?.namedChildren ?? [];
  return list.filter((n): n is Node => !!n && n.type !== 'comment');
}

/** True when an attribute's object is an imported module or one of its attributes (`codecs.encode`). */
function isImportPath(model: SemanticModel, fn: Node): boolean {
  let object = fn.childForFieldName('object');
  while (object?.type === 'attribute') object = object.childForFieldName('object');
  if (object?.type !== 'identifier') return false;
  const name = model.qualifiedName(fn);
  return model.lookup(object.text, object.startIndex)?.kind === 'import' && !!name && !name.includes(CALL_RESULT_SUFFIX);
}

/** `net(x)` where `net = Net()` and `class Net(nn.Module)` is defined in this file. */
function isLocalModule(model: SemanticModel, fn: Node): boolean {
  const binding = model.lookup(fn.text, fn.startIndex);
  const made = binding?.kind === 'assign' ? binding.value : undefined;
  const maker = made?.type === 'call' ? made.childForFieldName('function') : undefined;
  if (maker?.type !== 'identifier') return false;
  const cls = model.lookup(maker.text, maker.startIndex);
  const definition = cls?.kind === 'class' ? cls.node.parent : undefined;
  if (definition?.type !== 'class_definition') return false;
  for (const base of definition.childForFieldName('superclasses')?.namedChildren ?? []) {
    const name = base ? model.qualifiedName(base) : undefined;
    if (
      name === 'torch.nn.Module' ||
      name === 'torch.nn.modules.module.Module' ||
      name === 'pytorch_lightning.LightningModule' ||
      name === 'lightning.LightningModule'
    )
      return true;
  }
  return false;
}

/** The function a node is in (the innermost), if any. */
function enclosingDefinition(node: Node): Node | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'function_definition') return n;
    if (n.type === 'lambda' || n.type === 'class_definition') return undefined;
  }
  return undefined;
}
