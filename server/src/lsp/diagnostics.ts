/** Findings as LSP diagnostics, and the totals the status bar shows. */
import type { Diagnostic, DiagnosticRelatedInformation } from 'vscode-languageserver/node';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import type { DiagnosticData, FindingSummary, SeverityCounts, ThreatId } from '../../../common/src/protocol';
import type { Finding } from '../engine/findings';
import type { Severity } from '../engine/rule';
import type { RuleLinks } from './rulePages';

export const DIAGNOSTIC_SOURCE = 'mlsec';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function toDiagnostic(finding: Finding, uriOfCell: (cell: number | undefined) => string, links: RuleLinks): Diagnostic {
  const related: DiagnosticRelatedInformation[] = finding.related.map((r) => ({
    location: { uri: uriOfCell(r.cell ?? finding.cell), range: r.range },
    message: r.message,
  }));
  const data: DiagnosticData = {
    name: finding.name,
    cwe: finding.cwe.map((id) => `CWE-${id}`),
    threats: finding.threats,
    fingerprint: finding.fingerprint,
    fixes: finding.fixes.length,
    safeFixes: finding.fixes.filter((f) => f.safe).length,
  };
  return {
    range: finding.range,
    severity: finding.baseline ? DiagnosticSeverity.Hint : SEVERITY[finding.severity],
    code: finding.code,
    codeDescription: { href: links.href(finding.code) },
    source: DIAGNOSTIC_SOURCE,
    message: finding.baseline ? `${finding.message} (in the baseline)` : finding.message,
    relatedInformation: related.length > 0 ? related : undefined,
    data,
  };
}

/** The code of the diagnostic saying that a document was not analysed (and why). */
export const NOT_ANALYSED_CODE = 'not-analysed';

/**
 * A document that could not be analysed shows it, on its first line: an empty list of diagnostics
 * would read as "no findings" (issue 13). An internal error is an error; a limit is information.
 */
export function notAnalysedDiagnostic(reason: string, internal: boolean): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: internal ? DiagnosticSeverity.Error : DiagnosticSeverity.Information,
    code: NOT_ANALYSED_CODE,
    source: DIAGNOSTIC_SOURCE,
    message: `mlsec did not analyse this file: ${reason}`,
  };
}

export function isOpen(finding: Finding): boolean {
  return !finding.suppression;
}

export function summarize(uri: string, finding: Finding): FindingSummary {
  return {
    uri,
    range: finding.range,
    cell: finding.cell,
    code: finding.code,
    name: finding.name,
    severity: finding.severity,
    message: finding.message,
    threats: finding.threats as ThreatId[],
    fingerprint: finding.fingerprint,
  };
}

export function emptyCounts(): SeverityCounts {
  return { error: 0, warning: 0, info: 0 };
}

export function totals(findings: Iterable<FindingSummary>): { counts: SeverityCounts; byThreat: Partial<Record<ThreatId, number>> } {
  const counts = emptyCounts();
  const byThreat: Partial<Record<ThreatId, number>> = {};
  for (const finding of findings) {
    counts[finding.severity]++;
    for (const threat of finding.threats) byThreat[threat] = (byThreat[threat] ?? 0) + 1;
  }
  return { counts, byThreat };
}
