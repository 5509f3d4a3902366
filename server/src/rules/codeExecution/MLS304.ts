/**
 * MLS304 llm-output-execution: a language model's answer reaches code execution, a shell, SQL,
 * unpickling or unescaped HTML.
 *
 * Sources (engine/dataflow/sources.ts): OpenAI `*.chat.completions.create` / `*.responses.create`
 * (`.choices[i].message.content`, `.output_text`), Anthropic `*.messages.create` (`.content[i].text`),
 * LangChain runnables' `invoke`/`predict`/`run` and their `.content`, transformers `pipeline(...)`
 * outputs, `generate` then `decode`, LiteLLM `completion`.
 * Sinks (engine/dataflow/sinks.ts): `eval`/`exec`/`compile`; `os.system`, `os.popen`,
 * `subprocess.*(..., shell=True)`; `execute`/`executemany`/`executescript`, `pandas.read_sql`,
 * `sqlalchemy.text`; `pickle`/`dill`/`cloudpickle`/`joblib`/`torch` loads; `Markup`,
 * `render_template_string`, `st.markdown(..., unsafe_allow_html=True)`.
 */
import { untrustedFlows } from '../../engine/dataflow/index';
import type { SinkKind } from '../../engine/dataflow/index';
import { defineRule } from '../../engine/rule';
import { ATLAS, CWE_REFERENCE } from '../support';
import { SINK_CWE, relatedOf, reportNode, sinkPhrase, sourceText } from '../dataflowSupport';

const SINKS: ReadonlySet<SinkKind> = new Set(['code', 'shell', 'sql', 'deserialize', 'html']);

export const llmOutputExecutionRule = defineRule({
  code: 'MLS304',
  name: 'llm-output-execution',
  title: "A language model's answer reaches code execution, a shell, SQL, unpickling or HTML",
  severity: 'error',
  cwe: [94, 78, 89],
  threats: ['adversarial-input', 'model-tampering'],
  owasp: 'LLM05:2025 Improper Output Handling',
  atlas: ATLAS.promptInjection,
  rationale:
    "What a language model writes is steered by everything in its context: the user's prompt, retrieved documents, web pages, tool results. Anyone who can place text there (a prompt injection) decides what the model answers. Running that answer as Python, as a shell command or as SQL, unpickling it, or rendering it as HTML hands that person the process, the database or the user's browser.",
  remediation:
    'Treat the answer as untrusted data: parse it into a fixed structure (JSON validated by a schema, an enum of allowed actions), pass values to SQL as parameters and to programs as argument lists, escape it before rendering, and run model-written code only in a disposable sandbox without secrets.',
  references: [
    {
      title: 'OWASP Top 10 for LLM Applications: Improper Output Handling',
      url: 'https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/',
    },
    CWE_REFERENCE(94),
    CWE_REFERENCE(78),
    CWE_REFERENCE(89),
  ],
  flows: [{ sources: ['llm'], sinks: ['code', 'shell', 'sql', 'deserialize', 'html'] }],
  onFile(context) {
    for (const hit of untrustedFlows(context.model, SINKS, new Set(['llm']))) {
      const kind = hit.sink.kind;
      context.report({
        node: reportNode(hit),
        message: `${sinkPhrase(hit)}, and here that is ${sourceText(hit.sources)}: a prompt injection decides what runs here (CWE-${SINK_CWE[kind]}). Parse the answer into a fixed structure and validate it first.`,
        related: relatedOf(hit),
      });
    }
  },
});
