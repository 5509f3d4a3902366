/**
 * SARIF 2.1.0 output, as GitHub code scanning and other SARIF viewers read it. Suppressed
 * findings are kept with `suppressions[]` and their justification, so reviews of accepted risks
 * stay visible in the security dashboard.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding } from '../engine/findings';
import type { Rule, Severity } from '../engine/rule';
import { cweLabel, ruleSummaryMarkdown } from '../engine/ruleDocs';
import type { FileRegion } from './locations';
import { FileLocations } from './locations';
import type { ScanOutcome } from './scanner';

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** GitHub's `security-severity` (0–10) from our severity. */
const SECURITY_SEVERITY: Record<Severity, string> = { error: '8.0', warning: '5.5', info: '3.0' };

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export function toSarif(outcome: ScanOutcome, rules: readonly Rule[], version: string, baseDir: string): object {
  const ruleIndex = new Map(rules.map((rule, index) => [rule.code, index]));
  const base = pathToFileURL(baseDir.endsWith(path.sep) ? baseDir : baseDir + path.sep).href;
  const relative = (file: string) => path.relative(baseDir, file).split(path.sep).join('/');
  // Notebook regions point at the .ipynb text where the cell's code is written (locations.ts).
  const locations = new FileLocations();
  const results = outcome.files.flatMap((report) =>
    report.findings.map((finding) =>
      toResult(finding, relative(report.file), ruleIndex.get(finding.code) ?? -1, (range, cell) => locations.region(report.file, range, cell)),
    ),
  );
  const notifications = [
    ...outcome.files.flatMap((report) =>
      report.problems.map((problem) => ({
        level: 'warning',
        message: { text: `${relative(report.file)}: ${problem.message}` },
        locations: [location(relative(report.file), problem.line)],
      })),
    ),
    ...outcome.configProblems.map((problem) => ({
      level: 'warning',
      message: { text: `${relative(problem.file)}: ${problem.message}` },
      locations: [location(relative(problem.file), problem.line)],
    })),
  ];
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mlsec',
            semanticVersion: version,
            version,
            informationUri: 'https://github.com/mlsec/mlsec',
            rules: rules.map(toRuleDescriptor),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: base } },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}

function location(uri: string, line?: number): object {
  return {
    physicalLocation: {
      artifactLocation: { uri, uriBaseId: 'SRCROOT' },
      ...(line !== undefined ? { region: { startLine: line + 1 } } : {}),
    },
  };
}

function toRuleDescriptor(rule: Rule): object {
  return {
    id: rule.code,
    name: rule.name,
    shortDescription: { text: rule.title.replace(/`/g, '') },
    fullDescription: { text: rule.rationale.replace(/`/g, '') },
    help: { text: `${rule.rationale}\n\nFix: ${rule.remediation}`.replace(/`/g, ''), markdown: ruleSummaryMarkdown(rule) },
    helpUri: rule.references?.[0]?.url,
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: {
      tags: ['security', ...cweLabel(rule).split(', ').filter(Boolean), ...rule.threats],
      'security-severity': SECURITY_SEVERITY[rule.severity],
      precision: 'high',
      ...(rule.owasp ? { owasp: rule.owasp } : {}),
      ...(rule.atlas ? { 'mitre-atlas': rule.atlas } : {}),
    },
  };
}

function toResult(finding: Finding, uri: string, ruleIndex: number, regionOf: (range: Finding['range'], cell?: number) => FileRegion | undefined): object {
  const region = regionOf(finding.range, finding.cell);
  const inCell =
    finding.cell !== undefined
      ? { notebookCell: finding.cell, cellRegion: { startLine: finding.range.start.line + 1, startColumn: finding.range.start.character + 1, endLine: finding.range.end.line + 1, endColumn: finding.range.end.character + 1 } }
      : {};
  return {
    ruleId: finding.code,
    ruleIndex,
    level: SARIF_LEVEL[finding.severity],
    message: { text: finding.cell !== undefined ? `${finding.message} (notebook cell ${finding.cell + 1})` : finding.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri, uriBaseId: 'SRCROOT' }, ...(region ? { region } : {}) },
        ...(finding.cell !== undefined
          ? { logicalLocations: [{ name: `cell ${finding.cell + 1}`, fullyQualifiedName: `cell ${finding.cell + 1}:${finding.range.start.line + 1}:${finding.range.start.character + 1}`, kind: 'notebookCell' }] }
          : {}),
      },
    ],
    relatedLocations: finding.related.map((related, id) => {
      const at = regionOf(related.range, related.cell ?? finding.cell);
      return {
        id,
        message: { text: related.message },
        physicalLocation: {
          artifactLocation: { uri, uriBaseId: 'SRCROOT' },
          ...(at ? { region: { startLine: at.startLine, startColumn: at.startColumn } } : {}),
        },
      };
    }),
    partialFingerprints: { 'mlsecFindingHash/v1': finding.fingerprint },
    properties: { cwe: finding.cwe.map((id) => `CWE-${id}`), ...inCell },
    ...(finding.suppression
      ? { suppressions: [{ kind: 'inSource', status: 'accepted', justification: finding.suppression.justification || '(no reason given)' }] }
      : {}),
  };
}
