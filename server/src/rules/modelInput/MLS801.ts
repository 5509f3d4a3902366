/**
 * MLS801 unvalidated-model-input: request or UI data reaches model inference with no validation
 * on the way.
 *
 * Sources (engine/dataflow/sources.ts): as MLS305 without the command line, and without route
 * parameters typed `str` (text is what a text model takes; the rule is about unvalidated structures).
 * Sinks (engine/dataflow/sinks.ts): `.predict`, `.predict_proba`, `.predict_log_proba`,
 * `.decision_function`, `.forward`, `.generate`, `.encode` (in files importing sentence_transformers), calling a
 * `pipeline(...)`, a `from_pretrained(...)` model, a `torch.nn` module or a local `nn.Module` subclass.
 */
import { untrustedFlows } from '../../engine/dataflow/index';
import type { SinkKind } from '../../engine/dataflow/index';
import { defineRule } from '../../engine/rule';
import { CWE_REFERENCE, OWASP } from '../support';
import { relatedOf, reportNode, sinkPhrase, sourceText } from '../dataflowSupport';

const SINKS: ReadonlySet<SinkKind> = new Set(['model']);

export const unvalidatedModelInputRule = defineRule({
  code: 'MLS801',
  name: 'unvalidated-model-input',
  title: 'Request or UI data reaches the model without validation',
  severity: 'warning',
  cwe: [20],
  threats: ['adversarial-input'],
  owasp: OWASP.inputManipulation,
  atlas: 'AML.T0043 Craft Adversarial Data',
  rationale:
    'A model answers whatever it is given: wrong shapes, extreme values, NaN, huge batches or carefully crafted adversarial examples. Without a schema with types, shapes and bounds between the request and the model, a caller can crash or slow the service, probe the decision boundary, or push inputs far outside the training distribution where the model is confidently wrong.',
  remediation:
    'Declare what a valid input is and check it before inference: a pydantic model (or dataclass, jsonschema) with types, lengths and value bounds, `np.clip` for numeric features, an allow-list for categories; reject anything else with a 4xx answer.',
  references: [
    {
      title: 'OWASP ML01:2023 Input Manipulation Attack',
      url: 'https://owasp.org/www-project-machine-learning-security-top-10/docs/ML01_2023-Input_Manipulation_Attack',
    },
    { title: 'Pydantic: fields with constraints', url: 'https://docs.pydantic.dev/latest/concepts/fields/' },
    CWE_REFERENCE(20),
  ],
  flows: [{ sources: ['request', 'ui'], sinks: ['model'] }],
  onFile(context) {
    for (const hit of untrustedFlows(context.model, SINKS, new Set(['request', 'ui']))) {
      const sources = hit.sources.filter((s) => !s.weak);
      if (sources.length === 0) continue;
      context.report({
        node: reportNode(hit),
        message: `${sinkPhrase(hit)}, and here that is ${sourceText(sources)} that no schema, bound or check has validated (CWE-20): malformed or adversarial inputs reach the model as they are. Validate with a pydantic model with bounds first.`,
        related: relatedOf({ ...hit, sources }),
      });
    }
  },
});
