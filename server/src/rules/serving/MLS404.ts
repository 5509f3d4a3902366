/** MLS404: serving on every network interface. */
import type { Argument, CallSite } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { RuleContext } from '../../engine/rule';
import { OWASP, ATLAS, CWE_REFERENCE, receiverName, receiverNode, spelled, argumentOrCall } from '../support';
import { flaskRun, isGradioLaunch } from './helpers';
import { defaultValue, describeDefault } from '../defaults';

/** Hosts meaning every network interface. */
const ALL_INTERFACE_HOSTS = ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0'];
const ALL_INTERFACES = new Set(ALL_INTERFACE_HOSTS);

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

/**
 * `uvicorn.run(app, host=args.host)` with `add_argument("--host", default="0.0.0.0")`, a
 * parameter default, or `os.environ.get("HOST", "0.0.0.0")`: the server opens to the network
 * unless someone overrides the default. Reported at the call, pointing at the default.
 */
function reportOpenDefault(call: CallSite, argument: Argument, context: RuleContext): void {
  const found = defaultValue(context.model, argument.value);
  if (found?.value.kind !== 'str' || !ALL_INTERFACES.has(found.value.value)) return;
  const described = describeDefault(found);
  context.report({
    node: argumentOrCall(call, argument),
    message: `\`${spelled(call)}\` listens on "${found.value.value}" (every network interface) by default, through ${described}: unless it is overridden, anyone who can reach this machine can use the service (CWE-1327). Make the default 127.0.0.1 and let deployments open it explicitly.`,
    related: [{ span: { start: found.node.startIndex, end: found.node.endIndex }, message: `${described} is "${found.value.value}" here` }],
    fixes:
      found.node.type === 'string' && !found.node.text.startsWith('f')
        ? [
            {
              title: 'Make the default `127.0.0.1`',
              safe: false,
              edits: [
                {
                  start: found.node.startIndex,
                  end: found.node.endIndex,
                  newText: found.node.text.replace(found.value.value, '127.0.0.1'),
                },
              ],
            },
          ]
        : [],
  });
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
  // A report needs a host meaning every interface written as a string, a waitress `listen=` (its
  // entries name hosts with ports: `*:8080`), or an empty host in the address of a server that
  // takes one.
  values: ALL_INTERFACE_HOSTS,
  keywords: ['listen'],
  names: ADDRESS_SERVERS,
  callees: Object.keys(HOST_CALLEES),
  // `parser.add_argument(..., choices=/default=)` elsewhere in the file decides what an option can hold.
  reads: ['add_argument'],
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
      if (!open) {
        reportOpenDefault(call, argument, context);
        continue;
      }
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
