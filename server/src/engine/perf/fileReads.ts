/**
 * Which file rules (`onFile`) an edit inside a definition leaves as they were, for edit reuse
 * (editReuse.ts's function unit, functionStatement.ts): their previous reports are then moved
 * over the edit instead of running them again over the whole file (in a 5,000-line module, the
 * file rules were most of an edit's cost).
 *
 * A rule says what it reads (RuleMatch.fileReads, rule.ts): the statements holding one of its
 * words, what the names written there stand for, and the statements using names assigned from
 * those. Its reports are kept over an edit when, before and after it:
 * - the edited text (a statement's lines, or a whole function) holds none of its words and none
 *   of the names carried from them (carriedNames over the rule's words: assigned in a statement
 *   holding one, or from a carried name, transitively): so the rule reads nothing of it
 *   directly, and no statement it reads uses a name the edited text assigns through a carried value;
 * - no other statement analysed again (the edited statement's names lead to them:
 *   functionStatement.ts's closure over the names it writes and those reached statements bind)
 *   holds one either: a statement the rule reads whose names resolve, through one or more
 *   bindings, to the edited statement is among those, since the closure follows exactly such
 *   chains of bindings back from the edited statement. For a whole function (editReuse.ts) there
 *   are none: what its body binds is read outside it only through its name, whose changes
 *   editReuse.ts rules out.
 * So the statements the rule reads, and the bindings their names resolve to, are those of before,
 * moved: its reports are the previous ones, moved. The names carried are those of before too
 * (the edited text assigns none, before or after), so they are handed on to the text after.
 * The declaration is checked on every fixture, statement by statement: each statement it says the
 * rule does not read is replaced by `pass`, and the rule's reports must stay the same
 * (test/unit/fileReads.test.ts).
 */
import type { LiteralFormat, Rule } from '../rule';
import { SubstringSet } from '../textScan';
import { HotWords, carriedNames, holdsHotWord } from './partialParse';
import { RecentTexts } from '../textMemo';

/**
 * A rule's words as hot words: in code (names, endings, strings: what carries), in prose (a
 * docstring: its `strings`), its `bindings` (never carried), and the formats of its `literals`.
 */
interface ReadWords {
  code: HotWords | null;
  prose: HotWords | null;
  bindings: HotWords | null;
  formats: readonly LiteralFormat[];
}

const wordsByRule = new WeakMap<Rule, ReadWords | null>();

function hotOver(substrings: readonly string[], names: readonly string[]): HotWords | null {
  if (substrings.length + names.length === 0) return null;
  return HotWords.over(new SubstringSet([...new Set([...substrings, ...names])]), substrings, [], [], [], names);
}

/** The rule's declared words (RuleMatch.fileReads) as hot words; null when it declares nothing. */
export function fileReadWords(rule: Rule): ReadWords | null {
  let read = wordsByRule.get(rule);
  if (read === undefined) {
    const declared = rule.fileReads;
    if (!declared) read = null;
    else {
      const strings = declared.strings ?? [];
      const parts = [...strings, ...(declared.nameEndings ?? [])];
      read = {
        code: hotOver(parts, declared.names ?? []),
        prose: hotOver(strings, []),
        bindings: hotOver([], declared.bindings ?? []),
        formats: rule.literals?.formats ?? [],
      };
    }
    wordsByRule.set(rule, read);
  }
  return read;
}

/** True when `text` holds an accepted match of one of the formats. */
function holdsFormat(text: string, formats: readonly LiteralFormat[]): boolean {
  for (const format of formats) {
    if (!format.marks.some((mark) => text.includes(mark))) continue;
    for (const match of text.matchAll(format.pattern)) if (!format.accept || format.accept(match)) return true;
  }
  return false;
}

/** A text an edit changed or that is analysed again; `prose` for a plain string statement (a docstring). */
export interface ReadPiece {
  text: string;
  prose?: boolean;
  /** The line of a blank change (blankLines). */
  blank?: boolean;
}

/**
 * The line of a blank change (blanks at a line's end, outside any token: editedUnit.ts), before
 * and after. Such a change leaves every token, hence every binding and value, as it was: what a
 * rule reads of the statement around it is the same, and a report of it has a span there (such
 * reports are not moved, editReuse.ts), so only the line itself is judged by the rules' words
 * (not by the names carried from them: no value changed), as the data-flow rules' names are
 * handed on over blanks (dataflow/editQuiet.ts).
 */
