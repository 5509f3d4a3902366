/**
 * MLS305 request-data-execution: request, UI or command-line data reaches SQL, unpickling, a file
 * path or unescaped HTML (code and shells: MLS301/MLS302 name the same sources).
 *
 * Sources (engine/dataflow/sources.ts): Flask `request.json/get_json()/form/args/files/data/values/headers`,
 * Starlette/FastAPI `Request` and `UploadFile` parameters and route parameters typed `dict`/`list`/`Any`/`str`
 * or untyped, Django/DRF `request.POST/GET/body/FILES/data`, Gradio callback parameters, Streamlit
 * `text_input`/`text_area`/`chat_input`/`file_uploader`, `input()`, `sys.argv`.
 * Sinks (engine/dataflow/sinks.ts): SQL, deserialisation, file paths (`open`, `send_file`, `shutil.rmtree`,
 * `os.remove`, `pathlib.Path` reads, writes and deletes), unescaped HTML.
 */
import { untrustedFlows } from '../../engine/dataflow/index';
import type { SinkKind } from '../../engine/dataflow/index';
import { defineRule } from '../../engine/rule';
import { ATLAS, CWE_REFERENCE } from '../support';
import { SINK_CWE, relatedOf, reportNode, sinkPhrase, sourceText } from '../dataflowSupport';

// Code and shell sinks are MLS301 and MLS302, which name the source themselves.
const SINKS: ReadonlySet<SinkKind> = new Set(['sql', 'deserialize', 'path', 'html']);

export const requestDataExecutionRule = defineRule({
  code: 'MLS305',
  name: 'request-data-execution',
  title: 'Request or user input reaches SQL, unpickling, a file path or HTML',
  severity: 'error',
  cwe: [89, 502, 22, 79],
  threats: ['adversarial-input'],
  owasp: 'ML01:2023 Input Manipulation Attack',
  atlas: ATLAS.publicApi,
  rationale:
    'A request body, a form field, an uploaded file or a value typed into a demo UI is written by whoever reaches the service. Used inside SQL text, as a pickle, as a file path or as HTML, it lets that person query the database, run code, read or delete files or attack other users. Serving an ML model usually means a public endpoint, so this is the first thing an attacker tries.',
  remediation:
    'Validate the input against a schema (pydantic, jsonschema) and use it only as data: SQL parameters, argument lists without a shell, `secure_filename` and a fixed directory for paths, `safetensors` or JSON instead of pickle, escaping for HTML.',
  references: [
    { title: 'OWASP: Injection', url: 'https://owasp.org/Top10/A03_2021-Injection/' },
    CWE_REFERENCE(89),
    CWE_REFERENCE(502),
    CWE_REFERENCE(22),
  ],
  // The command line is not reported for paths (see onFile).
  flows: [
    { sources: ['request', 'ui'], sinks: ['sql', 'deserialize', 'path', 'html'] },
    { sources: ['cli'], sinks: ['sql', 'deserialize', 'html'] },
  ],
  onFile(context) {
    for (const hit of untrustedFlows(context.model, SINKS, new Set(['request', 'ui', 'cli']))) {
      const kind = hit.sink.kind;
      // The command line of one's own script is not another person's input, except for code.
      const local = hit.sources.every((s) => s.kind === 'cli');
      // Nor for a file it opens and unpickles (`pickle.load(f)`): that is MLS101's.
      // and only for the HTML sinks its prefilter words name.
      if (local && (kind === 'path' || (kind === 'deserialize' && !hit.sink.spelled.endsWith('loads')))) continue;
      if (local && kind === 'html' && !/(?:Markup|render_template_string|markdown|write|caption)$/.test(hit.sink.spelled)) continue;
      // A Gradio upload's path was made by Gradio; what is in the file is still the user's.
      if (kind === 'path' && hit.sources.every((s) => s.madePath)) continue;
      context.report({
        node: reportNode(hit),
        severity: local ? 'warning' : undefined,
        message: `${sinkPhrase(hit)}, and here that is ${sourceText(hit.sources)} with no validation on the way (CWE-${SINK_CWE[kind]}). Validate it and use it only as data.`,
        related: relatedOf(hit),
      });
    }
  },
});
