/** MLS202 unpinned-hub-download. */
import { CallSite } from '../../engine/callSite';
import type { Argument } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { RelatedLocation, RuleContext } from '../../engine/rule';
import type { SemanticModel } from '../../engine/semantic';
import {
  OWASP,
  ATLAS,
  CWE_REFERENCE,
  callsNamed,
  constantOf,
  isConstTrue,
  definedAt,
  keywordArguments,
  within,
  stringOf,
} from '../support';
import { FULL_SHA } from './helpers';

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

/** The last names of the datasets loaders (hubTarget's `dataset` kind). */
const DATASET_LOADERS = new Set(['load_dataset', 'load_dataset_builder']);

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
  const add = (value: Node | null | undefined) => {
    const constant = value ? context.constant(value) : undefined;
    if (constant?.kind === 'str') found!.add(constant.value.replace(/\/+$/, ''));
  };
  // Found where the keywords and method names are written, not by visiting every call.
  for (const { argument } of keywordArguments(context, DIRECTORY_KEYWORDS)) add(argument.childForFieldName('value'));
  for (const { fn, args } of callsNamed(context, SAVE_METHODS)) {
    const first = args.namedChildren.find((c) => c && c.type !== 'comment');
    if (fn.type === 'attribute' && first && first.type !== 'keyword_argument') add(first);
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
    const second = first && !stringOf(context, first) ? call.argument('', 1) : undefined;
    if (second && stringOf(context, second) && /peft/i.test(call.callee ?? call.calleeNode.text))
      return { argument: second, kind: 'model' };
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
  // A repository id that the file saved a model to is a local directory (see writtenDirectories).
  readsConstants: { methods: [...SAVE_METHODS], positions: [0], keywords: DIRECTORY_KEYWORDS },
  methods: ['from_pretrained', 'hf_hub_download', 'snapshot_download'],
  // Every finding judges a constant repository id (hubTarget): the first or second positional
  // argument, or one of these keywords.
  constantArguments: {
    positions: [0, 1],
    keywords: [...FROM_PRETRAINED_ID_KEYWORDS, 'model', 'path', 'model_name'],
    // A repository id; for the datasets loaders, not the name of a packaged builder (`"imagefolder"`).
    value: (id, word) => isHubId(id) && !(DATASET_LOADERS.has(word) && PACKAGED_BUILDERS.has(id)),
  },
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
