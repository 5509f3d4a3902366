/** MLS206 archive-path-traversal: extracting tar and zip archives that may name paths outside the target. */
import type { CallSite } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { RuleContext } from '../../engine/rule';
import type { SemanticModel } from '../../engine/semantic';
import { CALL_RESULT_SUFFIX } from '../../engine/semantic';
import { ATLAS, CWE_REFERENCE, OWASP, addKeywordFix, fixes, receiverName, receiverNode, spelled } from '../support';

/** How a tar archive object is made. */
const TAR_MAKERS = ['tarfile.open', 'tarfile.TarFile', 'tarfile.TarFile.open', 'tarfile.TarFile.taropen', 'tarfile.TarFile.gzopen'];

const ZIP_MAKERS = ['zipfile.ZipFile', 'zipfile.PyZipFile'];

/** Extraction filters that refuse members outside the target (Python 3.12+, backported to 3.8.17+). */
const SAFE_FILTERS = new Set(['data', 'tar']);

const SAFE_FILTER_FUNCTIONS = new Set(['tarfile.data_filter', 'tarfile.tar_filter']);

/** Calls whose result is a file or bytes fetched from elsewhere (a download or an upload). */
const FETCHERS = new Set([
  'urllib.request.urlretrieve',
  'urllib.request.urlopen',
  'requests.get',
  'requests.request',
  'httpx.get',
  'wget.download',
  'gdown.download',
  'huggingface_hub.hf_hub_download',
  'huggingface_hub.snapshot_download',
  'tensorflow.keras.utils.get_file',
  'keras.utils.get_file',
  'datasets.utils.file_utils.cached_path',
  'cached_path.cached_path',
  'fsspec.open',
  'boto3.client().download_file',
]);

/** Names of uploaded files in web frameworks (`request.files["a"]`, `UploadFile.file`). */
const UPLOADS = /^(?:flask\.request\.files|django\.http\.request|fastapi\.UploadFile|starlette\.datastructures\.UploadFile)/;

const MAX_DEPTH = 6;

/**
 * True when an expression is (built from) something fetched over the network or uploaded: a call
 * of a download function, its `.content`/`.raw`/`.read()`, `io.BytesIO` of that, a `with` target
 * or name bound to one, or a framework's uploaded file. Only local, cheap facts: no data flow
 * across functions.
 */
export function fetched(model: SemanticModel, node: Node | null | undefined, depth = 0): Node | undefined {
  if (!node || depth > MAX_DEPTH) return undefined;
  switch (node.type) {
    case 'identifier': {
      const binding = model.lookup(node.text, node.startIndex);
      if (binding?.kind === 'assign' && binding.value && binding.node.id !== node.id) return fetched(model, binding.value, depth + 1);
      // `path, _ = urlretrieve(url)`: a tuple target of a fetching call.
      const assignment = binding?.node.parent?.parent;
      if (binding?.kind === 'other' && assignment?.type === 'assignment')
        return fetched(model, assignment.childForFieldName('right'), depth + 1);
      return undefined;
    }
    case 'call': {
      const name = model.qualifiedName(node.childForFieldName('function') ?? node) ?? '';
      if (FETCHERS.has(name) || FETCHERS.has(name.replace(/\(\)\./, '().'))) return node;
      const fn = node.childForFieldName('function');
      const args = node.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
      // io.BytesIO(resp.content), resp.read(), open(downloaded_path, "rb")
      if (name === 'io.BytesIO' || name === 'open' || name === 'builtins.open') return fetched(model, args[0], depth + 1);
      if (fn?.type === 'attribute') return fetched(model, fn.childForFieldName('object'), depth + 1);
      return undefined;
    }
    case 'attribute': {
      const name = model.qualifiedName(node);
      if (name && UPLOADS.test(name)) return node;
      return fetched(model, node.childForFieldName('object'), depth + 1);
    }
    case 'subscript':
      return fetched(model, node.childForFieldName('value'), depth + 1);
    case 'parenthesized_expression':
      return fetched(model, node.namedChildren[0], depth + 1);
    default:
      return undefined;
  }
}

/** The call that made the archive object a method is called on (`tarfile.open(path)`), if visible. */
function archiveMaker(model: SemanticModel, receiver: Node | undefined, depth = 0): Node | undefined {
  if (!receiver || depth > MAX_DEPTH) return undefined;
  if (receiver.type === 'call') return receiver;
  if (receiver.type !== 'identifier') return undefined;
  const binding = model.lookup(receiver.text, receiver.startIndex);
  if (binding?.kind === 'assign' && binding.value) return archiveMaker(model, binding.value, depth + 1);
  // `with tarfile.open(path) as tar:`
  const target = binding?.node.parent;
  const pattern = target?.type === 'as_pattern_target' ? target.parent : undefined;
  if (pattern?.type === 'as_pattern' && pattern.parent?.type === 'with_item') return pattern.namedChildren[0] ?? undefined;
  return undefined;
}

