/**
 * `mlsec scan --statistics`: how many open findings each rule has, in Ruff's layout (count,
 * code, `[*]` when a safe fix is available, name), most frequent first; or the same as JSON.
 */
import type { ScanOutcome } from './scanner';

export interface RuleStatistic {
  code: string;
  name: string;
  count: number;
  /** Findings with a safe fix (`--fix` applies them). */
  fixable: number;
  /** Findings in test code (engine/testCode.ts), included in `count`. */
  inTestCode: number;
}

export function statistics(outcome: Pick<ScanOutcome, 'files'>): RuleStatistic[] {
  const byCode = new Map<string, RuleStatistic>();
  for (const report of outcome.files) {
    for (const finding of report.findings) {
      if (finding.suppression) continue;
      let entry = byCode.get(finding.code);
      if (!entry) byCode.set(finding.code, (entry = { code: finding.code, name: finding.name, count: 0, fixable: 0, inTestCode: 0 }));
      entry.count++;
      if (finding.testCode) entry.inTestCode++;
      if (finding.fixes.some((fix) => fix.safe && fix.edits.length > 0)) entry.fixable++;
    }
  }
  return [...byCode.values()].sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

export function formatStatistics(rows: readonly RuleStatistic[]): string {
  if (rows.length === 0) return '';
  const countWidth = Math.max(...rows.map((r) => String(r.count).length));
  const codeWidth = Math.max(...rows.map((r) => r.code.length));
  const anyFixable = rows.some((r) => r.fixable > 0);
  return rows
    .map(
      (r) =>
        `${String(r.count).padStart(countWidth)}\t${r.code.padEnd(codeWidth)}\t${anyFixable ? (r.fixable > 0 ? '[*] ' : '[ ] ') : ''}${r.name}${r.inTestCode > 0 ? ` (${r.inTestCode} in test code)` : ''}\n`,
    )
    .join('');
}
