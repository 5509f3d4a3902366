/**
 * MLS1xx: loading models and data in formats that can run code when read (pickle and friends).
 * A checkpoint downloaded from a hub or a colleague is untrusted input: loading it must not
 * execute code.
 */
import { CallSite } from '../engine/callSite';
import type { Argument } from '../engine/callSite';
import type { Node } from '../engine/parser';
import { defineRule } from '../engine/rule';
import type { Fix, RelatedLocation, Rule, RuleContext, TextEdit } from '../engine/rule';
import type { ConstValue } from '../engine/semantic';
import {
  ATLAS,
  CWE_REFERENCE,
  OWASP,
  addKeywordFix,
  constantOf,
  definedAt,
  fixes,
  isConstFalse,
  isConstTrue,
  replaceValueFix,
} from './support';
import { atLeast, describeFact } from '../deps/versionFacts';

/** The torch release from which `torch.load` defaults to `weights_only=True`. */
const TORCH_SAFE_DEFAULT = '2.6.0';

/** The Keras release that introduced `safe_mode` (on by default). */
const KERAS_SAFE_MODE = '2.13.0';

/** The Keras 3 release fixing the safe-mode bypass of CVE-2025-1550 (PYSEC-2025-122: 3.0.0 to before 3.8.0). */
const KERAS_SAFE_MODE_HOLDS = '3.8.0';

/**
 * `model.load_state_dict(torch.load(...))`: the loaded object goes straight into
 * `load_state_dict`, so the code already says it is a state dict (tensors in a mapping), which
 * `weights_only=True` loads unchanged. Adding the flag there is a safe fix; elsewhere the
 * checkpoint may pickle other objects and the fix stays unsafe.
 */
function feedsLoadStateDict(callNode: Node): boolean {
  const args = callNode.parent;
  if (args?.type !== 'argument_list') return false;
  const first = args.namedChildren[0];
  if (!first || first.startIndex !== callNode.startIndex || first.endIndex !== callNode.endIndex) return false;
  const outer = args.parent;
  const callee = outer?.type === 'call' ? outer.childForFieldName('function') : null;
  return callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'load_state_dict';
}

export const torchLoadRule = defineRule({
  code: 'MLS102',
  name: 'torch-load-unsafe',
  title: '`torch.load` without `weights_only=True`',
  severity: 'warning',
  cwe: [502],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    '`torch.load` unpickles the checkpoint. Unless `weights_only=True` restricts the unpickler to tensors and plain containers, a crafted `.pt`/`.pth`/`.bin` file runs arbitrary code the moment it is loaded. PyTorch 2.6 made `weights_only=True` the default, but code that passes `False`, or runs on older versions, is exposed.',
  remediation:
    'Pass `weights_only=True` (and register any custom classes with `torch.serialization.add_safe_globals`), or store weights as safetensors and load them with `safetensors.torch.load_file`.',
  references: [
    { title: 'torch.load documentation', url: 'https://pytorch.org/docs/stable/generated/torch.load.html' },
    { title: 'safetensors', url: 'https://huggingface.co/docs/safetensors' },
    CWE_REFERENCE(502),
  ],
  triggers: ['load'],
  callees: ['torch.load', 'torch.serialization.load'],
  onCall(call, context) {
    const argument = call.argument('weights_only', 5);
    if (!argument) {
      if (call.hasOpaqueKwargs || call.hasListSplat) return; // may be passed through **kwargs
      const fix = fixes(addKeywordFix('Add `weights_only=True`', call, context, 'weights_only=True', feedsLoadStateDict(call.node)));
      // The default depends on the installed torch: what the project pins or locks says which.
      const torch = context.versions?.get('torch');
      const safeDefault = atLeast(torch, TORCH_SAFE_DEFAULT);
      if (torch && safeDefault === true) {
        context.report({
          node: call.node,
          severity: 'info',
          message: `\`torch.load\` without \`weights_only\`: ${describeFact('torch', torch)} already defaults to \`weights_only=True\`; passing it explicitly keeps the call safe where an older torch is installed.`,
          fixes: fix,
        });
        return;
      }
      const cited = torch && safeDefault === false ? ` ${describeFact('torch', torch)} still defaults to \`weights_only=False\`.` : '';
      context.report({
        node: call.node,
        message: `\`torch.load\` without \`weights_only=True\` can execute code embedded in the checkpoint (CWE-502).${cited}`,
        fixes: fix,
      });
      return;
    }
    const value = constantOf(context, argument);
    if (isConstTrue(value)) {
      // Before 2.6.0 the weights_only unpickler itself could be bypassed (CVE-2025-32434).
      const torch = context.versions?.get('torch');
      if (torch?.pinned !== undefined && atLeast(torch, TORCH_SAFE_DEFAULT) === false) {
        context.report({
          node: argument.node,
          message: `\`weights_only=True\` does not protect ${describeFact('torch', torch)}: before ${TORCH_SAFE_DEFAULT} a crafted checkpoint can bypass the restricted unpickler and run code (CVE-2025-32434). Upgrade torch.`,
        });
      }
      return;
    }
    if (isConstFalse(value) || value?.kind === 'none') {
      context.report({
        node: argument.node,
        severity: 'error',
        message:
          '`torch.load(..., weights_only=False)` unpickles arbitrary objects: a tampered checkpoint runs code when loaded (CWE-502).',
        related: definedAt(context, value, '`weights_only` is set to False here'),
        fixes:
          value?.definedAt || argument.fromSplat
            ? []
            : [replaceValueFix('Set `weights_only=True`', argument, 'True', feedsLoadStateDict(call.node))],
      });
    }
    // A value that is not a constant is the caller's decision: not reported.
  },
});

