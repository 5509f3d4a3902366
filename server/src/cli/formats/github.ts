/**
 * `--format github`: GitHub Actions workflow commands (`::error file=…,line=…::message`), which
 * the runner turns into annotations on the pull request's diff, without code scanning.
 * Escaping follows GitHub's runner: in the message `%`, CR and LF are percent-encoded; in
 * property values `:` and `,` are too, since they delimit the properties.
 */
import * as path from 'node:path';
import type { Severity } from '../../engine/rule';
import { FileLocations } from '../locations';
import type { ScanOutcome } from '../scanner';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatGithub(outcome: Pick<ScanOutcome, 'files'>, baseDir: string, locations = new FileLocations()): string {
  const lines: string[] = [];
  for (const report of outcome.files) {
    const file = path.relative(baseDir, report.file).split(path.sep).join('/');
    for (const finding of report.findings) {
      if (finding.suppression) continue;
      const region = locations.region(report.file, finding.range, finding.cell);
      const properties: Array<[string, string]> = [['file', file]];
      if (region) {
        properties.push(['line', String(region.startLine)], ['endLine', String(region.endLine)]);
        // GitHub takes columns only for an annotation on one line.
        if (region.startLine === region.endLine)
          properties.push(['col', String(region.startColumn)], ['endColumn', String(region.endColumn)]);
      }
      properties.push(['title', `${finding.code} ${finding.name}`]);
      const where = finding.cell !== undefined ? ` (notebook cell ${finding.cell + 1}, line ${finding.range.start.line + 1})` : '';
      const props = properties.map(([key, value]) => `${key}=${escapeProperty(value)}`).join(',');
      lines.push(`::${COMMAND[finding.severity]} ${props}::${escapeData(finding.message + where)}\n`);
    }
  }
  for (const report of outcome.files) {
    for (const problem of report.problems) {
      const file = path.relative(baseDir, report.file).split(path.sep).join('/');
      const line = problem.line !== undefined ? `,line=${problem.line + 1}` : '';
      lines.push(`::warning file=${escapeProperty(file)}${line},title=mlsec skipped a file::${escapeData(problem.message)}\n`);
    }
  }
  return lines.join('');
}
