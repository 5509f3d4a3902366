/**
 * The seeds of the LLM-answer closure (reach.ts): where, in a text, a call sources.ts llmCall
 * reports may be written, read from the text alone. They must hold every such call (a call left
 * out is a flow never followed: a missed finding), and as few others as the text allows, because
 * everything the closure grows from them is parsed and walked.
 *
 * What llmCall accepts, and the seed each gives (see docs/dataflow.md, "Carrying names"):
 * - LiteLLM's functions (a callee resolving to `litellm.completion`...): the names `completion`,
 *   `acompletion`, `text_completion`, in a text writing `litellm` (a qualified name starting with
 *   it is written with it, imported or not);
 * - a transformers pipeline's call (`pipe = pipeline(...)`, `pipe(x)`: a callee resolving to
 *   `transformers.pipeline()`), in a text writing `transformers`: every bare `pipeline`, and
 *   `X.pipeline` where `X` may stand for the module itself (`transformers`, an import alias, a
 *   name assigned one of those): an attribute of anything else never resolves to
 *   `transformers.pipeline` (`self.pipeline`, `llm.pipeline.model`);
 * - an LLM client's method (OpenAI, Anthropic, Hugging Face `InferenceClient`), in a text whose
 *   import statements name the package (sources.ts asks the imported packages): a call whose
 *   dotted callee ends as the client's table says (`.chat.completions.create(`, `.messages.create(`);
 * - `generate(` of any object, in a text importing transformers or vLLM;
 * - a LangChain runnable's method (`invoke`, `run`, `predict`, ...) called on a receiver whose
 *   qualified name starts with a `langchain` package, or on a name bound to a `|` pipe with a
 *   LangChain side (isLangChainPipe). The semantic model resolves a receiver from its first name
 *   through attributes and calls (`ChatOpenAI(...).invoke`, `llm.bind(...).invoke`); that name
 *   resolves to a langchain package only if it is one written unbound, is imported from one, or
 *   is assigned (`name = value`, one target) a value starting with such a name. So the receiver's
 *   first name must be one of those (LangChainNames, a closure over the text's import and
 *   assignment lines, every scope at once) or a name assigned a value holding `|` and one of them.
 *   A receiver starting with a subscript, a literal or a comprehension never resolves; one in
 *   parentheses is kept when they hold such a name.
 * Every method seed is a call (`.run(`): an attribute read without a call (`func=tool.run`) is
 * no source. Where the text is not read exactly (a receiver or a call across lines, a bracket not
 * matched), the seed is kept.
 */
import type { LogicalLine } from '../perf/partialParse';
import { KEYWORDS, holdsAny, identifiersOf, targetNames, topLevelAssignments, withoutProse } from '../perf/partialParse';
import { isBlank, isIdentifierChar, literalBounds, previousNonBlank } from '../textScan';
import { GENERATION_METHODS, LANGCHAIN_METHODS, LLM_CLIENT_METHODS, LLM_COMPLETIONS } from './sources';

/** What the seeds are read from (reach.ts's TextFacts). */
export interface SeedText {
  readonly text: string;
  readonly lines: readonly LogicalLine[];
  readonly occurrences: { of(name: string): readonly number[] };
  /** The logical line holding an offset, or -1. */
  lineAt(offset: number): number;
  /** True when the offset is in a comment or a plain string. */
  inProse(at: number): boolean;
}

export interface LlmSeeds {
  /** Names whose every occurrence is a seed (as the other kinds' names are). */
  names: string[];
  /** Occurrences of `pipeline` that may be transformers' (filtered as a name's occurrences are). */
  mentions: number[];
  /** Offsets of the method names of calls that may be LLM answers. */
  calls: number[];
  /**
   * The words these seeds were decided by: the packages, `pipeline`, the names a LangChain
   * receiver or the transformers module may be written with. An edit writing none of them (nor a
   * seed method's name) leaves the seeds as they were (dataflow/editQuiet.ts asks reach.ts's
   * `carries`).
   */
  words: string[];
}

const IMPORT_WORD = /\bimport\b/;
const LANGCHAIN_WORD = /(?<![A-Za-z0-9_\u0080-\u{10ffff}])langchain[A-Za-z0-9_\u0080-\u{10ffff}]*/gu;
const LANGCHAIN_PACKAGE = /^langchain(?:_[a-z0-9]+)?$/;
/** The packages whose mention decides a seed. */
const PACKAGES = ['litellm', 'transformers', 'vllm', ...LLM_CLIENT_METHODS.map((client) => client.package)];

