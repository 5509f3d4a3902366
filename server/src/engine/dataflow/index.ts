/**
 * The data-flow analysis of one file, shared by the rules that use it: the sinks are found once
 * (from the file's calls), the flows are asked backwards from their arguments, and the answers
 * are kept for the other rules of the same analysis (one cache entry per semantic model).
 */
import type { Node } from '../parser';
import type { SemanticModel } from '../semantic';
import type { FlowSpec, Source, SourceKind } from './flow';
import { Flow, isSource, ownDescendants } from './flow';
import type { Sink, SinkKind } from './sinks';
import { nonModelSinkCalls, sinkOf } from './sinks';
import { CONFIDENCE, UNTRUSTED } from './sources';
import { selfCallsOf, selfMethodOf } from './methods';
import { flowReach } from './reach';
import type { FlowReach } from './reach';
import { wordOffsets } from './textWords';
import { SOURCE_WORDS } from './words';
import { sourceTextOf } from '../textScan';

export type { FlowSpec, Source, SourceKind } from './flow';
export type { Sink, SinkKind } from './sinks';
export { Flow } from './flow';
export { CONFIDENCE, UNTRUSTED, fileFacts } from './sources';
export { servingResponders, servingRoleOf } from './serving';

/**
 * From this many characters on, the partial-parse plan (parsePlan.ts) keeps the definitions the
 * closures name; below it, a file is parsed whole unless no name carries a source at all (then
 * nothing is kept for the flows): partial parsing a small file costs more than it leaves out.
 * The sinks are selected (reach.ts) in every file. Tests set it to 0 to exercise the plan.
 */
export const SELECTION_LIMITS = { text: 60_000 };
const NON_MODEL_SINKS: ReadonlySet<SinkKind> = new Set(['code', 'shell', 'sql', 'deserialize', 'path', 'html']);
const MODEL_SINKS: ReadonlySet<SinkKind> = new Set(['model']);
export const SQL_SINKS: ReadonlySet<SinkKind> = new Set(['sql']);

/** A flow from sources to a sink's argument. */
export interface FlowHit {
  sink: Sink;
  argument: Node;
  sources: Source[];
  /**
   * For a sink inside a helper function reached through one of its parameters: the call of the
   * helper where the data is passed in (reported there), the sink being inside the helper.
   */
  through?: Node;
}

class FileFlows {
  private textSinks: Sink[] | undefined;
  private modelSinks: Sink[] | undefined;
  private readonly modelSinkAt = new Map<number, Sink | null>();
  private textSinkCalls: Node[] | undefined;
  private readonly textSinkAt = new Map<number, Sink | null>();
  private readonly flows = new Map<FlowSpec, Flow>();
  private readonly hits = new Map<FlowSpec, Map<number, FlowHit[]>>();
  private readonly callers = new Map<number, Array<{ call: Node; skip: number }>>();
  private readonly localFlows = new Map<FlowSpec, Flow>();
  private readonly reachable = new Map<FlowSpec, Map<string, Sink[]>>();

  constructor(readonly model: SemanticModel) {}

