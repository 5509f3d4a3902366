/**
 * Whether a flow of some source kinds can end in a sink of some kinds at all, read from the text
 * and reach.ts's closures before anything is parsed: the partial-parse plan (parsePlan.ts) keeps
 * nothing for a flow declaration no sink of which can be reached, and the analysis (index.ts)
 * follows nothing for it.
 *
 * It must hold wherever the analysis could find a flow, so it is read as a superset of what
 * index.ts selects and sinks.ts resolves (docs/dataflow.md, "Which flows are planned"):
 * - a sink other than model inference is a call found where one of the names sinkCallNames gives
 *   is written (index.ts reachableSinks, through sinks.ts nonModelSinkCalls), and is looked at
 *   only when the call's text holds a carrying name or the function it is in is named on a
 *   carrying line (FlowReach.throughAt). A call lies within one logical line, so here: a name's
 *   occurrence followed by `(`, on a logical line holding a carrying name, or in such a function.
 *   Which kind of sink the call is follows from its name, unless the name may stand for another
 *   sink (imported `as` it, or assigned: `run = os.system`); `subprocess.run` is a shell only with
 *   `shell=` in its call, `st.markdown` HTML only with `unsafe_allow_html=`;
 * - model inference is a call of an inference method (`.predict(`) or of a name bound by an
 *   assignment (`pipe = pipeline(...)`; sinks.ts resolves nothing else written bare), looked for
 *   around the carrying names and in the functions named on a carrying line (index.ts
 *   modelCandidates): so here, such a call on a carrying line or in such a function;
 * - MLS307's system prompts are written on the line of `"system"`, `system=`, `instructions=`
 *   or `SystemMessage(`, and a prompt carrying request or UI text holds a carrying name there
 *   (a name assigned the template carries too);
 * - MLS407's responses are `return` statements: one returning a score holds a carrying name.
 */
import { holdsAny } from '../perf/partialParse';
import { isBlank, isIdentifierChar, literalBounds, previousNonBlank } from '../textScan';
import { BENTO_REMOTE_WORDS } from './bentoRemote';
import type { FlowSinkKind } from './words';
import {
  CODE_SINKS,
  DESERIALIZE_SINKS,
  HTML_SINKS,
  HTML_WHEN_UNSAFE,
  INFERENCE_METHODS,
  PATH_METHODS,
  PATH_SINKS,
  SHELL_SINKS,
  SHELL_WHEN_ASKED,
  SQL_FUNCTIONS,
  SQL_METHODS,
  sinkCallNames,
} from './sinks';
import type { SinkKind } from './sinks';

/** What sinkReached reads of a text and of the closures of the source kinds asked about. */
export interface ReachView {
  readonly text: string;
  /** Where a name is written as a whole word (strings and comments included). */
  occurrences(name: string): readonly number[];
  /** True when a sink written at `at` may be reached: its logical line holds a carrying name, or its function is named on one. */
  reachedAt(at: number): boolean;
  /** True when `at` is in a comment or a plain string (reach.ts TextFacts.inProse). */
  inProse(at: number): boolean;
  /** Where the logical line holding `at` starts (`at` itself outside one). */
  lineStart(at: number): number;
  /** Where the logical line holding `at` ends (`at` itself outside one). */
  lineEnd(at: number): number;
  /** True when the logical line holding `at` holds `word` as a whole word. */
  lineHolds(at: number, word: string): boolean;
  /** The spans where a model-inference sink may be reached (carrying lines, functions named on one); null: anywhere. */
  modelPlaces(): ReadonlyArray<{ start: number; end: number }> | null;
  /**
   * What sinkReached found of the text's names so far (how each is assigned, whether it may stand
   * for another name), kept with the text: they depend on the text alone, and each flow a plan
   * checks asks again.
   */
  readonly names: SinkNames;
}

/** How names are bound in a text, as sinkReached reads them (see `assignment` and `boundName` there). */
export interface SinkNames {
  readonly assigned: Map<string, number>;
  readonly bound: Map<string, boolean>;
}

const last = (name: string) => name.slice(name.lastIndexOf('.') + 1);

