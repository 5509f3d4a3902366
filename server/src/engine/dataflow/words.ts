/**
 * What a text must mention for a flow of some kind to exist in it, read before any parse: a data-
 * flow rule declares the kinds of sources and sinks it connects (`RuleMatch.flows`), and the
 * prefilter (perf/ruleWords.ts) asks these questions instead of a gate written by the rule.
 *
 * Each answer is a necessary condition: a file for which it is false has no source (or no sink)
 * of that kind, as sources.ts and sinks.ts recognise them. Each kind also lists the identifiers its
 * question asks about, so that the prefilter's one pass finds them (no search per word), and the
 * substrings one of which it needs (the prefilter's triggers).
 */
import type { SourceText } from '../textScan';
import { inImportStatement, previousNonBlank } from '../textScan';
import type { SourceKind } from './flow';
import type { SinkKind } from './sinks';
import { BENTO_REMOTE_WORDS } from './bentoRemote';
import { SERVING_PACKAGES } from './serving';
import { CODE_SINKS, DESERIALIZE_SINKS, HTML_SINKS, PATH_METHODS, PATH_SINKS, SHELL_SINKS, SQL_FUNCTIONS, SQL_METHODS } from './sinks';

/**
 * The sources a data-flow rule can declare: the kinds of sources.ts, plus `sql-text`, a string
 * literal that starts an SQL statement (what MLS306 follows into an `execute`).
 */
export type FlowSourceKind = SourceKind | 'sql-text';
/**
 * The sinks a data-flow rule can declare: the kinds of sinks.ts, plus `response`, a route handler's
 * return, and `system-prompt`, the developer's instructions to an LLM (a `"system"` message, a
 * LangChain `SystemMessage`, `system=` / `instructions=` of a client call).
 */
export type FlowSinkKind = SinkKind | 'response' | 'system-prompt';

/** One kind of source or sink, as the prefilter sees it. */
interface KindWords {
  /** Substrings one of which every text holding this kind contains. */
  triggers: readonly string[];
  /** Identifiers `present` asks about (found by the prefilter's pass). */
  words: readonly string[];
  /** False when the text cannot hold this kind. */
  present(source: SourceText): boolean;
}

const WEB = ['flask', 'fastapi', 'starlette', 'quart', 'django', 'rest_framework', 'sanic', 'litestar'];
const ROUTE_PACKAGES = ['flask', 'fastapi', 'starlette', 'quart', 'sanic', 'litestar'];
const WEB_SOURCE_NAMES = ['request', 'Request', 'UploadFile'];
/** The standard library's handler classes (sources.ts HTTP_HANDLER_CLASSES): written where a handler derives from them. */
const HTTP_HANDLERS = ['BaseHTTPRequestHandler', 'SimpleHTTPRequestHandler', 'CGIHTTPRequestHandler'];
const GRADIO_INTERFACES = ['Interface', 'ChatInterface', 'TabbedInterface'];
const STREAMLIT_WIDGETS = ['text_input', 'text_area', 'chat_input', 'file_uploader', 'camera_input', 'data_editor'];
const LLM_CLIENTS = ['openai', 'anthropic', 'langchain', 'litellm'];
/** `huggingface_hub` is imported for downloads too: its answers need one of these methods. */
const HF_INFERENCE = ['chat_completion', 'text_generation', 'completions'];
const CONFIDENCE_WORDS = [
  'predict_proba',
  'predict_log_proba',
  'decision_function',
  'softmax',
  'log_softmax',
  'sigmoid',
  'expit',
  'logits',
];

