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
import {
  FLOW_CONTEXT,
  mayHoldInput,
  SERVICE_SOURCE_WORDS,
  SINK_WORDS,
  mentionsAny,
  relatedOf,
  reportNode,
  sinkPhrase,
  sourceText,
} from '../dataflowSupport';

const SINKS: ReadonlySet<SinkKind> = new Set(['model']);
const SOURCE_WORDS = SERVICE_SOURCE_WORDS;

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
  names: [...SOURCE_WORDS, ...SINK_WORDS.model],
  mayFire: (source) => mayHoldInput(source, true) && mentionsAny(source, SINK_WORDS.model),
  mayFireWords: [...SOURCE_WORDS, ...SINK_WORDS.model],
  // Helper functions and Gradio registrations are read away from the flow: partial parsing keeps
  // them (as substrings: hot without blocking the editor's re-analysis of one function, which
  // runs the file rules on the whole file anyway).
  partialParseWords: { substrings: [...SOURCE_WORDS, ...SINK_WORDS.model, ...FLOW_CONTEXT] },
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
