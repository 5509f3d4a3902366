/**
 * BentoML's handles that run a model somewhere else: the runners of BentoML before 1.2
 * (`runner = bentoml.sklearn.get("iris:latest").to_runner()`, `bentoml.models.get(...)`,
 * `bentoml.Runner(MyRunnable)`), called as `runner.predict.run(x)`,
 * `await runner.predict.async_run(x)`, `runner.run(x)` or `runner.async_run(x)`; and in 1.2+ the
 * services a service depends on (`other = bentoml.depends(Other)` in the class body), whose
 * methods are called as `self.other.classify(x)` or `await self.other.to_async.classify(x)`.
 * Each is model inference for MLS801 (sinks.ts), and a runner's `predict_proba` (or another score
 * method) gives raw scores for MLS407 (sources.ts).
 *
 * Resolved through the semantic model: a runner is a name whose value it resolves to one of
 * those calls (`runner` assigned in the module or the function, through aliases of `bentoml`), a
 * dependency a class attribute assigned `bentoml.depends(...)` read through the method's `self`.
 * A `run` method of anything else (`subprocess.run`, a LangChain chain) is none of these.
 */
import type { Node } from '../parser';
import type { SemanticModel } from '../semantic';
import { classAround } from './methods';

/** The callee of a runner's call, as the semantic model resolves it; group 1: the runner method (`predict`), if written. */
const RUNNER_CALL = /^bentoml\.(?:[\w.]+\(\)\.to_runner\(\)|(?:legacy\.)?Runner\(\))(?:\.(\w+))?\.(?:run|async_run)$/;
/** The words a text calling a runner or a dependency holds (sinkReach.ts, words.ts). */
export const BENTO_REMOTE_WORDS = ['to_runner', 'Runner', 'depends'];

/** A call of a BentoML runner or of a service this one depends on: what it runs, for messages. */
export interface RemoteInference {
  /** `runner`'s method (`predict`), when the call names one. */
  method?: string;
  dependency: boolean;
}

/**
 * Whether each model's file imports bentoml: asked for every call that may be a model sink
 * (every call of a file whose closure was given up as dense), and importedPackages makes a new
 * sorted list each time (in h2oGPT's `openai_server/server.py`, about 14 ms of a scan).
 */
const importsBento = new WeakMap<SemanticModel, boolean>();

/** The BentoML runner or dependency a call runs, if any. */
export function bentoRemoteCall(model: SemanticModel, call: Node): RemoteInference | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'attribute') return undefined;
  let bento = importsBento.get(model);
  if (bento === undefined) importsBento.set(model, (bento = model.importedPackages().includes('bentoml')));
  if (!bento) return undefined;
  const method = fn.childForFieldName('attribute')?.text ?? '';
  if (method === 'run' || method === 'async_run') {
    const callee = model.qualifiedName(fn);
    const match = callee ? RUNNER_CALL.exec(callee) : null;
    if (match) return { method: match[1], dependency: false };
  }
  return dependencyOf(model, fn) ? { method, dependency: true } : undefined;
}

/**
 * True when `fn` is `self.other.method` or `self.other.to_async.method` (`to_sync` too) in a
 * method of a class whose body assigns `other = bentoml.depends(...)`.
 */
function dependencyOf(model: SemanticModel, fn: Node): boolean {
  let handle = fn.childForFieldName('object');
  const through = handle?.type === 'attribute' ? handle.childForFieldName('attribute')?.text : undefined;
  if (handle?.type === 'attribute' && (through === 'to_async' || through === 'to_sync')) {
    const inner = handle.childForFieldName('object');
    if (inner?.type === 'attribute' && inner.childForFieldName('object')?.type === 'identifier') handle = inner;
  }
  if (handle?.type !== 'attribute') return false;
  const self = handle.childForFieldName('object');
  const name = handle.childForFieldName('attribute')?.text;
  if (self?.type !== 'identifier' || !name) return false;
  const binding = model.lookup(self.text, self.startIndex);
  if (binding?.kind !== 'param') return false;
  let method: Node | null = binding.node.parent;
  for (let hops = 0; method && method.type !== 'function_definition' && hops < 4; hops++) method = method.parent;
  if (method?.type !== 'function_definition') return false;
  const first = method.childForFieldName('parameters')?.namedChildren.find((p) => !!p && p.type !== 'comment');
  if (first?.id !== binding.node.id) return false;
  const cls = classAround(method);
  for (const statement of cls?.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.text !== name) continue;
    const value = assignment.childForFieldName('right');
    const callee = value?.type === 'call' ? value.childForFieldName('function') : undefined;
    if (callee && model.qualifiedName(callee) === 'bentoml.depends') return true;
  }
  return false;
}
