/** MLS204 insecure-download */
import type { Argument } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { SemanticModel } from '../../engine/semantic';
import { OWASP, ATLAS, CWE_REFERENCE, within } from '../support';
import { STATE_DICT_FROM_URL, DOWNLOAD_URL_TO_FILE, REQUESTS_SESSIONS, HTTPX_CLIENTS } from './helpers';

/** What is known of a string expression: its literal beginning, possibly all of it. */
interface StringPrefix {
  text: string;
  /** True when `text` is the whole value. */
  complete: boolean;
  /** The string_content node the prefix starts in, when it is written at the expression itself. */
  start?: Node;
  /** Where a name the value came through was assigned. */
  definedAt?: Node;
}

/**
 * The constant beginning of a string expression: a literal, an f-string up to its first
 * interpolation, the left side of `+` and `%`, the receiver of `.format(...)`, or any of those
 * assigned to a name. This is what tells `f"http://{host}/x"` apart from `f"{scheme}://{host}"`.
 */
function stringPrefix(model: SemanticModel, node: Node | null | undefined, depth = 0): StringPrefix | undefined {
  if (!node || depth > 8) return undefined;
  switch (node.type) {
    case 'string': {
      let text = '';
      let start: Node | undefined;
      let definedAt: Node | undefined;
      let raw = false;
      for (const child of node.children) {
        if (!child) continue;
        if (child.type === 'string_start') raw = /r/i.test(child.text.replace(/["']+$/, ''));
        else if (child.type === 'string_content') {
          if (!text && !definedAt) start ??= child;
          text += child.text;
        } else if (child.type === 'escape_sequence') text += raw ? child.text : child.text.length === 2 ? child.text[1] : '';
        else if (child.type === 'interpolation') {
          // `f"{BASE}/x"` with a constant BASE: the interpolated text is known (no `!r`, no format spec).
          const parts = child.namedChildren.filter((c): c is Node => !!c);
          const inner = parts.length === 1 ? stringPrefix(model, parts[0], depth + 1) : undefined;
          if (!inner) return { text, complete: false, start, definedAt };
          if (!text && !start) definedAt ??= inner.definedAt;
          text += inner.text;
          if (!inner.complete) return { text, complete: false, start, definedAt };
        }
      }
      return { text, complete: true, start, definedAt };
    }
    case 'concatenated_string': {
      let text = '';
      let start: Node | undefined;
      for (const part of node.namedChildren) {
        const inner = stringPrefix(model, part, depth + 1);
        if (!inner) return text ? { text, complete: false, start } : undefined;
        if (!text) start = inner.start;
        text += inner.text;
        if (!inner.complete) return { text, complete: false, start };
      }
      return { text, complete: true, start };
    }
    case 'parenthesized_expression':
      return stringPrefix(model, node.namedChildren[0], depth + 1);
    case 'binary_operator': {
      const operator = node.childForFieldName('operator')?.text;
      const left = stringPrefix(model, node.childForFieldName('left'), depth + 1);
      if (!left) return undefined;
      if (operator === '+') {
        if (!left.complete) return left;
        const right = stringPrefix(model, node.childForFieldName('right'), depth + 1);
        return right ? { ...left, text: left.text + right.text, complete: right.complete } : { ...left, complete: false };
      }
      if (operator === '%') {
        const cut = left.text.indexOf('%');
        return cut < 0 ? left : { ...left, text: left.text.slice(0, cut), complete: false };
      }
      return undefined;
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'format') return undefined;
      const receiver = stringPrefix(model, fn.childForFieldName('object'), depth + 1);
      if (!receiver) return undefined;
      const cut = receiver.text.indexOf('{');
      return cut < 0 ? receiver : { ...receiver, text: receiver.text.slice(0, cut), complete: false };
    }
    case 'identifier': {
      const binding = model.lookup(node.text, node.startIndex);
      if (!binding || binding.kind !== 'assign' || !binding.value || binding.node.id === node.id) return undefined;
      const inner = stringPrefix(model, binding.value, depth + 1);
      return inner ? { text: inner.text, complete: inner.complete, definedAt: inner.definedAt ?? binding.node } : undefined;
    }
    case 'attribute': {
      // `self.host`, `cls.BASE_URL`, `Server.HOST`: the one assignment of it in the class.
      const value = classAttributeValue(model, node);
      if (!value) return undefined;
      const inner = stringPrefix(model, value.value, depth + 1);
      return inner ? { text: inner.text, complete: inner.complete, definedAt: inner.definedAt ?? value.target } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The value of `self.NAME` / `cls.NAME` / `Class.NAME` when the enclosing (or named) class assigns
 * it exactly once: `NAME = ...` in the class body or `self.NAME = ...` in one of its methods.
 */
function classAttributeValue(model: SemanticModel, node: Node): { value: Node; target: Node } | undefined {
  const object = node.childForFieldName('object');
  const name = node.childForFieldName('attribute')?.text;
  if (object?.type !== 'identifier' || !name) return undefined;
  let cls: Node | null = null;
  if (object.text === 'self' || object.text === 'cls') {
    for (cls = node.parent; cls && cls.type !== 'class_definition'; cls = cls.parent);
  } else {
    const binding = model.lookup(object.text, object.startIndex);
    if (binding?.kind === 'class') cls = binding.node.parent;
  }
  const body = cls?.type === 'class_definition' ? cls.childForFieldName('body') : null;
  if (!cls || !body) return undefined;
  const found: Array<{ value: Node; target: Node }> = [];
  const text = model.text;
  const pattern = new RegExp(`\\b(?:(?:self|cls|${cls.childForFieldName('name')?.text ?? 'cls'})\\s*\\.\\s*)?${name}\\b`, 'g');
  pattern.lastIndex = body.startIndex;
  for (let m = pattern.exec(text); m && m.index < body.endIndex; m = pattern.exec(text)) {
    const at = m.index + m[0].length - name.length;
    const id = model.tree.rootNode.descendantForIndex(at, at + name.length);
    if (!id || id.text !== name) continue;
    const target = id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id ? id.parent : id;
    const assignment = target.parent;
    if (assignment?.type === 'augmented_assignment' && assignment.childForFieldName('left')?.id === target.id) return undefined;
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.id !== target.id) continue;
    // A bare name counts only in the class body itself, not in a method.
    if (target.type === 'identifier' && assignment.parent?.parent?.id !== body.id) continue;
    const value = assignment.childForFieldName('right');
    if (value) found.push({ value, target });
  }
  return found.length === 1 ? found[0] : undefined;
}

/** What a response is asked for when it only checks that a server is up. */
const PROBE_ATTRIBUTES = new Set([
  'status_code',
  'ok',
  'raise_for_status',
  'status',
  'getcode',
  'code',
  'headers',
  'elapsed',
  'close',
  'reason',
]);

/**
 * True when the call's response body is never read: the result is dropped, only its status is
 * asked for (`requests.get(u).status_code`), or it is bound to a name used only that way. A
 * health check over HTTP downloads nothing that is later trusted.
 */
function isProbe(model: SemanticModel, callNode: Node): boolean {
  let node = callNode;
  while (node.parent?.type === 'await' || node.parent?.type === 'parenthesized_expression') node = node.parent;
  const parent = node.parent;
  if (!parent) return false;
  if (parent.type === 'expression_statement') return true;
  if (parent.type === 'attribute') return PROBE_ATTRIBUTES.has(parent.childForFieldName('attribute')?.text ?? '');
  if (parent.type !== 'assignment' || parent.childForFieldName('right')?.id !== node.id) return false;
  const target = parent.childForFieldName('left');
  if (target?.type !== 'identifier') return false;
  const scope = model.scopeAt(target.startIndex);
  if (scope.named(target.text).length !== 1) return false;
  let uses = 0;
  const end = Math.min(scope.end, model.text.length);
  const pattern = new RegExp(`\\b${target.text}\\b`, 'g');
  pattern.lastIndex = parent.endIndex;
  for (let m = pattern.exec(model.text); m && m.index < end; m = pattern.exec(model.text)) {
    const id = model.tree.rootNode.descendantForIndex(m.index, m.index + target.text.length);
    if (id?.type !== 'identifier' || id.startIndex !== m.index) continue; // a string or a comment
    const use = id.parent;
    if (use?.type !== 'attribute' || use.childForFieldName('object')?.id !== id.id) return false;
    if (!PROBE_ATTRIBUTES.has(use.childForFieldName('attribute')?.text ?? '')) return false;
    uses++;
  }
  return uses > 0;
}

/** Functions whose response may be only a status check (others write or parse the content). */
const PROBE_CAPABLE = new Set<string>();

/** Download functions and where their URL is: keyword names and position. */
const URL_ARGUMENTS: Record<string, { keywords: string[]; position?: number }> = {};
function urlTakers(names: string[], keywords: string[], position?: number): void {
  for (const name of names) URL_ARGUMENTS[name] = { keywords, position };
}

urlTakers(
  [
    'urllib.request.urlretrieve',
    'urllib.request.urlopen',
    'urllib.request.Request',
    'urllib.urlretrieve',
    'urllib.urlopen',
    'urllib2.urlopen',
  ],
  ['url'],
  0,
);
urlTakers(['requests.get', 'requests.api.get', 'httpx.get', 'wget.download', ...STATE_DICT_FROM_URL, ...DOWNLOAD_URL_TO_FILE], ['url'], 0);
urlTakers(
  [...REQUESTS_SESSIONS, ...HTTPX_CLIENTS].map((s) => `${s}().get`),
  ['url'],
  0,
);
for (const name of Object.keys(URL_ARGUMENTS))
  if (/^(?:requests|httpx|urllib2?)\b.*\.(?:get|urlopen)$|\(\)\.get$/.test(name)) PROBE_CAPABLE.add(name);
urlTakers(['requests.request', 'requests.api.request', 'httpx.request', 'httpx.stream'], ['url'], 1);
urlTakers(
  [...REQUESTS_SESSIONS, ...HTTPX_CLIENTS].flatMap((s) => [`${s}().request`, `${s}().stream`]),
  ['url'],
  1,
);
urlTakers(
  ['csv', 'json', 'parquet', 'table', 'excel', 'html', 'xml', 'feather', 'orc', 'stata', 'sas', 'spss', 'fwf'].map(
    (f) => `pandas.read_${f}`,
  ),
  ['filepath_or_buffer', 'path_or_buf', 'path', 'io', 'path_or_buffer'],
  0,
);
urlTakers(
  [
    'tensorflow.keras.utils.get_file',
    'keras.utils.get_file',
    'tf_keras.utils.get_file',
    'keras.utils.data_utils.get_file',
    'tensorflow.keras.utils.data_utils.get_file',
  ],
  ['origin'],
  1,
);
urlTakers(['datasets.load_dataset', 'datasets.load.load_dataset'], ['data_files'], undefined);

function isLoopbackUrl(url: string): boolean {
  const rest = url.slice('http://'.length);
  let authority = rest.split(/[/?#]/, 1)[0];
  authority = authority.slice(authority.lastIndexOf('@') + 1);
  const host = (authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.split(':', 1)[0]).toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]' || host === '0.0.0.0';
}

/** The URL expressions of an argument: the value, or each element of a list or tuple literal. */
function urlExpressions(argument: Argument): Node[] {
  const value = argument.value;
  if (value.type === 'list' || value.type === 'tuple') return value.namedChildren.filter((c): c is Node => !!c);
  return [value];
}

export const insecureDownloadRule = defineRule({
  code: 'MLS204',
  name: 'insecure-download',
  title: 'Model or data downloaded over plain HTTP',
  severity: 'warning',
  cwe: [319, 494],
  threats: ['model-tampering', 'data-poisoning'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.supplyChain,
  rationale:
    'An `http://` URL is neither encrypted nor authenticated: anyone on the path (a shared Wi-Fi, a compromised router, a proxy, a cloud neighbour spoofing DNS) can read and replace the response. Weights, datasets and archives fetched this way can be swapped for poisoned or trojaned versions without any error, and the code that loads them has no way to notice.',
  remediation:
    'Use the `https://` URL of the same resource (almost every host serves one), and verify a published checksum where the download function supports it.',
  references: [
    { title: 'CWE-319 Cleartext Transmission of Sensitive Information', url: 'https://cwe.mitre.org/data/definitions/319.html' },
    CWE_REFERENCE(494),
    {
      title: 'OWASP ML06:2023 AI Supply Chain Attacks',
      url: 'https://owasp.org/www-project-machine-learning-security-top-10/docs/ML06_2023-AI_Supply_Chain_Attacks',
    },
  ],
  // Every finding is a plain-HTTP URL written in the file.
  strings: ['http://', 'HTTP://', 'Http://'],
  // ...in a string literal: a licence header's `# http://www.apache.org/...` is none.
  stringsNotInComments: true,
  callees: Object.keys(URL_ARGUMENTS),
  // A response only probed (`requests.get(url).status_code`) is judged by how it is used afterwards,
  // a URL by the attribute assignments of the class (`self.url = "http://..."`).
  readsFunction: true,
  onCall(call, context) {
    const where = call.callee ? URL_ARGUMENTS[call.callee] : undefined;
    if (!where) return;
    let argument: Argument | undefined;
    for (const name of where.keywords) argument ??= call.keywords.get(name);
    if (!argument && where.position !== undefined) argument = call.argument('', where.position);
    if (!argument) return;
    for (const expression of urlExpressions(argument)) {
      const prefix = stringPrefix(context.model, expression);
      if (!prefix || !/^http:\/\//i.test(prefix.text)) continue;
      if (isLoopbackUrl(prefix.text)) continue;
      if (PROBE_CAPABLE.has(call.callee ?? '') && isProbe(context.model, call.node)) continue;
      const start = !prefix.definedAt && prefix.start && within(prefix.start, call.node) ? prefix.start.startIndex : undefined;
      const related = prefix.definedAt
        ? [{ span: { start: prefix.definedAt.startIndex, end: prefix.definedAt.endIndex }, message: 'the URL is defined here' }]
        : undefined;
      const shown = prefix.complete ? prefix.text : `${prefix.text}…`;
      context.report({
        node: within(expression, call.node) ? expression : call.node,
        message: `\`${call.callee}\` fetches \`${shown.length > 60 ? shown.slice(0, 59) + '…' : shown}\` over plain HTTP: the content can be read and replaced in transit (CWE-319).`,
        related,
        fixes:
          start === undefined
            ? []
            : [{ title: 'Use `https://`', safe: false, edits: [{ start, end: start + 'http://'.length, newText: 'https://' }] }],
      });
    }
  },
});
