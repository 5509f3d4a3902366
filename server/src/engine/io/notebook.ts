/**
 * Jupyter notebooks: the code cells are analysed together as one Python text (an import in cell 1
 * counts in cell 3), with IPython magics and `!` shell lines masked so they neither break parsing
 * nor shift positions. Offsets in the joined text map back to (cell, offset in cell).
 */
import { LineIndex, analysisText } from '../text';
import { TextMemo } from '../textMemo';
import { literalBounds } from '../textScan';
import type { Position, Range } from '../text';

export interface NotebookCell {
  /** Index of the cell in the notebook (all cells, markdown included). */
  index: number;
  text: string;
}

/** Cell magics whose body is not Python. */
const FOREIGN_CELL_MAGICS = new Set([
  'bash',
  'sh',
  'script',
  'writefile',
  'file',
  'html',
  'HTML',
  'javascript',
  'js',
  'latex',
  'markdown',
  'perl',
  'ruby',
  'svg',
  'sql',
  'system',
  'sx',
  'powershell',
  'cmd',
  'pypy',
  'python2',
]);

/**
 * Magics whose argument (after options) is a Python statement that IPython runs: the statement is
 * analysed. Per magic, the options that take a value (`-n 10`), so the statement is found after them.
 */
const STATEMENT_MAGICS: ReadonlyMap<string, string> = new Map([
  ['time', ''],
  ['timeit', 'nrp'],
  ['prun', 'lsTD'],
  ['debug', ''],
]);

/**
 * The offset in `rest` (a line starting with `%name` or `%%name`) where the Python statement of a
 * statement magic starts, or undefined when it is not one or has no statement.
 */
function magicStatementStart(rest: string): number | undefined {
  const head = /^%%?(\w+)/.exec(rest);
  const valued = head ? STATEMENT_MAGICS.get(head[1]) : undefined;
  if (!head || valued === undefined) return undefined;
  let at = head[0].length;
  for (;;) {
    const space = /^[ \t]*/.exec(rest.slice(at))![0].length;
    if (space === 0 && at < rest.length) return undefined; // `%timeitx`: not this magic
    at += space;
    const word = /^-(\w)(\S*)/.exec(rest.slice(at));
    if (!word) break;
    at += word[0].length;
    if (valued.includes(word[1]) && word[2] === '') {
      // The option's value is the next word.
      at += /^[ \t]*\S*/.exec(rest.slice(at))![0].length;
    }
  }
  return at < rest.length && rest[at] !== '#' ? at : undefined;
}

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
      // `%time stmt`, `%timeit -n 3 stmt`: IPython runs the statement, so it is analysed, with
      // the magic written as `_;` and spaces (`_;    stmt`): same length, still one statement line.
      const statement = rest.startsWith('%') ? magicStatementStart(rest) : undefined;
      if (statement !== undefined && statement >= 2) {
        inContinuation = false;
        return indent + '_;' + ' '.repeat(statement - 2) + rest.slice(statement) + ending;
      }
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

/**
 * True when a cell's Python text leaves something open at its end that would swallow the text
 * after it: a triple-quoted string, a bracket, a backslash continuation. Jupyter compiles each
 * cell on its own, so such a cell is a syntax error there, but joined with the next cells it
 * would turn them into a string or an argument list. A small scan over quotes, comments and
 * brackets (literalBounds finds where a literal ends), run on every cell of a notebook.
 */
