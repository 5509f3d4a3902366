/**
 * Where a notebook's cell code is written in the `.ipynb` text: each code cell's `source` value
 * (a string or a list of strings) with the raw position of every JSON string token and, inside
 * a token, where each decoded character's escape sequence starts. Used to point reports at the
 * JSON line where a cell's code is written (SARIF, GitHub, GitLab) and to rewrite only the
 * `source` value of a fixed cell, leaving the rest of the file (formatting, outputs) untouched.
 *
 * Written here rather than taken from a library because JSON.parse gives no positions and none of
 * the project's dependencies does; the text has already been accepted by JSON.parse
 * (readNotebookCells) before it gets here, so this scanner only has to find positions in valid
 * JSON, and it gives up (returns undefined) on anything unexpected rather than guess.
 */
import type { Position } from '../engine/text';

/** One JSON string token of a cell's source. */
export interface SourceToken {
  /** Offset of the opening quote in the JSON text. */
  rawStart: number;
  /** Offset just after the closing quote. */
  rawEnd: number;
  /** The decoded string. */
  value: string;
  /** For each decoded UTF-16 unit, the raw offset where it is written (plus one entry for the end). */
  rawOffsets: number[];
}

export interface CellSource {
  /** Index of the cell among all cells. */
  index: number;
  /** Offsets of the source value (the `[`…`]` of a list, or the quotes of a single string). */
  valueStart: number;
  valueEnd: number;
  /** True when the source is written as a list of strings (nbformat's usual form). */
  isList: boolean;
  tokens: SourceToken[];
}

/** The cells' source values by cell index, or undefined when the text is not shaped as expected. */
export function locateCellSources(json: string): Map<number, CellSource> | undefined {
  try {
    return new Scanner(json).notebook();
  } catch {
    return undefined;
  }
}

class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  notebook(): Map<number, CellSource> {
    const cells = new Map<number, CellSource>();
    this.object((key) => {
      if (key !== 'cells' || this.peek() !== '[') return false;
      let index = 0;
      this.array(() => {
        const at = index++;
        if (this.peek() !== '{') return false;
        let type: string | undefined;
        let source: Omit<CellSource, 'index'> | undefined;
        this.object((cellKey) => {
          if (cellKey === 'cell_type' && this.peek() === '"') {
            type = this.string().value;
            return true;
          }
          if (cellKey !== 'source') return false;
          source = this.source();
          return true;
        });
        if (type === 'code' && source) cells.set(at, { index: at, ...source });
        return true;
      });
      return true;
    });
    return cells;
  }

  private source(): Omit<CellSource, 'index'> {
    const first = this.peek();
    const valueStart = this.pos;
    if (first === '"') {
      const token = this.string();
      return { valueStart, valueEnd: this.pos, isList: false, tokens: [token] };
    }
    if (first !== '[') throw new Error('source is neither a string nor a list');
    const tokens: SourceToken[] = [];
    this.array(() => {
      if (this.peek() !== '"') return false;
      tokens.push(this.string());
      return true;
    });
    return { valueStart, valueEnd: this.pos, isList: true, tokens };
  }

  private peek(): string {
    this.skipSpace();
    return this.text[this.pos];
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /[ \t\r\n]/.test(this.text[this.pos])) this.pos++;
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== char) throw new Error(`expected ${char} at ${this.pos}`);
    this.pos++;
  }

  /** Reads an object; `member` reads the value of a key and returns true, or false to have it skipped. */
  private object(member: (key: string) => boolean): void {
    this.expect('{');
    if (this.peek() === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      const key = this.string().value;
      this.expect(':');
      if (!member(key)) this.skipValue();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      this.expect('}');
      return;
    }
  }

  private array(element: () => boolean): void {
    this.expect('[');
    if (this.peek() === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      if (!element()) this.skipValue();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      this.expect(']');
      return;
    }
  }

  private skipValue(): void {
    const c = this.peek();
    if (c === '{') this.object(() => false);
    else if (c === '[') this.array(() => false);
    else if (c === '"') this.string();
    else {
      const match = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.pos, this.pos + 64));
      if (!match) throw new Error(`unexpected value at ${this.pos}`);
      this.pos += match[0].length;
    }
  }

  private string(): SourceToken {
    this.skipSpace();
    const rawStart = this.pos;
    if (this.text[this.pos] !== '"') throw new Error(`expected a string at ${this.pos}`);
    this.pos++;
    let value = '';
    const rawOffsets: number[] = [];
    for (;;) {
      if (this.pos >= this.text.length) throw new Error('unterminated string');
      const c = this.text[this.pos];
      if (c === '"') break;
      if (c !== '\\') {
        rawOffsets.push(this.pos);
        value += c;
        this.pos++;
        continue;
      }
      const escape = this.text[this.pos + 1];
      rawOffsets.push(this.pos);
      if (escape === 'u') {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error('bad \\u escape');
        value += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else {
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (!(escape in simple)) throw new Error('bad escape');
        value += simple[escape];
        this.pos += 2;
      }
    }
    rawOffsets.push(this.pos);
    this.pos++;
    return { rawStart, rawEnd: this.pos, value, rawOffsets };
  }
}

/** Zero-based line starts of a text, for turning raw offsets into positions. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

export function positionOf(starts: readonly number[], offset: number): Position {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low, character: offset - starts[low] };
}

/**
 * Maps positions in cells to positions in the `.ipynb` text: the line of the JSON string holding
 * the code and the column of its first character there (escapes counted as written).
 */
export class NotebookJsonMap {
  private readonly starts: number[];
  /** Per cell: for each cell line, the raw offset of its first character (and of its end). */
  private readonly cellLines = new Map<number, { lineStartOffsets: number[]; rawOf: (offset: number) => number }>();

  private constructor(json: string, cells: Map<number, CellSource>) {
    this.starts = lineStarts(json);
    for (const [index, cell] of cells) {
      // The cell text is the tokens joined; keep, for every decoded offset, its raw offset.
      const raw: number[] = [];
      let text = '';
      for (const token of cell.tokens) {
        for (let k = 0; k < token.value.length; k++) raw.push(token.rawOffsets[k]);
        text += token.value;
      }
      const end =
        cell.tokens.length > 0
          ? cell.tokens[cell.tokens.length - 1].rawOffsets[cell.tokens[cell.tokens.length - 1].value.length]
          : cell.valueStart;
      raw.push(end);
      const lineStartOffsets = lineStarts(text);
      this.cellLines.set(index, { lineStartOffsets, rawOf: (offset) => raw[Math.max(0, Math.min(offset, raw.length - 1))] });
    }
  }

  static of(json: string): NotebookJsonMap | undefined {
    const cells = locateCellSources(json);
    return cells ? new NotebookJsonMap(json, cells) : undefined;
  }

  /** The `.ipynb` position of a (cell, line, character) position, or undefined when unknown. */
  toJson(cell: number, position: Position): Position | undefined {
    const entry = this.cellLines.get(cell);
    if (!entry) return undefined;
    const lineStart = entry.lineStartOffsets[Math.min(position.line, entry.lineStartOffsets.length - 1)];
    const raw = entry.rawOf(lineStart + position.character);
    return positionOf(this.starts, raw);
  }

  /** A cell range in the `.ipynb` text; an end that cannot be placed after the start collapses to it. */
  toJsonRange(cell: number, start: Position, end: Position): { start: Position; end: Position } | undefined {
    const from = this.toJson(cell, start);
    let to = this.toJson(cell, end);
    if (!from) return undefined;
    if (!to || to.line < from.line || (to.line === from.line && to.character < from.character)) to = from;
    return { start: from, end: to };
  }
}