/** The seeds of LLM answers in a text (see the module comment). */
export function llmSeeds(view: SeedText): LlmSeeds {
  const reader = new SeedReader(view);
  const names = view.occurrences.of('litellm').length > 0 ? LLM_COMPLETIONS.map((name) => name.slice(name.lastIndexOf('.') + 1)) : [];
  const words = [...PACKAGES, 'pipeline'];
  const mentions: number[] = [];
  if (view.occurrences.of('transformers').length > 0) {
    let module: Set<string> | undefined;
    for (const at of view.occurrences.of('pipeline')) {
      if (previousNonBlank(view.text, at) !== '.') mentions.push(at);
      else {
        module ??= reader.resolving(transformersAliases, ['transformers'], false).heads;
        if (reader.objectMayBe(at, module)) mentions.push(at);
      }
    }
    if (module) words.push(...module);
  }
  const calls = new Set<number>();
  const methodCalls = (method: string) => view.occurrences.of(method).filter((at) => reader.methodCall(at, method.length));
  for (const client of LLM_CLIENT_METHODS) {
    if (!reader.imports(client.package)) continue;
    for (const method of client.methods) for (const at of methodCalls(method)) if (reader.endsAs(at, method, client.ending)) calls.add(at);
  }
  const generation = reader.imports('transformers') || reader.imports('vllm');
  if (generation) for (const method of GENERATION_METHODS) for (const at of methodCalls(method)) calls.add(at);
  if (view.text.includes('langchain')) {
    const candidates = [...LANGCHAIN_METHODS].flatMap((method) =>
      generation && GENERATION_METHODS.has(method) ? [] : methodCalls(method),
    );
    if (candidates.length > 0) {
      const roots = new Set<string>();
      // The package names a qualified name must start with (sources.ts: `langchain`, `langchain_openai`).
      for (const match of view.text.matchAll(LANGCHAIN_WORD)) if (LANGCHAIN_PACKAGE.test(match[0])) roots.add(match[0]);
      const { heads, pipes } = reader.resolving(langChainImports, [...roots], true);
      words.push(...heads, ...pipes);
      for (const at of candidates) if (reader.receiverMayBe(at, heads, pipes)) calls.add(at);
    }
  }
  return { names, mentions, calls: [...calls].sort((a, b) => a - b), words };
}

/** The names an import line naming a `langchain*` package binds (every name of the line: a superset). */
function langChainImports(source: string): string[] {
  if (!source.includes('langchain')) return [];
  const names = identifiersOf(source);
  return names.some((name) => name.startsWith('langchain')) ? names : [];
}

/** The names an import line binds to the transformers module itself (`import transformers as tf`). */
function transformersAliases(source: string): string[] {
  if (!source.includes('transformers')) return [];
  return [...source.matchAll(TRANSFORMERS_ALIAS)].map((match) => match[1]);
}
const TRANSFORMERS_ALIAS = /\btransformers\s+as\s+([A-Za-z_\u0080-\u{10ffff}][A-Za-z0-9_\u0080-\u{10ffff}]*)/gu;

/** A receiver read back from a method's dot: its first name, a parenthesised group, or what it cannot be / is not known. */
type Receiver = { head: string; plain: boolean } | { open: number; close: number } | 'never' | 'unknown';

class SeedReader {
  private readonly code = new Map<number, string>();
  private readonly assignments = new Map<number, ReturnType<typeof topLevelAssignments>>();
  private readonly pairs = new Map<number, Map<number, number>>();

  constructor(private readonly view: SeedText) {}

  private pipedLines: Set<number> | undefined;

  /** The logical lines holding a `|` (in code or not). */
  private piped(): Set<number> {
    if (!this.pipedLines) {
      this.pipedLines = new Set();
      const text = this.view.text;
      for (let k = text.indexOf('|'); k >= 0; k = text.indexOf('|', k + 1)) this.pipedLines.add(this.view.lineAt(k));
    }
    return this.pipedLines;
  }

  /** The logical line's text with strings and comments blanked (same offsets from its start). */
  private source(index: number): string {
    let known = this.code.get(index);
    if (known === undefined) {
      const line = this.view.lines[index];
      this.code.set(index, (known = withoutProse(this.view.text.slice(line.start, line.end))));
    }
    return known;
  }

  /** True when an import statement names the package (a word of a logical line holding `import`). */
  imports(name: string): boolean {
    // `import` read in a line's code is an occurrence of the word in its text (withoutProse blanks
    // prose in place): a line without one is not read (h2oGPT's tests name `openai` on hundreds
    // of lines, mostly in strings).
    const imports = this.view.occurrences.of('import');
    return this.view.occurrences.of(name).some((at) => {
      const index = this.view.lineAt(at);
      if (index < 0) return false;
      const line = this.view.lines[index];
      return holdsAny(imports, line.start, line.end) && IMPORT_WORD.test(this.source(index));
    });
  }

