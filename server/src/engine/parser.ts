/**
 * Python parsing with tree-sitter compiled to WebAssembly. No native addon is involved, so the same
 * code runs in every VS Code build, in the CLI and in worker threads.
 *
 * The WebAssembly runtime is held by a `Runtime` that can be replaced. Two things make that
 * necessary (issue 13): a runtime whose memory runs out aborts, and an aborted Emscripten module
 * fails every later call, so one hostile file used to poison every file after it; and WebAssembly
 * memory never shrinks, so one large file used to keep hundreds of megabytes for the life of the
 * language server. `PythonParser` is the stable handle: after an abort, or once the memory grew
 * past RECYCLE_BYTES, `ready()` loads a fresh copy of the runtime (the JavaScript glue too, since
 * it keeps its module in a global) and the old one is left to the garbage collector.
 *
 * Memory per file is bounded twice: a parse is cancelled (progress callback) when the runtime's
 * memory passes PARSE_BUDGET_BYTES, and the memory itself cannot grow past MAX_MEMORY_BYTES (an
 * allocation past it aborts the runtime, which is then replaced). A file that needs more is
 * reported as not analysed (`ParseLimitError`), never silently.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Node, Tree, Edit, Range, Language, Parser, Query } from '@vscode/tree-sitter-wasm';
import { readRegularFile } from './io/safeRead';

/** The grammar ships with the product (about 500 KB); anything far larger is not it. */
const MAX_GRAMMAR_SIZE = 64 * 1024 * 1024;

export type { Node, Tree, Edit };

type TreeSitterBindings = typeof import('@vscode/tree-sitter-wasm');

/** The part of the WebAssembly global used here (the project compiles without the DOM library). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
const wasm = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory; RuntimeError: new () => Error };
  }
).WebAssembly;

const WASM_FILES = ['tree-sitter.js', 'tree-sitter.wasm', 'tree-sitter-python.wasm'];

/** WebAssembly pages are 64 KiB. */
const PAGE = 65536;
/** The runtime's starting memory: what the Emscripten build declares (INITIAL_MEMORY, 32 MiB). */
const INITIAL_MEMORY_BYTES = 32 * 1024 * 1024;
/** A parse that makes the runtime's memory pass this is cancelled; the file is not analysed. */
export const PARSE_BUDGET_BYTES = 256 * 1024 * 1024;
/** The runtime's memory can never grow past this (the build allows 2 GiB). */
export const MAX_MEMORY_BYTES = 512 * 1024 * 1024;
/**
 * A tree with more nodes is not analysed: the analysis keeps objects per node and binding, and a
 * tree this large (about twice what 2 MiB of ordinary code gives) already takes ~400 MB in all.
 */
export const MAX_TREE_NODES = 1_000_000;
/** A runtime whose memory grew past this is replaced at the next `ready()`, to give it back. */
export const RECYCLE_BYTES = 128 * 1024 * 1024;

/** The limits a parser works under (the exported constants by default; tests lower them). */
export interface ParserLimits {
  parseBudgetBytes: number;
  maxMemoryBytes: number;
  maxTreeNodes: number;
  recycleBytes: number;
}

const DEFAULT_LIMITS: ParserLimits = {
  parseBudgetBytes: PARSE_BUDGET_BYTES,
  maxMemoryBytes: MAX_MEMORY_BYTES,
  maxTreeNodes: MAX_TREE_NODES,
  recycleBytes: RECYCLE_BYTES,
};

/** A file that cannot be parsed within the limits; it is reported as not analysed. */
export class ParseLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseLimitError';
  }
}

/**
 * Where the runtime files are: next to the bundle (`dist/wasm`, what the .vsix and the npm
 * package ship) or, when the engine runs from `out/` during development and tests, inside the
 * npm package.
 */