// ---------------------------------------------------------------------------------------------
// Shared helpers for the family.

/** True for a constant that Python treats as true in a flag position (`True`, a non-zero number). */
function isTruthyConst(value: ConstValue | undefined): boolean {
  return isConstTrue(value) || (value?.kind === 'num' && value.value !== 0);
}

/** True for a constant that Python treats as false in a flag position (`False`, `0`). */
function isFalsyConst(value: ConstValue | undefined): boolean {
  return isConstFalse(value) || (value?.kind === 'num' && value.value === 0);
}

/**
 * The node to underline for an argument: the argument itself when it is written inside the call,
 * else (a keyword that came from a `**options` dict defined elsewhere) the whole call.
 */
function argumentOrCall(call: CallSite, argument: Argument): Node {
  const node = argument.node;
  return node.startIndex >= call.node.startIndex && node.endIndex <= call.node.endIndex ? node : call.node;
}

/**
 * Where a flag's value came from: the assignment of the constant it was read through, and the
 * dict entry when the keyword was spread into the call from a dict defined elsewhere.
 */
function flagOrigin(
  context: RuleContext,
  call: CallSite,
  argument: Argument,
  value: ConstValue | undefined,
  what: string,
): RelatedLocation[] | undefined {
  const related = [...(definedAt(context, value, what) ?? [])];
  if (argumentOrCall(call, argument) === call.node) {
    related.push({
      span: { start: argument.node.startIndex, end: argument.node.endIndex },
      message: 'passed to the call through this dict entry',
    });
  }
  return related.length > 0 ? related : undefined;
}

/**
 * A fix replacing a flag's value, offered only when the literal sits in the call itself: a
 * constant defined elsewhere may be shared with other calls, and a `**{...}` entry is better
 * edited by hand.
 */
function flagFix(title: string, argument: Argument, value: ConstValue | undefined, newText: string, safe: boolean): Fix[] {
  return value?.definedAt || argument.fromSplat ? [] : [replaceValueFix(title, argument, newText, safe)];
}

/** How the user spelled the callee, for messages (`T.load`, `pickle.Unpickler(f).load`). */
function spelled(call: CallSite): string {
  const text = call.calleeNode.text.replace(/\s+/g, '');
  return text.length > 48 ? (call.callee ?? call.methodName ?? 'call') : text;
}

// ---------------------------------------------------------------------------------------------
// MLS101: the pickle family.

