/**
 * MLS2xx: remote code, unpinned downloads, unverified transport. Models, datasets and the code
 * that loads them come from hubs and web servers; these rules flag the places where a program
 * accepts whatever those servers (or anyone between them and the program) hand back.
 */
import { CallSite } from '../engine/callSite';
import type { Argument } from '../engine/callSite';
import type { Node } from '../engine/parser';
import { defineRule } from '../engine/rule';
import type { Fix, RelatedLocation, Rule, RuleContext } from '../engine/rule';
import type { ConstValue, SemanticModel } from '../engine/semantic';
import { ATLAS, CWE_REFERENCE, OWASP, constantOf, definedAt, fixes, isConstFalse, isConstTrue, replaceValueFix, snippet } from './support';

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** True when `inner` lies inside `outer` (by offsets). */
function within(inner: Node, outer: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

/** A fix replacing a value, offered only when the literal is written in the call itself. */
function inlineReplaceFix(
  title: string,
  call: CallSite,
  argument: Argument,
  value: ConstValue | undefined,
  newText: string,
): Fix | undefined {
  if (!value || value.definedAt || !within(argument.value, call.node)) return undefined;
  return replaceValueFix(title, argument, newText, false);
}

/** The string constant of an argument (through names), or undefined. */
function stringOf(context: RuleContext, argument: Argument | undefined): (ConstValue & { kind: 'str' }) | undefined {
  const value = constantOf(context, argument);
  return value?.kind === 'str' ? value : undefined;
}

/**
 * The identifiers spelled `word` in the file, found by scanning the text (cheap) and asking the
 * tree for the node at each occurrence, so strings and comments mentioning it are skipped.
 */
function identifiersSpelled(context: RuleContext, word: string): Node[] {
  const found: Node[] = [];
  const root = context.model.tree.rootNode;
  for (let i = context.text.indexOf(word); i >= 0; i = context.text.indexOf(word, i + word.length)) {
    const node = root.descendantForIndex(i, i + word.length);
    if (node?.type === 'identifier' && node.text === word && node.startIndex === i) found.push(node);
  }
  return found;
}

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

/** `target = value` where target is the attribute ending in `identifier`: the assignment. */
function attributeAssignment(identifier: Node): { assignment: Node; object: Node; value: Node } | undefined {
  const attribute = identifier.parent;
  if (attribute?.type !== 'attribute' || attribute.childForFieldName('attribute')?.id !== identifier.id) return undefined;
  const assignment = attribute.parent;
  if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.id !== attribute.id) return undefined;
  const object = attribute.childForFieldName('object');
  const value = assignment.childForFieldName('right');
  return object && value ? { assignment, object, value } : undefined;
}

function importsAny(model: SemanticModel, packages: string[]): boolean {
  const imported = model.importedPackages();
  return packages.some((p) => imported.includes(p));
}

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
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// MLS201 trust-remote-code

/** `trust_remote_code` given directly, or inside a dict passed as a keyword (`model_kwargs={...}`). */
function trustRemoteCodeArguments(call: CallSite, context: RuleContext): Argument[] {
  const found: Argument[] = [];
  const direct = call.keywords.get('trust_remote_code');
  if (direct) found.push(direct);
  for (const [name, argument] of call.keywords) {
    if (name === 'trust_remote_code') continue;
    const dict = context.constant(argument.value);
    if (dict?.kind !== 'dict') continue;
    const nested = dict.value.get('trust_remote_code');
    if (nested) found.push({ value: nested, node: nested.parent ?? nested, fromSplat: true });
  }
  return found;
}

/** Calls that can carry `trust_remote_code`: spelled in the arguments, or hidden in a `**` or a named dict. */
function mayCarryTrustRemoteCode(callNode: Node): boolean {
  const args = callNode.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return false;
  for (const arg of args.namedChildren) {
    if (!arg) continue;
    if (arg.type === 'dictionary_splat') return true;
    if (arg.type === 'keyword_argument' && arg.childForFieldName('value')?.type === 'identifier') return true;
  }
  return args.text.includes('trust_remote_code');
}

/** The `**DICT` argument of a call that brings `trust_remote_code` in from a dict defined elsewhere. */
function splatCarrying(call: CallSite, context: RuleContext): Node | undefined {
  for (const arg of call.argumentList?.namedChildren ?? []) {
    if (arg?.type !== 'dictionary_splat') continue;
    const dict = context.constant(arg.namedChildren[0]);
    if (dict?.kind === 'dict' && dict.value.has('trust_remote_code')) return arg;
  }
  for (const argument of call.keywords.values()) {
    if (argument.fromSplat || !within(argument.node, call.node)) continue;
    const dict = context.constant(argument.value);
    if (dict?.kind === 'dict' && dict.value.has('trust_remote_code')) return argument.node;
  }
  return undefined;
}

