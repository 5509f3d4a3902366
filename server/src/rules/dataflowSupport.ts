/**
 * What the data-flow rules share: the words a file must hold for a flow to exist (the prefilter
 * asks for a source word and a sink word), messages naming the source, and related information
 * pointing at it.
 */
import type { FlowHit, Source, SourceKind } from '../engine/dataflow/index';
import type { RelatedLocation } from '../engine/rule';
import type { SourceText } from '../engine/textScan';

/**
 * Words one of which every untrusted source is written with (an alias is made with the original
 * name, in its import): request data, UI inputs, the command line, LLM clients.
 */
export const REQUEST_SOURCE_WORDS = [
  'flask',
  'fastapi',
  'starlette',
  'django',
  'rest_framework',
  'quart',
  'gradio',
  'streamlit',
  'argv',
  'input',
  'raw_input',
];
/** The request words without the command line (MLS801). */
export const SERVICE_SOURCE_WORDS = REQUEST_SOURCE_WORDS.filter((w) => w !== 'argv' && w !== 'input' && w !== 'raw_input');
export const LLM_SOURCE_WORDS = ['openai', 'anthropic', 'langchain', 'litellm', 'transformers', 'vllm', 'pipeline', 'generate'];

/**
 * True when the text can hold a request, UI or command-line source: a web or UI package is
 * named (an alias is made in an import that names it), `sys.argv` is read, or `input` is called
 * (not a method or attribute called `input`).
 */
