/** MLS104: numpy.load(allow_pickle=True). */
import { defineRule } from '../../engine/rule';
import type { ConstValue } from '../../engine/semantic';
import { OWASP, ATLAS, CWE_REFERENCE, constantOf, spelled, argumentOrCall, isTruthy, flagOrigin, flagFix, snippet } from '../support';
import { dangerousDefault, defaultFix, defaultOrigin, describeDefault, whoGetsDefault } from '../defaults';

/** Constants other than True and non-zero numbers that Python treats as true: non-empty strings and containers. */
function truthyOtherwise(value: ConstValue | undefined): boolean {
  if (value?.kind === 'str') return value.value.length > 0;
  if (value?.kind === 'seq') return value.value.length > 0;
  if (value?.kind === 'dict') return value.value.size > 0;
  return false;
}

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
  callees: ['numpy.load'],
  // `parser.add_argument(..., default=/action=)` elsewhere in the file decides an option's default.
  reads: ['add_argument'],
  onCall(call, context) {
    const argument = call.argument('allow_pickle', 2);
    if (!argument) return; // the default is False
    const value = constantOf(context, argument);
    if (!value) {
      // `def read(path, allow_pickle=True): np.load(path, allow_pickle=allow_pickle)`.
      const found = dangerousDefault(context.model, call, argument, (v) => isTruthy(v) || truthyOtherwise(v));
      if (found)
        context.report({
          node: argument.node,
          message: `\`${spelled(call)}\` gets \`allow_pickle=True\` from ${describeDefault(found)}: ${whoGetsDefault(found)} unpickles object arrays, and a crafted .npy/.npz file runs code when loaded (CWE-502). Make the default False.`,
          related: defaultOrigin(found, 'True'),
          fixes: defaultFix(found, 'True', 'False'),
        });
      return;
    }
    if (!isTruthy(value) && !truthyOtherwise(value)) return;
    // `allow_pickle="False"` is a non-empty string, which NumPy reads as true.
    const shown = value?.kind === 'bool' ? 'True' : snippet(value!.node, 24);
    const note = value?.kind === 'str' ? ` (a non-empty string is true, whatever it says)` : '';
    context.report({
      node: argumentOrCall(call, argument),
      message: `\`${spelled(call)}(..., allow_pickle=${shown})\` unpickles object arrays${note}: a crafted .npy/.npz file runs code when loaded (CWE-502).`,
      related: flagOrigin(context, call, argument, value, '`allow_pickle` is set to True here'),
      fixes: flagFix('Set `allow_pickle=False`', argument, value, 'False', false),
    });
  },
});