export function blankLines(before: string, after: string, change: { start: number; oldEnd: number; newEnd: number }): ReadPiece[] {
  const line = (text: string, start: number, end: number) => {
    const from = text.lastIndexOf('\n', start - 1) + 1;
    const to = text.indexOf('\n', end);
    return { text: text.slice(from, to < 0 ? text.length : to), blank: true };
  };
  return [line(before, change.start, change.oldEnd), line(after, change.start, change.newEnd)];
}

/** Hands the names carried for every rule on from `before` to `after` when the edit between them changed no token (blanks). */
export function handOnCarried(before: string, after: string): void {
  const known = carriedByText.get(before);
  if (!known) return;
  const next = remember(after);
  for (const [rule, carried] of known) next.set(rule, carried);
}

/** Names carried from each rule's words, by text, for the last few texts (a kept rule hands them on). */
const carriedByText = new RecentTexts<Map<Rule, Set<string>>>(() => new Map());
const remember = (text: string): Map<Rule, Set<string>> => carriedByText.get(text);

function carriedOf(rule: Rule, hot: HotWords, text: string): Set<string> {
  const known = remember(text);
  let carried = known.get(rule);
  if (!carried) known.set(rule, (carried = carriedNames(text, hot)));
  return carried;
}

/**
 * Finds, for each rule of `rules` whose reports may be kept, the names carried from its words in
 * `text` (what fileRulesKept finds on first use), so that the first edit of the text does not.
 */
export function prepareCarried(rules: readonly Rule[], text: string): void {
  for (const rule of rules) {
    const code = keepable(rule) ? fileReadWords(rule)?.code : null;
    if (code) carriedOf(rule, code, text);
  }
}

/** A file rule whose reports may be kept: it has `onFile` only, declares what it reads and follows no data flow. */
export function keepable(rule: Rule): boolean {
  return rule.onFile !== undefined && !rule.onCall && !rule.flows && rule.fileReads !== undefined;
}

/**
 * The rules of `rules` whose reports stay as they were over an edit inside a definition (see the
 * module comment): `edited` are the edited text's pieces, before and after (in `before` and
 * `after`), `reached` the other statements analysed again (text of `after`). The names carried
 * for each rule whose words and carried names the edited text holds none of are handed on to `after`.
 */
export function fileRulesKept(
  rules: readonly Rule[],
  before: string,
  after: string,
  edited: readonly ReadPiece[],
  reached: readonly string[],
): Set<Rule> {
  const kept = new Set<Rule>();
  const handed: Rule[] = [];
  const none = new Set<string>();
  for (const rule of rules) {
    if (!keepable(rule)) continue;
    const read = fileReadWords(rule);
    if (!read) continue;
    const code = read.code;
    // The words first: the carried names cost a pass over the file (once per text). A docstring
    // binds nothing and is code to no rule: only the rule's `strings` and formats count in it.
    const holds = (piece: ReadPiece) => {
      const { text } = piece;
      if (holdsFormat(text, read.formats)) return true;
      if (piece.prose) return read.prose !== null && holdsHotWord(text, 0, text.length, read.prose, none);
      // Blanks change no binding: the names whose bindings the rule reads count in code changed.
      if (read.bindings && !piece.blank && holdsHotWord(text, 0, text.length, read.bindings, none)) return true;
      return code !== null && holdsHotWord(text, 0, text.length, code, none);
    };
    // Pieces of code holding a word of the rule's code or a carried name (not a blank change's
    // line: names carry values, and blanks change none).
    const holdsCode = (pieces: readonly ReadPiece[], carried: ReadonlySet<string>) =>
      code !== null &&
      pieces.some(
        (piece) => !piece.prose && !(piece.blank && carried.size > 0) && holdsHotWord(piece.text, 0, piece.text.length, code, carried),
      );
    // The edited text holding none of the words that carry nor a carried name, before and after,
    // assigns no carried name: the text after has the same ones as before (handed on below). So
    // does a docstring: it assigns nothing, and a definition holding none of the words in its code
    // has no statement that carries, whatever its docstring says.
    const carrying = holdsCode(edited, none);
    if (carrying && edited.some(holds)) continue;
    const carried = code ? carriedOf(rule, code, before) : none;
    if (!carrying && (carried.size === 0 || !holdsCode(edited, carried))) handed.push(rule);
    if (edited.some(holds) || (carried.size > 0 && holdsCode(edited, carried))) continue;
    const others = reached.map((text) => ({ text }));
    if (others.some(holds) || (carried.size > 0 && holdsCode(others, carried))) continue;
    kept.add(rule);
  }
  if (handed.length > 0) {
    const next = remember(after);
    const known = carriedByText.get(before);
    for (const rule of handed) {
      const carried = known?.get(rule);
      if (carried) next.set(rule, carried);
    }
  }
  return kept;
}