interface NamedSink {
  kinds: Set<SinkKind>;
  /** A word the call must also hold (`shell` for `subprocess.run`). */
  needs?: string;
  /** A method of any object (`cursor.execute`, `path.unlink`); else a function, whose dotted names are `functions`. */
  method: boolean;
}

/**
 * Each sink's last name with the kinds it is a sink of, what its call must also hold, and the
 * qualified names of the module functions among them. Made when first asked (sinks.ts and
 * reach.ts import each other through this module).
 */
let tables: { named: Map<string, NamedSink>; functions: Set<string> } | undefined;

function sinkTables(): { named: Map<string, NamedSink>; functions: Set<string> } {
  if (tables) return tables;
  const named = new Map<string, NamedSink>();
  const functions = new Set<string>();
  const add = (names: Iterable<string>, kind: SinkKind, needs?: string, method = false) => {
    for (const qualified of names) {
      const name = last(qualified);
      if (!method) functions.add(qualified);
      const known = named.get(name);
      if (!known) named.set(name, { kinds: new Set([kind]), needs, method });
      else {
        known.kinds.add(kind);
        // A name that is a sink of one kind unasked needs nothing.
        if (known.needs !== needs) known.needs = undefined;
        known.method ||= method;
      }
    }
  };
  add(CODE_SINKS, 'code');
  add(SHELL_SINKS, 'shell');
  add(SHELL_WHEN_ASKED, 'shell', 'shell');
  add(SQL_METHODS, 'sql', undefined, true);
  add(SQL_FUNCTIONS, 'sql');
  add(DESERIALIZE_SINKS, 'deserialize');
  add(PATH_SINKS, 'path');
  add(PATH_METHODS, 'path', undefined, true);
  add(HTML_SINKS, 'html');
  add(HTML_WHEN_UNSAFE, 'html', 'unsafe_allow_html');
  return (tables = { named, functions });
}

const NON_MODEL_KINDS: ReadonlySet<SinkKind> = new Set(['code', 'shell', 'sql', 'deserialize', 'path', 'html']);
/** Words a system prompt is written with (MLS307). */
const SYSTEM_PROMPT_WORDS: ReadonlyArray<[string, (text: string, at: number, length: number) => boolean]> = [
  // `{"role": "system", ...}`, `("system", ...)`: the whole string.
  ['system', (text, at, length) => quotedAlone(text, at, length) || keywordAt(text, at, length)],
  ['instructions', keywordAt],
  ['SystemMessage', () => true],
  ['SystemMessagePromptTemplate', () => true],
];

/** True when the word at `at` is a string's whole text (`"system"`). */
function quotedAlone(text: string, at: number, length: number): boolean {
  const quote = text.charCodeAt(at - 1);
  return (quote === 34 || quote === 39) && text.charCodeAt(at + length) === quote;
}

/** True when the word at `at` is followed by `=` (not `==`): a keyword argument's name (`system=`). */
function keywordAt(text: string, at: number, length: number): boolean {
  let i = at + length;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 61 && text.charCodeAt(i + 1) !== 61;
}

const IDENTIFIER_CHAR = String.raw`A-Za-z0-9_\u0080-\u{10ffff}`;
const NAME = String.raw`[A-Za-z_\u0080-\u{10ffff}][${IDENTIFIER_CHAR}]*`;
/** A call in code: of an inference method (group 1: `.predict(`) or of a bare name (group 2: `pipe(`). */
let modelCall: RegExp | undefined;
const makeModelCall = () =>
  new RegExp(
    String.raw`\.\s*(${[...INFERENCE_METHODS].join('|')})\s*\(|(?<![${IDENTIFIER_CHAR}.])([A-Za-z_\u0080-\u{10ffff}][${IDENTIFIER_CHAR}]*)\s*\(`,
    'gu',
  );

/** The offset of the first character at or after `i` that is not blank, a continuation or in a comment. */
function nextCode(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (isBlank(c)) i++;
    else if (c === 35) {
      while (i < text.length && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    } else return i;
  }
}

/** How much of an import statement before a name is read (beyond, the name is taken as bound: bounded work on any text). */
const LONG_STATEMENT = 4096;