const PICKLE_MODULES = ['pickle', 'cPickle', '_pickle', 'pickle5', 'six.moves.cPickle', 'dill', 'cloudpickle'];
const PICKLE_LOADERS = PICKLE_MODULES.flatMap((m) => [`${m}.load`, `${m}.loads`]);
const UNPICKLER_LOADS = PICKLE_MODULES.map((m) => `${m}.Unpickler().load`);
const PICKLE_DUMPS = new Set(PICKLE_MODULES.map((m) => `${m}.dumps`));

export const pickleLoadRule = defineRule({
  code: 'MLS101',
  name: 'pickle-load',
  title: 'Loading data with pickle or a pickle-based module',
  severity: 'warning',
  cwe: [502],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    'A pickle stream is a small program for a stack machine that may import any importable callable and invoke it with arguments of its choosing. Reading a pickle therefore hands control of the process to whoever wrote the bytes. The same holds for the modules built on it (dill, cloudpickle, shelve, jsonpickle), and marshal is documented as unfit for data that could have been crafted. Models, features and caches that travel between machines, buckets and hubs are exactly the files an attacker can swap.',
  remediation:
    'Store tensors and weights as safetensors, plain data as JSON, Parquet or NumPy arrays without object dtype, and scikit-learn estimators with skops; only unpickle files your own process wrote and that nobody else could modify.',
  references: [
    { title: 'Python pickle module: security warning', url: 'https://docs.python.org/3/library/pickle.html' },
    { title: 'Python shelve module', url: 'https://docs.python.org/3/library/shelve.html' },
    { title: 'safetensors', url: 'https://huggingface.co/docs/safetensors' },
    { title: 'skops persistence', url: 'https://skops.readthedocs.io/en/stable/persistence.html' },
    CWE_REFERENCE(502),
  ],
  triggers: ['pickle', 'dill', 'shelve', 'marshal'],
  callees: [
    ...PICKLE_LOADERS,
    ...UNPICKLER_LOADS,
    'dill.load_session',
    'dill.load_module',
    'shelve.open',
    'jsonpickle.decode',
    'jsonpickle.loads',
    'marshal.load',
    'marshal.loads',
  ],
  onCall(call, context) {
    const callee = call.callee ?? '';
    if (callee === 'shelve.open') {
      // flag='n' always creates a fresh, empty shelf: nothing foreign is read.
      const flag = constantOf(context, call.argument('flag', 1));
      if (flag?.kind === 'str' && flag.value === 'n') return;
    } else if (PICKLE_LOADERS.includes(callee)) {
      // `pickle.loads(pickle.dumps(obj))` deep-copies an object this process already holds.
      const first = call.positional[0];
      const inner = first?.type === 'call' ? first.childForFieldName('function') : null;
      if (inner && PICKLE_DUMPS.has(context.model.qualifiedName(inner) ?? '')) return;
    }
    const module = callee.startsWith('marshal.')
      ? 'marshal'
      : callee.startsWith('shelve.')
        ? 'shelve'
        : callee.startsWith('jsonpickle.')
          ? 'jsonpickle'
          : 'pickle';
    const how =
      module === 'marshal'
        ? 'is not safe against crafted input: it can build code objects and crash or subvert the interpreter'
        : module === 'shelve'
          ? 'unpickles every value read from the shelf: a crafted database file runs code when a key is read'
          : module === 'jsonpickle'
            ? 'rebuilds arbitrary Python objects named in the JSON and can run code while doing so'
            : 'unpickles the data: a crafted file runs arbitrary code while it is loaded';
    context.report({
      node: call.node,
      message: `\`${spelled(call)}\` ${how} (CWE-502). Prefer safetensors, JSON or skops for anything that could come from elsewhere.`,
    });
  },
});

// ---------------------------------------------------------------------------------------------
// MLS103: joblib.

