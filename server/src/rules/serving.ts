/** MLS4xx: serving and deployment exposure. */
import type { CallSite } from '../engine/callSite';
import type { Node } from '../engine/parser';
import { defineRule } from '../engine/rule';
import type { Report, Rule, RuleContext } from '../engine/rule';
import type { SemanticModel } from '../engine/semantic';
import { CALL_RESULT_SUFFIX, stringLiteralValue } from '../engine/semantic';
import { ATLAS, CWE_REFERENCE, OWASP, constantOf } from './support';
import {
  argumentOrCall,
  attributeAssignment,
  enclosingString,
  flagFix,
  flagOrigin,
  identifiersSpelled,
  importsAny,
  isTruthy,
  receiverName,
  receiverNode,
  spelled,
} from './syntax';

// ---------------------------------------------------------------------------------------------
// Which object a `.run()` / `.launch()` is called on.

/** Flask-based apps whose `run(debug=True)` starts the Werkzeug debugger. */
const FLASK_APPS: Record<string, 'flask' | 'dash' | 'socketio'> = {
  'flask.Flask()': 'flask',
  'dash.Dash()': 'dash',
  'flask_socketio.SocketIO()': 'socketio',
};

/** The packages of FLASK_APPS. */
const FLASK_PACKAGES = [...new Set(Object.keys(FLASK_APPS).map((name) => name.split('.')[0]))];

