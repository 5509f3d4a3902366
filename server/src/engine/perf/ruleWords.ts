/**
 * What the prefilter and partial parsing need to know of a rule, derived from what the rule
 * declares it matches (see `RuleMatch` in rule.ts): the callees and methods it reacts to, the
 * keywords, names and strings its findings are written with, the words of other statements it
 * reads, and the packages a file must import for it to find anything. Rules declare only those;
 * no rule writes a trigger, a gate word or a partial-parsing word of its own, and a wrong speed
 * setting can no longer drop findings without the declaration being wrong about the rule itself.
 *
 * What comes out is what analyzer.ts and partialParse.ts consume:
 * - `triggers`, the substrings one of which a file must contain for the rule to fire: its
 *   keywords, names and strings when it declares some (every finding is written with one);
 *   else, for a rule that reacts to calls, the first name of each callee (`torch` of
 *   `torch.load`: every name of a resolved callee is spelled in the file) and each method.
 * - `always`, for a rule that declares nothing to look for but a file check: the safe default,
 *   every file is parsed whole and the rule always runs.
 * - `never`, for a rule without a matcher that declares nothing (reported on files that are not
 *   Python): it takes no part in the prefilter. MLS001, reported by the analyzer itself, declares
 *   the `mlsec` its findings are written with: a suppression comment makes it a rule that can fire.
 * - the gate (`mayFire`, `mayFireWords`) from `imports`, plus what a few rules still write by
 *   hand (`RuleMatch.mayFire`, see rule.ts);
 * - `fileContext` from `reads`, and `findingsShowTriggers` from `wordsInEveryFinding`.
 */
import type { PartialParseWords, Rule } from '../rule';
import { CALL_RESULT_SUFFIX } from '../semantic';
import type { SourceText } from '../textScan';

export interface RuleWords {
  /** Substrings at least one of which must occur in a file for the rule to be able to fire. */
  triggers: readonly string[];
  /** The rule always runs and every file is parsed whole for it (it declares nothing to look for). */
  always: boolean;
  /** The rule never runs on Python code: it has neither `onCall` nor `onFile`, and declares nothing. */
  never: boolean;
  /** A closer look at a text whose triggers occur: false when the rule cannot fire in it. */
  mayFire?: (source: SourceText) => boolean;
  /** Identifiers `mayFire` asks about, found by the prefilter's one pass. */
  mayFireWords: readonly string[];
  /** Substrings of other statements the findings depend on: definitions holding them are parsed. */
  fileContext: readonly string[];
  /** Every finding is written with one of the triggers (see RuleMatch.wordsInEveryFinding). */
  findingsShowTriggers: boolean;
  /** Narrower words partial parsing reads instead of the triggers (see RuleMatch.partialParseWords). */
  partialParseWords?: PartialParseWords;
}

const derived = new WeakMap<Rule, RuleWords>();

/** The first name of a callee as written in a file (`torch` of `torch.hub.load`, `flask` of `flask.Flask().run`). */
function rootOf(callee: string): string {
  return callee.split(CALL_RESULT_SUFFIX).join('').split('.')[0];
}

/** What the prefilter and partial parsing use of `rule`, derived once per rule. */
export function wordsOf(rule: Rule): RuleWords {
  let words = derived.get(rule);
  if (words) return words;
  const matches = [...(rule.keywords ?? []), ...(rule.names ?? []), ...(rule.strings ?? [])];
  const calls = rule.onCall ? [...(rule.callees ?? []).map(rootOf), ...(rule.methods ?? [])] : [];
  const never = !rule.onCall && !rule.onFile && matches.length === 0;
  // A rule that reacts to every call (no callees nor methods) or only checks the file, and says
  // nothing of what it looks for, gets no prefilter and no partial parsing.
  const always = !never && matches.length === 0 && (calls.length === 0 || !!rule.onFile);
  const imports = rule.imports ?? [];
  const handWritten = rule.mayFire;
  const importGate = imports.length > 0 ? (source: SourceText) => imports.some((name) => source.hasIdentifier(name)) : undefined;
  const mayFire =
    importGate && handWritten ? (source: SourceText) => importGate(source) && handWritten(source) : (importGate ?? handWritten);
  words = {
    triggers: never || always ? [] : [...new Set(matches.length > 0 ? matches : calls)],
    always,
    never,
    mayFire,
    mayFireWords: [...new Set([...imports, ...(rule.mayFireWords ?? [])])],
    fileContext: rule.reads ?? [],
    findingsShowTriggers: rule.wordsInEveryFinding === true,
    partialParseWords: rule.partialParseWords,
  };
  derived.set(rule, words);
  return words;
}
