/**
 * Whether an edit leaves every data flow of a file as it was, so that the editor can move the
 * data-flow rules' findings over it instead of analysing the file again (perf/editReuse.ts).
 *
 * An edit inside one unit (a definition, a comment, blanks: perf/editedUnit.ts; or the whole
 * lines of one statement of a long function's body, perf/functionStatement.ts, whose bindings
 * are read in the function only through names, all written in those lines; or, in a docstring of
 * such a body, the lines the change is on: a plain string binds, calls and carries nothing, and
 * the closure reads its words only as mentions anywhere in the text, which the tests below look
 * for in those lines) that makes no import, `global` or changed binding visible elsewhere
 * (editReuse checks those) is quiet for a rule's flows when, in the unit's text before and after:
 * - no name carrying one of the rule's source kinds is written (reach.ts's closure of the text
 *   before), no package the seeds depend on is named, no Gradio callback is registered, no route
 *   decorator, no component stored under a key;
 * - no function the unit defines is named on a carrying line or a registration line (it could be
 *   a helper whose return or parameter a flow goes through, or a handler);
 * - for SQL text (MLS306) no SQL sink, for system prompts (MLS307) no place one is written;
 * - no name the unit binds is written outside it where an annotation goes (`Image = Annotated[
 *   Path, ...]` and `def detect(self, images: list[Image])`): which of a handler's parameters are
 *   sources, and of what kind, is read from its annotations through the file's aliases.
 * Then the closure of the text after is the same set of names (the lines outside the unit are
 * the same, and the unit's lines hold none of it, so no rule of the closure fires on them, before
 * or after), the same sinks are looked at, and none of them can reach into the unit: a flow
 * entering it would need a carrying name in it or a call of one of its functions on a carrying
 * line. The findings are those of before, moved.
 */
import type { FlowDeclaration } from '../rule';
import type { Span } from '../text';
import { isIdentifierChar } from '../textScan';
import { wordOffsets } from './textWords';
import { assignedNames } from '../perf/partialParse';
import type { SourceKind } from './flow';
import { FlowReach, flowReach } from './reach';
import { CONFIDENCE, ROUTE_METHODS, UNTRUSTED } from './sources';
import { SQL_FUNCTIONS, SQL_METHODS } from './sinks';
import { SERVING_METHODS } from './serving';
import { RecentTexts } from '../textMemo';

/**
 * What the test asks of a closure. Its answers hold for the text after a quiet edit too (the
 * names are the same, and so are the carrying lines, all outside the unit), so the closure of
 * the text before answers for it.
 */
type FlowNames = Pick<FlowReach, 'carries' | 'namedOnCarryingLine' | 'registers'>;

/** Closures by text and kinds, for the last few texts (a quiet edit hands them on to the text after it). */
const namesByText = new RecentTexts<Map<string, FlowNames>>(() => new Map());
const remember = (text: string): Map<string, FlowNames> => namesByText.get(text);

function namesOf(text: string, untrusted: boolean, kinds: readonly SourceKind[]): FlowNames {
  const known = remember(text);
  const key = kinds.join(',');
  let names = known.get(key);
  if (!names) {
    names = flowReach(text, untrusted ? UNTRUSTED : CONFIDENCE, new Set(kinds)) as FlowReach;
    known.set(key, names);
  }
  return names;
}

