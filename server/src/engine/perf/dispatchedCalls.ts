/**
 * Which calls of the regions a renamed module binding leads to must run again, for edit reuse
 * (moduleStatement.ts). Renaming `import functools` reaches every function decorated with
 * `@functools.lru_cache`, and each of their calls a rule might want (`json.load(handle)`: `load`
 * names torch.load) was resolved again through the semantic model (its module bindings read
 * anew for every edit): two thirds of such an edit's analysis in a 5,000-line module.
 *
 * A call gets reports only from the rules that want it (Analyzer's rulesWanting: the rules its
 * function's last name names, kept by what the function resolves to). Whether a rule wants a call
 * depends on the call's own text and on what its function resolves to; that resolution reads the
 * binding of the function's first name (`json` in `json.load`) and, through an assignment's value,
 * the first names of the values it reaches (semantic.ts qualifiedName: only `name = value`
 * bindings, plain or `:=`, lead on; imports, parameters, definitions and other targets end it).
 * After a rename whose closure of names (moduleStatement.ts's reachedRegions: the two names, and
 * every name a reached statement binds) is `changed`, a binding of any other name is made by the
 * same statement with the same value text: the resolution of a call is the same unless its first
 * name is in `changed`, or is assigned, in the top-level region holding the call, on a line
 * holding a name of `changed` or one so assigned (namesLeadingTo, which over-approximates
 * targets as partial parsing does). So a call of a reached region whose first name is neither,
 * which no rule wanted before (EditMemo.dispatched, the previous text's), is wanted by none now:
 * it had no report and gets none, and need not be resolved. The calls some rule wanted run again
 * (a rule may read the renamed name anywhere in the region, as MLS301 reads guards).
 *
 * The set of wanted calls is kept for the text after the edit (the previous one's, moved, with
 * the calls run again), and made afresh by one pass over the file's calls when it is not known.
 */
import type { Node } from '../parser';
import type { SemanticModel } from '../semantic';
import type { RuleIndex } from '../pipeline/prefilter';
import { rulesWanting, spellingTest } from '../pipeline/wantedCalls';
import { candidateCalls } from '../pipeline/calls';
import type { SourceText } from '../textScan';
import { isIdentifierChar } from '../textScan';
import type { Span } from '../text';
import { assignedNames, identifiersOf, logicalLines, lowerBound, spanAt } from './partialParse';
import type { LogicalLine } from './partialParse';

/** An identifier (letters of any script), matched where a call starts. */
const NAME_AT = /[A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*/uy;

/**
 * The first name of a call's function (`json` in `json.load(...)`, `f` in `f()(...)`), read from
 * the text where the call starts (its function's first token), or undefined when that is no name
 * (`(f or g)(...)`, `"x".join(...)`). A function whose chain holds something else than names,
 * attributes, calls and brackets (`a[0].load`) resolves to nothing whatever its names mean.
 */
export function calleeRoot(call: Node, text: string): string | undefined {
  NAME_AT.lastIndex = call.startIndex;
  return NAME_AT.exec(text)?.[0];
}

/** The names assigned in `text` (a region's) on a line holding one of `names` or a name so assigned, with `names`. */
export function namesLeadingTo(text: string, names: ReadonlySet<string>): Set<string> {
  const found = new Set(names);
  const lines = logicalLines(text);
  const holds = (line: LogicalLine) => {
    const slice = text.slice(line.start, line.end);
    for (const name of found) if (slice.includes(name)) return identifiersOf(slice).some((word) => found.has(word));
    return false;
  };
  for (let grew = true; grew;) {
    grew = false;
    for (const line of lines) {
      if (!holds(line)) continue;
      for (const name of assignedNames(text, line))
        if (!found.has(name)) {
          found.add(name);
          grew = true;
        }
    }
  }
  return found;
}

/**
 * The calls of `calls` (candidates in the regions analysed again, in the new text) whose wanting
 * rules may differ from what `prior` (the old text's wanted calls, sorted) says: those in `unit`
 * (the edited statement), those whose first name the rename may lead to, and those wanted before.
 * `regionOf` gives the top-level region holding a call; `oldOffset` maps a call's offset back.
 */
export function callsToRun(
  calls: readonly Node[],
  prior: readonly number[],
  changed: ReadonlySet<string>,
  text: string,
  unit: Span,
  regionOf: (at: number) => Span,
  oldOffset: (at: number) => number,
): Node[] {
  const leading = new Map<number, Set<string>>();
  return calls.filter((call) => {
    const at = call.startIndex;
    if (at >= unit.start && at < unit.end) return true;
    const root = calleeRoot(call, text);
    if (root === undefined || changed.has(root)) return true;
    const region = regionOf(at);
    // Only a `name = value` binding carries a value on (semantic.ts): a name never written
    // before `=` or `:` in the region is not one there.
    if (mayBeAssigned(text, region, root)) {
      let names = leading.get(region.start);
      if (!names) leading.set(region.start, (names = namesLeadingTo(text.slice(region.start, region.end), changed)));
      if (names.has(root)) return true;
    }
    const old = oldOffset(at);
    return prior[lowerBound(prior, old)] === old;
  });
}

/** True when `name` is written as a whole word followed by `=` (not `==`) or `:` somewhere in `region` of `text`. */
function mayBeAssigned(text: string, region: Span, name: string): boolean {
  for (let at = text.indexOf(name, region.start); at >= 0 && at + name.length <= region.end; at = text.indexOf(name, at + name.length)) {
    if (at > 0 && isIdentifierChar(text.charCodeAt(at - 1))) continue;
    let k = at + name.length;
    if (isIdentifierChar(text.charCodeAt(k))) continue;
    while (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9) k++;
    const c = text.charCodeAt(k);
    if (c === 58 || (c === 61 && text.charCodeAt(k + 1) !== 61)) return true;
  }
  return false;
}

/** The offsets of the calls some rule of `index` wants in the whole text (what a whole analysis records in EditMemo.dispatched). */
export function dispatchedCalls(model: SemanticModel, source: SourceText, index: RuleIndex): number[] {
  const spelled = spellingTest(source);
  return candidateCalls(model, source, index)
    .calls.filter((call) => rulesWanting(call, model, index, spelled).wanting.length > 0)
    .map((call) => call.startIndex);
}

/**
 * The wanted calls of the text after the edit: the previous text's outside `spans` (in the new
 * text; `move` maps an old offset to the new one, -1 for none), and those of `run` (the calls run again).
 */
export function dispatchedAfter(
  prior: readonly number[],
  spans: readonly Span[],
  move: (at: number) => number,
  run: readonly number[],
): number[] {
  const kept = prior.map(move).filter((at) => at >= 0 && spanAt(spans, at) < 0);
  return [...kept, ...run].sort((a, b) => a - b);
}