/** An assigned value that is a dotted name (`os.system`, `(pickle)`), to the statement's end. */
const DOTTED_VALUE = new RegExp(String.raw`^[\s\\(]*${NAME}(?:[\s\\]*\.[\s\\]*${NAME})*[\s\\)]*(?:[;#]|$)`, 'u');

/** True when a statement's text after `=` holds another `=` outside brackets and strings (`b.c = os`). */
function chainedAssignment(value: string): boolean {
  let depth = 0;
  for (let k = 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if (c === 34 || c === 39) k = Math.max(k, literalBounds(value, k).end - 1);
    else if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth--;
    else if (c === 35) return false;
    else if (c === 61 && depth <= 0) {
      const before = value.charCodeAt(k - 1);
      if (value.charCodeAt(k + 1) === 61) k++;
      else if (before !== 61 && before !== 33 && before !== 60 && before !== 62) return true;
    }
  }
  return false;
}

/** The offset of the last character at or before `i` that is not a space or a tab. */
function lastCode(text: string, i: number): number {
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  return i;
}

/**
 * The dotted name an attribute written at `at` is read from (`a.b` of `a.b.loads`), first name
 * first, or undefined when its object is anything else (a call, a subscript, a literal, a name on
 * another line).
 */
function receiverPath(text: string, at: number): string[] | undefined {
  const path: string[] = [];
  let i = at - 1;
  for (;;) {
    while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
    if (text.charCodeAt(i) !== 46) return path.length > 0 ? path : undefined;
    i--;
    while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
    const end = i + 1;
    while (i >= 0 && isIdentifierChar(text.charCodeAt(i))) i--;
    const start = i + 1;
    if (start === end) return undefined;
    const first = text.charCodeAt(start);
    if (first >= 48 && first <= 57) return undefined;
    for (let k = start; k < end; k++) if (text.charCodeAt(k) > 127) return undefined;
    path.unshift(text.slice(start, end));
  }
}

/**
 * True when a flow from the view's sources may reach a sink of one of these kinds (a superset of
 * what the analysis finds: see the module comment).
 */
