/**
 * What the data-flow rules share: messages naming the source and the sink, and related
 * information pointing at them. (What a file must mention for a flow to exist is the engine's:
 * the rules declare `flows`, see engine/dataflow/words.ts.)
 */
import type { FlowHit, Source, SourceKind } from '../engine/dataflow/index';
import type { RelatedLocation } from '../engine/rule';

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