export function leavesOpen(text: string): boolean {
  const special = /["'#()[\]{}]/g;
  let depth = 0;
  let comment = { start: -1, end: -1 };
  for (let match = special.exec(text); match; match = special.exec(text)) {
    const c = match[0];
    if (c === '#') {
      const newline = text.indexOf('\n', match.index);
      comment = { start: match.index, end: newline < 0 ? text.length : newline };
      if (newline < 0) break;
      special.lastIndex = newline;
    } else if (c === '"' || c === "'") {
      const { bodyEnd, end } = literalBounds(text, match.index);
      // An unclosed single-quoted literal ends at its line; a triple-quoted one runs on.
      if (end === bodyEnd && text.startsWith(c.repeat(3), match.index)) return true;
      special.lastIndex = Math.max(end, match.index + 1);
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else depth = Math.max(0, depth - 1);
  }
  if (depth > 0) return true;
  // A backslash ending the last line continues it, unless it ends a comment.
  const continued = /\\[ \t]*\r?\n?$/.exec(text);
  return continued !== null && !(continued.index >= comment.start && continued.index < comment.end);
}

/**
 * maskIPython, remembered by cell text: the editor lays a notebook's cells out several times per
 * keystroke (the server, the entry, the analysis), and only the edited cell's text is new.
 */
const maskedCells = new TextMemo<string>();

/** The joined Python text of a notebook's code cells and the way back to each cell. */
export class NotebookLayout {
  readonly text: string;
  private readonly starts: number[] = [];
  private readonly lineIndexes: LineIndex[];

  /** The Python text of each cell (magics masked), by position in `cells`. */
  readonly masked: string[] = [];

  /**
   * `blank`: positions in `cells` of cells whose text is replaced by spaces (line breaks kept), so
   * that the others can be analysed without them.
   */
  constructor(
    readonly cells: readonly NotebookCell[],
    blank: ReadonlySet<number> = new Set(),
  ) {
    let text = '';
    cells.forEach((cell, slot) => {
      this.starts.push(text.length);
      // Line endings as the analysis wants them (same length: cell positions stay valid).
      const python = maskedCells.get(analysisText(cell.text), maskIPython);
      this.masked.push(python);
      const masked = blank.has(slot) ? python.replace(/[^\r\n]/g, ' ') : python;
      text += masked.endsWith('\n') ? masked : masked + '\n';
    });
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

  /** Where the cell at a position in `cells` starts in the joined text. */
  startOf(slot: number): number {
    return this.starts[slot];
  }

  /** The position in `cells` of the cell holding a joined-text offset. */
  slotAt(offset: number): number {
    return this.slot(offset);
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
  if (language !== undefined && !isPythonLanguage(language)) {
    throw new NotebookError(`the notebook's language is ${JSON.stringify(language)}, not Python: not analysed`);
  }
  raw.forEach((cell, index) => {
    if (!cell || typeof cell !== 'object') return;
    const { cell_type: type, source } = cell as { cell_type?: unknown; source?: unknown };
    if (type !== 'code') return;
    const text = Array.isArray(source) ? source.filter((s) => typeof s === 'string').join('') : typeof source === 'string' ? source : '';
    cells.push({ index, text });
  });
  return cells;
}

/**
 * The notebook's language as its metadata names it (`language_info.name`, else the kernel's
 * `language`), or undefined when it names none. A kernel's name alone (`conda-env-x`) says
 * nothing for sure: such a notebook is analysed as Python, like one without metadata.
 */
function languageOf(data: object): string | undefined {
  const metadata = (data as { metadata?: { kernelspec?: { language?: unknown }; language_info?: { name?: unknown } } }).metadata;
  for (const name of [metadata?.language_info?.name, metadata?.kernelspec?.language]) {
    if (typeof name === 'string' && name.trim() !== '') return name.trim();
  }
  return undefined;
}

/**
 * True for the names Python kernels give their language: `python`, `python3`, `Python 3`,
 * `python3.11`, `Python 3 (ipykernel)`, `ipython`, `ipython3`, `pyspark`, `pypy`, `py` (case,
 * version numbers, spaces and punctuation aside).
 */
export function isPythonLanguage(name: string): boolean {
  const letters = name.toLowerCase().replace(/[^a-z]/g, '');
  return /^(i?python|pyspark|pypy)/.test(letters) || letters === 'py';
}

export class NotebookError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}