/**
 * The full commit sha the remote code is pinned to: `code_revision=` when given (transformers
 * loads custom code from there), else `revision=`; undefined when either names something that
 * can move (a branch, a tag, a short sha, a computed value).
 */
function pinnedCodeCommit(call: CallSite, context: RuleContext): string | undefined {
  const codeRevision = call.keywords.get('code_revision');
  const argument = codeRevision ?? call.keywords.get('revision');
  if (!argument) return undefined;
  if (codeRevision && call.keywords.get('revision')) {
    // Both given: the weights' revision must be pinned too, or the reviewed pair can change.
    const weights = stringOf(context, call.keywords.get('revision')!);
    if (!weights || !FULL_SHA.test(weights.value)) return undefined;
  }
  const value = stringOf(context, argument);
  return value && FULL_SHA.test(value.value) ? value.value : undefined;
}

export const trustRemoteCodeRule = defineRule({
  code: 'MLS201',
  name: 'trust-remote-code',
  title: '`trust_remote_code=True` runs Python code shipped with a model or dataset',
  severity: 'error',
  cwe: [494, 829],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.maliciousModel,
  rationale:
    'With `trust_remote_code=True`, Hugging Face loaders (transformers `from_pretrained` and `pipeline`, `datasets.load_dataset`, sentence-transformers and others) download Python modules from the model or dataset repository and import them. Whoever controls that repository, or any later commit of it, runs code with the permissions of the training or serving process: reading credentials, tampering with weights, moving laterally. A typosquatted or compromised repository is enough.',
  remediation:
    'Remove `trust_remote_code=True` and use architectures supported natively by the library. If custom code is unavoidable, review it, pin the repository to a full commit sha with `revision=`, or vendor the code into your project.',
  references: [
    { title: 'transformers: using custom models', url: 'https://huggingface.co/docs/transformers/custom_models' },
    { title: 'Hugging Face Hub security', url: 'https://huggingface.co/docs/hub/security' },
    CWE_REFERENCE(494),
  ],
  triggers: ['trust_remote_code'],
  onFile(context) {
    if (!context.text.includes('trust_remote_code')) return;
    for (const callNode of context.model.calls) {
      if (!mayCarryTrustRemoteCode(callNode)) continue;
      const call = new CallSite(callNode, context.model);
      // `dict(trust_remote_code=True)` builds the options; the call that receives them is reported.
      if (call.is('dict')) continue;
      for (const argument of trustRemoteCodeArguments(call, context)) {
        const value = constantOf(context, argument);
        if (!isConstTrue(value)) continue;
        const inCall = within(argument.node, call.node);
        const splat = inCall ? undefined : splatCarrying(call, context);
        const related: RelatedLocation[] = [...(definedAt(context, value, '`trust_remote_code` is set to True here') ?? [])];
        if (!inCall)
          related.push({
            span: { start: argument.node.startIndex, end: argument.node.endIndex },
            message: '`trust_remote_code: True` comes from this dict',
          });
        const what = call.callee ?? snippet(call.calleeNode);
        const pinned = pinnedCodeCommit(call, context);
        context.report({
          node: inCall ? argument.node : (splat ?? call.node),
          message: pinned
            ? `\`${what}\` with \`trust_remote_code=True\` runs Python code from the repository, pinned to commit ${pinned.slice(0, 12)}…: a reproducible choice, reported as a warning. Review the code of that commit, and again whenever the pin changes (CWE-494).`
            : `\`${what}\` with \`trust_remote_code=True\` lets the loader download and run Python code from the model or dataset repository (CWE-494).`,
          // The code that runs is fixed and can be reviewed once, so it is not an error; it is
          // still remote code, so it stays a finding.
          severity: pinned ? 'warning' : undefined,
          related: related.length > 0 ? related : undefined,
          fixes: fixes(
            value && !value.definedAt && within(argument.value, call.node) && argument.value.type === 'true'
              ? {
                  title: 'Set `trust_remote_code=False`',
                  safe: false,
                  edits: [{ start: argument.value.startIndex, end: argument.value.endIndex, newText: 'False' }],
                }
              : undefined,
          ),
        });
      }
    }
  },
});

