/**
 * Whether a scan looked at everything it was asked to (issue 13): files that were not analysed
 * (unreadable, not decodable, over a size or parser limit, a broken notebook), paths that do not
 * exist, and internal errors. Every output format states these, and the exit code follows them:
 *
 * - an internal error (mlsec failed on a file) makes the exit code 2, whatever `--fail-on` says;
 * - a file not analysed, or a path not found, fails the scan like an open finding does (exit 1),
 *   unless `--fail-on never`: a security gate must not pass on code it did not read. This is
 *   what Ruff does with the files it cannot read (E902, a failing diagnostic); Bandit lists
 *   skipped files but passes, which is the silent pass this avoids. Exclude such files
 *   (`exclude`, `.gitignore`) or raise `max-file-size` to make the scan complete.
 */
import type { FileReport } from '../engine/pipeline/fileAnalysis';
import { wasAnalysed } from '../engine/pipeline/fileAnalysis';
import type { ScanOutcome } from './scanner';

export interface Completeness {
  /** Files whose findings are complete. */
  analysed: number;
  /** Files that were not analysed, with why (never an internal error). */
  notAnalysed: Array<{ file: string; message: string; line?: number }>;
  /** Failures of mlsec itself, by file. */
  internalErrors: Array<{ file: string; message: string }>;
  /** Paths given that do not exist. */
  missing: string[];
}

export function completenessOf(outcome: ScanOutcome): Completeness {
  const result: Completeness = { analysed: 0, notAnalysed: [], internalErrors: [], missing: [...outcome.missing] };
  for (const report of outcome.files) {
    for (const problem of report.problems)
      if (problem.internal) result.internalErrors.push({ file: report.file, message: problem.message });
    if (wasAnalysed(report)) result.analysed++;
    else if (!report.problems.some((p) => p.internal)) result.notAnalysed.push(...notAnalysedEntries(report));
  }
  return result;
}

function notAnalysedEntries(report: FileReport): Completeness['notAnalysed'] {
  if (report.problems.length === 0) return [{ file: report.file, message: 'not analysed' }];
  return report.problems.map((p) => ({ file: report.file, message: p.message, line: p.line }));
}

/** True when every file was analysed, every path existed and nothing failed. */
export function isComplete(c: Completeness): boolean {
  return c.notAnalysed.length === 0 && c.internalErrors.length === 0 && c.missing.length === 0;
}
