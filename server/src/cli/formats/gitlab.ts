/**
 * `--format gitlab`: a GitLab Code Quality report (`artifacts: reports: codequality`), the
 * subset of the Code Climate issue format GitLab reads: description, check_name, fingerprint,
 * severity (info, minor, major, critical, blocker) and location.path / location.lines.begin.
 * GitLab keeps one issue per fingerprint, so the path is hashed in with the finding's own
 * fingerprint (which is the same for identical code in two files).
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Severity } from '../../engine/rule';
import { FileLocations } from '../locations';
import type { ScanOutcome } from '../scanner';

const SEVERITY: Record<Severity, string> = { error: 'critical', warning: 'major', info: 'minor' };

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: string;
  location: { path: string; lines: { begin: number } };
}

export function toGitlab(outcome: Pick<ScanOutcome, 'files'>, baseDir: string, locations = new FileLocations()): CodeQualityIssue[] {
  const issues: CodeQualityIssue[] = [];
  for (const report of outcome.files) {
    const file = path.relative(baseDir, report.file).split(path.sep).join('/');
    for (const finding of report.findings) {
      if (finding.suppression) continue;
      const region = locations.region(report.file, finding.range, finding.cell);
      const where = finding.cell !== undefined ? ` (notebook cell ${finding.cell + 1}, line ${finding.range.start.line + 1})` : '';
      issues.push({
        description: `${finding.code} ${finding.message}${where}`,
        check_name: `mlsec/${finding.code}-${finding.name}`,
        fingerprint: createHash('sha256').update(`${file}\u0000${finding.code}\u0000${finding.fingerprint}`).digest('hex').slice(0, 32),
        severity: SEVERITY[finding.severity],
        location: { path: file, lines: { begin: region?.startLine ?? 1 } },
      });
    }
  }
  return issues;
}