function findWasmDirectory(): string {
  const candidates = [path.join(__dirname, 'wasm'), path.join(__dirname, '..', 'wasm')];
  try {
    candidates.push(path.join(path.dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm'));
  } catch {
    // Not resolvable from a bundle: the copied files next to it are used instead.
  }
  for (const dir of candidates) {
    if (WASM_FILES.every((file) => fs.existsSync(path.join(dir, file)))) return dir;
  }
  throw new Error(`mlsec: tree-sitter WebAssembly files not found (looked in ${candidates.join(', ')})`);
}

/**
 * A fresh copy of the tree-sitter JavaScript glue. It keeps its Emscripten module in a module-level
 * variable, so a second runtime needs a second evaluation of the file: it is taken out of the
 * require cache before and after loading. (Not bundled by esbuild: see esbuild.mjs.)
 */
function loadBindings(dir: string): TreeSitterBindings {
  const load = createRequire(path.join(dir, 'loader.js'));
  const file = load.resolve(path.join(dir, 'tree-sitter.js'));
  delete load.cache[file];
  try {
    return load(file) as TreeSitterBindings;
  } finally {
    delete load.cache[file];
  }
}

/** One loaded WebAssembly runtime with its parser, grammar and compiled queries. */
class Runtime {
  /** Set when the module aborted (out of memory or a trap): nothing may call it again. */
  aborted = false;
  readonly queries = new Map<string, Query>();
  /** The trees this runtime made (trees of a replaced runtime must not be handed back to it). */
  readonly trees = new WeakSet<Tree>();

  private constructor(
    readonly bindings: TreeSitterBindings,
    readonly memory: WasmMemory,
    readonly parser: Parser,
    readonly language: Language,
    readonly generation: number,
  ) {}

  static async load(generation: number, limits: ParserLimits): Promise<Runtime> {
    const dir = findWasmDirectory();
    const bindings = loadBindings(dir);
    const maximum = Math.max(INITIAL_MEMORY_BYTES, limits.maxMemoryBytes);
    const memory = new wasm.Memory({ initial: INITIAL_MEMORY_BYTES / PAGE, maximum: Math.floor(maximum / PAGE) });
    let runtime: Runtime | undefined;
    let abortedEarly = false;
    await bindings.Parser.init({
      locateFile: (file: string) => path.join(dir, file),
      wasmMemory: memory,
      // The module reports an abort here before throwing; the throw reaches the caller.
      onAbort: () => {
        if (runtime) runtime.aborted = true;
        else abortedEarly = true;
      },
      // Emscripten prints "Aborted()" itself; the caller reports the failure with the file name.
      printErr: () => undefined,
    } as { locateFile: (file: string) => string });
    const grammar = readRegularFile(path.join(dir, 'tree-sitter-python.wasm'), MAX_GRAMMAR_SIZE);
    if (!grammar.ok) throw new Error(`cannot load the Python grammar from ${dir}: ${grammar.message}`);
    const language = await bindings.Language.load(grammar.bytes);
    const parser = new bindings.Parser();
    parser.setLanguage(language);
    runtime = new Runtime(bindings, memory, parser, language, generation);
    if (abortedEarly) throw new Error('mlsec: the tree-sitter runtime aborted while loading');
    return runtime;
  }

  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }
}

export class PythonParser {
  private runtime: Runtime;
  private replacing: Promise<void> | undefined;
  /** How many runtimes were replaced (after an abort or to give memory back). */
  replacements = 0;

  private constructor(
    runtime: Runtime,
    readonly limits: ParserLimits,
  ) {
    this.runtime = runtime;
  }

  private static loading: Promise<PythonParser> | undefined;

  /** The process-wide parser; the first call loads the WebAssembly modules. */
  static get(): Promise<PythonParser> {
    if (!PythonParser.loading) {
      PythonParser.loading = PythonParser.create();
      PythonParser.loading.catch(() => (PythonParser.loading = undefined));
    }
    return PythonParser.loading;
  }

  /** A parser of its own (not the process-wide one), with other limits: for tests. */
  static async create(limits: Partial<ParserLimits> = {}): Promise<PythonParser> {
    const all = { ...DEFAULT_LIMITS, ...limits };
    return new PythonParser(await Runtime.load(0, all), all);
  }

  /** The grammar of the current runtime. */
  get language(): Language {
    return this.runtime.language;
  }

  /** Bytes of WebAssembly memory the current runtime holds. */
  get memoryBytes(): number {
    return this.runtime.memoryBytes;
  }

  /** Changes each time the runtime is replaced: trees of an older generation are dead. */
  get generation(): number {
    return this.runtime.generation;
  }

  /** False after an abort, until `ready()` replaced the runtime. */
  get usable(): boolean {
    return !this.runtime.aborted;
  }

  /** True when `ready()` has work to do: the runtime aborted or holds more memory than it should. */
  get needsReplacing(): boolean {
    return this.runtime.aborted || this.runtime.memoryBytes > this.limits.recycleBytes;
  }

  /**
   * Replaces the runtime when it aborted or grew past `recycleBytes`; resolves at once otherwise.
   * Front ends await it between files (parsing itself is synchronous). Trees made by the old
   * runtime must not be used afterwards (`owns` tells).
   */
  ready(): Promise<void> {
    if (!this.needsReplacing) return Promise.resolve();
    this.replacing ??= Runtime.load(this.runtime.generation + 1, this.limits).then(
      (runtime) => {
        this.runtime = runtime;
        this.replacements++;
        this.replacing = undefined;
      },
      (error: unknown) => {
        this.replacing = undefined;
        throw error;
      },
    );
    return this.replacing;
  }

  /** True when the tree was made by the current runtime (and can be edited, reused or deleted). */
  owns(tree: Tree): boolean {
    return this.runtime.trees.has(tree);
  }

  /**
   * A copy of a tree of the current runtime (tree-sitter shares the nodes: cheap), owned as the
   * trees it parses are; undefined for a tree of another runtime.
   */
  copy(tree: Tree): Tree | undefined {
    if (!this.owns(tree) || this.runtime.aborted) return undefined;
    const copy = tree.copy();
    this.runtime.trees.add(copy);
    return copy;
  }

  /** Frees a tree if its runtime is the current one; trees of replaced runtimes go with them. */
  release(tree: Tree | undefined): void {
    if (tree && this.owns(tree) && !this.runtime.aborted) tree.delete();
  }

  /**
   * Parses `text`. With `previous` (a tree already given the matching `Tree.edit` calls) tree-sitter
   * reuses the unchanged parts, which is what keeps re-analysis on each keystroke cheap. A tree of
   * a replaced runtime is not reused.
   */
  parse(text: string, previous?: Tree): Tree {
    return this.run((parser, options) => parser.parse(text, previous && this.owns(previous) ? previous : null, options));
  }

  /**
   * Parses only the given ranges of `text` (see partialParse.ts); offsets are those of `text`.
   * The parser copies its input in chunks from where it reads on: each chunk is cut at the end
   * of its range, so the left-out text between ranges is not copied into the parser's memory.
   */
  parseRanges(text: string, includedRanges: Range[]): Tree {
    let next = 0;
    const read = (index: number): string => {
      // Reads mostly move forward; a read behind (rare) starts the search again.
      if (next > 0 && includedRanges[next - 1].endIndex > index) next = 0;
      while (next < includedRanges.length && includedRanges[next].endIndex <= index) next++;
      return next < includedRanges.length ? text.slice(index, includedRanges[next].endIndex) : text.slice(index);
    };
    return this.run((parser, options) => parser.parse(read, null, { ...options, includedRanges }));
  }

  /** Runs one parse under the memory budget; a failure names its cause. */
  private run(parse: (parser: Parser, options: { progressCallback: () => boolean }) => Tree | null): Tree {
    const runtime = this.runtime;
    if (runtime.aborted) throw new Error('mlsec: the parser is being restarted after an earlier failure');
    let overBudget = false;
    // The callback's result cancels the parse (the type declarations say void; the code reads it).
    const budget = this.limits.parseBudgetBytes;
    const progressCallback = (): boolean => (overBudget ||= runtime.memoryBytes > budget);
    let tree: Tree | null;
    try {
      tree = parse(runtime.parser, { progressCallback });
    } catch (error) {
      if (runtime.aborted || error instanceof wasm.RuntimeError) {
        runtime.aborted = true;
        throw new ParseLimitError(`the parser ran out of its ${mebibytes(this.limits.maxMemoryBytes)} MiB of memory`);
      }
      throw error;
    }
    if (overBudget) {
      tree?.delete();
      // A cancelled parse would otherwise be resumed by the next call.
      runtime.parser.reset();
      throw new ParseLimitError(`parsing needed more than ${mebibytes(budget)} MiB of memory`);
    }
    if (!tree) throw new Error('mlsec: the parser returned no tree');
    const nodes = tree.rootNode.descendantCount;
    if (nodes > this.limits.maxTreeNodes) {
      tree.delete();
      throw new ParseLimitError(`its syntax tree has ${nodes} nodes, over the limit of ${this.limits.maxTreeNodes}`);
    }
    runtime.trees.add(tree);
    return tree;
  }

  /** Compiled queries are cached by source: compiling is far more expensive than running. */
  query(source: string): Query {
    const runtime = this.runtime;
    let query = runtime.queries.get(source);
    if (!query) {
      query = new runtime.bindings.Query(runtime.language, source);
      runtime.queries.set(source, query);
    }
    return query;
  }
}

function mebibytes(bytes: number): number {
  return Math.round(bytes / 1048576);
}
