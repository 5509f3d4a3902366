/**
 * Positions and ranges as the engine reports them. Lines and characters are zero-based and
 * characters count UTF-16 code units, which is what tree-sitter reports for JavaScript strings,
 * what LSP uses by default and what SARIF calls `utf16CodeUnits`: no conversion anywhere.
 */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A half-open span of UTF-16 offsets into a text. */
export interface Span {
  start: number;
  end: number;
}

/** Maps offsets to positions for one text. */
export class LineIndex {
  private starts: number[] | undefined;

  constructor(readonly text: string) {}

  /** Offsets where lines start, found on first use: many analysed texts never need a position. */
  private get lineStarts(): number[] {
    if (this.starts) return this.starts;
    const starts = [0];
    const text = this.text;
    if (text.indexOf('\r') < 0) {
      // The usual case, searched natively: several times faster than a loop over every character.
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      return (this.starts = starts);
    }
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10) {
        starts.push(i + 1);
      } else if (ch === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    return (this.starts = starts);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: clamped - this.lineStarts[low] };
  }

  offsetAt(position: Position): number {
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[Math.max(0, position.line)];
    const end = this.lineEnd(position.line);
    return Math.min(start + Math.max(0, position.character), end);
  }

  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))];
  }

  /** Offset of the end of a line, before its line break. */
  lineEnd(line: number): number {
    if (line + 1 >= this.lineStarts.length) return this.text.length;
    let end = this.lineStarts[line + 1] - 1;
    if (end > 0 && this.text.charCodeAt(end) === 10 && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  rangeOf(span: Span): Range {
    return { start: this.positionAt(span.start), end: this.positionAt(span.end) };
  }
}

/**
 * The text the engine analyses: every lone `\r` (a line end to Python, which reads source with
 * universal newlines, but not to tree-sitter) becomes `\n`. `\r\n` is left alone: tree-sitter
 * ends a line at its `\n`. The replacement keeps the length, and LineIndex counts a lone `\r` as a
 * line end, so every offset and every line/character position is the same in both texts:
 * findings, related locations, fix edits and suppressions need no mapping back. Written here
 * rather than taken from a library because it must keep offsets exactly, and it is one line.
 */
export function analysisText(text: string): string {
  return text.indexOf('\r') < 0 ? text : text.replace(/\r(?!\n)/g, '\n');
}

/**
 * The line break to write into `text` at `offset`: the one ending that line (or, on the last
 * line, the last one before it), else `\n`. Fixes and inserted comments use it,
 * so a CRLF or CR file keeps its line endings.
 */
export function lineBreakAt(text: string, offset: number): string {
  const after = /\r\n|\r|\n/g;
  after.lastIndex = Math.max(0, Math.min(offset, text.length));
  const next = after.exec(text);
  if (next) return next[0];
  const before = /(\r\n|\r|\n)[^\r\n]*$/.exec(text);
  return before ? before[1] : '\n';
}

/** `inserted` with every line break written as `eol`. */
export function withLineBreaks(inserted: string, eol: string): string {
  return eol === '\n' && inserted.indexOf('\r') < 0 ? inserted : inserted.replace(/\r\n|\r|\n/g, eol);
}
