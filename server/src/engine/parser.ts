/**
 * Python parsing with tree-sitter compiled to WebAssembly. No native addon is involved, so the same
 * code runs in every VS Code build, in the CLI and in worker threads. The runtime and the grammar
 * are initialised once per process (or worker) and shared.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser, Query } from '@vscode/tree-sitter-wasm';
import type { Node, Tree, Edit, Range } from '@vscode/tree-sitter-wasm';
import { readRegularFile } from './safeRead';

/** The grammar ships with the product (about 500 KB); anything far larger is not it. */
const MAX_GRAMMAR_SIZE = 64 * 1024 * 1024;

export type { Node, Tree, Edit };

const WASM_FILES = ['tree-sitter.wasm', 'tree-sitter-python.wasm'];

/**
 * Where the .wasm files are: next to the bundle (`dist/wasm`, what the .vsix ships) or, when the
 * engine runs from `out/` during development and tests, inside the npm package.
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

export class PythonParser {
  private constructor(
    private readonly parser: Parser,
    readonly language: Language,
  ) {}

  private static loading: Promise<PythonParser> | undefined;

  /** The process-wide parser; the first call loads the WebAssembly modules. */
  static get(): Promise<PythonParser> {
    if (!PythonParser.loading) {
      PythonParser.loading = (async () => {
        const dir = findWasmDirectory();
        await Parser.init({ locateFile: (file: string) => path.join(dir, file) });
        const grammar = readRegularFile(path.join(dir, 'tree-sitter-python.wasm'), MAX_GRAMMAR_SIZE);
        if (!grammar.ok) throw new Error(`cannot load the Python grammar from ${dir}: ${grammar.message}`);
        const language = await Language.load(grammar.bytes);
        const parser = new Parser();
        parser.setLanguage(language);
        return new PythonParser(parser, language);
      })();
      PythonParser.loading.catch(() => (PythonParser.loading = undefined));
    }
    return PythonParser.loading;
  }

  /**
   * Parses `text`. With `previous` (a tree already given the matching `Tree.edit` calls) tree-sitter
   * reuses the unchanged parts, which is what keeps re-analysis on each keystroke cheap.
   */
  parse(text: string, previous?: Tree): Tree {
    const tree = this.parser.parse(text, previous ?? null);
    if (!tree) throw new Error('mlsec: the parser returned no tree');
    return tree;
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
    const tree = this.parser.parse(read, null, { includedRanges });
    if (!tree) throw new Error('mlsec: the parser returned no tree');
    return tree;
  }

  private readonly queries = new Map<string, Query>();

  /** Compiled queries are cached by source: compiling is far more expensive than running. */
  query(source: string): Query {
    let query = this.queries.get(source);
    if (!query) {
      query = new Query(this.language, source);
      this.queries.set(source, query);
    }
    return query;
  }
}