  /**
   * The sinks of the given kinds a flow of `spec` can reach (reach.ts): those whose arguments
   * hold a name that may carry one of its sources, or inside a function called with one. The
   * others are left out before their call is resolved (model inference is looked for among
   * every call, so most calls of a file are settled by offsets alone).
   */
  reachableSinks(spec: FlowSpec, kinds: ReadonlySet<SinkKind>, sources?: ReadonlySet<SourceKind>): Sink[] {
    // The closures cost a pass over the text (made once for the plan and the selection, shared
    // by the partial text): less than resolving and following the sinks they leave out.
    const reach = everySink.has(this.model) ? null : flowReach(this.model.text, spec, sources);
    if (!reach) return this.sinksOf(kinds);
    let bySpec = this.reachable.get(spec);
    if (!bySpec) this.reachable.set(spec, (bySpec = new Map()));
    const key = [...kinds].sort().join(',') + '|' + (sources ? [...sources].sort().join(',') : '');
    const known = bySpec.get(key);
    if (known) return known;
    // No sink of these kinds a source can reach, read from the text (sinkReach.ts): none is resolved.
    if (!reach.reachesSink(kinds)) {
      bySpec.set(key, []);
      return [];
    }
    // A call whose text holds no carrying name, outside the functions a flow enters through a
    // parameter, is settled by offsets alone, before its sink is resolved.
    const mayReach = (call: Node) => reach.throughAt(call.startIndex) || reach.holds(call.startIndex, call.endIndex);
    const found: Sink[] = [];
    if ([...kinds].some((k) => k !== 'model')) {
      this.textSinkCalls ??= nonModelSinkCalls(this.model);
      for (const call of this.textSinkCalls) {
        if (!mayReach(call)) continue;
        const sink = this.textSinkOf(call);
        // The arguments the sink is about (the receiver for `Path(name).unlink()`) hold a carrying
        // name: flow.ts asks only those.
        if (
          sink &&
          kinds.has(sink.kind) &&
          (reach.throughAt(call.startIndex) || sink.arguments.some((a) => reach.holds(a.startIndex, a.endIndex)))
        )
          found.push(sink);
      }
    }
    if (kinds.has('model')) {
      for (const call of this.modelCandidates(reach)) {
        if (!reach.throughAt(call.startIndex)) {
          const args = call.childForFieldName('arguments');
          if (!args || !reach.holds(args.startIndex, call.endIndex)) continue;
        }
        const sink = this.modelSinkOf(call);
        if (sink) found.push(sink);
      }
    }
    bySpec.set(key, found);
    return found;
  }

  /**
   * The file's sinks of the given kinds. Model inference is looked for among every call (a model
   * object can have any name); the other kinds only where their names are written.
   */
  sinksOf(kinds: ReadonlySet<SinkKind>): Sink[] {
    const found: Sink[] = [];
    if ([...kinds].some((k) => k !== 'model')) {
      this.textSinks ??= (this.textSinkCalls ??= nonModelSinkCalls(this.model))
        .map((call) => this.textSinkOf(call))
        .filter((sink): sink is Sink => !!sink);
      found.push(...this.textSinks.filter((sink) => kinds.has(sink.kind)));
    }
    if (kinds.has('model')) {
      this.modelSinks ??= this.model.calls.map((call) => this.modelSinkOf(call)).filter((sink): sink is Sink => !!sink);
      found.push(...this.modelSinks);
    }
    return found;
  }

  /** The sink other than model inference a call is, if any (resolved once per call). */
  private textSinkOf(call: Node): Sink | undefined {
    let sink = this.textSinkAt.get(call.id);
    if (sink === undefined) this.textSinkAt.set(call.id, (sink = sinkOf(this.model, call, NON_MODEL_SINKS) ?? null));
    return sink ?? undefined;
  }

  /**
   * The calls that may be model-inference sinks a flow reaches (reachableSinks filters them), in
   * document order: those around an occurrence of a carrying name and those inside a function
   * named on a carrying line, found from reach.ts's offsets instead of listing every call of the
   * tree (a large file's calls cost more to list than the flows to follow).
   */
  private modelCandidates(reach: FlowReach): readonly Node[] {
    const places = reach.callPlaces();
    if (!places) return this.model.calls;
    const root = this.model.tree.rootNode;
    const found = new Map<number, Node>();
    for (const at of places.offsets) {
      // A call is an expression: the calls around an offset are below its statement's block.
      for (let node = root.descendantForIndex(at, at + 1); node && node.type !== 'block' && node.type !== 'module'; node = node.parent)
        if (node.type === 'call') found.set(node.id, node);
    }
    for (const { start, end } of places.definitions)
      for (const call of root.descendantForIndex(start, end)?.descendantsOfType('call') ?? []) if (call) found.set(call.id, call);
    // The tree's order (an enclosing call first).
    return [...found.values()].sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  }

