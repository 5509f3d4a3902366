/**
 * The one entry the file analysis (engine/pipeline/fileAnalysis.ts, for every surface) calls for dependencies:
 * findings for a manifest or lock file, or for a notebook's install lines; undefined for any
 * other file. Costs a file-name test for files that are neither.
 */
import * as path from 'node:path';
import type { Finding, InputProblem } from '../engine/findings';
import { NotebookError, readNotebookCells } from '../engine/io/notebook';
import type { NotebookCell } from '../engine/io/notebook';
import type { RuleSelection } from '../engine/config/selection';
import { LineIndex } from '../engine/text';
import { analyzeManifestText, findingsFor, readFromDisk } from './analyze';
import { loadAdvisories } from './bundled';
import type { AdvisoryDatabase } from './osv';
import { manifestKindOf } from './manifests';
import { readNotebookInstalls } from './notebookInstalls';
import type { ReadText } from './requirementsTxt';
import type { SkippedLine } from './model';

export interface DependencyOptions {
  /** Extra OSV data (folders, .json, OSV .zip) on top of the bundled advisories. */
  advisories?: readonly string[];
  /** How included files and neighbouring locks are read (default: from disk, bounded). */
  readText?: ReadText;
}

const DEPENDENCY_CODES = ['MLS701', 'MLS702'];

export function dependencyFindings(
  file: string,
  text: string,
  selection: RuleSelection,
  options: DependencyOptions,
  as?: 'notebook',
): { findings: Finding[]; problems: InputProblem[]; skipped?: SkippedLine[] } | undefined {
  if (as === 'notebook') {
    if (!DEPENDENCY_CODES.some((c) => selection.enabled.has(c)) || !/pip/.test(text)) return undefined;
    let cells: NotebookCell[];
    try {
      cells = readNotebookCells(text);
    } catch (error) {
      if (error instanceof NotebookError) return undefined; // reported by the notebook analysis
      throw error;
    }
    return { findings: notebookInstallFindings(cells, selection, options), problems: [] };
  }
  if (manifestKindOf(file) === undefined) return undefined;
  if (!DEPENDENCY_CODES.some((c) => selection.enabled.has(c))) return { findings: [], problems: [] };
  const db = loadAdvisories(options.advisories);
  const result = analyzeManifestText(path.resolve(file), text, { db, selection, readText: options.readText ?? readFromDisk });
  // Problems loading the advisories are reported once by the front end (`mlsec advisories`, the
  // scan's start, the server log), not on every manifest.
  return { findings: result.findings, problems: result.problems, skipped: result.skipped };
}

/**
 * Findings for the `!pip install` / `%pip install` lines of notebook cells, with cell-relative
 * ranges like every notebook finding (the CLI, the server's live notebooks and workspace scan).
 */
export function notebookInstallFindings(cells: readonly NotebookCell[], selection: RuleSelection, options: DependencyOptions): Finding[] {
  if (!DEPENDENCY_CODES.some((c) => selection.enabled.has(c)) || !cells.some((c) => INSTALL_HINT.test(c.text))) return [];
  // Only cells that can hold an install line (`!` or `%`, then `pip`) are read: the editor asks after every keystroke.
  const installing = cells.filter((c) => c.text.includes('pip') && (c.text.includes('!') || c.text.includes('%')));
  const db = loadAdvisories(options.advisories);
  // The findings depend on those cells, the advisories and the selection alone (a notebook's
  // requirements read no file): a keystroke in another cell gets the last ones (copies).
  const key = installing.map((c) => `${c.index}\u0000${c.text}`).join('\u0001');
  if (lastInstalls && lastInstalls.key === key && lastInstalls.db === db && lastInstalls.selection === selection)
    return structuredClone(lastInstalls.findings);
  const report = readNotebookInstalls(installing);
  const indexes = new Map(installing.map((c) => [c.index, new LineIndex(c.text)]));
  const findings =
    report.requirements.length === 0
      ? []
      : findingsFor(
          report,
          new Map(),
          { db, selection, readText: options.readText ?? readFromDisk },
          (span, r) => indexes.get(r.cell ?? -1)!.rangeOf(span),
          false,
        );
  lastInstalls = { key, db, selection, findings: structuredClone(findings) };
  return findings;
}

/** The last notebook install findings computed (notebookInstallFindings), with what they were computed from. */
let lastInstalls: { key: string; db: AdvisoryDatabase; selection: RuleSelection; findings: Finding[] } | undefined;

/** Cheap test before reading install lines: a `!` or `%` line mentioning pip. */
const INSTALL_HINT = /^[ \t]*[!%].*\bpip/m;