  /** True when the method name at `at` is a call's attribute (`.run(`, `.run (`; not `= x.run`) written as code. */
  methodCall(at: number, length: number): boolean {
    const text = this.view.text;
    if (previousNonBlank(text, at) !== '.') return false;
    let k = at + length;
    for (;;) {
      while (k < text.length && isBlank(text.charCodeAt(k))) k++;
      if (text.charCodeAt(k) !== 35) break;
      while (k < text.length && text.charCodeAt(k) !== 10 && text.charCodeAt(k) !== 13) k++;
    }
    return text.charCodeAt(k) === 40 && !this.view.inProse(at);
  }

  /** True when the dotted callee ending with the method at `at` may end as `ending` (LLM_CLIENT_METHODS). */
  endsAs(at: number, method: string, ending: RegExp): boolean {
    const text = this.view.text;
    const index = this.view.lineAt(at);
    if (index < 0) return true;
    const lineStart = this.view.lines[index].start;
    const names = [method];
    let dot = this.dotBefore(at);
    for (;;) {
      const end = this.skipBack(dot - 1, lineStart);
      if (end === UNKNOWN) return true;
      if (end < lineStart || !isIdentifierChar(text.charCodeAt(end))) break;
      let start = end;
      while (start > lineStart && isIdentifierChar(text.charCodeAt(start - 1))) start--;
      names.unshift(text.slice(start, end + 1));
      const before = this.skipBack(start - 1, lineStart);
      if (before === UNKNOWN) return true;
      if (before < lineStart || text.charCodeAt(before) !== 46) break;
      dot = before;
    }
    return ending.test('.' + names.join('.'));
  }

  /**
   * True when the `.pipeline` at `at` may resolve to `transformers.pipeline`: its object is a
   * name standing for the module, or is not read exactly.
   */
  objectMayBe(at: number, module: ReadonlySet<string>): boolean {
    const receiver = this.receiver(at);
    if (receiver === 'unknown') return true;
    if (receiver === 'never') return false;
    if ('head' in receiver) return receiver.plain && module.has(receiver.head);
    return this.holdsAny(receiver.open, receiver.close, module);
  }

  /** True when the receiver of the method at `at` may be a LangChain object (see the module comment). */
  receiverMayBe(at: number, heads: ReadonlySet<string>, pipes: ReadonlySet<string>): boolean {
    const receiver = this.receiver(at);
    if (receiver === 'unknown') return true;
    if (receiver === 'never') return false;
    if ('head' in receiver) return heads.has(receiver.head) || (receiver.plain && pipes.has(receiver.head));
    return this.holdsAny(receiver.open, receiver.close, heads);
  }

  private holdsAny(start: number, end: number, names: ReadonlySet<string>): boolean {
    return identifiersOf(this.view.text.slice(start, end)).some((name) => names.has(name));
  }

  /** The offset of the `.` before the name at `at` (the caller checked there is one). */
  private dotBefore(at: number): number {
    let k = at - 1;
    while (k >= 0 && this.view.text.charCodeAt(k) !== 46) k--;
    return k;
  }

  /**
   * The last offset at or before `k` (and not before `lineStart`) that is not a space or tab, or
   * `lineStart - 1`; UNKNOWN when a line break or a continuation comes first (what is before it on
   * the logical line is not read here: it may be a comment).
   */
  private skipBack(k: number, lineStart: number): number {
    const text = this.view.text;
    for (; k >= lineStart; k--) {
      const c = text.charCodeAt(k);
      if (c === 10 || c === 13 || c === 92) return UNKNOWN;
      if (c !== 32 && c !== 9 && c !== 12) return k;
    }
    return lineStart - 1;
  }

  /**
   * The receiver of the method whose name is at `at`, read back from its dot on its logical line:
   * its first name (plain: the receiver is that name alone), or the parenthesised group it starts
   * with.
   */
  private receiver(at: number): Receiver {
    const text = this.view.text;
    const index = this.view.lineAt(at);
    if (index < 0) return 'unknown';
    const lineStart = this.view.lines[index].start;
    let plain = true;
    let k = this.skipBack(this.dotBefore(at) - 1, lineStart);
    for (;;) {
      if (k === UNKNOWN || k < lineStart) return 'unknown';
      const c = text.charCodeAt(k);
      if (isIdentifierChar(c)) {
        let start = k;
        while (start > lineStart && isIdentifierChar(text.charCodeAt(start - 1))) start--;
        const before = this.skipBack(start - 1, lineStart);
        if (before === UNKNOWN) return 'unknown';
        if (before >= lineStart && text.charCodeAt(before) === 46) {
          plain = false;
          k = this.skipBack(before - 1, lineStart);
          continue;
        }
        const name = text.slice(start, k + 1);
        return /^[0-9]/.test(name) ? 'never' : { head: name, plain };
      }
      if (c === 41) {
        const open = this.openOf(index, k);
        if (open === undefined) return 'unknown';
        const before = this.skipBack(open - 1, lineStart);
        if (before === UNKNOWN) return 'unknown';
        if (before < lineStart) return { open, close: k };
        const b = text.charCodeAt(before);
        plain = false;
        if (isIdentifierChar(b)) {
          let start = before;
          while (start > lineStart && isIdentifierChar(text.charCodeAt(start - 1))) start--;
          // `not (x).run()`, `await (x).run()`: a group after a keyword, not a call.
          if (KEYWORDS.has(text.slice(start, before + 1))) return { open, close: k };
          k = before;
          continue;
        }
        if (b === 41) {
          k = before;
          continue;
        }
        // `items[0](x).run()`: the function is an item, which resolves to nothing.
        if (b === 93) return 'never';
        return { open, close: k };
      }
      // A subscript, a list, a dict or set, a string: no qualified name, no name bound to a pipe.
      if (c === 93 || c === 125 || c === 34 || c === 39) return 'never';
      return 'unknown';
    }
  }