/** A route decorator: `@app.post(`, `@router.get(`, `@bp.route(`. */
const ROUTE_DECORATOR = /@[ \t]*[\w.]+\.(?:route|get|post|put|patch|delete|api_route|websocket)[ \t]*\(/g;
/** A Gradio event registration: `.click(`, `.submit(`, ... */
const GRADIO_EVENT = /\.[ \t]*(?:click|submit|change|input|upload|select|release|stream|then|success)[ \t]*\(/g;
const TRANSFORMERS_PIPELINE =
  /from\s+transformers(?:\.pipelines)?\s+import\s*(?:\([^)]*|[^\n]*)\bpipeline\b|transformers\s*\.\s*pipeline\b/;
/** The transformers module imported as a whole (`import transformers as tf`: `tf.pipeline(...)` is its pipeline). */
const TRANSFORMERS_MODULE = /\bimport\b[^\n]*\btransformers\b(?!\s*\.)/;
/** `pipeline` written as an attribute (`tf.pipeline`, `m . pipeline`). */
const PIPELINE_ATTRIBUTE = /\.\s*pipeline\b/;
/** The start of a string literal holding an SQL statement (sinks' SQL_START as written in code). */
const SQL_LITERAL =
  /["']\s*(?:select\s|insert\s+(?:or\s+\w+\s+)?into\s|update\s+[\w."`[\]]+\s+set\s|delete\s+from\s|create\s+(?:temp\w*\s+)?(?:table|index|view)\b|drop\s+(?:table|index|view)\b|alter\s+table\s|replace\s+into\s|with\s+\w+\s+as\s*\(|pragma\s|truncate\s)/i;

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

/** `name` written where a bare name resolves: not after a `.` (`eval(x)`, not `model.eval()`). */
function bare(source: SourceText, name: string): boolean {
  for (const at of source.identifiers(name)) if (previousNonBlank(source.text, at) !== '.') return true;
  return false;
}

/** `name` written where a module's function is reached: after a `.` or in an import (`os.system`, `from os import system`). */
function reached(source: SourceText, name: string): boolean {
  for (const at of source.identifiers(name))
    if (previousNonBlank(source.text, at) === '.' || inImportStatement(source.text, at)) return true;
  return false;
}

const anyWord = (source: SourceText, words: readonly string[]) => words.some((w) => source.hasIdentifier(w));

/**
 * The ML serving frameworks (serving.ts): LitServe, BentoML, KServe, Modal and Triton's Python
 * backend by their package's name,
 * Ray Serve by `ray` and `serve` (`from ray import serve`, `ray.serve.deployment`).
 */
const SERVING = SERVING_PACKAGES.filter((p) => p !== 'ray');
function servingFile(source: SourceText): boolean {
  return mentionsAny(source, SERVING) || (source.hasIdentifier('ray') && source.hasIdentifier('serve'));
}

/** A web framework's request data, in a file that names the framework; or an ML serving framework's. */
function webInput(source: SourceText): boolean {
  if (anyWord(source, HTTP_HANDLERS) || servingFile(source)) return true;
  if (!mentionsAny(source, WEB)) return false;
  return anyWord(source, WEB_SOURCE_NAMES) || (source.includes('@') && source.matchesCode(ROUTE_DECORATOR));
}

/** Gradio inputs (an interface or an event handler) or Streamlit input widgets. */
function uiInput(source: SourceText): boolean {
  if (mentionsAny(source, ['gradio']) && (anyWord(source, GRADIO_INTERFACES) || source.matchesCode(GRADIO_EVENT))) return true;
  return mentionsAny(source, ['streamlit']) && anyWord(source, STREAMLIT_WIDGETS);
}

/**
 * `sys.argv`, or `input()` called by its bare name, or reached through `builtins` (`builtins.input`,
 * `from builtins import input as ask`: the name is written there).
 */
function commandLine(source: SourceText): boolean {
  if (source.hasIdentifier('argv')) return true;
  const builtins = source.hasIdentifier('builtins');
  for (const name of ['input', 'raw_input'])
    for (const at of source.identifiers(name)) {
      if (builtins) return true;
      if (source.text[at - 1] !== '.' && /^\s*\(/.test(source.text.slice(at + name.length, at + name.length + 8))) return true;
    }
  return false;
}

/** An LLM client package, or transformers / vLLM with generation or a `pipeline`. */
function llmAnswer(source: SourceText): boolean {
  if (mentionsAny(source, LLM_CLIENTS)) return true;
  if (anyWord(source, HF_INFERENCE) && mentionsAny(source, ['huggingface_hub'])) return true;
  if (!mentionsAny(source, ['transformers', 'vllm'])) return false;
  if (source.hasIdentifier('generate')) return true;
  // A pipeline is named in code (the regex reads comments and strings too): the cheap test first.
  if (!source.hasIdentifier('pipeline')) return false;
  if (TRANSFORMERS_PIPELINE.test(source.text)) return true;
  // The module imported whole makes a pipeline only as an attribute: `tf.pipeline(...)`.
  return PIPELINE_ATTRIBUTE.test(source.text) && TRANSFORMERS_MODULE.test(source.text);
}

/** A route handler of a web framework (`@app.post(...)`), or a handler of an ML serving framework. */
export function mayHoldRoute(source: SourceText): boolean {
  return (mentionsAny(source, ROUTE_PACKAGES) && source.includes('@') && source.matchesCode(ROUTE_DECORATOR)) || servingFile(source);
}

export const SOURCE_WORDS: Record<FlowSourceKind, KindWords> = {
  request: {
    triggers: [...WEB, 'HTTPRequestHandler', ...SERVING, 'serve'],
    words: [...WEB, ...WEB_SOURCE_NAMES, ...HTTP_HANDLERS, ...SERVING, 'ray', 'serve'],
    present: webInput,
  },
  ui: { triggers: ['gradio', 'streamlit'], words: ['gradio', 'streamlit', ...GRADIO_INTERFACES, ...STREAMLIT_WIDGETS], present: uiInput },
  cli: { triggers: ['argv', 'input', 'builtins'], words: ['argv', 'builtins', 'input', 'raw_input'], present: commandLine },
  llm: {
    triggers: [...LLM_CLIENTS, 'huggingface_hub', 'transformers', 'vllm'],
    words: [...LLM_CLIENTS, 'huggingface_hub', ...HF_INFERENCE, 'transformers', 'vllm', 'generate', 'pipeline'],
    present: llmAnswer,
  },
  confidence: { triggers: CONFIDENCE_WORDS, words: CONFIDENCE_WORDS, present: (source) => mentionsAny(source, CONFIDENCE_WORDS) },
  // No substring of its own (a quote is in every file): the sink's words are the triggers.
  'sql-text': { triggers: [], words: [], present: (source) => SQL_LITERAL.test(source.text) },
};

/**
 * A sink kind written with one of `callees` (a plain name called bare, or reached through
 * `builtins`; a dotted name with every segment written and its last one reached: `os.system`,
 * `from os import system`), or one of `any` (a method, `cursor.execute`; a keyword, `shell=`).
 */
function sinkKind(callees: Iterable<string>, any: readonly string[] = []): KindWords {
  const plain: string[] = [];
  const dotted: string[][] = [];
  for (const callee of callees)
    if (callee.includes('.')) dotted.push(callee.split('.'));
    else plain.push(callee);
  const all = [...new Set([...plain, ...dotted.flat(), ...any])];
  return {
    triggers: [...new Set([...plain, ...dotted.map((segments) => segments[segments.length - 1]), ...any])],
    words: all,
    present: (source) =>
      plain.some((name) => bare(source, name)) ||
      dotted.some((segments) => segments.every((name) => source.hasIdentifier(name)) && reached(source, segments[segments.length - 1])) ||
      any.some((name) => source.hasIdentifier(name)),
  };
}

/** Names a system prompt is written with (`SystemMessage(...)`, `system=`, `instructions=`). */
const SYSTEM_PROMPT_WORDS = ['SystemMessage', 'SystemMessagePromptTemplate', 'system', 'instructions'];

/** The model makers and bases of sinks.ts (`transformers.pipeline`, `nn.Module`…), and the inference methods. */
const MODEL_WORDS = [
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
];
const MODEL_CALLS = sinkKind([], MODEL_WORDS);

/**
 * What each sink of sinks.ts is written with. `encode` is a model's only where sentence-transformers
 * is imported, so that package's name stands for it.
 */
export const SINK_KIND_WORDS: Record<FlowSinkKind, KindWords> = {
  code: sinkKind(CODE_SINKS),
  shell: sinkKind(SHELL_SINKS, ['shell']),
  sql: sinkKind(SQL_FUNCTIONS, [...SQL_METHODS]),
  deserialize: sinkKind(DESERIALIZE_SINKS),
  path: sinkKind(PATH_SINKS, [...PATH_METHODS]),
  html: sinkKind(HTML_SINKS, ['unsafe_allow_html']),
  // BentoML's runners and dependencies (bentoRemote.ts) only in a text naming bentoml: `Runner`
  // and `depends` are common words (h2oGPT's 645,000-character test_client_calls.py has them).
  model: {
    triggers: [...MODEL_CALLS.triggers, ...BENTO_REMOTE_WORDS],
    words: [...MODEL_CALLS.words, ...BENTO_REMOTE_WORDS, 'bentoml'],
    present: (source) => MODEL_CALLS.present(source) || (mentionsAny(source, ['bentoml']) && anyWord(source, BENTO_REMOTE_WORDS)),
  },
  response: { triggers: ['@', ...SERVING, 'serve'], words: [...ROUTE_PACKAGES, ...SERVING, 'ray', 'serve'], present: mayHoldRoute },
  'system-prompt': {
    triggers: ['system', 'System', 'instructions'],
    words: SYSTEM_PROMPT_WORDS,
    present: (source) => /["']system["']/.test(source.text) || mentionsAny(source, SYSTEM_PROMPT_WORDS),
  },
};