/** Packages whose mention changes the seeds (reach.ts) or what sources.ts reads across the file. */
const PACKAGE_MENTION = /\b(?:openai|anthropic|langchain|transformers|vllm|gradio)/;
/** A Gradio registration, a route decorator, a component stored under a key (sources.ts reads each across the file). */
const REGISTRATION =
  /\.\s*(?:click|submit|change|input|upload|select|release|stream|then|success)\s*\(|\b(?:Interface|ChatInterface|TabbedInterface)\s*\(/;
const ROUTE_DECORATOR = new RegExp(String.raw`^[ \t]*@[^\n]*\.\s*(?:${[...ROUTE_METHODS].join('|')})\s*\(`, 'm');
const KEYED_COMPONENT = /\[\s*(["'])[^"'\n]*\1\s*\]\s*=(?!=)/;
/** A place a system prompt is written (MLS307). */
const SYSTEM_PROMPT = /["']system["']|\b(?:SystemMessage|SystemMessagePromptTemplate|system|instructions)\b/;
/** A serving framework's package, base class or decorator (serving.ts reads them across a class or the file). */
const SERVING_MENTION =
  /\b(?:litserve|bentoml|kserve|LitAPI|TritonPythonModel)\b|^[ \t]*@[^\n]*\b(?:api|fastapi_endpoint|web_endpoint|deployment)\b/m;
/** A text that may hold a serving framework's handlers, whose stage methods pass data to each other. */
const SERVING_TEXT = /\b(?:litserve|bentoml|kserve|modal|serve|triton_python_backend_utils)\b/;
const DEFINED = /\bdef\s+([A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*)/gu;
const IMPORT_ALIAS = /^[ \t]*(?:from\s+\S+\s+)?import\b[^\n]*/gm;

const UNTRUSTED_KINDS: readonly SourceKind[] = ['request', 'ui', 'cli', 'llm'];

/** The identifiers of a text. */
function identifiersIn(text: string): Set<string> {
  const found = new Set<string>();
  for (let i = 0; i < text.length; i++) {
    if (!isIdentifierChar(text.charCodeAt(i))) continue;
    let j = i + 1;
    while (j < text.length && isIdentifierChar(text.charCodeAt(j))) j++;
    found.add(text.slice(i, j));
    i = j;
  }
  return found;
}

/** A definition's name (after its decorators). */
const DEFINITION_NAME =
  /^[ \t]*(?:@[^\n]*\n[ \t]*)*(?:async[ \t]+)?(?:def|class)[ \t]+([A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*)/u;
/** What comes before a name written in an annotation: `x: T`, `list[T]`, `Union[A, T]`, `A | T`, `-> T`. */
const BEFORE_ANNOTATION = /[:[,|>][ \t]*$/;

/** The names a unit may bind for the rest of the file: a definition's name, an import's names, a statement's targets. */
function boundBy(unit: string): string[] {
  const definition = DEFINITION_NAME.exec(unit);
  if (definition) return [definition[1]];
  if (/^[ \t]*(?:from|import)\b/.test(unit)) return [...identifiersIn(unit)];
  return assignedNames(unit, { start: 0, end: unit.length });
}

/**
 * True when a name `unit` (at `span` of `text`) may bind is written outside it where an annotation
 * puts it (after `:`, `[`, `,`, `|` or `->`). Over-approximated (a dict's value, an index, a
 * comparison read as annotations too): such an edit is analysed whole, which costs time, not findings.
 */
function annotatesElsewhere(text: string, span: Span, unit: string): boolean {
  for (const name of new Set(boundBy(unit)))
    for (const at of wordOffsets(text, name)) {
      if (at >= span.start && at < span.end) continue;
      if (BEFORE_ANNOTATION.test(text.slice(Math.max(0, at - 8), at))) return true;
    }
  return false;
}

/** The names SQL sinks are called by in a text: the tables' last names and what imports bind them to. */
function sqlSinkNames(text: string): Set<string> {
  const names = new Set([...SQL_METHODS, ...[...SQL_FUNCTIONS].map((n) => n.slice(n.lastIndexOf('.') + 1))]);
  for (const line of text.matchAll(IMPORT_ALIAS))
    for (const alias of line[0].matchAll(/\b(\w+)\s+as\s+(\w+)/g)) if (names.has(alias[1])) names.add(alias[2]);
  return names;
}

/**
 * True when an edit of one unit (`oldUnit` of `before` became `newUnit` of `after`) leaves the
 * flows of every rule whose declarations are given as they were (see the module comment).
 */
export function flowEditQuiet(
  rules: ReadonlyArray<readonly FlowDeclaration[]>,
  before: string,
  oldUnit: Span,
  after: string,
  newUnit: Span,
  prose = false,
): boolean {
  const units = [before.slice(oldUnit.start, oldUnit.end), after.slice(newUnit.start, newUnit.end)];
  // In a docstring (prose to the closure), an edit leaving its words and every text the tests
  // below look for as they were (blanks, punctuation) leaves every mention as it was.
  if (prose && sameMentions(units[0], units[1])) return handOnFlowNames(before, after);
  if (units.some((unit) => PACKAGE_MENTION.test(unit) || REGISTRATION.test(unit) || KEYED_COMPONENT.test(unit))) return false;
  if (units.some((unit) => SERVING_MENTION.test(unit))) return false;
  // A name the unit binds that an annotation elsewhere uses (`Image = Annotated[Path, ...]`, read
  // in `def detect(self, images: list[Image])`): what it names decides which parameters are
  // sources (sources.ts reads a handler's annotations through the file's aliases).
  if (annotatesElsewhere(before, oldUnit, units[0]) || annotatesElsewhere(after, newUnit, units[1])) return false;
  const written = units.map(identifiersIn);
  const defined = units.flatMap((unit) => [...unit.matchAll(DEFINED)].map((m) => m[1]));
  // A serving class's stage methods pass the request and the scores on to each other by name.
  if (defined.some((name) => SERVING_METHODS.includes(name)) && (SERVING_TEXT.test(before) || SERVING_TEXT.test(after))) return false;
  const handed: Array<[string, FlowNames]> = [];
  for (const flows of rules) {
    const sources = new Set(flows.flatMap((flow) => flow.sources));
    const sinks = new Set(flows.flatMap((flow) => flow.sinks));
    const groups: Array<[boolean, SourceKind[]]> = [
      [true, UNTRUSTED_KINDS.filter((kind) => sources.has(kind))],
      [false, sources.has('confidence') ? ['confidence'] : []],
    ];
    for (const [untrusted, kinds] of groups) {
      if (kinds.length === 0) continue;
      const names = namesOf(before, untrusted, kinds);
      if (written.some((words) => [...words].some((word) => names.carries(word)))) return false;
      if (defined.some((name) => names.namedOnCarryingLine(name) || names.registers(name))) return false;
      handed.push([kinds.join(','), names]);
    }
    if ((sources.has('request') || sinks.has('response')) && units.some((unit) => ROUTE_DECORATOR.test(unit))) return false;
    if (sources.has('sql-text')) {
      const names = sqlSinkNames(before);
      for (const name of sqlSinkNames(after)) names.add(name);
      if (written.some((words) => [...words].some((word) => names.has(word)))) return false;
    }
    if (sinks.has('system-prompt') && units.some((unit) => SYSTEM_PROMPT.test(unit))) return false;
  }
  // The text after has the same closures (module comment): later edits start from them.
  const next = remember(after);
  for (const [key, names] of handed) next.set(key, names);
  return true;
}

/**
 * Finds the flow rules' closures of carrying names over `text` (what flowEditQuiet finds on first
 * use), so that the first edit of the text does not.
 */
export function prepareFlowNames(rules: ReadonlyArray<readonly FlowDeclaration[]>, text: string): void {
  for (const flows of rules) {
    const sources = new Set(flows.flatMap((flow) => flow.sources));
    const untrusted = UNTRUSTED_KINDS.filter((kind) => sources.has(kind));
    // The closures of each kind are made when first asked (reach.ts): made here, all of them.
    const make = (names: FlowNames) => void (names instanceof FlowReach && names.closures);
    if (untrusted.length > 0) make(namesOf(text, true, untrusted));
    if (sources.has('confidence')) make(namesOf(text, false, ['confidence']));
  }
}

/** The texts the quiet test looks for in a unit, in order: its identifiers, and the matches of each pattern. */
const MENTIONS = [PACKAGE_MENTION, REGISTRATION, KEYED_COMPONENT, ROUTE_DECORATOR, SYSTEM_PROMPT, SERVING_MENTION].map(
  (pattern) => new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'),
);

/** Two lists of matches, equal item by item. */
function sameMatches(x: readonly string[], y: readonly string[]): boolean {
  return x.length === y.length && x.every((item, i) => item === y[i]);
}

/** A Python identifier (global: every one of a text). */
const WORDS = /[A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*/gu;

/** True when two texts hold the same identifiers in the same order. */
export function sameWords(a: string, b: string): boolean {
  return sameMatches(a.match(WORDS) ?? [], b.match(WORDS) ?? []);
}

/** True when two units hold the same identifiers and the same matches of every pattern the test looks for, in order. */
function sameMentions(a: string, b: string): boolean {
  return sameWords(a, b) && MENTIONS.every((pattern) => sameMatches(a.match(pattern) ?? [], b.match(pattern) ?? []));
}

/** Hands the closures of `before` on to `after` when the edit between them changed no token (blanks). */
export function handOnFlowNames(before: string, after: string): true {
  const known = namesByText.get(before);
  if (known) {
    const next = remember(after);
    for (const [key, names] of known) next.set(key, names);
  }
  return true;
}