  /** The `(` a `)` at `close` of logical line `index` closes (strings and comments skipped), if found. */
  private openOf(index: number, close: number): number | undefined {
    let known = this.pairs.get(index);
    if (!known) {
      known = new Map();
      const { start, end } = this.view.lines[index];
      const text = this.view.text;
      const open: number[] = [];
      // An f-string may nest quotes a scan of literals misreads: its brackets are not matched.
      const formatted = FORMATTED.test(text.slice(start, end));
      for (let k = formatted ? end : start; k < end; k++) {
        const c = text.charCodeAt(k);
        if (c === 35) while (k < end && text.charCodeAt(k + 1) !== 10 && text.charCodeAt(k + 1) !== 13) k++;
        else if (c === 34 || c === 39) k = Math.max(k, literalBounds(text, k).end - 1);
        else if (c === 40 || c === 91 || c === 123) open.push(c === 40 ? k : -1);
        else if (c === 41 || c === 93 || c === 125) {
          const at = open.pop();
          if (c === 41 && at !== undefined && at >= 0) known.set(k, at);
        }
      }
      this.pairs.set(index, known);
    }
    return known.get(close);
  }

  /**
   * The names whose qualified name may start with one of `roots` (heads: each root, every name
   * of an import line naming one, every target of an assignment whose value starts with a head),
   * and the names assigned a value holding `|` and a head (pipes). A superset of what the semantic
   * model resolves (any scope, any order, every name of an import line).
   */
  resolving(
    imported: (source: string) => string[],
    roots: readonly string[],
    withPipes: boolean,
  ): { heads: Set<string>; pipes: Set<string> } {
    const view = this.view;
    const text = view.text;
    const heads = new Set<string>();
    const pipes = new Set<string>();
    const queue: string[] = [];
    const add = (name: string) => {
      if (KEYWORDS.has(name) || heads.has(name)) return;
      heads.add(name);
      queue.push(name);
    };
    for (const root of roots) add(root);
    // Import lines (few) naming a root: every name of the line.
    const read = new Set<number>();
    for (const at of view.occurrences.of('import')) {
      const index = view.lineAt(at);
      if (index < 0 || read.has(index)) continue;
      read.add(index);
      for (const name of imported(this.source(index))) add(name);
    }
    while (queue.length > 0) {
      const name = queue.pop()!;
      for (const at of view.occurrences.of(name)) {
        // Only a value's first name (after `=`) or a name in a line with `|` can pass anything on.
        const head = previousNonBlank(text, at) === '=';
        if (!head && !withPipes) continue;
        const index = view.lineAt(at);
        if (index < 0) continue;
        const line = view.lines[index];
        if (!head && !this.piped().has(index)) continue;
        const source = this.source(index);
        const offset = at - line.start;
        // Blanked: in a string or a comment.
        if (!isIdentifierChar(source.charCodeAt(offset))) continue;
        let equals = this.assignments.get(index);
        if (!equals) this.assignments.set(index, (equals = topLevelAssignments(source)));
        let last = -1;
        for (let i = 0; i < equals.length && equals[i].at < offset; i++) last = i;
        if (last < 0) continue;
        const { at: sign, statement } = equals[last];
        const targets = () =>
          equals.filter((e) => e.statement === statement && e.at <= sign).flatMap((e) => targetNames(source.slice(e.statement, e.at)));
        if (head && /^[\s\\]*$/.test(source.slice(sign + 1, offset))) for (const target of targets()) add(target);
        if (withPipes && source.indexOf('|', sign) >= 0) for (const target of targets()) pipes.add(target);
      }
    }
    return { heads, pipes };
  }
}

/** A formatted string's opening (`f"`, `rf'`, `t"`). */
const FORMATTED = /(?<![A-Za-z0-9_\u0080-\u{10ffff}])(?:[fFtT][rRbB]?|[rRbB][fFtT])["']/u;
/** What skipBack answers when a line break comes first. */
const UNKNOWN = -2;
