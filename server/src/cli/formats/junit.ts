/**
 * `--format junit`: JUnit XML for CI test dashboards (GitLab `reports: junit`, Jenkins, Azure
 * Pipelines). One test suite per scanned file; each open finding is a failed test case, each
 * suppressed one a skipped case with its justification, and a file without findings one passing
 * case, so dashboards count clean files too. Text goes through `escapeXml`, and characters XML
 * 1.0 cannot hold at all are replaced.
 */
import * as path from 'node:path';
import { FileLocations } from '../locations';
import type { ScanOutcome } from '../scanner';

/** Escapes text for XML content and attribute values (quotes included). */
export function escapeXml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- control characters are what this pattern is about
      .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '\ufffd')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      .replace(/\r/g, '&#13;')
      .replace(/\n/g, '&#10;')
      .replace(/\t/g, '&#9;')
  );
}

/** Escapes element content: line breaks stay readable there. */
function escapeContent(text: string): string {
  return escapeXml(text).replace(/&#10;/g, '\n').replace(/&#9;/g, '\t');
}

export function formatJunit(outcome: Pick<ScanOutcome, 'files' | 'durationMs'>, baseDir: string, locations = new FileLocations()): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  let errors = 0;
  const sorted = [...outcome.files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const report of sorted) {
    const file = path.relative(baseDir, report.file).split(path.sep).join('/');
    const cases: string[] = [];
    let suiteFailures = 0;
    let suiteSkipped = 0;
    for (const finding of report.findings) {
      const region = locations.region(report.file, finding.range, finding.cell);
      const at =
        finding.cell !== undefined
          ? `cell ${finding.cell + 1} line ${finding.range.start.line + 1}`
          : `line ${finding.range.start.line + 1}`;
      const position = `${finding.cell !== undefined ? `cell ${finding.cell + 1}:` : ''}${finding.range.start.line + 1}:${finding.range.start.character + 1}`;
      const name = `${finding.code} ${finding.name} (${at})`;
      const attributes = `name="${escapeXml(name)}" classname="${escapeXml(file)}" file="${escapeXml(file)}"${region ? ` line="${region.startLine}"` : ''}`;
      if (finding.suppression) {
        suiteSkipped++;
        cases.push(
          `    <testcase ${attributes}>\n      <skipped message="${escapeXml(`suppressed: ${finding.suppression.justification || 'no reason given'}`)}"/>\n    </testcase>`,
        );
        continue;
      }
      suiteFailures++;
      const body = [
        `${file}:${position}: ${finding.severity} ${finding.code} ${finding.message}`,
        finding.cwe.length > 0 ? `CWE: ${finding.cwe.map((c) => `CWE-${c}`).join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('\n');
      cases.push(
        `    <testcase ${attributes}>\n      <failure type="${escapeXml(finding.code)}" message="${escapeXml(finding.message)}">${escapeContent(body)}</failure>\n    </testcase>`,
      );
    }
    let suiteErrors = 0;
    for (const problem of report.problems) {
      suiteErrors++;
      cases.push(
        `    <testcase name="read ${escapeXml(file)}" classname="${escapeXml(file)}" file="${escapeXml(file)}">\n      <error message="${escapeXml(problem.message)}"/>\n    </testcase>`,
      );
    }
    if (cases.length === 0) cases.push(`    <testcase name="no findings" classname="${escapeXml(file)}" file="${escapeXml(file)}"/>`);
    tests += cases.length;
    failures += suiteFailures;
    skipped += suiteSkipped;
    errors += suiteErrors;
    suites.push(
      `  <testsuite name="${escapeXml(file)}" tests="${cases.length}" failures="${suiteFailures}" errors="${suiteErrors}" skipped="${suiteSkipped}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  const time = (outcome.durationMs / 1000).toFixed(3);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mlsec" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}">\n${suites.join('\n')}${suites.length > 0 ? '\n' : ''}</testsuites>\n`;
}