export function mayHoldInput(source: SourceText, service = false): boolean {
  if (mayHoldServiceInput(source)) return true;
  if (service) return false;
  if (source.hasIdentifier('argv')) return true;
  for (const name of ['input', 'raw_input'])
    for (const at of source.identifiers(name))
      if (source.text[at - 1] !== '.' && /^\s*\(/.test(source.text.slice(at + name.length, at + name.length + 8))) return true;
  // `from builtins import input as ask`
  return source.hasIdentifier('builtins');
}

/** A route decorator: `@app.post(`, `@router.get(`, `@bp.route(`. */
const ROUTE_DECORATOR = /@[ \t]*[\w.]+\.(?:route|get|post|put|patch|delete|api_route|websocket)[ \t]*\(/g;
/** A Gradio event registration: `.click(`, `.submit(`, ... */
const GRADIO_EVENT = /\.[ \t]*(?:click|submit|change|input|upload|select|release|stream|then|success)[ \t]*\(/g;
const STREAMLIT_WIDGETS = ['text_input', 'text_area', 'chat_input', 'file_uploader', 'camera_input', 'data_editor'];

/** True when the text can hold a route handler of a web framework (`@app.post(...)`). */
export function mayHoldRoute(source: SourceText): boolean {
  return (
    mentionsAny(source, ['flask', 'fastapi', 'starlette', 'quart', 'sanic', 'litestar']) &&
    source.includes('@') &&
    source.matchesCode(ROUTE_DECORATOR)
  );
}

/**
 * True when a request or UI source can be written in the text: the framework is named and one
 * of its source forms is there (Flask/Django `request`, a route decorator, a `Request` or
 * `UploadFile` parameter, a Gradio interface or event, a Streamlit input widget).
 */
function mayHoldServiceInput(source: SourceText): boolean {
  const web = mentionsAny(source, ['flask', 'fastapi', 'starlette', 'quart', 'django', 'rest_framework', 'sanic', 'litestar']);
  if (web && (source.hasIdentifier('request') || source.hasIdentifier('Request') || source.hasIdentifier('UploadFile'))) return true;
  if (web && source.includes('@') && source.matchesCode(ROUTE_DECORATOR)) return true;
  if (mentionsAny(source, ['gradio']))
    if (['Interface', 'ChatInterface', 'TabbedInterface'].some((w) => source.hasIdentifier(w)) || source.matchesCode(GRADIO_EVENT))
      return true;
  return mentionsAny(source, ['streamlit']) && STREAMLIT_WIDGETS.some((w) => source.hasIdentifier(w));
}

const TRANSFORMERS_PIPELINE =
  /from\s+transformers(?:\.pipelines)?\s+import\s*(?:\([^)]*|[^\n]*)\bpipeline\b|transformers\s*\.\s*pipeline\b/;

/** True when the text can hold an LLM answer: a client package, or transformers with generation. */
export function mayHoldLlmAnswer(source: SourceText): boolean {
  if (mentionsAny(source, ['openai', 'anthropic', 'langchain', 'litellm'])) return true;
  // `generate` (then `decode`), or a transformers `pipeline` (imported from it or reached through it).
  if (!mentionsAny(source, ['transformers', 'vllm'])) return false;
  return source.hasIdentifier('generate') || TRANSFORMERS_PIPELINE.test(source.text);
}

/** Words each sink kind is written with (function names; modules come with their imports). */
export const SINK_WORDS = {
  code: ['eval', 'exec', 'compile', 'builtins'],
  shell: ['system', 'popen', 'getoutput', 'getstatusoutput', 'shell'],
  sql: ['execute', 'executemany', 'executescript', 'read_sql', 'read_sql_query', 'sqlalchemy'],
  deserialize: ['loads', 'load', 'open'],
  path: ['open', 'send_file', 'rmtree', 'remove', 'unlink'],
  html: ['Markup', 'render_template_string', 'Template', 'html', 'unsafe_allow_html'],
  model: [
    'predict',
    'predict_proba',
    'predict_log_proba',
    'decision_function',
    'forward',
    'generate',
    'sentence_transformers',
    'pipeline',
    'from_pretrained',
    'nn',
    'Module',
    'LightningModule',
    'SentenceTransformer',
    'InferenceSession',
    'jit',
  ],
} as const;

/**
 * Words of statements the analysis reads away from the flow itself, which partial parsing must
 * keep: helper functions' returns, and where Gradio callbacks are registered.
 */
export const FLOW_CONTEXT = [
  'return',
  'Interface',
  '.click',
  '.submit',
  '.change',
  '.upload',
  '.then',
  '.success',
  '.release',
  '.input',
  '.select',
];

/** A package name written in code, alone or as the start of a longer name (`langchain_openai`). */
const PREFIX_PATTERNS = new Map<string, RegExp>();

/**
 * True when one of the words occurs in code (not in strings or comments: `"openai/clip-vit"` is a
 * model name): as an identifier, or for names longer than five characters as the start of one.
 */
export function mentionsAny(source: SourceText, words: readonly string[]): boolean {
  return words.some((word) => {
    if (source.hasIdentifier(word)) return true;
    if (word.length <= 5 || !source.includes(word)) return false;
    let pattern = PREFIX_PATTERNS.get(word);
    if (!pattern) PREFIX_PATTERNS.set(word, (pattern = new RegExp(`\\b${word}\\w*`, 'g')));
    return source.matchesCode(pattern);
  });
}

const KIND_NAMES: Record<SourceKind, string> = {
  request: 'request data',
  ui: 'user input',
  cli: 'command-line input',
  llm: "a language model's answer",
  confidence: 'raw model scores',
};

/** "request data (`request.json`)", for messages. */
export function sourceText(sources: readonly Source[]): string {
  const first = sources[0];
  return `${KIND_NAMES[first.kind]} (${first.label})`;
}

/** Related information: where each source enters, and the sink inside a helper. */
export function relatedOf(hit: FlowHit): RelatedLocation[] {
  const related: RelatedLocation[] = hit.sources.map((s) => ({
    span: { start: s.node.startIndex, end: s.node.endIndex },
    message: s.kind === 'llm' ? `the language model is called here: ${s.label}` : `${KIND_NAMES[s.kind]} enters here: ${s.label}`,
  }));
  if (hit.through)
    related.push({
      span: { start: hit.sink.call.startIndex, end: hit.sink.call.endIndex },
      message: `inside the function, the value reaches \`${hit.sink.spelled}\` here`,
    });
  return related;
}

/** What a sink does with text, for messages. */
export const SINK_EFFECT: Record<string, string> = {
  code: 'runs text as Python code',
  shell: 'hands a command line to a shell',
  sql: 'runs text as SQL',
  deserialize: 'unpickles data, which can run code',
  path: 'uses a file path',
  html: 'renders text as HTML without escaping',
  model: 'runs the model on its input',
};

/** "`os.system` hands a command line to a shell", or for a helper "`run(...)` passes it to `os.system`, which ...". */
export function sinkPhrase(hit: FlowHit): string {
  const effect = SINK_EFFECT[hit.sink.kind];
  if (!hit.through) return `\`${hit.sink.spelled}\` ${effect}`;
  const fn = hit.through.childForFieldName('function')?.text ?? 'this function';
  return `\`${fn}\` passes its argument on to \`${hit.sink.spelled}\`, which ${effect}`;
}

export const SINK_CWE: Record<string, number> = { code: 94, shell: 78, sql: 89, deserialize: 502, path: 22, html: 79, model: 20 };

/** Where a finding is reported: the helper call when the sink is inside a helper. */
export function reportNode(hit: FlowHit) {
  return hit.through ?? hit.sink.call;
}

/**
 * For MLS301/MLS302: a sentence naming where the text comes from, and related information
 * pointing there, when it is request, UI or command-line data.
 */
export function inputOrigin(sources: readonly Source[]): { sentence: string; related?: RelatedLocation[] } {
  if (sources.length === 0) return { sentence: '' };
  return {
    sentence: ` Here it is ${sourceText(sources)}.`,
    related: sources.map((s) => ({
      span: { start: s.node.startIndex, end: s.node.endIndex },
      message: `${KIND_NAMES[s.kind]} enters here: ${s.label}`,
    })),
  };
}