  /** The model-inference sink a call is, if any (resolved once per call, whichever rule or selection asks). */
  private modelSinkOf(call: Node): Sink | undefined {
    let sink = this.modelSinkAt.get(call.id);
    if (sink === undefined) this.modelSinkAt.set(call.id, (sink = sinkOf(this.model, call, MODEL_SINKS) ?? null));
    return sink ?? undefined;
  }

  /** A flow of `spec` that does not follow helper functions (for rules whose parsing may leave them out). */
  local(spec: FlowSpec): Flow {
    let flow = this.localFlows.get(spec);
    if (!flow) this.localFlows.set(spec, (flow = new Flow(this.model, spec)));
    return flow;
  }

  flow(spec: FlowSpec): Flow {
    let flow = this.flows.get(spec);
    if (!flow) this.flows.set(spec, (flow = Flow.withSummaries(this.model, spec)));
    return flow;
  }

  /**
   * Every flow of `spec`'s sources into the arguments of sinks of the given kinds, direct or
   * through a helper's parameter. Each sink is asked once per spec, whichever rule asks first.
   * With `sources`, only the sinks a source of those kinds can reach are asked (reach.ts); their
   * hits still list every source.
   */
  hitsOf(spec: FlowSpec, kinds: ReadonlySet<SinkKind>, sources?: ReadonlySet<SourceKind>): FlowHit[] {
    let perSink = this.hits.get(spec);
    if (!perSink) this.hits.set(spec, (perSink = new Map()));
    const list: FlowHit[] = [];
    for (const sink of this.reachableSinks(spec, kinds, sources)) {
      let found = perSink.get(sink.call.id);
      if (!found) perSink.set(sink.call.id, (found = this.sinkHits(spec, sink)));
      list.push(...found);
    }
    return list;
  }

  private sinkHits(spec: FlowSpec, sink: Sink): FlowHit[] {
    const list: FlowHit[] = [];
    const flow = this.flow(spec);
    const summary = flow.summary;
    for (const argument of sink.arguments) {
      const sources = flow.sources(argument);
      if (sources.length > 0) {
        list.push({ sink, argument, sources });
        continue;
      }
      // One level of helpers: a parameter of the enclosing function that reaches the sink,
      // reported where the function is called with untrusted data.
      if (!summary) continue;
      const definition = enclosingFunction(sink.call);
      if (!definition) continue;
      const params = summary.taint(argument).filter((o) => !isSource(o));
      if (params.length === 0) continue;
      for (const { call, skip } of this.callsOf(definition)) {
        const args = call.childForFieldName('arguments');
        for (const param of params) {
          if (param.kind !== 'param' || param.index < skip) continue;
          const given = argumentAt(args, param.index - skip, param.name);
          const reaching = given ? flow.sources(given) : [];
          if (reaching.length > 0) list.push({ sink, argument: given!, sources: reaching, through: call });
        }
      }
    }
    return list;
  }

  /**
   * The calls of a function defined in this file, by its name resolved at each call, and of a
   * method through the object in methods of its class (`self.name(...)`, methods.ts), with the
   * parameters each call does not pass (a method's `self`).
   */
  private callsOf(definition: Node): Array<{ call: Node; skip: number }> {
    const known = this.callers.get(definition.id);
    if (known) return known;
    const found: Array<{ call: Node; skip: number }> = [];
    this.callers.set(definition.id, found);
    const name = definition.childForFieldName('name')?.text;
    if (!name) return found;
    for (const call of this.calledByName(name)) {
      const fn = call.childForFieldName('function')!;
      const binding = this.model.lookup(name, fn.startIndex);
      if (binding?.kind === 'def' && binding.node.parent?.id === definition.id) found.push({ call, skip: 0 });
    }
    for (const call of selfCallsOf(this.model, definition))
      found.push({ call, skip: selfMethodOf(this.model, call.childForFieldName('function')!)!.skip });
    return found;
  }

