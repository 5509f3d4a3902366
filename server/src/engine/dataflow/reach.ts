/**
 * Where a flow can be, read from the text before any tree walk: the names that may carry a
 * source, and from them the sinks the analysis needs to look at (see docs/dataflow.md, "Which
 * definitions are analysed").
 *
 * The condition is a closure over names, flow-insensitive and scoped only by the text of the
 * scope a name is bound in (a function's, nested ones included, or the module's: every use
 * Python resolves to a binding lies in its scope's text), so that it holds whatever flow.ts
 * follows inside a statement:
 * - the seeds: the identifiers every source of the spec is written with (sources.ts); the
 *   parameters of a definition that can be a request or UI handler (a route decorator above it,
 *   its name the callback of a Gradio registration, a `Request`-like annotation in its header);
 * - a logical line holding a carrying name, written as code (not in a comment or a plain string,
 *   not as a keyword argument's or a parameter's name: no value passes there), makes carrying
 *   every name it may bind (assignment
 *   targets, `for` and comprehension targets, `as` names, the names of a line with `:=`;
 *   partialParse.assignedNames) in the scope of the line (TextFacts.bindingScope) unless
 *   the value of that occurrence is dropped on the way (inside the arguments of a call whose
 *   result carries nothing of them, or a subscript's index: TextFacts.dropped), a parameter
 *   whose annotation holds one, and for a `return` the name of the function it returns from (a
 *   helper's summary), where that name is written bare (called by it); for a source kind only a
 *   `return` the seeds reach without a helper's return (flow.ts's summaries are one level);
 * until nothing changes. flow.ts answers an expression from its own parts, the bindings of the
 *   names in it (each made on a logical line with its value) and the returns of the helpers it
 *   calls, so an expression whose text holds no carrying name carries no source: its sources are
 *   written in it, or reach it through a name, which the closure then holds.
 *
 * A sink is looked at when its arguments' text holds a carrying name, or when the function it is
 * in is called on a line holding one (a sink reached through a helper's parameter is reported
 * where the helper is called). Every other sink is left out before the tree is read.
 */
import { assignedNames, headerAt, holdsAny, linesOf, lowerBound, withoutProse } from '../perf/partialParse';
import { isBlank, isIdentifierChar, literalBounds, nextNonBlank, previousNonBlank } from '../textScan';
import { ARGUMENT_METHODS, PASS_THROUGH } from './flow';
import { Occurrences, knownWords, rememberWords } from './textWords';
import type { LogicalLine } from '../perf/partialParse';
import type { FlowSpec, SourceKind } from './flow';
import { CONTAINER_KINDS, MUTATING_METHODS, mutatedNames } from './containers';
import { sinkReached } from './sinkReach';
import { llmSeeds } from './llmSeeds';
import { ENDPOINT_DECORATOR_WORDS, SERVING_INPUT_METHODS, SERVING_OUTPUT_METHODS, SERVING_PACKAGES } from './serving';
import type { ReachView, SinkNames } from './sinkReach';
import type { FlowSinkKind } from './words';
import {
  CLI_SOURCES,
  CONFIDENCE,
  CONFIDENCE_ATTRIBUTES,
  CONFIDENCE_FUNCTIONS,
  CONFIDENCE_METHODS,
  GENERATION_METHODS,
  GRADIO_ENTRY_POINTS,
  GRADIO_EVENTS,
  HTTP_HANDLER_ATTRIBUTES,
  LANGCHAIN_METHODS,
  LLM_CLIENT_METHODS,
  REQUEST_TYPES,
  ROUTE_METHODS,
  STREAMLIT_INPUTS,
  UNTRUSTED,
} from './sources';

/** The last name of a dotted one (`litellm.completion` → `completion`). */
const last = (name: string) => name.slice(name.lastIndexOf('.') + 1);

/** The words the sources of one kind are written with. */
interface SourceWords {
  /** Names: any occurrence counts (aliases and assignments of them carry the source too). */
  names: string[];
  /**
   * Words an edit must not write for the seeds to stay as they are, besides the names: the
   * methods whose calls may be seeds, and what llmSeeds decided its seeds by (`carries`).
   */
  context: string[];
  /** Offsets seeded directly: the method names of calls that may be sources (LLM answers). */
  calls: number[];
  /** Offsets of a name's occurrences that may be sources, seeded as a name's are (not all of its occurrences). */
  mentions: number[];
}

/**
 * The words the sources of one kind are written with, in this text. Request data: Flask,
 * Quart, Django and DRF `request` (Django's is a parameter named `request`;
 * `request.get_json()` is written with it), parameters annotated as the request or an upload
 * (`req: Request`), and in a text deriving an `http.server` handler its request attributes
 * (`self.path`). UI: Streamlit's input widgets. Command line: `input()`, `sys.argv`. LLM
 * answers: the calls and names llmSeeds finds (LiteLLM's functions, a transformers `pipeline`,
 * the LLM clients' methods, LangChain runnables' methods on a LangChain receiver, generation),
 * each only where sources.ts may report it. Handlers' parameters are added for request data
 * (routes) and UI (Gradio).
 */
function sourceWords(kind: SourceKind, facts: TextFacts): SourceWords {
  const text = facts.text;
  const words = (names: string[]): SourceWords => ({ names, context: [], calls: [], mentions: [] });
  switch (kind) {
    case 'request':
      return words([
        'request',
        ...[...REQUEST_TYPES].map(last),
        // `self.path` of an `http.server` handler, in a text deriving from one.
        ...(/HTTPRequestHandler/.test(text) ? HTTP_HANDLER_ATTRIBUTES : []),
      ]);
    case 'ui':
      return words([...STREAMLIT_INPUTS]);
    case 'cli':
      return words([...[...CLI_SOURCES].map(last), 'argv']);
    case 'llm': {
      // The methods whose calls llmSeeds may take, in a text naming their package (an edit
      // writing none of them and no package leaves its method seeds as they are).
      const methods: string[] = [];
      for (const client of LLM_CLIENT_METHODS) if (text.includes(client.package)) methods.push(...client.methods);
      if (/\blangchain/.test(text)) methods.push(...LANGCHAIN_METHODS);
      if (/\b(?:transformers|vllm)\b/.test(text)) methods.push(...GENERATION_METHODS);
      const seeds = llmSeeds(facts);
      return { names: seeds.names, context: [...methods, ...seeds.words], calls: seeds.calls, mentions: seeds.mentions };
    }
    case 'confidence':
      // `x.softmax(-1)` and `F.softmax(x)`, `from scipy.special import softmax`: names.
      return words([...CONFIDENCE_METHODS, ...[...CONFIDENCE_FUNCTIONS].map(last), ...CONFIDENCE_ATTRIBUTES]);
  }
}

/** The source kinds a spec has (null: not one reach.ts knows, every sink is looked at). */
function kindsOf(spec: FlowSpec): readonly SourceKind[] | null {
  if (spec === UNTRUSTED) return ['request', 'ui', 'cli', 'llm'];
  if (spec === CONFIDENCE) return ['confidence'];
  return null;
}

/** A Python identifier. */
const IDENTIFIER = /[A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*/gu;
/** What a line binding a name or returning holds (`=`, `for`, `as`, `return`, `match`/`case`). */
const BINDS = /=|\b(?:for|as|return|match|case)\b/;
/** What a line filling a container holds (containers.ts): a mutating method's call. */
const MUTATES = new RegExp(String.raw`\.\s*(?:${MUTATING_METHODS.join('|')})\s*\(`);
/** The targets of every `for ... in` of a line (statements and comprehensions). */
const FOR_TARGETS = /\bfor\b([\s\S]*?)\bin\b/g;
/** `with a as (b, c)`: every name in the parentheses. */
const AS_TUPLE = /\bas\s*\(([^)]*)\)/g;
/** A route decorator (`@app.post(`, `@router.get(`, `@bp.route(`), as sources.ts registers them. */
const ROUTE_DECORATOR = new RegExp(String.raw`^@[\s\S]*?\.\s*(?:${[...ROUTE_METHODS].join('|')})\s*\(`);
/** A Gradio registration's name followed by its call (`.click(`, `gr.Interface(`). */
const GRADIO_REGISTRATION = new RegExp(
  String.raw`\.\s*(?:${[...GRADIO_EVENTS].join('|')})\s*\(|\b(?:${[...GRADIO_ENTRY_POINTS].join('|')})\s*\(`,
);

