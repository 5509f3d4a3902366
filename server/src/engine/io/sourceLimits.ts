/**
 * The size limit for source files, measured on what is analysed. A Python file is its code; a
 * notebook is mostly outputs (embedded images, tables), so its limit applies to the text of its
 * code cells: a 2 MB notebook holding 10 KB of code is analysed (issue 16). The notebook itself
 * is still read with a bound (NOTEBOOK_READ_LIMIT, or `max-file-size` when larger).
 */
import { readNotebookCells, NotebookError } from './notebook';
import { readSource, sourceKindOf } from './sourceFiles';
import type { ReadResult } from './sourceFiles';

/** The most of a notebook file that is read (its outputs included). */
export const NOTEBOOK_READ_LIMIT = 64 * 1024 * 1024;

/** Reads a source file as `readSource` does, applying `maxFileSize` to a notebook's code only. */
export function readSourceWithinLimit(file: string, maxFileSize: number): ReadResult {
  if (sourceKindOf(file) !== 'notebook') return readSource(file, maxFileSize);
  const read = readSource(file, Math.max(maxFileSize, NOTEBOOK_READ_LIMIT));
  if (!read.ok || read.text.length <= maxFileSize) return read;
  let code = 0;
  try {
    for (const cell of readNotebookCells(read.text)) code += Buffer.byteLength(cell.text, 'utf8');
  } catch (error) {
    // A broken notebook is reported by the analysis, with its line.
    if (error instanceof NotebookError) return read;
    throw error;
  }
  if (code > maxFileSize)
    return { ok: false, message: `notebook code is ${code} bytes, over the ${maxFileSize}-byte limit (max-file-size)` };
  return read;
}