export const joblibLoadRule = defineRule({
  code: 'MLS103',
  name: 'joblib-load',
  title: '`joblib.load` of a model or data file',
  severity: 'warning',
  cwe: [502],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    '`joblib.load` is pickle with efficient storage for large NumPy arrays: everything that is not an array is unpickled, so a tampered `.joblib` or `.pkl` estimator executes code in the process that loads it. scikit-learn models are commonly shared this way, through model registries, object storage and hubs, which makes the file an easy place to plant a payload.',
  remediation:
    'Persist scikit-learn estimators with skops (`skops.io.dump` / `skops.io.load`, passing only the types you trust via `trusted=`), or use ONNX for inference; keep joblib for files your own process wrote.',
  references: [
    { title: 'joblib persistence', url: 'https://joblib.readthedocs.io/en/latest/persistence.html' },
    { title: 'scikit-learn model persistence', url: 'https://scikit-learn.org/stable/model_persistence.html' },
    { title: 'skops persistence', url: 'https://skops.readthedocs.io/en/stable/persistence.html' },
    CWE_REFERENCE(502),
  ],
  triggers: ['joblib'],
  callees: ['joblib.load', 'sklearn.externals.joblib.load'],
  onCall(call, context) {
    context.report({
      node: call.node,
      message: `\`${spelled(call)}\` unpickles everything in the file that is not a NumPy array: a tampered model file runs code when loaded (CWE-502). Consider \`skops.io.load\` with an explicit list of trusted types.`,
    });
  },
});

// ---------------------------------------------------------------------------------------------
// MLS104: numpy.load(allow_pickle=True).

