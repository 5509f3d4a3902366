/**
 * Jupyter notebooks: the code cells are analysed together as one Python text (an import in cell 1
 * counts in cell 3), with IPython magics and `!` shell lines masked so they neither break parsing
 * nor shift positions. Offsets in the joined text map back to (cell, offset in cell).
 */
import { LineIndex, analysisText } from './text';
import type { Position, Range } from './text';

export interface NotebookCell {
  /** Index of the cell in the notebook (all cells, markdown included). */
  index: number;
  text: string;
}

/** Cell magics whose body is not Python. */
const FOREIGN_CELL_MAGICS = new Set([
  'bash', 'sh', 'script', 'writefile', 'file', 'html', 'HTML', 'javascript', 'js', 'latex', 'markdown',
  'perl', 'ruby', 'svg', 'sql', 'system', 'sx', 'powershell', 'cmd', 'pypy', 'python2',
]);

/**
 * Replaces IPython syntax with harmless Python of the same length: a line magic or shell escape
 * (`%pip install x`, `!ls`, `x = !ls`, `obj?`) becomes `_` padded with spaces, a cell of a
 * non-Python cell magic becomes blank. Lengths and line breaks are kept, so positions stay valid.
 */
export function maskIPython(cell: string): string {
  const lines = cell.split(/(?<=\n)/);
  const first = lines[0]?.trimStart() ?? '';
  const cellMagic = /^%%(\S+)/.exec(first);
  if (cellMagic && FOREIGN_CELL_MAGICS.has(cellMagic[1])) return cell.replace(/[^\r\n]/g, ' ');
  let inContinuation = false;
  return lines
    .map((line) => {
      const body = line.replace(/\r?\n$/, '');
      const ending = line.slice(body.length);
      const wasContinued = inContinuation;
      inContinuation = body.endsWith('\\');
      if (wasContinued) return ' '.repeat(body.length) + ending;
      const indent = /^[ \t]*/.exec(body)?.[0] ?? '';
      const rest = body.slice(indent.length);
      if (/^(%|!|\?)/.test(rest) || /^[\w.]+\?{1,2}$/.test(rest)) {
        inContinuation = inContinuation && /^(%|!)/.test(rest);
        return indent + '_' + ' '.repeat(Math.max(0, rest.length - 1)) + ending;
      }
      const assigned = /^([\w.,\s]+=\s*)(!|%)/.exec(rest);
      if (assigned && !/[=!<>]=/.test(assigned[1])) {
        const keep = indent.length + assigned[1].length;
        return body.slice(0, keep) + '_' + ' '.repeat(Math.max(0, body.length - keep - 1)) + ending;
      }
      inContinuation = false;
      return line;
    })
    .join('');
}

/** The joined Python text of a notebook's code cells and the way back to each cell. */
export class NotebookLayout {
  readonly text: string;
  private readonly starts: number[] = [];
  private readonly lineIndexes: LineIndex[];

  constructor(readonly cells: readonly NotebookCell[]) {
    let text = '';
    for (const cell of cells) {
      this.starts.push(text.length);
      // Line endings as the analysis wants them (same length: cell positions stay valid).
      const masked = maskIPython(analysisText(cell.text));
      text += masked.endsWith('\n') ? masked : masked + '\n';
    }
    this.text = text;
    this.lineIndexes = cells.map((cell) => new LineIndex(cell.text));
  }

  /** The position in the joined text of the cell (by position in `cells`) containing an offset. */
  private slot(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Maps a joined-text offset to the notebook cell index and the offset inside that cell. */
  toCell(offset: number): { cell: number; offset: number } {
    const slot = this.slot(offset);
    const local = Math.min(offset - this.starts[slot], this.cells[slot].text.length);
    return { cell: this.cells[slot].index, offset: local };
  }

  /** Maps a joined-text span to a range inside one cell (clamped to the start cell). */
  toCellRange(start: number, end: number): { cell: number; range: Range } {
    const slot = this.slot(start);
    const lines = this.lineIndexes[slot];
    const cellStart = this.starts[slot];
    const cellEnd = cellStart + this.cells[slot].text.length;
    return {
      cell: this.cells[slot].index,
      range: {
        start: lines.positionAt(start - cellStart),
        end: lines.positionAt(Math.min(end, cellEnd) - cellStart),
      },
    };
  }

  cellPosition(cell: number, position: Position): number {
    const slot = this.cells.findIndex((c) => c.index === cell);
    if (slot < 0) return 0;
    return this.starts[slot] + this.lineIndexes[slot].offsetAt(position);
  }
}

/** The code cells of an .ipynb document; throws an Error with a readable message when broken. */
export function readNotebookCells(json: string): NotebookCell[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    if (position) {
      const line = new LineIndex(json).positionAt(Number(position[1])).line + 1;
      throw new NotebookError(`not a valid notebook: invalid JSON at line ${line}: ${message}`, line - 1);
    }
    throw new NotebookError(`not a valid notebook: invalid JSON: ${message}`);
  }
  if (!data || typeof data !== 'object' || !Array.isArray((data as { cells?: unknown }).cells)) {
    throw new NotebookError('not a valid notebook: no "cells" array (only nbformat 4 notebooks are supported)');
  }
  const cells: NotebookCell[] = [];
  const raw = (data as { cells: unknown[] }).cells;
  const language = languageOf(data);
  if (language && language !== 'python') return [];
  raw.forEach((cell, index) => {
    if (!cell || typeof cell !== 'object') return;
    const { cell_type: type, source } = cell as { cell_type?: unknown; source?: unknown };
    if (type !== 'code') return;
    const text = Array.isArray(source) ? source.filter((s) => typeof s === 'string').join('') : typeof source === 'string' ? source : '';
    cells.push({ index, text });
  });
  return cells;
}

function languageOf(data: object): string | undefined {
  const metadata = (data as { metadata?: { kernelspec?: { language?: unknown }; language_info?: { name?: unknown } } }).metadata;
  const name = metadata?.language_info?.name ?? metadata?.kernelspec?.language;
  return typeof name === 'string' ? name.toLowerCase() : undefined;
}

export class NotebookError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}
