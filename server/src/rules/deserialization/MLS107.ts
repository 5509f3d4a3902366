/** MLS107: Keras safe mode disabled. */
import type { CallSite } from '../../engine/callSite';
import type { Node } from '../../engine/parser';
import { defineRule } from '../../engine/rule';
import type { RuleContext } from '../../engine/rule';
import { atLeast, describeFact } from '../../deps/versionFacts';
import { OWASP, ATLAS, CWE_REFERENCE, constantOf, spelled, argumentOrCall, isTruthy, isFalsy, flagOrigin, flagFix } from '../support';

/** The Keras release that introduced `safe_mode` (on by default). */
const KERAS_SAFE_MODE = '2.13.0';

/** The Keras 3 release fixing the safe-mode bypass of CVE-2025-1550 (PYSEC-2025-122: 3.0.0 to before 3.8.0). */
const KERAS_SAFE_MODE_HOLDS = '3.8.0';

const KERAS_LOAD_MODEL = [
  'keras.models.load_model',
  'keras.saving.load_model',
  'tensorflow.keras.models.load_model',
  'tensorflow.keras.saving.load_model',
  'tf_keras.models.load_model',
];

const KERAS_ENABLE_UNSAFE = ['keras.config.enable_unsafe_deserialization', 'tensorflow.keras.config.enable_unsafe_deserialization'];

/** The Keras 3 release that applies safe mode to legacy H5 files (CVE-2025-9905, fixed in 3.11.3). */
const KERAS_H5_SAFE_MODE = '3.11.3';

/** A legacy HDF5 model file name: `model.h5`, `weights.hdf5`. */
const H5_NAME = /\.(?:h5|hdf5|he5)$/i;

/** The literal text pieces of an expression (string contents), through names bound once. */
function literalPieces(context: RuleContext, node: Node | null | undefined, depth = 0): string[] {
  if (!node || depth > 6) return [];
  if (node.type === 'identifier') {
    const binding = context.model.lookup(node.text, node.startIndex);
    return binding?.kind === 'assign' && binding.value && binding.node.id !== node.id
      ? literalPieces(context, binding.value, depth + 1)
      : [];
  }
  if (node.type === 'string_content') return [node.text];
  if (node.type === 'string') {
    // Each piece of an f-string, split at its interpolations.
    return node.children.flatMap((c) =>
      c?.type === 'string_content' ? [c.text] : c?.type === 'interpolation' ? literalPieces(context, c.namedChildren[0], depth + 1) : [],
    );
  }
  return node.namedChildren.flatMap((c) => literalPieces(context, c, depth + 1));
}

/**
 * `load_model(f"{root}/model.h5")`: a legacy HDF5 model from a path that is not a constant.
 * Safe mode guarded only the `.keras` format until Keras 3.11.3 (CVE-2025-9905: the H5 loader
 * ignored it), and tf.keras ignores it there still: the Lambda layers of an H5 file are rebuilt
 * from the bytecode stored in it, so whoever chooses the file chooses the code.
 * A constant path names a file the project ships and is not reported.
 */
function legacyH5FromData(context: RuleContext, call: CallSite): boolean {
  const path = call.argument('filepath', 0);
  if (!path) return false;
  const value = constantOf(context, path);
  if (value?.kind === 'str') return false;
  const pieces = literalPieces(context, path.value);
  if (!pieces.some((p) => H5_NAME.test(p.trim()))) return false;
  // Keras 3.11.3 applies safe mode to H5 files too; tf.keras (tensorflow.keras, tf_keras) does not.
  const keras = context.versions?.get('keras');
  if (call.callee?.startsWith('keras.') && atLeast(keras, KERAS_H5_SAFE_MODE) === true) return false;
  context.report({
    node: call.node,
    severity: 'warning',
    message: `\`${spelled(call)}\` loads a legacy HDF5 (.h5) model from a path that is not a constant: safe mode is not applied to H5 files by tf.keras, Keras 2 or Keras 3 before ${KERAS_H5_SAFE_MODE} (CVE-2025-9905), whose Lambda layers are rebuilt from bytecode stored in the file, so a swapped file runs code when loaded (CWE-502). Load only files you produced, or convert the model to the \`.keras\` format.`,
  });
  return true;
}

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
    if (call.is(...KERAS_LOAD_MODEL) && !isFalsy(constantOf(context, argument)) && legacyH5FromData(context, call)) return;
    if (!argument || isTruthy(constantOf(context, argument))) {
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
    if (!isFalsy(value)) return;
    context.report({
      node: argumentOrCall(call, argument),
      message: `\`${spelled(call)}(..., safe_mode=False)\` rebuilds Lambda layers from bytecode stored in the file: a crafted model runs code when loaded (CWE-502).`,
      related: flagOrigin(context, call, argument, value, '`safe_mode` is set to False here'),
      fixes: flagFix('Set `safe_mode=True`', argument, value, 'True', false),
    });
  },
});
