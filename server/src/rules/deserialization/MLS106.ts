/** MLS106: YAML loaders that construct arbitrary Python objects. */
import { CallSite } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { Fix, RuleContext, TextEdit } from '../../engine/rule';
import { OWASP, ATLAS, CWE_REFERENCE, constantOf, spelled, argumentOrCall, flagOrigin, flagFix } from '../support';

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