// ---------------------------------------------------------------------------------------------
// MLS202 unpinned-hub-download

const FULL_SHA = /^[0-9a-f]{40}$/i;
/** A Hugging Face repo id: `name` or `owner/name`, letters, digits, `-`, `_`, `.`. */
const HUB_ID = /^[A-Za-z0-9][\w.-]{0,95}(\/[A-Za-z0-9][\w.-]{0,95})?$/;
const FILE_EXTENSION =
  /\.(json|bin|pt|pth|safetensors|onnx|h5|hdf5|ckpt|gguf|ggml|pkl|pickle|model|txt|csv|tsv|parquet|arrow|yaml|yml|zip|tar|gz|tgz|msgpack|npz|npy|tflite|pb|keras|jsonl|xml|py)$/i;
/** Builders packaged with `datasets`: they read local or given files, not a hub repository. */
const PACKAGED_BUILDERS = new Set([
  'csv',
  'json',
  'parquet',
  'text',
  'arrow',
  'pandas',
  'sql',
  'imagefolder',
  'audiofolder',
  'videofolder',
  'webdataset',
  'xml',
  'generator',
  'spark',
  'cache',
  'folder_based_builder',
]);

/** True when a constant model or dataset id names a hub repository rather than a local path. */
export function isHubId(id: string): boolean {
  return HUB_ID.test(id) && !FILE_EXTENSION.test(id) && !id.includes('..');
}

/**
 * Directories the file itself writes models to (`save_pretrained("finetuned")`,
 * `output_dir="finetuned"`, `local_dir=...`): loading them back is not a hub download even when
 * the name looks like a repo id. Computed once per file.
 */
const savedDirectories = new WeakMap<SemanticModel, Set<string>>();
const SAVE_METHODS = new Set(['save_pretrained', 'save_model', 'save_to_disk', 'save']);
const DIRECTORY_KEYWORDS = ['output_dir', 'save_directory', 'local_dir', 'logging_dir'];

function writtenDirectories(context: RuleContext): Set<string> {
  let found = savedDirectories.get(context.model);
  if (found) return found;
  found = new Set();
  for (const callNode of context.model.calls) {
    const fn = callNode.childForFieldName('function');
    const args = callNode.childForFieldName('arguments');
    if (!args || args.type !== 'argument_list') continue;
    const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
    for (const arg of args.namedChildren) {
      if (!arg) continue;
      let value: Node | null = null;
      if (arg.type === 'keyword_argument') {
        if (DIRECTORY_KEYWORDS.includes(arg.childForFieldName('name')?.text ?? '')) value = arg.childForFieldName('value');
      } else if (method && SAVE_METHODS.has(method) && arg.id === args.namedChildren.find((c) => c && c.type !== 'comment')?.id) {
        value = arg;
      }
      const constant = value ? context.constant(value) : undefined;
      if (constant?.kind === 'str') found.add(constant.value.replace(/\/+$/, ''));
    }
  }
  savedDirectories.set(context.model, found);
  return found;
}

const FROM_PRETRAINED_ID_KEYWORDS = ['pretrained_model_name_or_path', 'model_id', 'model_name_or_path', 'repo_id'];

interface HubTarget {
  /** The argument holding the repo id. */
  argument: Argument | undefined;
  kind: 'model' | 'dataset' | 'repository';
}

function hubTarget(call: CallSite, context: RuleContext): HubTarget | undefined {
  if (call.methodName === 'from_pretrained' && call.calleeNode.type === 'attribute') {
    for (const name of FROM_PRETRAINED_ID_KEYWORDS) {
      const keyword = call.keywords.get(name);
      if (keyword) return { argument: keyword, kind: 'model' };
    }
    const first = call.argument('', 0);
    // PEFT adapters: `PeftModel.from_pretrained(base_model, "org/adapter")`.
    if (first && !stringOf(context, first) && /peft/i.test(call.callee ?? call.calleeNode.text))
      return { argument: call.argument('', 1), kind: 'model' };
    return { argument: first, kind: 'model' };
  }
  if (call.is('transformers.pipeline', 'transformers.pipelines.pipeline')) return { argument: call.argument('model', 1), kind: 'model' };
  if (
    call.is('datasets.load_dataset', 'datasets.load.load_dataset', 'datasets.load_dataset_builder', 'datasets.load.load_dataset_builder')
  ) {
    return { argument: call.argument('path', 0), kind: 'dataset' };
  }
  const apiDownload =
    (call.methodName === 'hf_hub_download' || call.methodName === 'snapshot_download') &&
    call.receiverIsInstanceOf('huggingface_hub.HfApi', 'huggingface_hub.hf_api.HfApi');
  if (apiDownload || call.is(...HUB_DOWNLOADS)) return { argument: call.argument('repo_id', 0), kind: 'repository' };
  if (call.is(...SENTENCE_TRANSFORMERS))
    return { argument: call.argument('model_name_or_path', 0) ?? call.argument('model_name', 0), kind: 'model' };
  return undefined;
}

