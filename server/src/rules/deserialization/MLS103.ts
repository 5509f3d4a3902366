/** MLS103: joblib. */
import { defineRule } from '../../engine/rule';
import { OWASP, ATLAS, CWE_REFERENCE, spelled } from '../support';

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
  callees: ['joblib.load', 'sklearn.externals.joblib.load'],
  onCall(call, context) {
    context.report({
      node: call.node,
      message: `\`${spelled(call)}\` unpickles everything in the file that is not a NumPy array: a tampered model file runs code when loaded (CWE-502). Consider \`skops.io.load\` with an explicit list of trusted types.`,
    });
  },
});
