/**
 * What partial parsing must keep for the data-flow rules (perf/partialParse.ts leaves out the
 * definitions holding none of the offsets given here), derived from the rules' `flows`
 * declarations and reach.ts's closures. No rule writes anything for it.
 *
 * Why it is complete (docs/dataflow.md, "Which definitions are parsed"): a flow finding is made
 * at a sink whose argument holds a carrying name, or at a call of a helper whose parameter reaches
 * a sink, and flow.ts answers an expression from its own parts, the bindings of its names and
 * the returns of the helpers it calls. Every occurrence of a carrying name is kept, so every line
 * a flow passes through is parsed (with the definitions around it, whose scopes the names resolve
 * in); the helpers a flow enters are named on a carrying line, and their headers are kept; what
 * makes a parameter a source (a route decorator, a Gradio registration and its components) is
 * kept with it. A left-out definition holds none of these: what the rest of the file sees of it
 * is its name (and a class's header), as for the other rules.
 *
 * Where the closures do not say where a flow can be, the file is parsed whole: MLS306's sources
 * are SQL text, not names (`sql-text`), and a closure given up as dense covers most of the file.
 * So is a file below SELECTION_LIMITS.text in which some name carries (partial parsing a small
 * file costs more than it leaves out); one in which nothing carries keeps nothing for the flows.
 * The closures are made once for the plan and the sink selection and shared with the partial
 * text (reach.ts shareReach).
 */
import type { FlowDeclaration } from '../rule';
import type { FlowSpec, SourceKind } from './flow';
import type { FlowSinkKind } from './words';
import { SELECTION_LIMITS } from './index';
import { flowReach } from './reach';
import { CONFIDENCE, UNTRUSTED } from './sources';

/** The partial-parse plan of some data-flow rules (one per rule index, see pipeline/prefilter.ts). */
export interface FlowParsePlan {
  /** Sorted offsets the partial parse must keep in `text`, or null when the text must be parsed whole. */
  keptOffsets(text: string): readonly number[] | null;
}

const UNTRUSTED_KINDS: ReadonlySet<string> = new Set<SourceKind>(['request', 'ui', 'cli', 'llm']);

/** One declaration's sources of one spec, with its sinks. */
interface PlannedFlow {
  spec: FlowSpec;
  kinds?: ReadonlySet<SourceKind>;
  sinks: ReadonlySet<FlowSinkKind>;
}

/** The plan for the flows some rules declare. */
export function flowParsePlan(flows: readonly FlowDeclaration[]): FlowParsePlan {
  // A source kind reach.ts has no closure for: the file is parsed whole.
  const unknown = flows.some((flow) => flow.sources.some((kind) => !UNTRUSTED_KINDS.has(kind) && kind !== 'confidence'));
  const planned: PlannedFlow[] = [];
  for (const flow of flows) {
    const sinks = new Set(flow.sinks);
    const untrusted = new Set(flow.sources.filter((kind): kind is SourceKind => UNTRUSTED_KINDS.has(kind)));
    if (untrusted.size > 0) planned.push({ spec: UNTRUSTED, kinds: untrusted, sinks });
    if (flow.sources.includes('confidence')) planned.push({ spec: CONFIDENCE, sinks });
  }
  let lastText: string | undefined;
  let lastOffsets: readonly number[] | null = null;
  return {
    keptOffsets(text: string): readonly number[] | null {
      if (unknown) return null;
      if (text === lastText) return lastOffsets;
      const kept: number[] = [];
      let whole = false;
      for (const { spec, kinds, sinks } of planned) {
        const reach = flowReach(text, spec, kinds);
        // A declaration none of whose sinks a source can reach keeps nothing (sinkReach.ts).
        if (!reach?.reachesSink(sinks)) continue;
        const offsets = reach.keptOffsets();
        if (!offsets) {
          whole = true;
          break;
        }
        kept.push(...offsets);
      }
      lastText = text;
      // A small file is parsed whole unless nothing carries (SELECTION_LIMITS).
      lastOffsets = whole || (text.length < SELECTION_LIMITS.text && kept.length > 0) ? null : [...new Set(kept)].sort((a, b) => a - b);
      return lastOffsets;
    },
  };
}