const HUB_DOWNLOADS = [
  'huggingface_hub.hf_hub_download',
  'huggingface_hub.file_download.hf_hub_download',
  'huggingface_hub.snapshot_download',
  'huggingface_hub._snapshot_download.snapshot_download',
];
const SENTENCE_TRANSFORMERS = [
  'sentence_transformers.SentenceTransformer',
  'sentence_transformers.SentenceTransformer.SentenceTransformer',
  'sentence_transformers.CrossEncoder',
  'sentence_transformers.cross_encoder.CrossEncoder',
];

export const unpinnedHubDownloadRule = defineRule({
  code: 'MLS202',
  name: 'unpinned-hub-download',
  title: 'Model or dataset downloaded from the Hugging Face Hub without a pinned commit',
  severity: 'warning',
  cwe: [494, 1357],
  threats: ['model-tampering', 'data-poisoning'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.supplyChain,
  rationale:
    'A hub repository id such as `org/model` names a moving target: without `revision=` the library fetches the head of the default branch, and a branch or tag name can be moved by anyone with write access to the repository. A compromised or hijacked account, or a careless maintainer, can replace weights, tokenizer files, configuration or dataset rows, and every later run silently picks them up. Only a full commit sha identifies an immutable snapshot.',
  remediation:
    'Pass `revision="<40-character commit sha>"` (copy it from the repository\'s commit history), or download once, review, and load from a local directory.',
  references: [
    { title: 'huggingface_hub: download files (revision)', url: 'https://huggingface.co/docs/huggingface_hub/guides/download' },
    { title: 'transformers: from_pretrained revision argument', url: 'https://huggingface.co/docs/transformers/main_classes/model' },
    CWE_REFERENCE(494),
  ],
  triggers: ['from_pretrained', 'pipeline', 'hf_hub_download', 'snapshot_download', 'load_dataset', 'SentenceTransformer', 'CrossEncoder'],
  // A repository id that the file saved a model to is a local directory (see writtenDirectories).
  fileContext: [...SAVE_METHODS, ...DIRECTORY_KEYWORDS],
  methods: ['from_pretrained', 'hf_hub_download', 'snapshot_download'],
  callees: [
    'transformers.pipeline',
    'transformers.pipelines.pipeline',
    'datasets.load_dataset',
    'datasets.load.load_dataset',
    'datasets.load_dataset_builder',
    'datasets.load.load_dataset_builder',
    ...HUB_DOWNLOADS,
    ...SENTENCE_TRANSFORMERS,
  ],
  onCall(call, context) {
    const target = hubTarget(call, context);
    if (!target?.argument) return;
    // A non-constant id (a parameter, a CLI option, a config value) is the caller's decision.
    const id = stringOf(context, target.argument);
    if (!id || !isHubId(id.value)) return;
    if (target.kind === 'dataset' && PACKAGED_BUILDERS.has(id.value)) return;
    if (isConstTrue(constantOf(context, call.keywords.get('local_files_only')))) return;
    if (writtenDirectories(context).has(id.value)) return;
    const revision = call.keywords.get('revision');
    const related: RelatedLocation[] = [...(definedAt(context, id, 'the repository id is defined here') ?? [])];
    const what = target.kind === 'dataset' ? 'dataset' : target.kind === 'model' ? 'model' : 'repository';
    const value = revision ? constantOf(context, revision) : undefined;
    if (!revision || value?.kind === 'none') {
      if (!revision && call.hasOpaqueKwargs) return; // `revision` may come through **kwargs
      context.report({
        node: revision && within(revision.node, call.node) ? revision.node : call.node,
        message: `Hub ${what} \`${id.value}\` is downloaded without a \`revision=\`: the latest commit of its default branch is used, whatever it contains. Pin a full commit sha.`,
        related: related.length > 0 ? related : undefined,
      });
      return;
    }
    if (value === undefined) return; // computed revision: the caller's decision
    if (value.kind === 'str' && FULL_SHA.test(value.value)) return;
    const shown = value.kind === 'str' ? `\`"${value.value}"\`` : `\`${value.node.text}\``;
    const why =
      value.kind !== 'str'
        ? 'which is not a commit sha'
        : /^[0-9a-f]{7,39}$/i.test(value.value)
          ? 'an abbreviated sha, not a full commit id'
          : 'a branch or tag that can be moved';
    related.push(...(definedAt(context, value, 'the revision is set here') ?? []));
    context.report({
      node: within(revision.node, call.node) ? revision.node : call.node,
      message: `Hub ${what} \`${id.value}\` is pinned to ${shown}, ${why}. Pin a full 40-character commit sha.`,
      related: related.length > 0 ? related : undefined,
    });
  },
});

// ---------------------------------------------------------------------------------------------
// MLS203 torch-hub-unverified

const HUB_REPO_LOADERS = ['torch.hub.load', 'torch.hub.list', 'torch.hub.help'];
const STATE_DICT_FROM_URL = [
  'torch.hub.load_state_dict_from_url',
  'torch.utils.model_zoo.load_url',
  'torchvision.models.utils.load_state_dict_from_url',
  'torchvision._internally_replaced_utils.load_state_dict_from_url',
];
const DOWNLOAD_URL_TO_FILE = ['torch.hub.download_url_to_file'];
const MOVING_REFS = new Set(['main', 'master', 'dev', 'develop', 'development', 'head', 'trunk', 'nightly', 'latest']);

function checkTorchHubRepo(call: CallSite, context: RuleContext): void {
  const source = stringOf(context, call.keywords.get('source'));
  if (source?.value === 'local') return;
  const trust = call.keywords.get('trust_repo');
  const trustValue = constantOf(context, trust);
  const repo = stringOf(context, call.argument('github', 0) ?? call.argument('repo_or_dir', 0));
  const problems: string[] = [];
  let pinned = true;
  if (repo && /^[\w.-]+\/[\w.-]+(:.*)?$/.test(repo.value)) {
    const ref = repo.value.includes(':') ? repo.value.slice(repo.value.indexOf(':') + 1) : '';
    if (!ref) {
      pinned = false;
      problems.push(`\`${repo.value}\` names no ref, so the default branch is fetched`);
    } else if (MOVING_REFS.has(ref.toLowerCase())) {
      pinned = false;
      problems.push(`\`${repo.value}\` follows the branch \`${ref}\``);
    }
  }
  const trusted = isConstTrue(trustValue);
  if (trusted) problems.unshift('`trust_repo=True` skips the confirmation for an untrusted repository');
  if (problems.length === 0) return;
  const related: RelatedLocation[] = [
    ...(!pinned ? (definedAt(context, repo, 'the repository is named here') ?? []) : []),
    ...(trusted ? (definedAt(context, trustValue, '`trust_repo` is set to True here') ?? []) : []),
  ];
  context.report({
    node: call.node,
    severity: trusted ? 'error' : undefined,
    message: `\`${call.callee}\` imports and runs the repository's hubconf.py: ${problems.join('; ')}. Pin a commit (\`owner/repo:<sha>\`) and keep the trust check.`,
    related: related.length > 0 ? related : undefined,
    fixes: fixes(trusted && trust ? inlineReplaceFix('Set `trust_repo="check"`', call, trust, trustValue, '"check"') : undefined),
  });
}

export const torchHubUnverifiedRule = defineRule({
  code: 'MLS203',
  name: 'torch-hub-unverified',
  title: 'torch.hub code or weights fetched without a pinned ref or hash check',
  severity: 'warning',
  cwe: [494, 829],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.supplyChain,
  rationale:
    "`torch.hub.load`, `list` and `help` download a GitHub repository and import its `hubconf.py`, so the repository's code runs in your process. Without a ref in `owner/repo:ref` the default branch is taken as it is today, and `trust_repo=True` disables the prompt that protects against repositories you have never used. `load_state_dict_from_url` and `download_url_to_file` fetch weight files from any URL; without `check_hash=True` or `hash_prefix=` a file replaced on the server, or in transit, is used as is.",
  remediation:
    'Use `owner/repo:<commit sha>` (or at least a release tag) and leave `trust_repo` at its default or "check"; pass `check_hash=True` to `load_state_dict_from_url` (with a file name carrying the sha256 prefix) and `hash_prefix=` to `download_url_to_file`.',
  references: [
    { title: 'torch.hub documentation', url: 'https://pytorch.org/docs/stable/hub.html' },
    CWE_REFERENCE(494),
    CWE_REFERENCE(829),
  ],
  triggers: ['hub', 'load_url', 'load_state_dict_from_url'],
  callees: [...HUB_REPO_LOADERS, ...STATE_DICT_FROM_URL, ...DOWNLOAD_URL_TO_FILE],
  onCall(call, context) {
    if (call.is(...HUB_REPO_LOADERS)) {
      checkTorchHubRepo(call, context);
      return;
    }
    if (call.is(...STATE_DICT_FROM_URL)) {
      const check = call.argument('check_hash', 4);
      if (!check && (call.hasOpaqueKwargs || call.hasListSplat)) return;
      const value = constantOf(context, check);
      if (check && !isConstFalse(value) && value?.kind !== 'none' && !(value?.kind === 'num' && value.value === 0)) return;
      context.report({
        node: check && within(check.node, call.node) ? check.node : call.node,
        message: `\`${call.callee}\` without \`check_hash=True\` uses the downloaded weights without verifying their sha256 (CWE-494).`,
        related: definedAt(context, value, '`check_hash` is set here'),
      });
      return;
    }
    if (call.is(...DOWNLOAD_URL_TO_FILE)) {
      const hash = call.argument('hash_prefix', 2);
      if (!hash && (call.hasOpaqueKwargs || call.hasListSplat)) return;
      const value = constantOf(context, hash);
      if (hash && value?.kind !== 'none' && !(value?.kind === 'str' && value.value === '')) return;
      context.report({
        node: hash && within(hash.node, call.node) ? hash.node : call.node,
        message: '`torch.hub.download_url_to_file` without `hash_prefix=` stores the file without verifying its sha256 (CWE-494).',
        related: definedAt(context, value, '`hash_prefix` is set here'),
      });
    }
  },
});

// ---------------------------------------------------------------------------------------------
// MLS204 insecure-download

/** Download functions and where their URL is: keyword names and position. */
const URL_ARGUMENTS: Record<string, { keywords: string[]; position?: number }> = {};
function urlTakers(names: string[], keywords: string[], position?: number): void {
  for (const name of names) URL_ARGUMENTS[name] = { keywords, position };
}
const REQUESTS_VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];
const REQUESTS_SESSIONS = ['requests.Session', 'requests.session', 'requests.sessions.Session', 'requests.sessions.session'];
const HTTPX_CLIENTS = ['httpx.Client', 'httpx.AsyncClient'];
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
  triggers: ['http://', 'HTTP://', 'Http://'],
  callees: Object.keys(URL_ARGUMENTS),
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

