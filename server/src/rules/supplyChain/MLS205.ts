/** MLS205 tls-verification-disabled */
import { CallSite } from '../../engine/callSite';
import type { Argument } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { RuleContext } from '../../engine/rule';
import type { ConstValue } from '../../engine/semantic';
import {
  OWASP,
  ATLAS,
  CWE_REFERENCE,
  constantOf,
  isConstFalse,
  definedAt,
  fixes,
  identifiersSpelled,
  attributeAssignment,
  importsAny,
  within,
  inlineReplaceFix,
} from '../support';
import { dangerousDefault, defaultFix, defaultOrigin, describeDefault, whoGetsDefault } from '../defaults';
import { REQUESTS_SESSIONS, HTTPX_CLIENTS } from './helpers';

function insideImport(node: Node): boolean {
  for (let n: Node | null = node.parent; n; n = n.parent) {
    if (n.type === 'import_statement' || n.type === 'import_from_statement' || n.type === 'future_import_statement') return true;
    if (n.type === 'module' || n.type === 'block') return false;
  }
  return false;
}

/**
 * For an identifier that names an attribute (`x.verify`), the attribute node; for a plain name,
 * the name itself. Undefined when the identifier is something else (a keyword, a parameter).
 */
function referenceOf(identifier: Node): Node | undefined {
  const parent = identifier.parent;
  if (parent?.type === 'attribute') {
    return parent.childForFieldName('attribute')?.id === identifier.id
      ? parent
      : parent.childForFieldName('object')?.id === identifier.id
        ? identifier
        : undefined;
  }
  if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === identifier.id) return undefined;
  if (parent?.type === 'parameters' || parent?.type === 'default_parameter' || parent?.type === 'typed_parameter') return undefined;
  if (parent?.type === 'function_definition' || parent?.type === 'class_definition') return undefined;
  return identifier;
}

const REQUESTS_VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

const HTTP_METHODS = [...REQUESTS_VERBS, 'request', 'stream', 'send'];

const VERIFY_CALLEES = [
  ...['requests', 'requests.api', 'httpx'].flatMap((m) => [...REQUESTS_VERBS, 'request', 'stream'].map((v) => `${m}.${v}`)),
  ...[...REQUESTS_SESSIONS, ...HTTPX_CLIENTS].flatMap((s) => HTTP_METHODS.map((v) => `${s}().${v}`)),
  ...HTTPX_CLIENTS,
  'httpx.AsyncHTTPTransport',
  'httpx.HTTPTransport',
];

const URLLIB3_POOLS = [
  'urllib3.PoolManager',
  'urllib3.ProxyManager',
  'urllib3.HTTPSConnectionPool',
  'urllib3.connectionpool.HTTPSConnectionPool',
  'urllib3.connection_from_url',
];

/** Receivers named like an HTTP session or client, when the analyser cannot resolve them (`self.session`). */
const SESSION_LIKE = /(^|[._])(s|sess|session|http|client|http_client|httpx_client)$/i;

const UNVERIFIED_CONTEXT_CALLED =
  '`ssl._create_unverified_context()` makes a context that checks neither certificates nor host names (CWE-295).';

function disablesVerification(value: ConstValue | undefined): boolean {
  return isConstFalse(value) || (value?.kind === 'num' && value.value === 0);
}

function reportVerifyArgument(call: CallSite, context: RuleContext, argument: Argument, what: string): void {
  const value = constantOf(context, argument);
  if (!value) {
    // `def fetch(url, verify=False): requests.get(url, verify=verify)`.
    const found = dangerousDefault(context.model, call, argument, disablesVerification);
    if (found)
      context.report({
        node: argument.node,
        message: `${what} gets \`verify=False\` from ${describeDefault(found)}: for ${whoGetsDefault(found)}, any certificate is accepted, and a man in the middle can read and replace the traffic (CWE-295). Make the default True.`,
        related: defaultOrigin(found, 'False'),
        fixes: defaultFix(found, 'False', 'True'),
      });
    return;
  }
  if (!disablesVerification(value)) return;
  const inCall = within(argument.node, call.node);
  context.report({
    node: inCall ? argument.node : call.node,
    message: `${what} with \`verify=False\` accepts any certificate: a man in the middle can read and replace the traffic (CWE-295).`,
    related: definedAt(context, value, '`verify` is set to False here'),
    fixes: fixes(inlineReplaceFix('Set `verify=True`', call, argument, value, 'True')),
  });
}