  /**
   * The file's calls of a bare name (`f(x)`), in document order: found where the name is written
   * (textWords.ts) rather than among every call of the tree, which a large file makes costly to list.
   */
  private calledByName(name: string): Node[] {
    const root = this.model.tree.rootNode;
    const found: Node[] = [];
    for (const at of wordOffsets(this.model.text, name)) {
      const id = root.descendantForIndex(at, at + name.length);
      if (id?.type !== 'identifier' || id.startIndex !== at || id.endIndex !== at + name.length) continue;
      const call = id.parent;
      if (call?.type === 'call' && call.childForFieldName('function')?.id === id.id) found.push(call);
    }
    return found;
  }
}

const cache = new WeakMap<SemanticModel, FileFlows>();
/** Models whose flows look at every sink (the unoptimised reference of the differential check). */
const everySink = new WeakSet<SemanticModel>();

/** Makes the flows of this model look at every sink, leaving reach.ts's selection out. */
export function analyseEverySink(model: SemanticModel): void {
  everySink.add(model);
}

/** The data-flow analysis of the file a semantic model describes. */
export function fileFlows(model: SemanticModel): FileFlows {
  let flows = cache.get(model);
  if (!flows) cache.set(model, (flows = new FileFlows(model)));
  return flows;
}

export type { FileFlows };

/** The untrusted data reaching sinks of the given kinds from sources of the given kinds. */
export function untrustedFlows(model: SemanticModel, sinks: ReadonlySet<SinkKind>, sources: ReadonlySet<SourceKind>): FlowHit[] {
  const hits: FlowHit[] = [];
  for (const hit of fileFlows(model).hitsOf(UNTRUSTED, sinks, sources)) {
    const wanted = hit.sources.filter((s) => sources.has(s.kind));
    if (wanted.length > 0) hits.push({ ...hit, sources: wanted });
  }
  return hits;
}

/** The source kinds inputSourcesOf names. */
const INPUT_KINDS: ReadonlySet<SourceKind> = new Set(['request', 'ui', 'cli']);
const INPUT_SOURCE_WORDS = [SOURCE_WORDS.request, SOURCE_WORDS.ui, SOURCE_WORDS.cli];

/**
 * The request, UI and command-line sources an expression may carry, without following helper
 * functions: for rules (MLS301, MLS302) that name the source of a finding they make anyway.
 */
export function inputSourcesOf(model: SemanticModel, node: Node): Source[] {
  // Only where a name that may carry such a source is written in the expression (reach.ts, as
  // for a sink's arguments); the unoptimised reference asks the flow everywhere.
  if (!everySink.has(model)) {
    // A text in which the flow rules' gates see no such source written (words.ts) carries none:
    // the closures need not be made (most texts with an `eval` or a `subprocess` call).
    const source = sourceTextOf(model.text);
    if (!INPUT_SOURCE_WORDS.some((words) => words.present(source))) return [];
    const reach = flowReach(model.text, UNTRUSTED, INPUT_KINDS);
    if (reach && !reach.holds(node.startIndex, node.endIndex)) return [];
  }
  return fileFlows(model)
    .local(UNTRUSTED)
    .sources(node)
    .filter((s) => s.kind === 'request' || s.kind === 'ui' || s.kind === 'cli');
}

/** The raw confidences an expression may carry (predict_proba, softmax, logits). */
export function confidenceOf(model: SemanticModel, node: Node): Source[] {
  return fileFlows(model).flow(CONFIDENCE).sources(node);
}

/** The function definition a node is in (the innermost), if any. */
export function enclosingFunction(node: Node): Node | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'function_definition') return n;
    if (n.type === 'lambda' || n.type === 'class_definition') return undefined;
  }
  return undefined;
}

/** The return statements of a function, not of functions nested in it. */
export function returnsOf(definition: Node): Node[] {
  return ownDescendants(definition, 'return_statement');
}

function argumentAt(args: Node | null, index: number, name: string): Node | undefined {
  const list = (args?.namedChildren ?? []).filter((n): n is Node => !!n && n.type !== 'comment');
  for (const arg of list)
    if (arg.type === 'keyword_argument' && arg.childForFieldName('name')?.text === name) return arg.childForFieldName('value') ?? undefined;
  const positional = list.filter((a) => a.type !== 'keyword_argument' && a.type !== 'dictionary_splat' && a.type !== 'list_splat');
  return positional[index];
}
