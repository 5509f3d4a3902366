/** MLS406: Jupyter servers without authentication. */
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { Report } from '../../engine/rule';
import { stringLiteralValue } from '../../engine/semantic';
import { CWE_REFERENCE, enclosingString, identifiersSpelled, attributeAssignment } from '../support';

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
  names: JUPYTER_CLASSES,
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