/** True when the enclosing function checks member paths before extracting (a hand-written guard). */
function checksMembers(context: RuleContext, call: CallSite): boolean {
  const scope = context.model.scopeAt(call.node.startIndex);
  const body = context.text.slice(scope.kind === 'module' ? 0 : scope.start, Math.min(scope.end, context.text.length));
  return (
    /\b(?:getmembers|getnames|infolist|namelist)\s*\(/.test(body) &&
    /\b(?:commonpath|commonprefix|realpath|abspath|is_relative_to|resolve)\b/.test(body) &&
    /\b(?:raise|continue)\b/.test(body)
  );
}

export const archivePathTraversalRule = defineRule({
  code: 'MLS206',
  name: 'archive-path-traversal',
  title: 'Archive extracted without a check of the paths inside it',
  severity: 'warning',
  cwe: [22],
  threats: ['model-tampering', 'data-poisoning'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.supplyChain,
  rationale:
    'Datasets, checkpoints and model bundles often arrive as tar or zip archives. An archive names the path of every file it holds, and a tar member may be called `../../home/user/.bashrc`, start with `/`, or be a link pointing anywhere; `TarFile.extractall` without an extraction filter writes such members where they say, so whoever made the archive can overwrite code, configuration or credentials outside the target folder. `zipfile` strips `..` and leading slashes itself, but an archive fetched from elsewhere can still fill the disk or replace files the job later trusts.',
  remediation:
    'Pass `filter="data"` to `extractall`/`extract` (Python 3.12, and security releases of 3.8 to 3.11; the default from 3.14), or check each member against the target folder before extracting; verify the hash of a downloaded archive before opening it.',
  references: [
    { title: 'tarfile: extraction filters', url: 'https://docs.python.org/3/library/tarfile.html#tarfile-extraction-filter' },
    { title: 'PEP 706: Filter for tarfile.extractall', url: 'https://peps.python.org/pep-0706/' },
    { title: 'zipfile.ZipFile.extractall', url: 'https://docs.python.org/3/library/zipfile.html#zipfile.ZipFile.extractall' },
    CWE_REFERENCE(22),
  ],
  methods: ['extractall', 'extract'],
  reads: ['extraction_filter'],
  callees: ['shutil.unpack_archive'],
  // An extraction is judged by the member checks the function makes before it.
  readsFunction: true,
  onCall(call, context) {
    const model = context.model;
    if (call.is('shutil.unpack_archive')) {
      // unpack_archive passes `filter` on to tarfile (3.12+); without it a tar member may escape.
      if (call.keywords.has('filter') || call.hasOpaqueKwargs) return;
      const source = fetched(model, call.argument('filename', 0)?.value);
      if (!source) return;
      context.report({
        node: call.node,
        message: `\`${spelled(call)}\` unpacks a downloaded or uploaded archive without \`filter="data"\`: a tar member named \`../…\` or a link escapes the target folder (CWE-22).`,
        related: [{ span: { start: source.startIndex, end: source.endIndex }, message: 'the archive is fetched here' }],
        fixes: fixes(addKeywordFix('Add `filter="data"`', call, context, 'filter="data"', false)),
      });
      return;
    }
    const receiver = receiverNode(call);
    if (!receiver) return;
    const made = receiverName(model, receiver) ?? '';
    const isTar = TAR_MAKERS.some((m) => made === m + CALL_RESULT_SUFFIX);
    const isZip = ZIP_MAKERS.some((m) => made === m + CALL_RESULT_SUFFIX);
    if (!isTar && !isZip) return;
    const maker = archiveMaker(model, receiver);
    const makerArgs = maker?.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
    const pathArgument =
      makerArgs.find((a) => a.type !== 'keyword_argument') ??
      makerArgs.find((a) => /^(?:name|file|fileobj)$/.test(a.childForFieldName('name')?.text ?? ''));
    const source = fetched(model, pathArgument?.type === 'keyword_argument' ? pathArgument.childForFieldName('value') : pathArgument);
    const related = source
      ? [{ span: { start: source.startIndex, end: source.endIndex }, message: 'the archive is fetched here' }]
      : undefined;
    const method = call.methodName;
    if (isZip) {
      // zipfile already drops `..` and absolute paths; only archives from elsewhere are worth a look.
      if (method !== 'extractall' || !source || call.argument('members', 1)) return;
      context.report({
        node: call.node,
        message: `\`${spelled(call)}\` extracts a downloaded or uploaded zip archive without looking at its members: zipfile strips \`..\` and leading slashes, but nothing bounds what is written or which files it replaces (CWE-22). Check the members (names, count, sizes) or the archive's hash first.`,
        related,
      });
      return;
    }
    const filter = call.keywords.get('filter');
    if (filter) {
      const value = context.constant(filter.value);
      if (value === undefined) {
        const name = model.qualifiedName(filter.value);
        if (!name || SAFE_FILTER_FUNCTIONS.has(name) || !name.startsWith('tarfile.')) return; // a filter function of the project, or the caller's choice
      } else if (value.kind === 'str' && SAFE_FILTERS.has(value.value)) return;
      else if (value.kind !== 'str' || value.value !== 'fully_trusted') return;
    }
    if (call.hasOpaqueKwargs) return;
    // `extractall(path, members=safe_members(tar))`, `extract(member)` after a check of the names.
    if (method === 'extractall' && call.argument('members', 1)) return;
    if (checksMembers(context, call)) return;
    // `TarFile.extraction_filter = ...` set anywhere in the file changes the default for every call.
    if (/\bextraction_filter\s*=/.test(context.text)) return;
    context.report({
      node: call.node,
      severity: source ? 'error' : undefined,
      message: `\`${spelled(call)}\` extracts a tar archive${source ? ' fetched from elsewhere' : ''} without \`filter="data"\`: a member named \`../…\`, an absolute path or a link writes outside the target folder (CWE-22). Pass \`filter="data"\` (Python 3.12+ and security releases since 3.8.17) or check each member first.`,
      related,
      fixes: filter ? [] : fixes(addKeywordFix('Add `filter="data"`', call, context, 'filter="data"', false)),
    });
  },
});
