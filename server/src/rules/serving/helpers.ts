/** MLS4xx: serving and deployment exposure. */
import type { CallSite } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import type { SemanticModel } from '../../engine/semantic';
import { CALL_RESULT_SUFFIX } from '../../engine/semantic';
import { importsAny, receiverName, receiverNode } from '../support';

// Which object a `.run()` / `.launch()` is called on.
/** Flask-based apps whose `run(debug=True)` starts the Werkzeug debugger. */
export const FLASK_APPS: Record<string, 'flask' | 'dash' | 'socketio'> = {
  'flask.Flask()': 'flask',
  'dash.Dash()': 'dash',
  'flask_socketio.SocketIO()': 'socketio',
};

/** Libraries whose objects have a `.run()` of their own: a receiver made by one is not a Flask app. */
export const OTHER_RUNNERS = new Set([
  'aiohttp',
  'anyio',
  'asyncio',
  'celery',
  'django',
  'docker',
  'fabric',
  'fastapi',
  'gradio',
  'gunicorn',
  'http',
  'hypercorn',
  'invoke',
  'luigi',
  'mlflow',
  'multiprocessing',
  'pytest',
  'quart',
  'ray',
  'sanic',
  'sched',
  'socketserver',
  'streamlit',
  'subprocess',
  'tensorflow',
  'threading',
  'tornado',
  'trio',
  'unittest',
  'uvicorn',
  'waitress',
]);

/**
 * The kind of Flask-style app a `.run()` call starts: a resolved Flask, Dash or Flask-SocketIO
 * instance; or, in a file that imports flask, a receiver that is not known to be something else
 * (`self.app`, a parameter, `create_app()` or `app` imported from the project's own package): the
 * application-factory pattern hides the `Flask(...)` call in another function or module. A
 * receiver made by the flask family itself or by another library with a `.run()` (subprocess,
 * uvicorn, TensorFlow, threading...) is judged by what it is.
 */
export function flaskRun(call: CallSite, model: SemanticModel): 'flask' | 'dash' | 'socketio' | 'unresolved' | undefined {
  if (call.methodName !== 'run' && call.methodName !== 'run_server') return undefined;
  const receiver = receiverNode(call);
  if (!receiver) return undefined;
  const name = receiverName(model, receiver);
  if (name === undefined) {
    // An instance of a class defined in this file is a Flask app only if the class extends one.
    const bases = localClassBases(model, receiver);
    if (bases) {
      for (const base of bases) if (FLASK_APPS[base + CALL_RESULT_SUFFIX]) return FLASK_APPS[base + CALL_RESULT_SUFFIX];
      return undefined;
    }
  } else {
    const known = FLASK_APPS[name];
    if (known) return known;
    const root = name.split('.')[0];
    if (OTHER_RUNNERS.has(root) || root === 'flask' || root === 'dash' || root === 'flask_socketio') return undefined;
  }
  return call.methodName === 'run' && importsAny(model, ['flask']) ? 'unresolved' : undefined;
}

/**
 * For `Job()` or a name bound to `Job()` where `Job` is a class defined in this file, the
 * qualified names of its base classes (unknown bases are left out); undefined for anything else.
 */
export function localClassBases(model: SemanticModel, receiver: Node): string[] | undefined {
  let made: Node | undefined = receiver;
  if (made.type === 'identifier') {
    const binding = model.lookup(made.text, made.startIndex);
    made = binding?.kind === 'assign' ? binding.value : undefined;
  }
  const fn = made?.type === 'call' ? made.childForFieldName('function') : null;
  if (fn?.type !== 'identifier') return undefined;
  const binding = model.lookup(fn.text, fn.startIndex);
  const definition = binding?.kind === 'class' ? binding.node.parent : null;
  if (definition?.type !== 'class_definition') return undefined;
  const bases: string[] = [];
  for (const base of definition.childForFieldName('superclasses')?.namedChildren ?? []) {
    const name = base && base.type !== 'keyword_argument' ? model.qualifiedName(base) : undefined;
    if (name) bases.push(name);
  }
  return bases;
}

/** True when a `.launch()` call is made on a Gradio app, or on an unnamed receiver in a Gradio file. */
export function isGradioLaunch(call: CallSite, model: SemanticModel): boolean {
  if (call.methodName !== 'launch') return false;
  const receiver = receiverNode(call);
  if (!receiver) return false;
  const name = receiverName(model, receiver);
  if (name !== undefined) return name.startsWith('gradio.') && name.includes(CALL_RESULT_SUFFIX);
  const bases = localClassBases(model, receiver);
  if (bases) return bases.some((base) => base.startsWith('gradio.'));
  return importsAny(model, ['gradio']);
}
