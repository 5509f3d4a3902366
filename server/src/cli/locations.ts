/**
 * Where a finding is in the file a CI system shows: for a Python file its own range; for a
 * notebook, the line and columns of the `.ipynb` text where the cell's code is written (the JSON
 * string holding that line), because code scanning, annotations and Code Quality widgets show
 * the notebook file as text. The cell index and the cell-relative position stay available for
 * `properties` / `logicalLocations`.
 *
 * Notebooks are read again here (the scan keeps no text); a notebook that cannot be read or
 * mapped any more gets no region (`undefined`), never a wrong one.
 */
import * as fs from 'node:fs';
import { sourceKindOf } from '../engine/io/sourceFiles';
import type { Range } from '../engine/text';
import { NotebookJsonMap } from './notebookSource';

/** One-based, as SARIF, GitHub and GitLab count. */
export interface FileRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export class FileLocations {
  private readonly maps = new Map<string, NotebookJsonMap | undefined>();

  /** The region of a range (cell-relative when `cell` is given) in `file` as stored on disk. */
  region(file: string, range: Range, cell?: number): FileRegion | undefined {
    if (cell === undefined || sourceKindOf(file) !== 'notebook') return toRegion(range);
    const map = this.mapOf(file);
    const mapped = map?.toJsonRange(cell, range.start, range.end);
    return mapped ? toRegion(mapped) : undefined;
  }

  private mapOf(file: string): NotebookJsonMap | undefined {
    if (this.maps.has(file)) return this.maps.get(file);
    let map: NotebookJsonMap | undefined;
    try {
      map = NotebookJsonMap.of(fs.readFileSync(file, 'utf8').replace(/^\ufeff/, ''));
    } catch {
      map = undefined;
    }
    this.maps.set(file, map);
    return map;
  }
}

function toRegion(range: Range): FileRegion {
  return {
    startLine: range.start.line + 1,
    startColumn: range.start.character + 1,
    endLine: range.end.line + 1,
    endColumn: range.end.character + 1,
  };
}