export function sinkReached(view: ReachView, kinds: ReadonlySet<FlowSinkKind>): boolean {
  const text = view.text;
  // How an occurrence of a name binds it, read as the semantic model binds names: 0, not by an
  // assignment (a keyword argument, a target after a comma bind nothing the model resolves);
  // 1, `name = a.dotted.name` (or annotated: `name: T = ...`), which the model follows to what it
  // names (`run = os.system`); 2, an assignment of anything else (a call: `pipe = pipeline(...)`).
  const assignmentAt = (name: string, at: number): 0 | 1 | 2 => {
    let i = at + name.length;
    while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 92)) i++;
    const c = text.charCodeAt(i);
    // `name: T = value` starts its statement (else `lambda name: ...`, `{name: ...}`, `a[name:]`).
    if (c === 58) return view.inProse(at) || (view.lineStart(at) !== at && previousNonBlank(text, at) !== ';') ? 0 : 1;
    if (c !== 61 || text.charCodeAt(i + 1) === 61) return 0;
    const previous = previousNonBlank(text, at);
    if (previous === '(' || previous === ',' || view.inProse(at)) return 0;
    // Another target after it (`a = b.c = os`): taken as a dotted name too.
    const value = text.slice(i + 1, Math.max(i + 1, view.lineEnd(at)));
    return chainedAssignment(value) || DOTTED_VALUE.test(value) ? 1 : 2;
  };
  const assigned = view.names.assigned;
  /** 0: never assigned; 1: assigned a dotted name somewhere; 2: assigned only other values. */
  const assignment = (name: string): number => {
    let known = assigned.get(name);
    if (known === undefined) {
      known = 0;
      for (const at of view.occurrences(name)) {
        const how = assignmentAt(name, at);
        if (how === 1) {
          known = 1;
          break;
        }
        if (how === 2) known = 2;
      }
      assigned.set(name, known);
    }
    return known;
  };
  const assignedName = (name: string) => assignment(name) !== 0;
  // Whether a name may stand for another module or function than itself: assigned a dotted name,
  // or imported other than by `import name` (`import x as name`, `from m import name`, an import
  // the line holds after `if x:`). Assigned anything else, it names no module's function (the
  // model resolves a call's result as `f()`, which no sink's name is).
  const bound = view.names.bound;
  const boundName = (name: string): boolean => {
    let known = bound.get(name);
    if (known === undefined) {
      known =
        assignment(name) === 1 ||
        view.occurrences(name).some((at) => {
          const start = view.lineStart(at);
          if (!holdsAny(view.occurrences('import'), start, at) || view.inProse(at)) return false;
          if (at - start > LONG_STATEMENT) return true;
          const before = text.slice(start, at);
          if (!/\bimport\b/.test(before)) return false;
          // `import name` or `import name.sub` binds the name to itself.
          return !/^import\s[^;]*$/.test(before.trimStart()) || /\bas\s*$/.test(before);
        });
      bound.set(name, known);
    }
    return known;
  };
  const { named, functions } = sinkTables();
  if ([...kinds].some((kind) => NON_MODEL_KINDS.has(kind as SinkKind))) {
    for (const [name, stands] of sinkCallNames(text)) {
      // Written bare, a name imported as a sink or assigned may be any sink (`run = os.system`);
      // otherwise a call of it is a sink of the kinds of its name, if any.
      const own = named.get(name);
      const fits = !!own && [...own.kinds].some((kind) => kinds.has(kind as FlowSinkKind));
      const renamed = stands.size > 1 || !stands.has(name) || boundName(name);
      if (!fits && !renamed) continue;
      for (const at of view.occurrences(name)) {
        // A call of the name (`load (`, blanks and comments between).
        const open = nextCode(text, at + name.length);
        if (text.charCodeAt(open) !== 40) continue;
        const attribute = previousNonBlank(text, at) === '.';
        // Every sink but a path method's (whose receiver is the path) is about an argument.
        if (!(attribute && own?.method && own.kinds.has('path')) && text.charCodeAt(nextCode(text, open + 1)) === 41) continue;
        if (!(renamed && !attribute)) {
          if (!fits || (own!.needs && !view.lineHolds(at, own!.needs))) continue;
          // A module's function read from a dotted name: only where that name can spell one
          // (`pickle.loads`, not `json.loads` after `import json`).
          if (attribute && !own!.method) {
            // A subscript names nothing the model resolves (`options[0].remove(x)`).
            if (text.charCodeAt(lastCode(text, at - 1)) === 46 && text.charCodeAt(lastCode(text, lastCode(text, at - 1) - 1)) === 93)
              continue;
            const path = receiverPath(text, at);
            if (path && !boundName(path[0]) && !functions.has(`${path.join('.')}.${name}`)) continue;
          }
        }
        // Written in a comment or a plain string (`"... a computer algebra system (CAS)"`): no call.
        if (!view.inProse(at) && view.reachedAt(at)) return true;
      }
    }
  }
  if (kinds.has('model')) {
    const places = view.modelPlaces();
    if (!places) return true;
    // `encode` runs a model only in a file importing sentence_transformers (sinks.ts).
    const encoders = text.includes('sentence_transformers');
    // BentoML's runners (`runner.predict.run(x)`) and dependencies (`self.other.classify(x)`): any
    // method call in a text naming bentoml and one of their words (bentoRemote.ts).
    const remote = text.includes('bentoml') && BENTO_REMOTE_WORDS.some((word) => view.occurrences(word).length > 0);
    for (const { start, end } of places) {
      if (remote && /\.\s*[A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*\s*\(/u.test(text.slice(start, end))) return true;
      for (const match of text.slice(start, end).matchAll((modelCall ??= makeModelCall())))
        if (match[1] !== undefined ? match[1] !== 'encode' || encoders : assignedName(match[2])) return true;
    }
  }
  if (kinds.has('system-prompt'))
    for (const [word, written] of SYSTEM_PROMPT_WORDS)
      for (const at of view.occurrences(word)) if (written(text, at, word.length) && view.reachedAt(at)) return true;
  if (kinds.has('response')) for (const at of view.occurrences('return')) if (view.reachedAt(at)) return true;
  return false;
}
