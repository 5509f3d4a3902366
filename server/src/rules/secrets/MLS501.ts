/** MLS501 hard-coded-credential. */
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { Fix, LiteralFormat, RelatedLocation, RuleContext, TextEdit } from '../../engine/rule';
import { stringLiteralValue } from '../../engine/semantic';
import { ATLAS, CWE_REFERENCE, enclosingString } from '../support';

// Credential formats recognised by their value alone.
interface ProviderFormat {
  label: string;
  /** Environment variable the fix reads the credential from. */
  env: string;
  /** Matches the credential; group 1 is the fixed prefix shown in messages. */
  pattern: RegExp;
  /** Checks on the random part, beyond the pattern. */
  mixedCase?: boolean;
  /** Fixed text one of which every match contains. */
  marks: readonly string[];
}

/** A format with its check of a match: the random part must look random (the rule's `literals`). */
interface Provider extends ProviderFormat, LiteralFormat {
  accept(match: RegExpMatchArray): boolean;
}

const FORMATS: ProviderFormat[] = [
  {
    label: 'Anthropic API key',
    env: 'ANTHROPIC_API_KEY',
    pattern: /(?<![A-Za-z0-9_-])(sk-ant-)[A-Za-z0-9_-]{32,}/g,
    mixedCase: true,
    marks: ['sk-ant-'],
  },
  {
    label: 'OpenAI API key',
    env: 'OPENAI_API_KEY',
    pattern: /(?<![A-Za-z0-9_-])(sk-(?!ant-)(?:proj-|svcacct-|admin-)?)[A-Za-z0-9_-]{32,}/g,
    mixedCase: true,
    marks: ['sk-'],
  },
  { label: 'Hugging Face token', env: 'HF_TOKEN', pattern: /(?<![A-Za-z0-9_])(hf_)[A-Za-z0-9]{30,}(?![A-Za-z0-9])/g, marks: ['hf_'] },
  {
    label: 'AWS access key ID',
    env: 'AWS_ACCESS_KEY_ID',
    pattern: /(?<![A-Za-z0-9])(AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g,
    marks: ['AKIA', 'ASIA'],
  },
  {
    label: 'GitHub token',
    env: 'GITHUB_TOKEN',
    pattern: /(?<![A-Za-z0-9_])(gh[pousr]_|github_pat_)[A-Za-z0-9_]{36,}(?![A-Za-z0-9_])/g,
    marks: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  },
];

/** Words that mark an example value rather than a credential. */
const PLACEHOLDER_WORDS =
  /xxx|\*\*\*|\.\.\.|…|<[^>]*>|\$\{|\{\{|%\(|your|example|placeholder|change[-_ ]?me|replace|insert|dummy|fake|mock|sample|redacted|secret|passw|token|api[-_]?key|test|todo|fixme|empty|none|null|not[-_ ]?needed|no[-_]?key|required/i;

/** True when the random part of a recognised credential looks random rather than made up. */
function looksRandom(body: string, provider: ProviderFormat): boolean {
  if (/xxx|example|your|placeholder|redacted|dummy|fake|sample/i.test(body)) return false;
  if (new Set(body).size < 8) return false;
  if (provider.env === 'AWS_ACCESS_KEY_ID') return true;
  if (!/[0-9]/.test(body) || !/[A-Za-z]/.test(body)) return false;
  return !provider.mixedCase || (/[A-Z]/.test(body) && /[a-z]/.test(body));
}

const PROVIDERS: Provider[] = FORMATS.map((format) => ({
  ...format,
  accept: (match) => looksRandom(match[0].slice(match[1].length), format),
}));

/** True when a value passed to a credential parameter looks like a real credential. */
function plausibleSecret(value: string): boolean {
  const text = value.trim();
  if (text.length < 8 || /\s/.test(text) || PLACEHOLDER_WORDS.test(text)) return false;
  if (!/[0-9]/.test(text) || !/[A-Za-z]/.test(text)) return false;
  return new Set(text).size >= 6;
}

/** A shape of the credential that is safe to print: its known prefix and last four characters. */
function masked(value: string, prefix = ''): string {
  const text = value.trim();
  if (text.length < 16) return prefix ? `${prefix}…` : '…';
  return `${prefix}…${text.slice(-4)}`;
}

// Parameters and variables that take credentials.
/** Credential keywords spelled in full; any name ending in `api_key` or `api_token` is one too. */
const CREDENTIAL_NAMES = ['hf_token', 'use_auth_token', 'auth_token', 'access_token', 'aws_secret_access_key', 'aws_session_token'];

/** Identifiers that end in a credential keyword's spelling (`openai_api_key`), found by their end. */
const KEYWORD_ENDINGS = ['api_key', 'api_token'];

/** Keywords that take a credential in any call. */
const CREDENTIAL_KEYWORD = new RegExp(String.raw`^(?:[a-z0-9]+_)*api_(?:key|token)$|^(?:${CREDENTIAL_NAMES.join('|')})$`);

/** Packages whose `token=` is a Hugging Face access token. */
const HF_PACKAGES = new Set([
  'huggingface_hub',
  'transformers',
  'datasets',
  'diffusers',
  'sentence_transformers',
  'peft',
  'evaluate',
  'timm',
  'accelerate',
  'optimum',
  'setfit',
  'trl',
]);

/** Hub methods called on objects the analyser cannot always name (`model.push_to_hub`). */
const HF_METHODS = new Set([
  'from_pretrained',
  'push_to_hub',
  'hf_hub_download',
  'snapshot_download',
  'upload_file',
  'upload_folder',
  'create_repo',
]);

/** Positional credential parameters: callee → [position, environment variable]. */
const POSITIONAL_SINKS: Record<string, [number, string]> = {
  'huggingface_hub.login': [0, 'HF_TOKEN'],
  'huggingface_hub.interpreter_login': [0, 'HF_TOKEN'],
  'huggingface_hub.HfFolder.save_token': [0, 'HF_TOKEN'],
  'huggingface_hub.HfApi': [1, 'HF_TOKEN'],
  'huggingface_hub.InferenceClient': [1, 'HF_TOKEN'],
  'wandb.login': [1, 'WANDB_API_KEY'],
};

/** The last names of the callees findSinks tells apart by their qualified name (besides keywords). */
const RESOLVED_METHODS: ReadonlySet<string> = new Set([
  ...Object.keys(POSITIONAL_SINKS).map((callee) => callee.slice(callee.lastIndexOf('.') + 1)),
  'setdefault',
  'putenv',
  'update',
]);

/** Environment variable names for `api_key=` by the package of the call. */
const API_KEY_ENV: Record<string, string> = {
  openai: 'OPENAI_API_KEY',
  langchain_openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  langchain_anthropic: 'ANTHROPIC_API_KEY',
  cohere: 'COHERE_API_KEY',
  langchain_cohere: 'COHERE_API_KEY',
  mistralai: 'MISTRAL_API_KEY',
  langchain_mistralai: 'MISTRAL_API_KEY',
  groq: 'GROQ_API_KEY',
  langchain_groq: 'GROQ_API_KEY',
  wandb: 'WANDB_API_KEY',
};

/** Words in an environment variable's name that say it holds a credential (spelled as triggers). */
const SECRET_NAME_WORDS = ['token', 'api_key', 'apikey', 'secret', 'password', 'passwd', 'access_key', 'private_key', 'credential'].flatMap(
  (w) => [w, w.toUpperCase(), w[0].toUpperCase() + w.slice(1)],
);

function secretName(name: string): boolean {
  return SECRET_NAME_WORDS.some((w) => name.includes(w));
}

// The rule.
interface Candidate {
  /** The string literal to underline. */
  literal: Node;
  value: string;
  provider?: Provider;
  prefix?: string;
  /** Where the literal is used as a credential, for the message (`\`token\` of \`login\``). */
  sink?: string;
  /** Environment variable to read instead. */
  env: string;
  /** An environment assignment: the fix would read the variable it defines. */
  definesEnv?: boolean;
  related?: RelatedLocation[];
}

export const hardCodedCredentialRule = defineRule({
  code: 'MLS501',
  name: 'hard-coded-credential',
  title: 'Credential written in the source code',
  severity: 'error',
  cwe: [798],
  threats: ['secrets-exposure'],
  atlas: ATLAS.validAccounts,
  rationale:
    'API keys and access tokens in source files travel wherever the code goes: git history (where deleting the line does not remove them), forks, notebooks shared with outputs, container images, CI logs, pasted snippets. Hub tokens with write access let whoever finds them replace models and datasets that others download; LLM provider keys are billed to the owner and give access to stored files and fine-tunes. Automated scanners find leaked keys within minutes of a public push.',
  remediation:
    'Revoke and rotate the exposed credential first, then read it at run time from the environment or a secret manager (`os.environ["HF_TOKEN"]`; `huggingface-cli login` and `wandb login` store tokens outside the project), and keep `.env` files out of version control.',
  references: [
    { title: 'Hugging Face: user access tokens', url: 'https://huggingface.co/docs/hub/security-tokens' },
    {
      title: 'OpenAI: best practices for API key safety',
      url: 'https://help.openai.com/en/articles/5112595-best-practices-for-api-key-safety',
    },
    {
      title: 'GitHub: about secret scanning',
      url: 'https://docs.github.com/en/code-security/secret-scanning/introduction/about-secret-scanning',
    },
    CWE_REFERENCE(798),
  ],
  // A literal holding a credential of a known format, wherever it stands; or a literal whose value
  // could be a credential, where a credential goes: a credential keyword or attribute (`api_key`,
  // `*_api_key`, `hf_token`…), `token=` of the Hugging Face libraries, a login function (with
  // `key=` of `wandb.login`), or an environment variable named like a credential.
  literals: {
    formats: PROVIDERS,
    value: plausibleSecret,
    sinks: [
      { names: CREDENTIAL_NAMES, nameEndings: KEYWORD_ENDINGS },
      { names: ['token'], within: [...HF_PACKAGES, ...HF_METHODS] },
      { callees: Object.keys(POSITIONAL_SINKS) },
      { callees: ['wandb.login'], names: ['key'] },
      { environment: SECRET_NAME_WORDS },
    ],
  },
  // onFile reads the literals holding a format (declared above), the calls and assignments a sink
  // can be (by the sinks' names, the environment's functions, a `**` of a dict built with a
  // credential's name), and where `os` is bound, for the fix.
  fileReads: {
    names: [
      ...CREDENTIAL_NAMES,
      'token',
      ...Object.keys(POSITIONAL_SINKS).map((callee) => callee.slice(callee.lastIndexOf('.') + 1)),
      'environ',
      'putenv',
    ],
    nameEndings: KEYWORD_ENDINGS,
    bindings: ['os'],
  },
  onFile(context) {
    const candidates = new Map<number, Candidate>();
    const add = (candidate: Candidate) => {
      const known = candidates.get(candidate.literal.id);
      if (!known) candidates.set(candidate.literal.id, candidate);
      else {
        // A recognised format names the provider; a sink says where the value goes: keep both.
        known.sink ??= candidate.sink;
        known.definesEnv ||= candidate.definesEnv;
        known.related ??= candidate.related;
        if (!known.provider) {
          known.provider = candidate.provider;
          known.prefix = candidate.prefix;
          if (candidate.provider) known.env = candidate.provider.env;
        }
      }
    };
    findFormats(context, add);
    findSinks(context, add);
    for (const candidate of candidates.values()) report(context, candidate);
  },
});

/** String literals holding a credential of a known format. */
function findFormats(context: RuleContext, add: (c: Candidate) => void): void {
  const root = context.model.tree.rootNode;
  for (const provider of PROVIDERS) {
    provider.pattern.lastIndex = 0;
    for (const match of context.text.matchAll(provider.pattern)) {
      const prefix = match[1];
      if (!provider.accept(match)) continue;
      const literal = enclosingString(root.descendantForIndex(match.index, match.index + 1));
      if (!literal) continue; // a comment or an identifier
      add({ literal, value: match[0], provider, prefix, env: provider.env });
    }
  }
}

/** Constant strings passed to parameters or variables that take credentials. */
function findSinks(context: RuleContext, add: (c: Candidate) => void): void {
  const model = context.model;
  const sink = (valueNode: Node | null | undefined, where: string, env: string, definesEnv = false) => {
    const value = context.constant(valueNode);
    if (value?.kind !== 'str' || !plausibleSecret(value.value)) return;
    const literal = value.node.type === 'string' ? value.node : value.node.type === 'concatenated_string' ? value.node : undefined;
    if (!literal) return;
    const related: RelatedLocation[] | undefined =
      value.definedAt && valueNode
        ? [{ span: { start: valueNode.startIndex, end: valueNode.endIndex }, message: `used as ${where} here` }]
        : undefined;
    add({ literal, value: value.value, sink: where, env, definesEnv, related });
  };

  // The calls a declared sink can be (a login function, a credential keyword, `**`, the environment).
  for (const call of context.literalSinkCalls()) {
    // Most of these calls pass `**kwargs` and none of what follows: the callee is resolved only
    // where it can decide something (a method's qualified name ends with its name).
    const callee = call.calleeNode.type !== 'attribute' || RESOLVED_METHODS.has(call.methodName ?? '') ? call.callee : undefined;
    const rootOf = () => call.callee?.split('.')[0] ?? '';
    const shown = `\`${call.methodName ?? 'call'}\``;
    for (const [name, argument] of call.keywords) {
      if (CREDENTIAL_KEYWORD.test(name)) {
        const env =
          name === 'api_key'
            ? (API_KEY_ENV[rootOf()] ?? 'API_KEY')
            : name === 'hf_token' || name === 'use_auth_token'
              ? 'HF_TOKEN'
              : name.toUpperCase();
        sink(argument.value, `\`${name}\` of ${shown}`, env);
      } else if (name === 'token' && (HF_METHODS.has(call.methodName ?? '') || HF_PACKAGES.has(rootOf()))) {
        sink(argument.value, `\`token\` of ${shown}`, 'HF_TOKEN');
      } else if (name === 'key' && call.is('wandb.login')) {
        sink(argument.value, '`key` of `wandb.login`', 'WANDB_API_KEY');
      }
    }
    const positional = callee && Object.hasOwn(POSITIONAL_SINKS, callee) ? POSITIONAL_SINKS[callee] : undefined;
    if (positional && !call.hasListSplat && positional[0] < call.positional.length) {
      sink(call.positional[positional[0]], `the credential of ${shown}`, positional[1]);
    }
    // os.environ.setdefault("OPENAI_API_KEY", "..."), os.putenv(...), os.environ.update(...)
    if ((callee === 'os.environ.setdefault' || callee === 'os.putenv') && call.positional.length >= 2) {
      const name = context.constant(call.positional[0]);
      if (name?.kind === 'str' && secretName(name.value)) sink(call.positional[1], `environment variable ${name.value}`, name.value, true);
    } else if (callee === 'os.environ.update') {
      for (const [name, argument] of call.keywords) if (secretName(name)) sink(argument.value, `environment variable ${name}`, name, true);
      const dict = context.constant(call.positional[0]);
      if (dict?.kind === 'dict')
        for (const [name, value] of dict.value) if (secretName(name)) sink(value, `environment variable ${name}`, name, true);
    }
  }

  // The assignments a declared sink can be: attributes first, then the environment.
  const assignments = context.literalSinkAssignments();
  for (const assignment of assignments) {
    // openai.api_key = "..."
    const target = assignment.childForFieldName('left');
    const object = target?.type === 'attribute' ? target.childForFieldName('object') : undefined;
    const value = assignment.childForFieldName('right');
    if (!target || !object || !value || target.childForFieldName('attribute')?.text !== 'api_key') continue;
    const owner = model.qualifiedName(object);
    sink(value, `\`${target.text.replace(/\s+/g, '')}\``, API_KEY_ENV[owner?.split('.')[0] ?? ''] ?? 'API_KEY');
  }
  for (const assignment of assignments) {
    // os.environ["HF_TOKEN"] = "..."
    const subscript = assignment.childForFieldName('left');
    const ref = subscript?.type === 'subscript' ? subscript.childForFieldName('value') : undefined;
    if (!ref || model.qualifiedName(ref) !== 'os.environ') continue;
    const name = context.constant(subscript!.childForFieldName('subscript'));
    if (name?.kind === 'str' && secretName(name.value))
      sink(assignment.childForFieldName('right'), `environment variable ${name.value}`, name.value, true);
  }
}

function report(context: RuleContext, candidate: Candidate): void {
  const { literal, provider } = candidate;
  const shape = masked(candidate.value, candidate.prefix ?? '');
  const what = provider ? `${provider.label} (\`${shape}\`)` : `Credential (\`${shape}\`)`;
  const where = candidate.sink ? `, used as ${candidate.sink}` : '';
  context.report({
    node: literal,
    message: `${what} is written in the source code${where}: anyone with the code, its history or a built image can use it (CWE-798). Revoke it and read it from the environment or a secret store.`,
    related: candidate.related,
    fixes: environmentFix(context, candidate),
  });
}

/** Parents under which a string literal can be replaced by `os.environ["..."]` as is. */
const REPLACEABLE_IN = new Set([
  'assignment',
  'keyword_argument',
  'argument_list',
  'pair',
  'list',
  'tuple',
  'return_statement',
  'default_parameter',
  'typed_default_parameter',
  'parenthesized_expression',
  'expression_list',
]);

/**
 * Replaces the literal with `os.environ["NAME"]`, importing `os` when the file does not. Offered
 * only when the literal is the credential and nothing else, sits where any expression may, is
 * not itself defining that environment variable, and `os` is free or already the module.
 */
function environmentFix(context: RuleContext, candidate: Candidate): Fix[] {
  const { literal } = candidate;
  if (literal.type !== 'string' || candidate.definesEnv) return [];
  const text = stringLiteralValue(literal);
  if (text === undefined || text.trim() !== text || (candidate.provider && text !== candidate.value)) return [];
  if (/b/i.test(literal.children[0]?.text ?? '')) return [];
  const parent = literal.parent;
  if (!parent || !REPLACEABLE_IN.has(parent.type)) return [];
  if (parent.type === 'pair' && parent.childForFieldName('value')?.id !== literal.id) return [];
  if (parent.type === 'assignment' && parent.childForFieldName('right')?.id !== literal.id) return [];
  for (let n: Node | null = parent; n; n = n.parent) if (n.type === 'interpolation') return [];
  // Default values are evaluated where the function is defined, not in its body.
  let where = literal.startIndex;
  for (let n: Node | null = parent; n && n.type !== 'block' && n.type !== 'module'; n = n.parent) {
    if (n.type === 'parameters' || n.type === 'lambda_parameters') {
      where = n.parent?.startIndex ?? where;
      break;
    }
  }
  const os = context.model.lookup('os', where);
  if (os && !(os.kind === 'import' && os.qualifiedName === 'os')) return [];
  const env = candidate.env.replace(/[^A-Za-z0-9_]/g, '_');
  const edits: TextEdit[] = [{ start: literal.startIndex, end: literal.endIndex, newText: `os.environ["${env}"]` }];
  if (!os) edits.push(importOsEdit(context));
  return [{ title: `Read the credential from \`os.environ["${env}"]\``, safe: false, edits }];
}

/** An edit adding `import os` after the module docstring, leading comments and `__future__` imports. */
function importOsEdit(context: RuleContext): TextEdit {
  const root = context.model.tree.rootNode;
  let after: Node | undefined;
  let sawStatement = false;
  for (const child of root.namedChildren) {
    if (!child) continue;
    if (child.type === 'comment' && !sawStatement) {
      after = child;
      continue;
    }
    const isDocstring =
      !sawStatement &&
      child.type === 'expression_statement' &&
      child.namedChildren.length === 1 &&
      child.namedChildren[0]?.type === 'string';
    if (isDocstring || child.type === 'future_import_statement') {
      after = child;
      sawStatement = true;
      continue;
    }
    break;
  }
  if (!after) return { start: 0, end: 0, newText: 'import os\n' };
  const newline = context.text.indexOf('\n', after.endIndex);
  if (newline < 0) return { start: context.text.length, end: context.text.length, newText: '\nimport os\n' };
  return { start: newline + 1, end: newline + 1, newText: 'import os\n' };
}