/**
 * A component stored under a constant key (`ui["grammar"] = gr.Dropdown(`): sources.ts finds these
 * in the text (keyedComponent), so a partial parse must keep them.
 */
const KEYED_COMPONENT = /\[\s*(["'])[^"'\n]*\1\s*\]\s*=(?!=)\s*[A-Za-z_][\w.]*\s*\(/g;

/** A `def` and the lines of its body (by indentation). */
interface DefinitionLines {
  name: string;
  /** Index of its header's logical line. */
  header: number;
  /** Offsets it covers: its header's start to its last line's end. */
  start: number;
  end: number;
  /** A method: defined directly in a class's body. */
  inClass: boolean;
  /** For a method, the offsets its class covers (its header's start to its last line's end). */
  cls?: { start: number; end: number };
}

/** What one text gives every spec: its logical lines, its definitions, where each name occurs. */
class TextFacts {
  readonly lines: readonly LogicalLine[];
  readonly occurrences: Occurrences;
  readonly definitions: DefinitionLines[];
  /** For each logical line, the innermost definition whose body holds it (-1: none, or a class body). */
  readonly owner: Int32Array;
  /** For each logical line, the definition it is the header of (-1: none). */
  readonly headerOf: Int32Array;
  /** Parameters of the headers read so far, by line. */
  readonly parameters = new Map<number, Parameter[]>();
  /** What each line read so far fills (filledBy), shared by the closures that follow containers. */
  readonly filled = new Map<number, string[]>();
  /** What each line read so far binds (boundBy), shared by the closures of every kind. */
  readonly bound = new Map<number, string[]>();
  /** How the names sinkReach.ts asked about are bound (shared by every flow it checks). */
  readonly sinkNames: SinkNames = { assigned: new Map(), bound: new Map() };

  constructor(readonly text: string) {
    this.lines = linesOf(text);
    this.occurrences = knownWords(text) ?? new Occurrences(text);
    this.definitions = [];
    this.owner = new Int32Array(this.lines.length).fill(-1);
    this.headerOf = new Int32Array(this.lines.length).fill(-1);
    // Open definitions and classes, innermost last (-1 for a class: its body is no function's).
    const open: Array<{ index: number; indent: number; cls?: { start: number; end: number } }> = [];
    for (let i = 0; i < this.lines.length; i++) {
      const line = this.lines[i];
      // A definition closed by this line ends with the line before it (the last one it held).
      while (open.length > 0 && open[open.length - 1].indent >= line.indent) {
        const closed = open.pop()!;
        if (closed.index >= 0) this.definitions[closed.index].end = this.lines[i - 1].end;
        else if (closed.cls) closed.cls.end = this.lines[i - 1].end;
      }
      this.owner[i] = open.length > 0 ? open[open.length - 1].index : -1;
      // A header starts with `def`, `async` or `class`.
      const first = text.charCodeAt(line.start);
      const header = first === 100 || first === 97 || first === 99 ? headerAt(text, line.start) : undefined;
      if (header?.kind === 'def') {
        this.headerOf[i] = this.definitions.length;
        const around = open.length > 0 ? open[open.length - 1] : undefined;
        const inClass = !!around && around.index < 0;
        this.definitions.push({
          name: header.name,
          header: i,
          start: line.start,
          end: line.end,
          inClass,
          cls: inClass ? around!.cls : undefined,
        });
        open.push({ index: this.headerOf[i], indent: line.indent });
      } else if (header?.kind === 'class') open.push({ index: -1, indent: line.indent, cls: { start: line.start, end: line.end } });
    }
    const lastEnd = this.lines.length > 0 ? this.lines[this.lines.length - 1].end : 0;
    for (const { index, cls } of open) {
      if (index >= 0) this.definitions[index].end = lastEnd;
      else if (cls) cls.end = lastEnd;
    }
  }

  /** The logical line holding an offset, or -1 (a blank or comment-only line). */
  lineAt(offset: number): number {
    const lines = this.lines;
    let low = 0;
    let high = lines.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (lines[mid].start > offset) high = mid - 1;
      else if (lines[mid].end < offset) low = mid + 1;
      else return mid;
    }
    return -1;
  }

  lineText(index: number): string {
    const line = this.lines[index];
    return this.text.slice(line.start, line.end);
  }

  /** Per logical line read so far, its prose: [start, end) pairs of comments and plain strings. */
  private readonly prose = new Map<number, number[]>();

  /**
   * True when the offset is in a comment or in a plain string literal (a docstring): a name
   * written there is no reference to anything, so flow.ts never reads a value through it. An
   * f-string (or t-string) holds code, and the rest of its line after it counts as code too (its
   * nested quotes could be misread here). Outside a logical line, only a comment-only line is prose.
   */
  inProse(at: number): boolean {
    const index = this.lineAt(at);
    if (index < 0) {
      let k = at;
      while (k > 0 && this.text.charCodeAt(k - 1) !== 10 && this.text.charCodeAt(k - 1) !== 13) k--;
      while (k < at && (this.text.charCodeAt(k) === 32 || this.text.charCodeAt(k) === 9)) k++;
      return this.text.charCodeAt(k) === 35;
    }
    let spans = this.prose.get(index);
    if (!spans) this.prose.set(index, (spans = proseOf(this.text, this.lines[index])));
    for (let i = 0; i < spans.length; i += 2) if (spans[i] <= at && at < spans[i + 1]) return true;
    return false;
  }

  private scopeStatements: Int8Array | undefined;

  /**
   * The scope the names a logical line binds belong to: the innermost function whose body holds
   * it (a header's line: the function's own scope is its parameters', but what the line binds
   * besides, in a one-line definition, is taken as the scope around it, which holds the function);
   * MODULE for the module and class bodies (a class's names are read only in its body, which the
   * scope around it holds), and for a function declaring any name `global` or `nonlocal`.
   */
  bindingScope(index: number): number {
    const header = this.headerOf[index];
    const scope = header >= 0 ? this.parentScope(header) : this.owner[index];
    return scope >= 0 && this.declaresScope(scope) ? MODULE : scope;
  }

  /** The scope a definition's name is bound in: the function around it, or MODULE. */
  parentScope(definition: number): number {
    const scope = this.owner[this.definitions[definition].header];
    return scope >= 0 && this.declaresScope(scope) ? MODULE : scope;
  }

  /** True when the definition's text holds the word `global` or `nonlocal` (prose too). */
  private declaresScope(definition: number): boolean {
    if (!this.scopeStatements) {
      this.scopeStatements = new Int8Array(this.definitions.length);
      for (const word of ['global', 'nonlocal'])
        for (const at of this.occurrences.of(word)) {
          const index = this.lineAt(at);
          // The line's function and every function around it.
          let scope = index < 0 ? -1 : this.headerOf[index] >= 0 ? this.headerOf[index] : this.owner[index];
          while (scope >= 0 && !this.scopeStatements[scope]) {
            this.scopeStatements[scope] = 1;
            scope = this.owner[this.definitions[scope].header];
          }
        }
    }
    return this.scopeStatements[definition] === 1;
  }

  /** Per logical line read so far, the spans whose value flow.ts drops ([open, close) pairs, see dropped). */
  private readonly dropping = new Map<number, number[]>();
  /** Per name read so far, whether every occurrence of it in code is a call of it (onlyCalled). */
  private readonly called = new Map<string, boolean>();
  private definedNames: Set<string> | undefined;

  /**
   * True when the value of the code at `at` cannot reach what its logical line binds or returns,
   * as flow.ts computes a value (docs/dataflow.md, "Which names carry"): it is written inside the
   * arguments of a call whose result carries nothing of its arguments, or inside a subscript's
   * index (`d[x]` carries `d`'s data, not `x`'s). A call passes its arguments on when flow.ts may
   * follow them: a function of PASS_THROUGH or a method of ARGUMENT_METHODS (by last name,
   * whatever the object), any name defined by a `def` in the text (a helper's summary, or a
   * method's), and a bare name written anywhere but in calls of it (imported, assigned, passed as
   * a value: it may stand for anything). Nothing is dropped inside a span holding `for`, `lambda`
   * or `:=` (names bound there take the data before the call drops it), by a call written in an
   * f-string (its code is not read here), or on a definition's header.
   */
  dropped(index: number, at: number): boolean {
    if (this.headerOf[index] >= 0) return false;
    let spans = this.dropping.get(index);
    if (!spans) this.dropping.set(index, (spans = this.droppingSpans(index)));
    for (let i = 0; i < spans.length; i += 2) if (spans[i] < at && at < spans[i + 1]) return true;
    return false;
  }

  private droppingSpans(index: number): number[] {
    const { start, end } = this.lines[index];
    const text = this.text;
    const spans: number[] = [];
    const open: Array<{ at: number; drops: boolean }> = [];
    for (let k = start; k < end; k++) {
      const c = text.charCodeAt(k);
      if (c === 35) {
        while (k < end && text.charCodeAt(k) !== 10 && text.charCodeAt(k) !== 13) k++;
      } else if (c === 34 || c === 39) k = Math.max(k, literalBounds(text, k).end - 1);
      else if (c === 40 || c === 91) open.push({ at: k, drops: c === 40 ? this.callDrops(start, k) : subscriptAt(text, start, k) });
      else if (c === 123) open.push({ at: k, drops: false });
      else if (c === 41 || c === 93 || c === 125) {
        const span = open.pop();
        if (span?.drops && !BINDS_INSIDE.test(text.slice(span.at, k))) spans.push(span.at, k);
      }
    }
    // Bounded work per occurrence on any text: past this many, nothing is taken as dropped.
    return spans.length > 2 * MAX_DROPPING ? [] : spans;
  }

  /** True when the `(` at `open` calls something whose result carries nothing of its arguments. */
  private callDrops(lineStart: number, open: number): boolean {
    const text = this.text;
    const before = writtenBefore(text, lineStart, open);
    // `f(a)(x)`, `handlers[k](x)`: a call of a call's result or of an item (flow.ts: nothing passes).
    if (before === RESULT) return true;
    if (before === undefined) return false;
    const { name, start } = before;
    // A name with other than ASCII letters is not read (it may continue beyond what was scanned).
    if (name.length === 0 || /^[0-9]/.test(name) || !/^\w+$/.test(name) || KEYWORDS.has(name)) return false;
    if (PASSING_NAMES.has(name) || this.defined().has(name)) return false;
    let j = start - 1;
    while (j >= lineStart && isBlank(text.charCodeAt(j))) j--;
    // A method (`obj.m(x)`): its object's data, and its arguments' for ARGUMENT_METHODS only.
    if (j >= lineStart && text.charCodeAt(j) === 46) return true;
    return this.onlyCalled(name);
  }

  /** The names `def` defines anywhere in the text. */
  private defined(): Set<string> {
    this.definedNames ??= new Set(this.definitions.map((d) => d.name));
    return this.definedNames;
  }

  /** True when every occurrence of `name` in code is followed by `(` (a builtin such as `len`, a class). */
  private onlyCalled(name: string): boolean {
    let known = this.called.get(name);
    if (known === undefined) {
      known = this.occurrences.of(name).every((at) => {
        let k = at + name.length;
        while (k < this.text.length && isBlank(this.text.charCodeAt(k))) k++;
        return this.text.charCodeAt(k) === 40 || this.inProse(at);
      });
      this.called.set(name, known);
    }
    return known;
  }

  /** The first parameter of each definition read so far (a method's object), '' for none. */
  private readonly firsts = new Map<number, string>();

  /**
   * True when the name at `at` may be a call flow.ts follows into a definition of this file:
   * written bare (`f(x)`), or as an attribute of the first parameter of a function around it
   * (`self.f(x)` in a method: methods.ts, a superset of the class's own methods).
   */
  calledAt(at: number): boolean {
    return previousNonBlank(this.text, at) !== '.' || this.selfCallAt(at);
  }

  /**
   * True when the name at `at` may be a call of definition `definition` flow.ts follows: written
   * bare, or for a method, on the object (`self.f(x)`) inside its own class (methods.ts follows
   * only the class the call is written in).
   */
  calls(at: number, definition: number): boolean {
    if (previousNonBlank(this.text, at) !== '.') return true;
    const cls = this.definitions[definition].cls;
    return !!cls && cls.start <= at && at < cls.end && this.selfCallAt(at);
  }

  /** True when the name at `at` is an attribute of the first parameter of a function around it (`self.f`). */
  private selfCallAt(at: number): boolean {
    const text = this.text;
    let i = at - 1;
    while (i >= 0 && isBlank(text.charCodeAt(i))) i--;
    if (text.charCodeAt(i) !== 46) return false;
    i--;
    while (i >= 0 && isBlank(text.charCodeAt(i))) i--;
    const end = i + 1;
    while (i >= 0 && isIdentifierChar(text.charCodeAt(i))) i--;
    if (end === i + 1 || previousNonBlank(text, i + 1) === '.') return false;
    const receiver = text.slice(i + 1, end);
    const index = this.lineAt(at);
    if (index < 0) return false;
    for (let scope = this.headerOf[index] >= 0 ? this.headerOf[index] : this.owner[index]; scope >= 0;) {
      if (this.firstParameter(scope) === receiver) return true;
      scope = this.owner[this.definitions[scope].header];
    }
    return false;
  }

  private firstParameter(definition: number): string {
    let first = this.firsts.get(definition);
    if (first === undefined) {
      const header = this.lineText(this.definitions[definition].header);
      first = /^[^(]*\(\s*([A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*)/u.exec(header)?.[1] ?? '';
      this.firsts.set(definition, first);
    }
    return first;
  }

  /** The occurrences of `name` a scope's code holds (MODULE: all of them). */
  occurrencesIn(name: string, scope: number): readonly number[] {
    const all = this.occurrences.of(name);
    if (scope === MODULE || all.length === 0) return all;
    const { start, end } = this.definitions[scope];
    const from = lowerBound(all, start);
    let to = from;
    while (to < all.length && all[to] < end) to++;
    return all.slice(from, to);
  }
}

/** Words after which `(` groups (or opens a tuple) rather than calls. */
const KEYWORDS = new Set([
  'and',
  'as',
  'assert',
  'await',
  'case',
  'del',
  'elif',
  'else',
  'except',
  'for',
  'from',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'match',
  'not',
  'or',
  'raise',
  'return',
  'while',
  'with',
  'yield',
]);
/** The last names of the functions and methods whose result carries their arguments (flow.ts), and of the methods filling their object. */
const PASSING_NAMES: ReadonlySet<string> = new Set([...[...PASS_THROUGH].map(last), ...ARGUMENT_METHODS, ...MUTATING_METHODS]);
/** Names bound inside a span (a comprehension's, a lambda's, a walrus): nothing there is dropped. */
const BINDS_INSIDE = /\b(?:for|lambda)\b|:=/;
/** How many dropping spans one logical line may have before none is used (bounded work). */
const MAX_DROPPING = 256;

/** True when the `[` at `open` opens a subscript (`d[x]`, `f()[x]`), not a list. */
function subscriptAt(text: string, lineStart: number, open: number): boolean {
  const before = writtenBefore(text, lineStart, open);
  if (before === RESULT) return true;
  return before !== undefined && !/^[0-9]/.test(before.name) && !KEYWORDS.has(before.name);
}

/** What writtenBefore finds before a bracket that ends a call or an item (`)` or `]`). */
const RESULT = 'result';

/**
 * What is written before the bracket at `open` on its logical line (from `lineStart`): the name it
 * follows with where that starts, RESULT after `)` or `]`, or undefined (nothing, or another
 * character: an operator, a comma, a name ending in a character beyond ASCII).
 */
function writtenBefore(text: string, lineStart: number, open: number): { name: string; start: number } | typeof RESULT | undefined {
  let i = open - 1;
  while (i >= lineStart && isBlank(text.charCodeAt(i))) i--;
  if (i < lineStart) return undefined;
  const c = text.charCodeAt(i);
  if (c === 41 || c === 93) return RESULT;
  if (!isIdentifierChar(c) || c > 127) return undefined;
  const end = i + 1;
  while (i >= lineStart && isIdentifierChar(text.charCodeAt(i))) i--;
  return { name: text.slice(i + 1, end), start: i + 1 };
}

/** The scope of the module (and of every name whose scope is not told apart). */
const MODULE = -1;

/** A closure is given up when its carrying lines pass this share of the text's lines (and this many). */
const DENSE_SHARE = 0.3;
const DENSE_LINES = 200;
const DENSE = new Error('dense closure');

/** The closure of one source kind over one text (see the module comment). */
class Closure {
  /** The names that may carry a source of the kind. */
  readonly names = new Set<string>();
  /** Words besides the names that decided the seeds (SourceWords.context). */
  readonly context: ReadonlySet<string>;
  /** Sorted offsets of those names' occurrences in code (not prose, not keyword names), and of those methods' calls. */
  readonly at: number[] = [];
  /** Logical lines holding such an occurrence. */
  private readonly carrying: Uint8Array;
  /** Logical lines holding one whose value what the line binds or returns may take (not TextFacts.dropped). */
  private readonly passing: Uint8Array;
  private readonly onCarrying = new Map<string, boolean>();
  private readonly callsOnCarrying = new Map<number, boolean>();
  private readonly bareOnCarrying = new Map<string, boolean>();
  /** Names written on lines registering handlers (Gradio callbacks): their parameters are seeds. */
  readonly registered = new Set<string>();
  /** Where the lines registering Gradio callbacks start (a partial parse keeps them, see keptOffsets). */
  readonly registrations: number[] = [];
  /** Whether a line's data passes into the containers it fills (containers.ts). */
  private readonly fills: boolean;
  /**
   * The closure grew over most of the text and was given up: every name may carry a source
   * (following every sink costs less than finishing it).
   */
  dense = false;

  /**
   * The closure of a source kind's seeds, or with `definition`, of that function's parameters
   * named in `parameters` (what their values can be made from inside it: FlowReach.fromParameter).
   */
  constructor(
    private readonly facts: TextFacts,
    kind: SourceKind | undefined,
    definition?: number,
    private readonly parameters: readonly string[] = [],
  ) {
    const words: SourceWords = kind ? sourceWords(kind, facts) : { names: [], context: [], calls: [], mentions: [] };
    this.context = new Set(words.context);
    // A parameter's closure (a helper's summary) follows every container; a source kind's, when
    // flow.ts does for that kind.
    this.fills = !kind || CONTAINER_KINDS.has(kind);
    this.carrying = new Uint8Array(facts.lines.length);
    this.passing = new Uint8Array(facts.lines.length);
    try {
      this.close(kind, words, definition);
    } catch (error) {
      if (error !== DENSE) throw error;
      this.dense = true;
    }
  }

  private close(kind: SourceKind | undefined, words: SourceWords, definition?: number): void {
    const facts = this.facts;
    let left = Math.max(DENSE_LINES, facts.lines.length * DENSE_SHARE);
    // Names by scope (`scope name`): a name carries in the code of the scope it is bound in.
    const scoped = new Set<string>();
    const seen = new Set<number>();
    const queue: Array<[string, number, number]> = [];
    // `called` (a definition): only where that definition may be called (a function's callers:
    // `f(x)`, not `obj.f(x)`; a method's also `self.f(x)` in its class: TextFacts.calls).
    const add = (name: string, scope: number, called = -1) => {
      const key = `${scope} ${name}`;
      if (scoped.has(key) || scoped.has(`${MODULE} ${name}`)) return;
      if (called >= 0) {
        if (scoped.has(`${scope}!${name}!${called}`)) return;
        scoped.add(`${scope}!${name}!${called}`);
      } else scoped.add(key);
      this.names.add(name);
      queue.push([name, scope, called]);
    };
    const visit = (at: number) => {
      if (seen.has(at)) return;
      seen.add(at);
      this.at.push(at);
      const index = facts.lineAt(at);
      if (index < 0) return;
      // A header passes on a name in a parameter's annotation to that parameter (per occurrence).
      if (facts.headerOf[index] >= 0) {
        const param = annotatedParameter(facts, index, at);
        if (param) add(param, facts.headerOf[index]);
      }
      if (!this.carrying[index]) {
        this.carrying[index] = 1;
        if (--left < 0) throw DENSE;
      }
      // What the line binds or returns takes the data only from an occurrence whose value is not
      // dropped by a call or a subscript around it (TextFacts.dropped): once per line.
      if (this.passing[index] || facts.dropped(index, at)) return;
      this.passing[index] = 1;
      let bound = facts.bound.get(index);
      if (!bound) facts.bound.set(index, (bound = boundBy(facts, index)));
      const scope = bound.length > 0 ? facts.bindingScope(index) : MODULE;
      for (const name of bound) add(name, scope);
      if (this.fills) {
        let filled = facts.filled.get(index);
        if (!filled) facts.filled.set(index, (filled = filledBy(facts, index)));
        for (const name of filled) add(name, facts.bindingScope(index));
      }
      // A return passes the data on to the function's callers: one level of helper summaries
      // (flow.ts: a summary follows no other helper), so for a source kind only from a line the
      // seeds reach without a helper's return (the first round); a parameter's closure, from any.
      const returning = returnedFrom(facts, index);
      if (returning < 0) return;
      if (!kind) add(facts.definitions[returning].name, facts.parentScope(returning), returning);
      else if (!summarised) returned.push(returning);
    };
    // The functions a line of the first round returns from, and whether the closure is past that round.
    const returned: number[] = [];
    let summarised = false;
    for (const at of words.calls) visit(at);
    for (const at of words.mentions) {
      let end = at;
      while (end < facts.text.length && isIdentifierChar(facts.text.charCodeAt(end))) end++;
      if (!keywordName(facts.text, at, end - at) && !facts.inProse(at)) visit(at);
    }
    for (const name of words.names) add(name, MODULE);
    const handlers = { routes: kind === 'request', gradio: kind === 'ui' };
    for (const [name, scope] of handlerParameters(facts, handlers, this.registered, this.registrations)) add(name, scope);
    if (kind) for (const [name, scope] of servingParameters(facts, kind)) add(name, scope);
    // The function's parameters a call may pass a value to (FlowReach.passedParameters).
    if (definition !== undefined) for (const name of this.parameters) add(name, definition);
    const drain = () => {
      while (queue.length > 0) {
        const [name, scope, called] = queue.pop()!;
        for (const at of facts.occurrencesIn(name, scope))
          if ((called < 0 || facts.calls(at, called)) && !keywordName(facts.text, at, name.length) && !facts.inProse(at)) visit(at);
      }
    };
    drain();
    // The second round: where the helpers returning the data are called (their callers' returns
    // pass nothing further: a summary made inside a summary is none).
    summarised = true;
    for (const definition of returned) add(facts.definitions[definition].name, facts.parentScope(definition), definition);
    drain();
    this.at.sort((a, b) => a - b);
  }

  /** True when `name` is written on a line holding a carrying name. */
  namedOnCarryingLine(name: string): boolean {
    if (this.dense) return true;
    let known = this.onCarrying.get(name);
    if (known === undefined) {
      // Written bare, or on the object in a method: flow.ts follows a helper only where it is
      // called by its name (`f(x)`, not `obj.f(x)`), and a method where it is called on `self`.
      known = this.facts.occurrences.of(name).some((at) => {
        if (!this.facts.calledAt(at)) return false;
        const index = this.facts.lineAt(at);
        return index >= 0 && this.carrying[index] === 1;
      });
      this.onCarrying.set(name, known);
    }
    return known;
  }

  /** True when definition `definition` may be called (TextFacts.calls) on a line holding a carrying name. */
  calledOnCarryingLine(definition: number): boolean {
    if (this.dense) return true;
    let known = this.callsOnCarrying.get(definition);
    if (known === undefined) {
      const facts = this.facts;
      const { name, cls } = facts.definitions[definition];
      const onCarrying = (at: number) => {
        const index = facts.lineAt(at);
        return index >= 0 && this.carrying[index] === 1;
      };
      // Written bare (per name: methods of many classes share one), or for a method, on the object
      // in its class (the occurrences inside the class's span only).
      let bare = this.bareOnCarrying.get(name);
      if (bare === undefined)
        this.bareOnCarrying.set(
          name,
          (bare = facts.occurrences.of(name).some((at) => previousNonBlank(facts.text, at) !== '.' && onCarrying(at))),
        );
      known = bare;
      if (!known && cls) {
        const all = facts.occurrences.of(name);
        for (let k = lowerBound(all, cls.start); k < all.length && all[k] < cls.end && !known; k++)
          known = facts.calls(all[k], definition) && onCarrying(all[k]);
      }
      this.callsOnCarrying.set(definition, known);
    }
    return known;
  }
}

/**
 * True when the name at `at` is a keyword argument's or a parameter default's name (`f(a,
 * input=x)`, `def f(a, input=None)`) or a target after a comma (`a, input = x`): a position that
 * names a parameter or receives a value, never one that passes the name's value on (flow.ts reads
 * a keyword argument's value, a parameter's source from its function, an assignment's from its
 * right side). Its line need not carry: in h2oGPT's `src/gen.py`, `input=` keywords made the
 * command-line closure grow from a few names to 175. Decided on the characters around it only:
 * a comment or string in between leaves the occurrence counted.
 */
function keywordName(text: string, at: number, length: number): boolean {
  const after = at + length;
  const next = nextNonBlank(text, after);
  if (next !== '=') return false;
  let k = after;
  while (text.charCodeAt(k) !== 61) k++;
  if (text.charCodeAt(k + 1) === 61) return false;
  const previous = previousNonBlank(text, at);
  return previous === '(' || previous === ',';
}

/**
 * Where flows from sources of some kinds can be in one text: the union of the kinds' closures,
 * each made when first needed (a sink one kind's closure holds needs no other).
 */
export class FlowReach {
  private readonly made: Array<Closure | undefined>;

  constructor(
    private readonly facts: TextFacts,
    private readonly kinds: readonly SourceKind[],
    private readonly known: Map<SourceKind, Closure>,
  ) {
    this.made = kinds.map(() => undefined);
  }

  private closure(i: number): Closure {
    let closure = this.made[i];
    if (!closure) {
      const kind = this.kinds[i];
      closure = this.known.get(kind);
      if (!closure) this.known.set(kind, (closure = new Closure(this.facts, kind)));
      this.made[i] = closure;
    }
    return closure;
  }

  /** True when the closure of every kind is made (by this reach or another of the same text). */
  private allMade(): boolean {
    return this.kinds.every((kind, i) => this.made[i] !== undefined || this.known.has(kind));
  }

  private any(test: (closure: Closure) => boolean): boolean {
    for (let i = 0; i < this.kinds.length; i++) if (test(this.closure(i))) return true;
    return false;
  }

  /** The closures of every kind (made now). */
  get closures(): Closure[] {
    return this.kinds.map((_, i) => this.closure(i));
  }

  /** True when text[start, end) holds an occurrence of a carrying name (or a source method's call). */
  holds(start: number, end: number): boolean {
    return this.any((closure) => closure.dense || holdsAny(closure.at, start, end));
  }

  /** True when `name` may carry a source. */
  carries(name: string): boolean {
    return this.any((closure) => closure.dense || closure.names.has(name) || closure.context.has(name));
  }

  /** True when `name` is written on a line holding a carrying name. */
  namedOnCarryingLine(name: string): boolean {
    return this.any((closure) => closure.namedOnCarryingLine(name));
  }

  /** True when definition `definition` (its index in the text's definitions) may be called on a line holding a carrying name. */
  private calledOnCarryingLine(definition: number): boolean {
    return this.any((closure) => closure.calledOnCarryingLine(definition));
  }

  /** True when `name` is written on a line registering Gradio callbacks. */
  registers(name: string): boolean {
    return this.any((closure) => closure.registered.has(name));
  }

  /**
   * The offsets a partial parse must keep (the definitions holding one are parsed) so that the
   * flows of these kinds are the same as in the whole file (docs/dataflow.md, "Which definitions
   * are parsed"): every occurrence of a carrying name and of a source method's call, the header of
   * every function named on a carrying line (a helper whose summary or sink a flow goes through),
   * and in a Gradio UI every line registering callbacks and every component stored under a key
   * (what decides which parameters are sources, and of what kind). Null when a closure was given
   * up (dense): the whole file is then parsed.
   */
  keptOffsets(): number[] | null {
    const kept: number[] = [];
    const closures = this.closures;
    if (closures.some((closure) => closure.dense)) return null;
    for (const closure of closures) kept.push(...closure.at, ...closure.registrations);
    this.facts.definitions.forEach((definition, index) => {
      if (this.calledOnCarryingLine(index)) kept.push(definition.start);
    });
    if (this.kinds.includes('ui') && /\bgradio\b/.test(this.facts.text))
      for (const match of this.facts.text.matchAll(KEYED_COMPONENT)) kept.push(match.index);
    return kept.sort((a, b) => a - b);
  }

  /**
   * Where the calls `holds` or `throughAt` can accept are, so that a sink search need not list
   * every call of a tree: the offsets of the carrying names (a call whose arguments hold one is
   * around it) and the spans of the definitions named on a carrying line (a call in one may be
   * reached through a parameter). Null when a closure was given up (every call may be).
   */
  callPlaces(): { offsets: number[]; definitions: Array<{ start: number; end: number }> } | null {
    const closures = this.closures;
    if (closures.some((closure) => closure.dense)) return null;
    return {
      offsets: closures.flatMap((closure) => closure.at),
      definitions: this.facts.definitions.filter((_, index) => this.calledOnCarryingLine(index)).map(({ start, end }) => ({ start, end })),
    };
  }

  /**
   * True when a flow from these kinds' sources may end in a sink of one of the given kinds at all
   * (sinkReach.ts: a superset of the sinks the analysis selects). Remembered per text.
   */
  reachesSink(sinks: ReadonlySet<FlowSinkKind>): boolean {
    let known = sinkAnswers.get(this.facts);
    if (!known) sinkAnswers.set(this.facts, (known = new Map()));
    const key = `${this.kinds.join(',')}>${[...sinks].sort().join(',')}`;
    let answer = known.get(key);
    if (answer === undefined) {
      // sinkReached makes the closures only when it meets a sink they might reach (reachedAt,
      // modelPlaces), so a text writing no such sink needs none. Closures made already (for another
      // question about the text) answer first when they hold no carrying name (no seed in the text:
      // an LLM client named but never called): no line carries, so no sink is reached on one or
      // through a helper called on one, and sinkReached would read every sink's name for nothing.
      answer = (!this.allMade() || this.any((closure) => closure.dense || closure.at.length > 0)) && sinkReached(this.view(), sinks);
      known.set(key, answer);
    }
    return answer;
  }

  /**
   * True when the logical line holding `at`, inside a function named on a carrying line (throughAt),
   * holds a name that function's parameters may pass a value to: what a sink reached through a
   * parameter is asked about (index.ts sinkHits follows the parameters of the innermost function
   * around the sink into its argument, so the argument holds one of those names).
   */
  private fromParameter(at: number): boolean {
    const index = this.facts.lineAt(at);
    if (index < 0 || !this.throughAt(at)) return false;
    const owner = this.facts.headerOf[index] >= 0 ? this.facts.headerOf[index] : this.facts.owner[index];
    const parameters = this.passedParameters(owner);
    if (parameters.length === 0) return false;
    let known = parameterClosures.get(this.facts);
    if (!known) parameterClosures.set(this.facts, (known = new Map()));
    const key = `${owner} ${parameters.join(',')}`;
    let closure = known.get(key);
    if (!closure) known.set(key, (closure = new Closure(this.facts, undefined, owner, parameters)));
    const line = this.facts.lines[index];
    return closure.dense || holdsAny(closure.at, line.start, line.end);
  }

  /** passedParameters's answers, by definition. */
  private readonly passed = new Map<number, readonly string[]>();

  /**
   * The parameters of definition `definition` some call of it may pass a source of these kinds
   * to: what index.ts sinkHits asks at each call flow.ts follows (a bare `name(...)` or, for a
   * method, `self.name(...)`, TextFacts.calls), the argument given for a parameter
   * (argumentAt: the keyword argument of its name, else the positional one at its index less the
   * parameters the call does not pass: 0, or 1 for a method's object), which carries a source
   * only when its text holds a carrying name (`holds`). Every parameter when a call's arguments
   * cannot be read from the text (`lambda` or a generator's `for` outside brackets, no closing
   * parenthesis on its logical line). In h2oGPT's `src/gpt_langchain.py`, whose helpers take
   * dozens of parameters and are called with a few of them carrying, seeding every parameter
   * cost about a quarter of the flow rules' time in that file.
   */
  private passedParameters(definition: number): readonly string[] {
    let known = this.passed.get(definition);
    if (known) return known;
    const facts = this.facts;
    const text = facts.text;
    const { name, header } = facts.definitions[definition];
    const all = headerParameterNames(facts, header);
    const wanted = new Set<number>();
    let every = !all;
    for (const at of facts.occurrences.of(name)) {
      if (every) break;
      // A call flow.ts follows (not the name a `def` gives), in code; the comments and strings of
      // its line are read last (h2oGPT's tests hold logical lines of long strings: reading them
      // for every occurrence of a helper's name took most of a plan's time there).
      const open = codeFrom(text, at + name.length, text.length);
      if (text.charCodeAt(open) !== 40 || DEFINED_NAME.test(text.slice(Math.max(0, at - 16), at))) continue;
      if (!facts.calls(at, definition) || facts.inProse(at)) continue;
      const index = facts.lineAt(at);
      const args = index < 0 ? undefined : callArguments(text, open, facts.lines[index].end);
      if (!args) {
        every = true;
        break;
      }
      const method = previousNonBlank(text, at) === '.';
      let position = 0;
      for (const arg of args) {
        const carries = this.holds(arg.start, arg.end);
        if (arg.keyword !== undefined) {
          const k = all!.indexOf(arg.keyword);
          if (carries && k >= 0) wanted.add(k);
        } else if (!arg.splat) {
          if (carries) {
            wanted.add(position);
            if (method) wanted.add(position + 1);
          }
          position++;
        }
      }
    }
    known = every
      ? [...new Set([...(all ?? []), ...fallbackParameterNames(facts, header)])]
      : [...new Set([...wanted].sort((a, b) => a - b).flatMap((k) => (k < all!.length ? [all![k]] : [])))];
    this.passed.set(definition, known);
    return known;
  }

  private view(): ReachView {
    const facts = this.facts;
    const lineOf = (at: number) => {
      const index = facts.lineAt(at);
      return index < 0 ? undefined : facts.lines[index];
    };
    return {
      text: facts.text,
      occurrences: (name) => facts.occurrences.of(name),
      reachedAt: (at) => {
        const line = lineOf(at);
        return (!!line && this.holds(line.start, line.end)) || this.fromParameter(at);
      },
      inProse: (at) => facts.inProse(at),
      names: facts.sinkNames,
      lineStart: (at) => lineOf(at)?.start ?? at,
      lineEnd: (at) => lineOf(at)?.end ?? at,
      lineHolds: (at, word) => {
        const line = lineOf(at);
        return !!line && holdsAny(facts.occurrences.of(word), line.start, line.end);
      },
      modelPlaces: () => {
        const places = this.callPlaces();
        if (!places) return null;
        const spans: Array<{ start: number; end: number }> = [];
        let previous: LogicalLine | undefined;
        const take = (at: number) => {
          const line = lineOf(at);
          if (line && line !== previous) spans.push({ start: line.start, end: line.end });
          previous = line;
        };
        for (const at of places.offsets) take(at);
        // In a function named on a carrying line, the lines holding a name its parameters lead to.
        for (const { start, end } of places.definitions)
          for (let index = facts.lineAt(start); index >= 0 && index < facts.lines.length && facts.lines[index].start < end; index++)
            if (this.fromParameter(facts.lines[index].start)) take(facts.lines[index].start);
        return spans;
      },
    };
  }

  /**
   * True when a sink at `offset` may be reached through a parameter of the function it is in:
   * that function (the innermost `def` around it) is named on a line holding a carrying name.
   */
  throughAt(offset: number): boolean {
    const index = this.facts.lineAt(offset);
    if (index < 0) return false;
    // A one-line definition holds its body on its header's line.
    const owner = this.facts.headerOf[index] >= 0 ? this.facts.headerOf[index] : this.facts.owner[index];
    if (owner < 0) return false;
    return this.calledOnCarryingLine(owner);
  }
}

/** A name a `def` or `class` before it defines (not a call of it). */
const DEFINED_NAME = /\b(?:def|class)\s+$/;

/** Skips blanks, line continuations and comments from `k`; the offset of the next code character. */
function codeFrom(text: string, k: number, end: number): number {
  while (k < end) {
    const c = text.charCodeAt(k);
    if (isBlank(c)) k++;
    else if (c === 35) {
      while (k < end && text.charCodeAt(k) !== 10 && text.charCodeAt(k) !== 13) k++;
    } else break;
  }
  return k;
}

/** The identifier starting at `k` ('' for none, or one starting with a digit). */
function identifierAt(text: string, k: number, end: number): string {
  let j = k;
  while (j < end && isIdentifierChar(text.charCodeAt(j))) j++;
  const first = text.charCodeAt(k);
  return j > k && !(first >= 48 && first <= 57) ? text.slice(k, j) : '';
}

/**
 * The comma-separated parts of the brackets opened at `open`, as [start, end) spans (comments
 * and strings skipped, nested brackets whole), or undefined when they do not close before `limit`
 * or a part holds `lambda` or `for` outside brackets (whose commas would not separate parts).
 */
function bracketParts(text: string, open: number, limit: number): Array<{ start: number; end: number }> | undefined {
  const parts: Array<{ start: number; end: number }> = [];
  let depth = 0;
  let from = open + 1;
  for (let k = open + 1; k < limit; k++) {
    const c = text.charCodeAt(k);
    if (c === 35) {
      while (k < limit && text.charCodeAt(k) !== 10 && text.charCodeAt(k) !== 13) k++;
    } else if (c === 34 || c === 39) k = Math.max(k, literalBounds(text, k).end - 1);
    else if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (depth === 0) {
        if (codeFrom(text, from, k) < k) parts.push({ start: from, end: k });
        return parts;
      }
      depth--;
    } else if (c === 44 && depth === 0) {
      parts.push({ start: from, end: k });
      from = k + 1;
    } else if (isIdentifierChar(c)) {
      let j = k;
      while (j < limit && isIdentifierChar(text.charCodeAt(j))) j++;
      if (depth === 0 && ((j - k === 6 && text.startsWith('lambda', k)) || (j - k === 3 && text.startsWith('for', k)))) return undefined;
      k = j - 1;
    }
  }
  return undefined;
}

/**
 * The names of a definition's parameters in the order flow.ts numbers them (parameterNames:
 * every parameter with a name, a method's object included; a bare `*` or `/` is none), or
 * undefined when its header cannot be read.
 */
function headerParameterNames(facts: TextFacts, header: number): string[] | undefined {
  const { start, end } = facts.lines[header];
  const text = facts.text;
  const open = text.indexOf('(', start);
  if (open < 0 || open >= end) return undefined;
  const parts = bracketParts(text, open, end);
  if (!parts) return undefined;
  const names: string[] = [];
  for (const part of parts) {
    let k = codeFrom(text, part.start, part.end);
    while (k < part.end && text.charCodeAt(k) === 42) k = codeFrom(text, k + 1, part.end);
    const name = identifierAt(text, k, part.end);
    if (name) names.push(name);
  }
  return names;
}

/** The parameters a parameter closure was seeded with before calls were read (an unreadable header). */
function fallbackParameterNames(facts: TextFacts, header: number): string[] {
  const names = parametersOf(facts, header).map(({ name }) => name);
  const first = /^[^(]*\(\s*\**\s*([A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*)/u.exec(facts.lineText(header))?.[1];
  return first ? [first, ...names] : names;
}

/**
 * The arguments of the call whose parentheses open at `open`, within its logical line (ending at
 * `limit`): each with its keyword's name (`f(x=...)`) or whether it is a splat (`*a`, `**kw`),
 * as index.ts argumentAt reads them; undefined when they cannot be read (bracketParts).
 */
function callArguments(
  text: string,
  open: number,
  limit: number,
): Array<{ start: number; end: number; keyword?: string; splat: boolean }> | undefined {
  const parts = bracketParts(text, open, limit);
  if (!parts) return undefined;
  return parts.map(({ start, end }) => {
    const k = codeFrom(text, start, end);
    if (text.charCodeAt(k) === 42) return { start, end, splat: true };
    const name = identifierAt(text, k, end);
    if (name) {
      const after = codeFrom(text, k + name.length, end);
      if (text.charCodeAt(after) === 61 && text.charCodeAt(after + 1) !== 61) return { start, end, keyword: name, splat: false };
    }
    return { start, end, splat: false };
  });
}

/**
 * The comments and plain string literals of a logical line, as [start, end) pairs, up to its
 * first f-string or t-string or unclosed literal (after one, nothing more is taken as prose).
 */
function proseOf(text: string, line: { start: number; end: number }): number[] {
  const spans: number[] = [];
  for (let k = line.start; k < line.end; k++) {
    const c = text.charCodeAt(k);
    if (c === 35) {
      // A comment runs to the end of its physical line (a logical line may go on after it).
      let end = k;
      while (end < line.end && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
      spans.push(k, end);
      k = end;
      continue;
    }
    if (c !== 34 && c !== 39) continue;
    let p = k;
    while (p > line.start && /[A-Za-z]/.test(text[p - 1])) p--;
    const prefix = text.slice(p, k);
    const { end } = literalBounds(text, k);
    if (/[^rRbBuU]/.test(prefix) || text[end - 1] !== text[k] || end - k < 2) break;
    spans.push(k, end);
    k = end - 1;
  }
  return spans;
}

/**
 * The containers a carrying logical line fills (`results.append(x)`, `out["k"] = x`:
 * containers.ts), for the kinds whose data flow.ts follows into them (FlowSpec.containerKinds).
 */
function filledBy(facts: TextFacts, index: number): string[] {
  const source = withoutProse(facts.lineText(index));
  return MUTATES.test(source) || /\[/.test(source) ? mutatedNames(source) : [];
}

/** The names a carrying logical line passes the data on to (see the module comment). */
function boundBy(facts: TextFacts, index: number): string[] {
  const line = facts.lines[index];
  const text = facts.text;
  // Strings and comments blanked: a docstring's prose binds nothing.
  const source = withoutProse(facts.lineText(index));
  // Most carrying lines bind nothing (a call, a condition): assignedNames needs one of these.
  if (!BINDS.test(source)) return [];
  const names = assignedNames(text, line);
  for (const match of source.matchAll(AS_TUPLE)) names.push(...identifiers(match[1]));
  // Comprehension variables (assignedNames reads a `for` statement's targets only).
  for (const match of source.matchAll(FOR_TARGETS)) names.push(...identifiers(match[1]));
  return names;
}

/**
 * The definition a carrying logical line returns from (its callers receive the data: one level
 * of helper summaries), or -1: a `return` statement of a function's body, or a one-line
 * definition returning on its header's line.
 */
function returnedFrom(facts: TextFacts, index: number): number {
  const own = facts.headerOf[index];
  const source = withoutProse(facts.lineText(index));
  if (own >= 0) return /:\s*return\b/.test(source) ? own : -1;
  return /^return\b/.test(source) ? facts.owner[index] : -1;
}

function identifiers(source: string): string[] {
  return [...source.matchAll(IDENTIFIER)].map((m) => m[0]);
}

interface Parameter {
  name: string;
  /** Where its annotation is written (with its default, if any). */
  annotation?: { start: number; end: number };
}

/** A definition's parameters, each with where its annotation is. */
function parametersOf(facts: TextFacts, index: number): Parameter[] {
  let known = facts.parameters.get(index);
  if (!known) facts.parameters.set(index, (known = readParameters(facts, index)));
  return known;
}

function readParameters(facts: TextFacts, index: number): Parameter[] {
  const source = facts.lineText(index);
  const base = facts.lines[index].start;
  const open = source.indexOf('(');
  if (open < 0) return [];
  const params: Parameter[] = [];
  let depth = 0;
  let from = open + 1;
  const take = (to: number) => {
    const part = source.slice(from, to);
    const name = /^[\s*]*([A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*)/u.exec(part)?.[1];
    const colon = part.indexOf(':');
    if (name) params.push({ name, annotation: colon >= 0 ? { start: base + from + colon + 1, end: base + to } : undefined });
  };
  for (let k = open + 1; k < source.length; k++) {
    const c = source[k];
    if (c === '"' || c === "'") {
      k = Math.max(k + 1, literalBounds(source, k).end) - 1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        take(k);
        break;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      take(k);
      from = k + 1;
    }
  }
  // A method's first parameter is its object (sources.ts: never a source).
  return facts.definitions[facts.headerOf[index]].inClass ? params.slice(1) : params;
}

/**
 * The parameter whose annotation holds the offset `at` of a carrying name (`req: Request`; after
 * `from fastapi import Request as R`, `R`): sources.ts makes such a parameter a source.
 */
function annotatedParameter(facts: TextFacts, index: number, at: number): string | undefined {
  return parametersOf(facts, index).find(({ annotation }) => annotation && annotation.start <= at && at < annotation.end)?.name;
}

/**
 * The parameters of the definitions a framework may call with request or UI data: a route
 * decorator above the header, the function's name given as the callback (callbacksOf) of a call registering Gradio callbacks
 * (sources.ts findHandlers looks at the same calls, resolved).
 */
function handlerParameters(
  facts: TextFacts,
  wanted: { routes: boolean; gradio: boolean },
  registered: Set<string>,
  registrations: number[],
): Array<[string, number]> {
  if (!wanted.routes && !wanted.gradio) return [];
  const names: Array<[string, number]> = [];
  const byName = new Map<string, number[]>();
  facts.definitions.forEach((definition, index) => {
    const list = byName.get(definition.name);
    if (list) list.push(index);
    else byName.set(definition.name, [index]);
  });
  const gradio = wanted.gradio && /\bgradio\b/.test(facts.text);
  // A decorator's line starts with `@`; a registration's holds one of the registration names as
  // a whole word (the word index says where): other lines are not read.
  const candidates = new Set<number>();
  if (wanted.routes) for (let i = 0; i < facts.lines.length; i++) if (facts.text.charCodeAt(facts.lines[i].start) === 64) candidates.add(i);
  if (gradio)
    for (const word of [...GRADIO_EVENTS, ...GRADIO_ENTRY_POINTS])
      for (const at of facts.occurrences.of(word)) {
        const index = facts.lineAt(at);
        if (index >= 0) candidates.add(index);
      }
  for (const i of [...candidates].sort((a, b) => a - b)) {
    const source = facts.lineText(i);
    if (wanted.routes && source.startsWith('@') && ROUTE_DECORATOR.test(source)) {
      // The decorated definition's header follows its decorators.
      let j = i + 1;
      while (j < facts.lines.length && facts.text.startsWith('@', facts.lines[j].start)) j++;
      const definition = j < facts.lines.length ? facts.headerOf[j] : -1;
      if (definition >= 0) names.push(...parametersOf(facts, j).map((p): [string, number] => [p.name, definition]));
    } else if (gradio && GRADIO_REGISTRATION.test(source)) {
      registrations.push(facts.lines[i].start);
      const all = new Set(identifiers(source));
      for (const name of all) registered.add(name);
      for (const name of callbacksOf(source) ?? all)
        for (const definition of byName.get(name) ?? [])
          names.push(...parametersOf(facts, facts.definitions[definition].header).map((p): [string, number] => [p.name, definition]));
    }
  }
  return names;
}

/** A registration's call: an event's (`.click(`) or an interface's (`gr.Interface(`), up to its `(`. */
const REGISTRATION_CALLS = new RegExp(GRADIO_REGISTRATION.source, 'g');
const KEYWORD_ARGUMENT = /^([A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*)\s*=(?!=)\s*([\s\S]*)$/u;
const BARE_NAME = /^[A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*$/u;

/**
 * The callbacks the registrations of a logical line name, as sources.ts reads one (registrationCall,
 * callbackOf): the name given as `fn=`, and the first positional argument when it is a name
 * (`btn.click(respond, inputs=...)`); a name written anywhere else on the line (in `inputs=`, in
 * a `partial(...)`, a lambda's body) registers nothing. Undefined when a call's arguments are not
 * read to their end on the line (every name of the line then counts).
 */
function callbacksOf(line: string): string[] | undefined {
  const source = withoutProse(line);
  const found: string[] = [];
  for (const match of source.matchAll(REGISTRATION_CALLS)) {
    const args: string[] = [];
    let depth = 0;
    let from = match.index + match[0].length;
    let closed = false;
    for (let k = from; k < source.length && !closed; k++) {
      const c = source[k];
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth > 0) depth--;
        else {
          args.push(source.slice(from, k));
          closed = true;
        }
      } else if (c === ',' && depth === 0) {
        args.push(source.slice(from, k));
        from = k + 1;
      }
    }
    if (!closed) return undefined;
    let positional = true;
    for (const arg of args.map((a) => a.trim())) {
      const keyword = KEYWORD_ARGUMENT.exec(arg);
      if (keyword) {
        if (keyword[1] === 'fn' && BARE_NAME.test(keyword[2].trim())) found.push(keyword[2].trim());
      } else if (positional) {
        positional = false;
        if (BARE_NAME.test(arg)) found.push(arg);
      }
    }
  }
  return found;
}

/**
 * True when a text may define a serving framework's handler (serving.ts needs the package
 * imported): it writes `litserve`, `bentoml`, `kserve`, `modal` or `triton_python_backend_utils`,
 * or `ray` and `serve`, as words (read from the word index: no pass over the text).
 */
function servingText(facts: TextFacts): boolean {
  const written = (word: string) => facts.occurrences.of(word).length > 0;
  return SERVING_PACKAGES.some((p) => p !== 'ray' && written(p)) || (written('ray') && written('serve'));
}
/** A decorator naming an endpoint (`@bentoml.api`, `@svc.api(input=...)`, `@modal.fastapi_endpoint(...)`). */
const API_DECORATOR = new RegExp(String.raw`^@[^\n]*\b(?:${ENDPOINT_DECORATOR_WORDS.join('|')})\b`);

/**
 * The parameters of the functions a serving framework may call (serving.ts), by their names
 * alone, a superset of what sources.ts resolves: for request data, the first parameters of
 * `decode_request`, `predict`, `preprocess` and `__call__` and the parameters of a function
 * decorated with an `api` (BentoML); for raw scores, the output parameter of `encode_response`
 * and `postprocess` (it holds what `predict` returns).
 */
function servingParameters(facts: TextFacts, kind: SourceKind): Array<[string, number]> {
  if ((kind !== 'request' && kind !== 'confidence') || !servingText(facts)) return [];
  const methods: readonly string[] = kind === 'request' ? SERVING_INPUT_METHODS : SERVING_OUTPUT_METHODS;
  const names: Array<[string, number]> = [];
  facts.definitions.forEach((definition, index) => {
    let decorated = false;
    if (kind === 'request')
      for (let j = definition.header - 1; j >= 0 && facts.text.charCodeAt(facts.lines[j].start) === 64; j--)
        if (API_DECORATOR.test(facts.lineText(j))) decorated = true;
    if (!decorated && !methods.includes(definition.name)) return;
    for (const { name } of parametersOf(facts, definition.header)) names.push([name, index]);
  });
  return names;
}

const factsOf = new Map<string, TextFacts>();

/**
 * Where each name occurs as a whole identifier in `text` (strings and comments included, as
 * textScan.identifierOccurrences finds them), when this module has read the text already (or a
 * partial text made from it: shareReach; the kept code is at the same offsets), else undefined.
 */
export function knownOccurrences(text: string): ((name: string) => readonly number[]) | undefined {
  const facts = factsOf.get(text);
  return facts && (text === facts.text || text.length === facts.text.length) ? (name) => facts.occurrences.of(name) : undefined;
}

/**
 * Makes `partial` (a text with definitions left out, of the same length: perf/partialParse.ts)
 * use the facts and closures of `whole`, the text it was made from: the kept code is at the same
 * offsets, and the plan (keptOffsets) kept every line the closures read, so they are the same
 * sets there; they are not made a second time.
 */
export function shareReach(partial: string, whole: string): void {
  const facts = factsOf.get(whole);
  if (!facts || partial.length !== whole.length) return;
  if (factsOf.size >= 3) factsOf.delete(factsOf.keys().next().value!);
  factsOf.set(partial, facts);
  rememberWords(partial, facts.occurrences);
}
const closuresOf = new WeakMap<TextFacts, Map<SourceKind, Closure>>();
/** The closures of functions' parameters per text, by definition and parameters (FlowReach.fromParameter). */
const parameterClosures = new WeakMap<TextFacts, Map<string, Closure>>();
/** sinkReached's answers per text, by source kinds and sink kinds. */
const sinkAnswers = new WeakMap<TextFacts, Map<string, boolean>>();

/**
 * Where flows from `spec`'s sources of the given kinds (all of the spec's when not given) can be
 * in `text`, or null when reach.ts does not know the spec's sources (then every sink is looked
 * at). A kind's closure is kept for the last few texts asked about (the rules of one analysis
 * share it; the union of closures is the closure of the union of their seeds).
 */
export function flowReach(text: string, spec: FlowSpec, kinds?: ReadonlySet<SourceKind>): FlowReach | null {
  const all = kindsOf(spec);
  if (!all) return null;
  let facts = factsOf.get(text);
  if (!facts) {
    // The texts of the last few analyses (an edit compares the text before and after).
    if (factsOf.size >= 3) factsOf.delete(factsOf.keys().next().value!);
    factsOf.set(text, (facts = new TextFacts(text)));
    rememberWords(text, facts.occurrences);
  }
  let byKind = closuresOf.get(facts);
  if (!byKind) closuresOf.set(facts, (byKind = new Map()));
  return new FlowReach(
    facts,
    all.filter((kind) => !kinds || kinds.has(kind)),
    byKind,
  );
}