export const tlsVerificationDisabledRule = defineRule({
  code: 'MLS205',
  name: 'tls-verification-disabled',
  title: 'TLS certificate verification disabled',
  severity: 'error',
  cwe: [295],
  threats: ['model-tampering', 'data-poisoning'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.supplyChain,
  rationale:
    'HTTPS only protects a download if the client checks the server certificate. `verify=False` in requests or httpx, `ssl.CERT_NONE`, `check_hostname = False` or `ssl._create_unverified_context()` turn that check off, so any host on the network path can impersonate the model hub, the dataset server or an inference API, and feed the program poisoned data or tampered weights, or collect the credentials it sends.',
  remediation:
    'Remove `verify=False` (or pass the path of your organisation\'s CA bundle, e.g. `verify="/etc/ssl/certs/corp-ca.pem"`), use `ssl.create_default_context()` without lowering `verify_mode` or `check_hostname`, and fix the certificate problem at its source.',
  references: [
    {
      title: 'requests: SSL certificate verification',
      url: 'https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification',
    },
    { title: 'Python ssl: security considerations', url: 'https://docs.python.org/3/library/ssl.html#security-considerations' },
    CWE_REFERENCE(295),
  ],
  keywords: ['verify', 'check_hostname'],
  names: ['CERT_NONE', '_create_unverified_context'],
  wordsInEveryFinding: true,
  // Each finding names one of them whole (`verify=False`, `"verify": False`, `ctx.check_hostname`):
  // `verify_mode` or `CERT_NONE_X` cannot hold one, nor a call of some `verify()` function.
  callees: [...VERIFY_CALLEES, ...URLLIB3_POOLS, 'ssl._create_unverified_context'],
  methods: HTTP_METHODS,
  // `parser.add_argument(..., default=/action=)` elsewhere in the file decides an option's default.
  reads: ['add_argument'],
  onCall(call, context) {
    if (call.is('ssl._create_unverified_context')) {
      // Also found by the file scan below; a call under an alias (`from ssl import ... as u`) only here.
      context.report({ node: call.node, message: UNVERIFIED_CONTEXT_CALLED });
      return;
    }
    if (call.is(...URLLIB3_POOLS)) {
      const reqs = call.keywords.get('cert_reqs');
      const value = constantOf(context, reqs);
      if (reqs && value?.kind === 'str' && value.value === 'CERT_NONE') {
        context.report({
          node: within(reqs.node, call.node) ? reqs.node : call.node,
          message: `\`${call.callee}\` with \`cert_reqs="CERT_NONE"\` accepts any certificate (CWE-295).`,
          related: definedAt(context, value, '`cert_reqs` is set here'),
          fixes: fixes(inlineReplaceFix('Require certificates', call, reqs, value, '"CERT_REQUIRED"')),
        });
      }
      return;
    }
    const verify = call.keywords.get('verify');
    if (!verify) return;
    if (call.is(...VERIFY_CALLEES)) {
      reportVerifyArgument(call, context, verify, `\`${call.callee}\``);
      return;
    }
    // `self.session.get(url, verify=False)`: a receiver the analyser cannot resolve, named like a
    // session or client, in a file that uses requests or httpx. A resolved receiver that is
    // something else (or a name shadowing the library) is not reported.
    if (call.callee !== undefined && !/^(requests|httpx)\./.test(call.callee)) return;
    const receiver = call.calleeNode.type === 'attribute' ? call.calleeNode.childForFieldName('object') : null;
    if (!receiver || !SESSION_LIKE.test(receiver.text) || !importsAny(context.model, ['requests', 'httpx'])) return;
    reportVerifyArgument(call, context, verify, `\`${receiver.text}.${call.methodName}\``);
  },
  onFile(context) {
    const model = context.model;
    // `session.verify = False`
    if (context.text.includes('.verify')) {
      for (const id of identifiersSpelled(context, 'verify')) {
        const assignment = attributeAssignment(id);
        if (!assignment) continue;
        const value = context.constant(assignment.value);
        if (!disablesVerification(value)) continue;
        const owner = model.qualifiedName(assignment.object);
        const known = owner !== undefined && [...REQUESTS_SESSIONS, ...HTTPX_CLIENTS].some((s) => owner === s + '()');
        const guessed = owner === undefined && SESSION_LIKE.test(assignment.object.text) && importsAny(model, ['requests', 'httpx']);
        if (!known && !guessed) continue;
        context.report({
          node: assignment.assignment,
          message: `\`${assignment.object.text}.verify = False\` turns off certificate checks for every request of the session (CWE-295).`,
          related: definedAt(context, value, 'the value is set here'),
          fixes:
            value && !value.definedAt
              ? [
                  {
                    title: 'Set `verify = True`',
                    safe: false,
                    edits: [{ start: assignment.value.startIndex, end: assignment.value.endIndex, newText: 'True' }],
                  },
                ]
              : [],
        });
      }
    }
    // `ctx.check_hostname = False` on an ssl context
    if (context.text.includes('check_hostname')) {
      for (const id of identifiersSpelled(context, 'check_hostname')) {
        const assignment = attributeAssignment(id);
        if (!assignment) continue;
        const value = context.constant(assignment.value);
        if (!disablesVerification(value)) continue;
        const owner = model.qualifiedName(assignment.object);
        const known = owner !== undefined && owner.startsWith('ssl.') && owner.endsWith('()');
        const guessed = owner === undefined && /(ctx|context)$/i.test(assignment.object.text) && importsAny(model, ['ssl']);
        if (!known && !guessed) continue;
        context.report({
          node: assignment.assignment,
          message: `\`${assignment.object.text}.check_hostname = False\` accepts a valid certificate for any host, so another site can impersonate the server (CWE-295).`,
          related: definedAt(context, value, 'the value is set here'),
          fixes:
            value && !value.definedAt
              ? [
                  {
                    title: 'Set `check_hostname = True`',
                    safe: false,
                    edits: [{ start: assignment.value.startIndex, end: assignment.value.endIndex, newText: 'True' }],
                  },
                ]
              : [],
        });
      }
    }
    // `ssl.CERT_NONE`, `from ssl import CERT_NONE`, `ssl.VerifyMode.CERT_NONE`
    if (context.text.includes('CERT_NONE')) {
      for (const id of identifiersSpelled(context, 'CERT_NONE')) {
        if (insideImport(id)) continue;
        const reference = referenceOf(id);
        if (!reference) continue;
        const name = model.qualifiedName(reference);
        if (name !== 'ssl.CERT_NONE' && name !== 'ssl.VerifyMode.CERT_NONE' && name !== 'urllib3.util.ssl_.CERT_NONE') continue;
        context.report({
          node: reference,
          message: '`ssl.CERT_NONE` disables certificate verification: any server certificate is accepted (CWE-295).',
          fixes:
            reference.type === 'attribute'
              ? [
                  {
                    title: 'Use `CERT_REQUIRED`',
                    safe: false,
                    edits: [{ start: id.startIndex, end: id.endIndex, newText: 'CERT_REQUIRED' }],
                  },
                ]
              : [],
        });
      }
    }
    // `ssl._create_unverified_context()`, also assigned as the default HTTPS context
    if (context.text.includes('_create_unverified_context')) {
      for (const id of identifiersSpelled(context, '_create_unverified_context')) {
        if (insideImport(id)) continue;
        const reference = referenceOf(id);
        if (!reference || model.qualifiedName(reference) !== 'ssl._create_unverified_context') continue;
        const parent = reference.parent;
        const called = parent?.type === 'call' && parent.childForFieldName('function')?.id === reference.id;
        context.report({
          node: called ? parent : reference,
          message: called
            ? UNVERIFIED_CONTEXT_CALLED
            : '`ssl._create_unverified_context` installed as a context factory turns off certificate checks for every connection that uses it (CWE-295).',
        });
      }
    }
  },
});