export const numpyAllowPickleRule = defineRule({
  code: 'MLS104',
  name: 'numpy-load-allow-pickle',
  title: '`numpy.load` with `allow_pickle=True`',
  severity: 'error',
  cwe: [502],
  threats: ['model-tampering', 'data-poisoning'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    '`.npy` and `.npz` files can hold object arrays, which NumPy stores as pickles. Since NumPy 1.16.3 (CVE-2019-6446) `numpy.load` refuses them unless `allow_pickle=True` is passed; turning that switch back on means a crafted array file runs code while it is read. Numeric arrays never need it.',
  remediation:
    'Leave `allow_pickle` at its default `False` and save numeric arrays only; keep strings and ragged data in JSON, Parquet or a fixed-width dtype instead of object arrays.',
  references: [
    { title: 'numpy.load documentation', url: 'https://numpy.org/doc/stable/reference/generated/numpy.load.html' },
    { title: 'CVE-2019-6446', url: 'https://nvd.nist.gov/vuln/detail/CVE-2019-6446' },
    CWE_REFERENCE(502),
  ],
  triggers: ['numpy'],
  callees: ['numpy.load'],
  onCall(call, context) {
    const argument = call.argument('allow_pickle', 2);
    if (!argument) return; // the default is False
    const value = constantOf(context, argument);
    if (!isTruthyConst(value)) return;
    context.report({
      node: argumentOrCall(call, argument),
      message: `\`${spelled(call)}(..., allow_pickle=True)\` unpickles object arrays: a crafted .npy/.npz file runs code when loaded (CWE-502).`,
      related: flagOrigin(context, call, argument, value, '`allow_pickle` is set to True here'),
      fixes: flagFix('Set `allow_pickle=False`', argument, value, 'False', false),
    });
  },
});

// ---------------------------------------------------------------------------------------------
// MLS105: pandas.read_pickle.

export const pandasReadPickleRule = defineRule({
  code: 'MLS105',
  name: 'pandas-read-pickle',
  title: '`pandas.read_pickle` of a data file',
  severity: 'warning',
  cwe: [502],
  threats: ['data-poisoning', 'model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    '`pandas.read_pickle` is `pickle.load` behind a data-frame API, with optional decompression in front. Feature tables and intermediate datasets are often exchanged as `.pkl` files between pipeline stages, teams and buckets; whoever can replace one of them runs code in every job that reads it, on machines that usually hold data credentials.',
  remediation:
    'Exchange data frames as Parquet (`to_parquet` / `read_parquet`), Feather or CSV, which carry data only; keep pickle for short-lived caches written by the same process.',
  references: [
    { title: 'pandas.read_pickle documentation', url: 'https://pandas.pydata.org/docs/reference/api/pandas.read_pickle.html' },
    { title: 'pandas.read_parquet documentation', url: 'https://pandas.pydata.org/docs/reference/api/pandas.read_parquet.html' },
    CWE_REFERENCE(502),
  ],
  triggers: ['pandas'],
  callees: ['pandas.read_pickle', 'pandas.io.pickle.read_pickle'],
  onCall(call, context) {
    context.report({
      node: call.node,
      message: `\`${spelled(call)}\` unpickles the file: a tampered data file runs code when it is read (CWE-502). Prefer Parquet or Feather for data frames.`,
    });
  },
});

// ---------------------------------------------------------------------------------------------
// MLS106: YAML loaders that construct arbitrary Python objects.

/** Loaders that only build plain data. */
const SAFE_YAML_LOADERS = new Set(['yaml.SafeLoader', 'yaml.CSafeLoader', 'yaml.BaseLoader', 'yaml.CBaseLoader']);
/** Loaders that construct any Python object a document names: code execution by design. */
const UNSAFE_YAML_LOADERS = new Set(['yaml.Loader', 'yaml.UnsafeLoader', 'yaml.CLoader', 'yaml.CUnsafeLoader']);
/** Loaders that resolve some Python tags and have a history of bypasses. */
const FULL_YAML_LOADERS = new Set(['yaml.FullLoader', 'yaml.CFullLoader']);

type YamlLevel = 'unsafe' | 'full' | 'default';

/** `yaml.loader.SafeLoader` and `yaml.cyaml.CSafeLoader` are the same classes as `yaml.SafeLoader`. */
function normalizeYamlName(name: string | undefined): string | undefined {
  return name?.replace(/^yaml\.(loader|cyaml)\./, 'yaml.');
}

/**
 * The rewrite to `<module>.safe_load(stream)`: the callee is renamed and the loader argument
 * removed, leaving the rest of the call (layout, comments) as written. The module is spelled as
 * the user spelled it (`y.load` gives `y.safe_load`); a function imported by name is rewritten
 * only when the module itself is bound to `yaml` in that scope. The fix is safe when the original
 * loader gives the same result as SafeLoader on plain YAML (maps, lists, scalars, timestamps) and
 * differs only on `!!python/...` tags, i.e. for full_load/FullLoader and the implicit default
 * loader; replacing an explicitly unsafe loader is marked unsafe, since such code may rely on
 * Python object tags.
 */
function yamlSafeLoadFix(call: CallSite, context: RuleContext, all: boolean, level: YamlLevel): Fix[] {
  if (call.hasListSplat || call.hasOpaqueKwargs || call.positional.length > 2) return [];
  for (const name of call.keywords.keys()) if (name !== 'stream' && name !== 'Loader') return [];
  const stream = call.argument('stream', 0);
  const loader = call.argument('Loader', 1);
  if (!stream || stream.fromSplat || loader?.fromSplat) return [];
  let prefix: string | undefined;
  if (call.calleeNode.type === 'attribute') {
    const object = call.calleeNode.childForFieldName('object');
    if (object && context.model.qualifiedName(object) === 'yaml') prefix = object.text;
  } else {
    const binding = context.model.lookup('yaml', call.node.startIndex);
    if (binding?.kind === 'import' && binding.qualifiedName === 'yaml') prefix = 'yaml';
  }
  if (!prefix) return [];
  const target = `${prefix}.${all ? 'safe_load_all' : 'safe_load'}`;
  const edits: TextEdit[] = [{ start: call.calleeNode.startIndex, end: call.calleeNode.endIndex, newText: target }];
  if (loader) {
    const args = (call.argumentList?.namedChildren ?? []).filter((c): c is Node => !!c && c.type !== 'comment');
    const index = args.findIndex((a) => a.id === loader.node.id);
    if (index < 0) return [];
    // Remove the loader with the separator before it (or after it, when it comes first).
    const span =
      index > 0
        ? { start: args[index - 1].endIndex, end: loader.node.endIndex }
        : { start: loader.node.startIndex, end: args[index + 1]?.startIndex ?? loader.node.endIndex };
    if (context.text.slice(span.start, span.end).includes('#')) return []; // would delete a comment
    edits.push({ ...span, newText: '' });
  }
  return [{ title: `Use \`${target}\``, safe: level !== 'unsafe', edits }];
}

export const yamlUnsafeLoadRule = defineRule({
  code: 'MLS106',
  name: 'yaml-unsafe-load',
  title: 'YAML loaded with a loader that builds Python objects',
  severity: 'warning',
  cwe: [502],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    "PyYAML's `Loader`, `UnsafeLoader` and their C versions honour `!!python/object/apply` and related tags, which import and call any function a document names: loading a crafted config, dataset card or experiment file runs code. `FullLoader` (the default of `yaml.load` from 5.1 to 5.4) blocks the obvious payloads but has been bypassed repeatedly (CVE-2020-1747, CVE-2020-14343), and before 5.1 `yaml.load` without a loader was fully unsafe. Training configs and hyper-parameter files are edited by many people and fetched from shared storage, so they deserve the same care as model files.",
  remediation:
    'Use `yaml.safe_load` / `yaml.safe_load_all`, or pass `Loader=yaml.SafeLoader` (`yaml.CSafeLoader` for speed). With ruamel.yaml, use the default round-trip or `typ="safe"` instead of `typ="unsafe"`.',
  references: [
    { title: 'PyYAML yaml.load(input) deprecation', url: 'https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation' },
    { title: 'PyYAML documentation', url: 'https://pyyaml.org/wiki/PyYAMLDocumentation' },
    { title: 'CVE-2020-14343', url: 'https://nvd.nist.gov/vuln/detail/CVE-2020-14343' },
    CWE_REFERENCE(502),
  ],
  triggers: ['yaml'],
  callees: [
    'yaml.load',
    'yaml.load_all',
    'yaml.full_load',
    'yaml.full_load_all',
    'yaml.unsafe_load',
    'yaml.unsafe_load_all',
    'ruamel.yaml.YAML',
    'ruamel.yaml.main.YAML',
  ],
  onCall(call, context) {
    const callee = call.callee ?? '';
    if (callee.startsWith('ruamel.')) {
      const typ = call.argument('typ');
      const value = constantOf(context, typ);
      const kinds =
        value?.kind === 'str'
          ? [value.value]
          : value?.kind === 'seq'
            ? value.value.map((n) => context.constant(n)).map((v) => (v?.kind === 'str' ? v.value : ''))
            : [];
      if (!typ || !kinds.includes('unsafe')) return;
      context.report({
        node: argumentOrCall(call, typ),
        severity: 'error',
        message: `\`${spelled(call)}(typ="unsafe")\` constructs any Python object a document names: loading a crafted YAML file runs code (CWE-502).`,
        related: flagOrigin(context, call, typ, value, '`typ` is set to "unsafe" here'),
        fixes: value?.kind === 'str' ? flagFix('Use `typ="safe"`', typ, value, typ.value.text.replace('unsafe', 'safe'), false) : [],
      });
      return;
    }
    const name = callee.slice('yaml.'.length);
    const all = name.endsWith('_all');
    let level: YamlLevel;
    let what: string;
    if (name.startsWith('unsafe_load')) {
      level = 'unsafe';
      what = `\`${spelled(call)}\` constructs any Python object a document names`;
    } else if (name.startsWith('full_load')) {
      level = 'full';
      what = `\`${spelled(call)}\` uses FullLoader, which resolves Python tags and has been bypassed before`;
    } else {
      const loader = call.argument('Loader', 1);
      if (!loader) {
        if (call.hasOpaqueKwargs || call.hasListSplat) return; // Loader may come through **kwargs
        level = 'default';
        what = `\`${spelled(call)}\` without a Loader is unsafe on PyYAML < 5.1 and uses FullLoader up to 5.4`;
      } else {
        const loaderName = normalizeYamlName(context.model.qualifiedName(loader.value));
        if (!loaderName || SAFE_YAML_LOADERS.has(loaderName)) return;
        if (UNSAFE_YAML_LOADERS.has(loaderName)) {
          level = 'unsafe';
          what = `\`${spelled(call)}\` with \`${loaderName}\` constructs any Python object a document names`;
        } else if (FULL_YAML_LOADERS.has(loaderName)) {
          level = 'full';
          what = `\`${spelled(call)}\` with \`${loaderName}\` resolves Python tags and has been bypassed before`;
        } else {
          return; // a custom loader class: its safety is its author's business
        }
      }
    }
    context.report({
      node: call.node,
      severity: level === 'unsafe' ? 'error' : undefined,
      message: `${what}: a crafted YAML file can run code (CWE-502). Use \`safe_load${all ? '_all' : ''}\` or \`Loader=SafeLoader\`.`,
      fixes: yamlSafeLoadFix(call, context, all, level),
    });
  },
});

// ---------------------------------------------------------------------------------------------
// MLS107: Keras safe mode disabled.

const KERAS_LOAD_MODEL = [
  'keras.models.load_model',
  'keras.saving.load_model',
  'tensorflow.keras.models.load_model',
  'tensorflow.keras.saving.load_model',
  'tf_keras.models.load_model',
];
const KERAS_ENABLE_UNSAFE = ['keras.config.enable_unsafe_deserialization', 'tensorflow.keras.config.enable_unsafe_deserialization'];

export const kerasUnsafeModeRule = defineRule({
  code: 'MLS107',
  name: 'keras-unsafe-deserialization',
  title: 'Keras model loading with safe mode disabled',
  severity: 'error',
  cwe: [502, 94],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    'A Keras `Lambda` layer is saved as marshalled Python bytecode inside the `.keras` archive. Safe mode, on by default since Keras 2.13, refuses to rebuild such layers; `safe_mode=False` or a process-wide `enable_unsafe_deserialization()` turns that protection off, so a crafted model file executes its embedded bytecode while `load_model` builds the graph. The global switch also affects every later load in the process, including libraries that load models on your behalf.',
  remediation:
    'Keep `safe_mode=True` (the default) and replace `Lambda` layers with registered custom layer classes (`@keras.saving.register_keras_serializable`), so loading needs no code from the file; load legacy H5 models only from trusted sources.',
  references: [
    { title: 'Keras model saving and loading', url: 'https://keras.io/api/models/model_saving_apis/model_saving_and_loading/' },
    { title: 'CVE-2024-3660', url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-3660' },
    CWE_REFERENCE(502),
  ],
  triggers: ['keras'],
  callees: [...KERAS_LOAD_MODEL, ...KERAS_ENABLE_UNSAFE],
  onCall(call, context) {
    if (call.is(...KERAS_ENABLE_UNSAFE)) {
      context.report({
        node: call.node,
        message: `\`${spelled(call)}()\` turns Keras safe mode off for the whole process: any model loaded afterwards may run the bytecode of its Lambda layers (CWE-502).`,
      });
      return;
    }
    const argument = call.argument('safe_mode', 3);
    if (!argument || isTruthyConst(constantOf(context, argument))) {
      // Safe mode is what protects this load: whether it exists, and holds, depends on the version.
      const keras = context.versions?.get('keras');
      if (!keras || keras.pinned === undefined || call.hasOpaqueKwargs) return;
      if (!argument && atLeast(keras, KERAS_SAFE_MODE) === false) {
        context.report({
          node: call.node,
          message: `\`${spelled(call)}\` on ${describeFact('keras', keras)}, which predates safe mode (Keras ${KERAS_SAFE_MODE}): Lambda layers are rebuilt from bytecode stored in the file, so a crafted model runs code when loaded (CWE-502).`,
        });
      } else if (atLeast(keras, '3.0.0') === true && atLeast(keras, KERAS_SAFE_MODE_HOLDS) === false) {
        context.report({
          node: argument ? argument.node : call.node,
          severity: 'warning',
          message: `Safe mode does not hold on ${describeFact('keras', keras)}: before ${KERAS_SAFE_MODE_HOLDS} a crafted .keras archive can name arbitrary functions to run while loading, even with \`safe_mode=True\` (CVE-2025-1550). Upgrade keras.`,
        });
      }
      return;
    }
    const value = constantOf(context, argument);
    if (!isFalsyConst(value)) return;
    context.report({
      node: argumentOrCall(call, argument),
      message: `\`${spelled(call)}(..., safe_mode=False)\` rebuilds Lambda layers from bytecode stored in the file: a crafted model runs code when loaded (CWE-502).`,
      related: flagOrigin(context, call, argument, value, '`safe_mode` is set to False here'),
      fixes: flagFix('Set `safe_mode=True`', argument, value, 'True', false),
    });
  },
});

// ---------------------------------------------------------------------------------------------
// MLS108: LangChain's explicit opt-in to pickle.

const DANGEROUS_KEYWORD = 'allow_dangerous_deserialization';

/** True when a call may carry the keyword: written out, or inside a `**` splat. */
function mayCarryKeyword(callNode: Node): boolean {
  const args = callNode.childForFieldName('arguments');
  if (args?.type !== 'argument_list') return false;
  for (const arg of args.namedChildren) {
    if (!arg) continue;
    if (arg.type === 'dictionary_splat') return true;
    if (arg.type === 'keyword_argument' && arg.childForFieldName('name')?.text === DANGEROUS_KEYWORD) return true;
  }
  return false;
}

export const langchainDangerousDeserializationRule = defineRule({
  code: 'MLS108',
  name: 'langchain-dangerous-deserialization',
  title: '`allow_dangerous_deserialization=True` (LangChain)',
  severity: 'error',
  cwe: [502],
  threats: ['model-tampering'],
  owasp: OWASP.supplyChain,
  atlas: ATLAS.unsafeArtifacts,
  rationale:
    'LangChain refuses to read pickle-backed artifacts (the `index.pkl` docstore of a FAISS store saved with `save_local`, and similar vector stores and serialized objects) unless the caller passes `allow_dangerous_deserialization=True`. The flag is an explicit statement that the files are trusted: if an index directory can be written, uploaded or downloaded by anyone else, setting it lets that party run code in the application, typically one that holds LLM API keys and user data.',
  remediation:
    'Leave the flag off and rebuild the index from source documents, or store documents in a format without code (JSON, a database) and only the vectors in the index file; if the flag is unavoidable, load only directories your own process wrote and that nobody else can modify.',
  references: [
    { title: 'LangChain security policy', url: 'https://python.langchain.com/docs/security/' },
    { title: 'LangChain FAISS vector store', url: 'https://python.langchain.com/docs/integrations/vectorstores/faiss/' },
    CWE_REFERENCE(502),
  ],
  triggers: [DANGEROUS_KEYWORD],
  // The keyword is the signal, whatever the callee: checked per call without running for every call
  // of every file (a rule without callees or methods would).
  onFile(context) {
    if (!context.text.includes(DANGEROUS_KEYWORD)) return;
    for (const node of context.model.calls) {
      if (!mayCarryKeyword(node)) continue;
      const call = new CallSite(node, context.model);
      const argument = call.keywords.get(DANGEROUS_KEYWORD);
      if (!argument) continue;
      const value = constantOf(context, argument);
      if (!isTruthyConst(value)) continue;
      context.report({
        node: argumentOrCall(call, argument),
        message: `\`${spelled(call)}(..., ${DANGEROUS_KEYWORD}=True)\` unpickles the stored data: whoever can replace the files runs code in this process (CWE-502).`,
        related: flagOrigin(context, call, argument, value, `\`${DANGEROUS_KEYWORD}\` is set to True here`),
        fixes: flagFix(`Set \`${DANGEROUS_KEYWORD}=False\``, argument, value, 'False', false),
      });
    }
  },
});

export const deserializationRules: Rule[] = [
  pickleLoadRule,
  torchLoadRule,
  joblibLoadRule,
  numpyAllowPickleRule,
  pandasReadPickleRule,
  yamlUnsafeLoadRule,
  kerasUnsafeModeRule,
  langchainDangerousDeserializationRule,
];