// ---------------------------------------------------------------------------------------------
// MLS205 tls-verification-disabled

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

/** What MLS205 reacts to in code (see its `mayFire`). */
const TLS_CODE = /CERT_NONE|_create_unverified_context|check_hostname|verify\s*=(?!=)|\.\s*verify/g;

function disablesVerification(value: ConstValue | undefined): boolean {
  return isConstFalse(value) || (value?.kind === 'num' && value.value === 0);
}

function reportVerifyArgument(call: CallSite, context: RuleContext, argument: Argument, what: string): void {
  const value = constantOf(context, argument);
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
  triggers: ['verify', 'CERT_NONE', '_create_unverified_context', 'check_hostname'],
  findingsShowTriggers: true,
  // Each finding names one of them whole (`verify=False`, `"verify": False`, `ctx.check_hostname`):
  // `verify_mode` or `CERT_NONE_X` cannot hold one, nor a call of some `verify()` function.
  partialParseWords: { words: ['CERT_NONE', '_create_unverified_context'], settings: ['verify', 'check_hostname'] },
  // `verify` alone is a common word: it matters as a keyword or an attribute in code, or as a
  // `**` dict key; `CERT_NONE` as a name or urllib3's string.
  mayFire: (source) => /["'](?:verify|CERT_NONE)["']/.test(source.text) || source.matchesCode(TLS_CODE),
  callees: [...VERIFY_CALLEES, ...URLLIB3_POOLS, 'ssl._create_unverified_context'],
  methods: HTTP_METHODS,
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

export const supplyChainRules: Rule[] = [
  trustRemoteCodeRule,
  unpinnedHubDownloadRule,
  torchHubUnverifiedRule,
  insecureDownloadRule,
  tlsVerificationDisabledRule,
];
