/** MLS107: Keras safe mode disabled. */
import { defineRule } from '../../engine/rule';
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