/** Libraries whose objects have a `.run()` of their own: a receiver made by one is not a Flask app. */
const OTHER_RUNNERS = new Set([
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
function flaskRun(call: CallSite, model: SemanticModel): 'flask' | 'dash' | 'socketio' | 'unresolved' | undefined {
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
function localClassBases(model: SemanticModel, receiver: Node): string[] | undefined {
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
function isGradioLaunch(call: CallSite, model: SemanticModel): boolean {
  if (call.methodName !== 'launch') return false;
  const receiver = receiverNode(call);
  if (!receiver) return false;
  const name = receiverName(model, receiver);
  if (name !== undefined) return name.startsWith('gradio.') && name.includes(CALL_RESULT_SUFFIX);
  const bases = localClassBases(model, receiver);
  if (bases) return bases.some((base) => base.startsWith('gradio.'));
  return importsAny(model, ['gradio']);
}

// ---------------------------------------------------------------------------------------------
// MLS403: Flask debug mode.

export const flaskDebugRule = defineRule({
  code: 'MLS403',
  name: 'flask-debug',
  title: 'Flask app run with the debugger enabled',
  severity: 'error',
  cwe: [489, 94],
  threats: ['secrets-exposure', 'model-tampering'],
  rationale:
    "Flask's debug mode serves Werkzeug's interactive debugger: when a request raises, the error page offers a Python console running inside the server. The console is protected only by a PIN derived from machine details that are often guessable or leaked by the same error pages, and tracebacks reveal source, paths and configuration. A model server left in debug mode and reachable from a network is a remote shell.",
  remediation:
    'Leave debug off in code (`app.run()`), enable it for local development only through the environment (`flask run --debug` or `FLASK_DEBUG=1`), and serve production traffic with a WSGI server such as gunicorn or waitress.',
  references: [
    { title: 'Flask: debug mode', url: 'https://flask.palletsprojects.com/en/stable/debugging/' },
    { title: 'Werkzeug debugger security', url: 'https://werkzeug.palletsprojects.com/en/stable/debug/#debugger-pin' },
    CWE_REFERENCE(489),
  ],
  triggers: ['debug', 'DEBUG'],
  methods: ['run', 'run_server'],
  // Every report needs an app of the Flask family, which the file must import.
  mayFire: (source) => FLASK_PACKAGES.some((name) => source.hasIdentifier(name)),
  mayFireWords: FLASK_PACKAGES,
  onCall(call, context) {
    const kind = flaskRun(call, context.model);
    if (!kind) return;
    for (const keyword of ['debug', 'use_debugger']) {
      const argument =
        keyword === 'debug' && (kind === 'flask' || kind === 'unresolved') ? call.argument('debug', 2) : call.keywords.get(keyword);
      const value = constantOf(context, argument);
      if (!argument || !isTruthy(value)) continue;
      context.report({
        node: argumentOrCall(call, argument),
        message: `\`${spelled(call)}(..., ${keyword}=True)\` serves the Werkzeug debugger: an error page becomes a Python console on the server (CWE-489). Enable debugging through the environment, for local runs only.`,
        related: flagOrigin(context, call, argument, value, `\`${keyword}\` is set to True here`),
        fixes: flagFix(`Set \`${keyword}=False\``, argument, value, 'False', false),
      });
    }
  },
  onFile(context) {
    const model = context.model;
    // `app.debug = True`
    if (context.text.includes('.debug')) {
      for (const id of identifiersSpelled(context, 'debug')) {
        const assignment = attributeAssignment(id);
        if (!assignment) continue;
        const value = context.constant(assignment.value);
        if (!isTruthy(value) || !FLASK_APPS[receiverName(model, assignment.object) ?? '']) continue;
        reportDebugAssignment(
          context,
          assignment.assignment,
          assignment.value,
          value?.definedAt !== undefined,
          `\`${assignment.target.text} = True\``,
        );
      }
    }
    // `app.config["DEBUG"] = True`
    if (context.text.includes('DEBUG')) {
      for (const assignment of model.tree.rootNode.descendantsOfType('assignment')) {
        const left = assignment?.childForFieldName('left');
        const right = assignment?.childForFieldName('right');
        if (!assignment || left?.type !== 'subscript' || !right) continue;
        const config = left.childForFieldName('value');
        const key = context.constant(left.childForFieldName('subscript'));
        if (
          key?.kind !== 'str' ||
          key.value !== 'DEBUG' ||
          config?.type !== 'attribute' ||
          config.childForFieldName('attribute')?.text !== 'config'
        )
          continue;
        const owner = config.childForFieldName('object');
        const value = context.constant(right);
        if (!owner || !isTruthy(value) || !FLASK_APPS[receiverName(model, owner) ?? '']) continue;
        reportDebugAssignment(context, assignment, right, value?.definedAt !== undefined, `\`${left.text} = True\``);
      }
    }
  },
});

function reportDebugAssignment(context: RuleContext, assignment: Node, value: Node, throughName: boolean, what: string): void {
  context.report({
    node: assignment,
    message: `${what} turns on Flask debug mode: \`app.run()\` then serves the Werkzeug debugger, whose error pages are a Python console (CWE-489).`,
    fixes: throughName
      ? []
      : [{ title: 'Set it to `False`', safe: false, edits: [{ start: value.startIndex, end: value.endIndex, newText: 'False' }] }],
  });
}

// ---------------------------------------------------------------------------------------------
// MLS404: serving on every network interface.

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0']);
/** A string that is one of ALL_INTERFACES, or a waitress `listen` entry on one of them or `*`. */
const ALL_INTERFACES_LITERAL =
  /["'](?:0\.0\.0\.0|::|\[::\]|0:0:0:0:0:0:0:0)["']|["'][^"'\n]*(?:\*|0\.0\.0\.0|::|\[::\]|0:0:0:0:0:0:0:0):\d/;
/** Servers of HOST_CALLEES whose address may name every interface with an empty host. */
const ADDRESS_SERVERS = ['make_server', 'HTTPServer', 'ThreadingHTTPServer', 'TCPServer', 'ThreadingTCPServer'];

interface HostArgument {
  keyword: string;
  position?: number;
  /** The value is a `(host, port)` address, where an empty host also means every interface. */
  address?: boolean;
  /** The value is `host:port` (waitress `listen=`), possibly several separated by spaces. */
  listen?: boolean;
}

const HOST_CALLEES: Record<string, HostArgument[]> = {
  'uvicorn.run': [{ keyword: 'host' }],
  'uvicorn.Config': [{ keyword: 'host' }],
  'waitress.serve': [{ keyword: 'host' }, { keyword: 'listen', listen: true }],
  'aiohttp.web.run_app': [{ keyword: 'host' }],
  'wsgiref.simple_server.make_server': [{ keyword: 'host', position: 0, address: true }],
  'http.server.HTTPServer': [{ keyword: 'server_address', position: 0, address: true }],
  'http.server.ThreadingHTTPServer': [{ keyword: 'server_address', position: 0, address: true }],
  'socketserver.TCPServer': [{ keyword: 'server_address', position: 0, address: true }],
  'socketserver.ThreadingTCPServer': [{ keyword: 'server_address', position: 0, address: true }],
};

/** The node and value of a host that means "every interface", if the argument is one. */
function allInterfacesHost(
  context: RuleContext,
  value: Node,
  spec: HostArgument,
): { node: Node; host: string; definedAt?: Node } | undefined {
  const constant = context.constant(value);
  if (!constant) return undefined;
  if (spec.address) {
    if (constant.kind !== 'seq' || constant.value.length === 0) {
      // make_server(host, port, app): the host itself.
      if (constant.kind === 'str' && (constant.value === '' || ALL_INTERFACES.has(constant.value)))
        return { node: value, host: constant.value, definedAt: constant.definedAt };
      return undefined;
    }
    const host = context.constant(constant.value[0]);
    if (host?.kind === 'str' && (host.value === '' || ALL_INTERFACES.has(host.value)))
      return { node: value, host: host.value, definedAt: constant.definedAt ?? host.definedAt };
    return undefined;
  }
  if (constant.kind !== 'str') return undefined;
  if (spec.listen) {
    const hosts = constant.value.split(/\s+/).map((entry) => entry.replace(/:\d+$/, ''));
    const open = hosts.find((h) => h === '*' || ALL_INTERFACES.has(h));
    return open !== undefined ? { node: value, host: open, definedAt: constant.definedAt } : undefined;
  }
  return ALL_INTERFACES.has(constant.value) ? { node: value, host: constant.value, definedAt: constant.definedAt } : undefined;
}

export const bindAllInterfacesRule = defineRule({
  code: 'MLS404',
  name: 'bind-all-interfaces',
  title: 'Model server listening on all network interfaces',
  severity: 'warning',
  cwe: [1327, 668],
  threats: ['model-extraction', 'secrets-exposure'],
  owasp: OWASP.modelTheft,
  atlas: ATLAS.publicApi,
  rationale:
    'Binding to `0.0.0.0` (or `::`) accepts connections on every network interface of the machine: the office or cloud network, a public IP, the Docker bridge. Development servers and demo UIs usually have no authentication, rate limiting or TLS, so anyone who can reach the port can query the model at will (extracting it or its training data), read whatever the endpoints expose, and exploit debug features.',
  remediation:
    'Listen on `127.0.0.1` and put a reverse proxy or API gateway with authentication and TLS in front; inside a container, take the bind address from configuration so that only the deployment (not the code) opens it to the network.',
  references: [
    { title: 'Flask: deploying to production', url: 'https://flask.palletsprojects.com/en/stable/deploying/' },
    { title: 'Uvicorn settings', url: 'https://www.uvicorn.org/settings/' },
    CWE_REFERENCE(1327),
  ],
  // Host strings as written (`"::"`, not the `::` of a slice), waitress `listen="*:8080"`, and the
  // servers whose address tuple may have an empty host.
  triggers: ['0.0.0.0', '"::"', "'::'", '[::]', '0:0:0:0:0:0:0:0', '"*:', "'*:", ' *:', 'HTTPServer', 'TCPServer', 'make_server'],
  // A report needs a host meaning every interface written as a string, or an empty host in the
  // address of a server class that takes one.
  mayFireWords: ADDRESS_SERVERS,
  mayFire: (source) =>
    ALL_INTERFACES_LITERAL.test(source.text) ||
    (/(['"])\1/.test(source.text) && ADDRESS_SERVERS.some((name) => source.hasIdentifier(name))),
  callees: Object.keys(HOST_CALLEES),
  methods: ['run', 'run_server', 'launch', 'listen'],
  onCall(call, context) {
    const model = context.model;
    let specs: HostArgument[] | undefined = call.callee ? HOST_CALLEES[call.callee] : undefined;
    if (!specs) {
      const flask = flaskRun(call, model);
      if (flask) specs = [{ keyword: 'host', position: flask === 'socketio' ? 1 : 0 }];
      else if (isGradioLaunch(call, model)) specs = [{ keyword: 'server_name' }];
      else if (call.methodName === 'listen' && receiverName(model, receiverNode(call) ?? call.calleeNode)?.startsWith('tornado.'))
        specs = [{ keyword: 'address', position: 1 }];
    }
    for (const spec of specs ?? []) {
      const argument = call.argument(spec.keyword, spec.position);
      if (!argument) continue;
      const open = allInterfacesHost(context, argument.value, spec);
      if (!open) continue;
      const shown = open.host === '' ? 'an empty host' : `"${open.host}"`;
      context.report({
        node: argumentOrCall(call, argument),
        message: `\`${spelled(call)}\` listens on ${shown}, i.e. on every network interface: anyone who can reach this machine can use the service (CWE-1327). Bind to 127.0.0.1 behind an authenticating reverse proxy.`,
        related: open.definedAt
          ? [{ span: { start: open.definedAt.startIndex, end: open.definedAt.endIndex }, message: 'the address is set here' }]
          : undefined,
      });
    }
  },
});

// ---------------------------------------------------------------------------------------------
// MLS405: Gradio public share links.

export const gradioShareRule = defineRule({
  code: 'MLS405',
  name: 'gradio-public-share',
  title: 'Gradio app published through a public share link',
  severity: 'error',
  cwe: [668, 306],
  threats: ['model-extraction', 'secrets-exposure'],
  owasp: OWASP.modelTheft,
  atlas: ATLAS.publicApi,
  rationale:
    '`launch(share=True)` tunnels the local Gradio app to a public `*.gradio.live` address. The link is reachable from the whole internet for as long as the process runs, links are easy to leak (chat, screenshots, logs, notebooks), and the app exposes the model, any files its components can read, and every function wired to an event through an API that is easy to script. Without `auth=` there is no login at all.',
  remediation:
    'Keep `share=False` and expose the app through your own authenticated deployment (or Hugging Face Spaces with access control); if a temporary public link is unavoidable, pass `auth=` with credentials from the environment and stop the app when done.',
  references: [{ title: 'Gradio: sharing your app', url: 'https://www.gradio.app/guides/sharing-your-app' }, CWE_REFERENCE(668)],
  triggers: ['share'],
  findingsShowTriggers: true,
  methods: ['launch'],
  onCall(call, context) {
    if (!isGradioLaunch(call, context.model)) return;
    const argument = call.argument('share', 2);
    const value = constantOf(context, argument);
    if (!argument || !isTruthy(value)) return;
    const auth = call.argument('auth');
    const authValue = constantOf(context, auth);
    const protectedByAuth = (auth !== undefined && authValue?.kind !== 'none') || call.hasOpaqueKwargs;
    context.report({
      node: argumentOrCall(call, argument),
      severity: protectedByAuth ? 'warning' : undefined,
      message: protectedByAuth
        ? `\`${spelled(call)}(..., share=True)\` publishes the app on a public gradio.live link; only its \`auth=\` login stands between the internet and the model (CWE-668).`
        : `\`${spelled(call)}(..., share=True)\` publishes the app on a public gradio.live link with no login: anyone with the link can use the model and every endpoint of the app (CWE-306).`,
      related: flagOrigin(context, call, argument, value, '`share` is set to True here'),
      fixes: flagFix('Set `share=False`', argument, value, 'False', false),
    });
  },
});

// ---------------------------------------------------------------------------------------------
// MLS406: Jupyter servers without authentication.

const PASSWORD_OPTIONS = new Set(['password', 'hashed_password']);
const JUPYTER_CLASSES = ['NotebookApp', 'ServerApp', 'IdentityProvider', 'PasswordIdentityProvider'];
const JUPYTER_CLI =
  /--(?:NotebookApp|ServerApp|IdentityProvider|PasswordIdentityProvider)\.(token|password|hashed_password|disable_check_xsrf|allow_origin)=('[^']*'|"[^"]*"|\S*)/g;

interface JupyterSetting {
  option: string;
  /** The value as a string ('' for an empty token), or a boolean for flags. */
  value: string | boolean;
}

/** What a Jupyter setting does when it weakens the server, or undefined. */
function weakening(setting: JupyterSetting): 'token' | 'password' | 'xsrf' | 'origin' | undefined {
  const { option, value } = setting;
  if (option === 'token' && value === '') return 'token';
  if ((option === 'password' || option === 'hashed_password') && value === '') return 'password';
  if (option === 'disable_check_xsrf' && (value === true || value === 'True')) return 'xsrf';
  if (option === 'allow_origin' && value === '*') return 'origin';
  if (option === 'allow_origin_pat' && (value === '.*' || value === '.+' || value === '^.*$')) return 'origin';
  return undefined;
}

const JUPYTER_MESSAGES = {
  token:
    'sets an empty Jupyter token and no password is configured: the server asks for no authentication and anyone who reaches its port runs code on it (CWE-306).',
  password:
    'sets an empty Jupyter password while the token is also disabled: the server runs code for anyone who reaches its port (CWE-306).',
  xsrf: 'disables Jupyter’s cross-site request forgery check: any web page open in the user’s browser can drive the server’s kernels (CWE-352).',
  origin:
    'lets any web origin call the Jupyter server’s API from a browser: a malicious page can reach kernels through a logged-in user (CWE-942).',
} as const;

export const jupyterOpenServerRule = defineRule({
  code: 'MLS406',
  name: 'jupyter-open-server',
  title: 'Jupyter server configured without authentication or browser protections',
  severity: 'error',
  cwe: [306, 352],
  threats: ['secrets-exposure', 'model-tampering'],
  rationale:
    'A Jupyter server executes arbitrary code for whoever is authenticated to it: that is its purpose. An empty token with no password turns authentication off, so anyone who can reach the port, including through a tunnel, a port forward or a cloud security-group mistake, gets a shell on the machine with its GPUs, data and credentials. Disabling the XSRF check or allowing every origin lets any web page the user visits send requests to the server.',
  remediation:
    'Keep the generated token (or set a hashed password with `jupyter server password`), leave `disable_check_xsrf` off and `allow_origin` unset, and reach remote servers through SSH port forwarding or JupyterHub rather than an open port.',
  references: [
    {
      title: 'Jupyter Server: security in the Jupyter Server',
      url: 'https://jupyter-server.readthedocs.io/en/latest/operators/security.html',
    },
    { title: 'Jupyter Notebook: running a notebook server', url: 'https://jupyter-notebook.readthedocs.io/en/stable/public_server.html' },
    CWE_REFERENCE(306),
  ],
  triggers: JUPYTER_CLASSES.filter((c) => c !== 'PasswordIdentityProvider'),
  onFile(context) {
    const found: Array<{ kind: 'token' | 'password' | 'xsrf' | 'origin'; report: Report }> = [];
    /** A password is configured (a hash, or a value computed at run time): an empty token is then fine. */
    let passwordSet = false;
    // `c.ServerApp.token = ''` in a jupyter_server_config.py (any object path before the class).
    for (const className of JUPYTER_CLASSES) {
      if (!context.text.includes(className)) continue;
      for (const id of identifiersSpelled(context, className)) {
        const classRef = id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id ? id.parent : id;
        const optionRef = classRef.parent;
        if (optionRef?.type !== 'attribute' || optionRef.childForFieldName('object')?.id !== classRef.id) continue;
        const optionName = optionRef.childForFieldName('attribute');
        if (!optionName) continue;
        const assignment = attributeAssignment(optionName);
        if (!assignment) continue;
        const value = context.constant(assignment.value);
        if (PASSWORD_OPTIONS.has(optionName.text) && !(value?.kind === 'str' && value.value === '')) passwordSet = true;
        const setting: JupyterSetting | undefined =
          value?.kind === 'str'
            ? { option: optionName.text, value: value.value }
            : value?.kind === 'bool'
              ? { option: optionName.text, value: value.value }
              : undefined;
        const kind = setting && weakening(setting);
        if (!kind) continue;
        found.push({
          kind,
          report: {
            node: assignment.assignment,
            message: `\`${optionRef.text}\` ${JUPYTER_MESSAGES[kind]}`,
            related: context.definedHere(value, 'the value is set here'),
          },
        });
      }
    }
    // `jupyter notebook --NotebookApp.token=''` passed as a command or argument list.
    if (context.text.includes('--')) {
      const root = context.model.tree.rootNode;
      const seen = new Set<number>();
      for (const match of context.text.matchAll(/--(?:NotebookApp|ServerApp|IdentityProvider|PasswordIdentityProvider)\./g)) {
        const string = enclosingString(root.descendantForIndex(match.index, match.index + 2));
        if (!string || seen.has(string.id) || !isCommandArgument(string)) continue;
        seen.add(string.id);
        const text = stringLiteralValue(string);
        // An argv item (`"--ServerApp.token="`) or a whole command line starting Jupyter.
        if (text === undefined || !(text.startsWith('--') || /^\s*(?:\S*\/)?jupyter(?:-lab|-notebook|-server)?\s/.test(text))) continue;
        for (const option of text.matchAll(JUPYTER_CLI)) {
          const raw = option[2];
          const value = raw.startsWith("'") || raw.startsWith('"') ? raw.slice(1, -1) : raw;
          if (PASSWORD_OPTIONS.has(option[1]) && value !== '') passwordSet = true;
          const kind = weakening({ option: option[1], value });
          if (!kind) continue;
          found.push({
            kind,
            report: {
              node: string,
              message: `\`--${option[0].slice(2, option[0].indexOf('='))}\` on the command line ${JUPYTER_MESSAGES[kind]}`,
            },
          });
        }
      }
    }
    // An empty password is the default and harmless while a token is required; an empty token is
    // harmless when a password is configured instead.
    const tokenless = found.some((f) => f.kind === 'token');
    for (const { kind, report } of found) {
      if (kind === 'password' && !tokenless) continue;
      if ((kind === 'token' || kind === 'password') && passwordSet) continue;
      // Any origin still needs a token; the other settings remove a protection outright.
      context.report(kind === 'origin' ? { ...report, severity: 'warning' } : report);
    }
  },
});

/** True when a string is an argument of a call, directly or as an item of a list or tuple argument. */
function isCommandArgument(string: Node): boolean {
  let node: Node | null = string.parent;
  if (node?.type === 'concatenated_string') node = node.parent;
  while (node && (node.type === 'list' || node.type === 'tuple')) node = node.parent;
  if (node?.type === 'keyword_argument') node = node.parent;
  return node?.type === 'argument_list';
}

export const servingRules: Rule[] = [flaskDebugRule, bindAllInterfacesRule, gradioShareRule, jupyterOpenServerRule];
