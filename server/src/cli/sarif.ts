/**
 * SARIF 2.1.0 output, as GitHub code scanning and other SARIF viewers read it. Suppressed
 * findings are kept with `suppressions[]` and their justification, so reviews of accepted risks
 * stay visible in the security dashboard.
 */
import * as path from 'node:path';
import type { Finding } from '../engine/findings';
import type { Rule, Severity } from '../engine/rule';
import { cweLabel, ruleSummaryMarkdown } from '../engine/results/ruleMarkdown';
import { wasAnalysed } from '../engine/pipeline/fileAnalysis';
import { completenessOf, isComplete } from './completeness';
import type { FileRegion } from './locations';
import { FileLocations } from './locations';
import type { ScanOutcome } from './scanner';

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** GitHub's `security-severity` (0–10) from our severity. */
const SECURITY_SEVERITY: Record<Severity, string> = { error: '8.0', warning: '5.5', info: '3.0' };

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * The run is `executionSuccessful` only when every file was analysed, every path existed and
 * nothing failed; each exception is a `toolExecutionNotifications` entry naming the file (level
 * `error` for a failure or a file not analysed, `warning` for configuration problems).
 */
export function toSarif(outcome: ScanOutcome, rules: readonly Rule[], version: string, baseDir: string, exitCode?: number): object {
  const ruleIndex = new Map(rules.map((rule, index) => [rule.code, index]));
  const base = fileUri(baseDir.endsWith(path.sep) ? baseDir : baseDir + path.sep);
  const relative = (file: string) => path.relative(baseDir, file).split(path.sep).join('/');
  const uriOf = (file: string) => artifactUri(baseDir, file);
  // Notebook regions point at the .ipynb text where the cell's code is written (locations.ts).
  const locations = new FileLocations();
  const results = outcome.files.flatMap((report) =>
    report.findings.map((finding) =>
      toResult(finding, uriOf(report.file), ruleIndex.get(finding.code) ?? -1, (range, cell) => locations.region(report.file, range, cell)),
    ),
  );
  const complete = completenessOf(outcome);
  const notifications = [
    ...outcome.files.flatMap((report) =>
      report.problems.map((problem) => {
        // An internal error, a file not analysed, or a note on a file that was analysed.
        const kind = problem.internal ? 'internal-error' : wasAnalysed(report) ? undefined : 'not-analysed';
        const prefix = kind === 'not-analysed' && !problem.message.startsWith('not analysed') ? 'not analysed: ' : '';
        return {
          level: kind ? 'error' : 'note',
          message: { text: `${relative(report.file)}: ${prefix}${problem.message}` },
          locations: [location(uriOf(report.file), problem.line)],
          ...(kind ? { descriptor: { id: kind } } : {}),
        };
      }),
    ),
    ...outcome.missing.map((file) => ({
      level: 'error',
      message: { text: `${relative(path.resolve(baseDir, file))}: not analysed: no such file or folder` },
      locations: [location(uriOf(path.resolve(baseDir, file)))],
      descriptor: { id: 'not-analysed' },
    })),
    ...outcome.configProblems.map((problem) => ({
      level: problem.fatal ? 'error' : 'warning',
      message: { text: `${relative(problem.file)}: ${problem.message}` },
      locations: [location(uriOf(problem.file), problem.line)],
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
        invocations: [
          {
            executionSuccessful: isComplete(complete) && !outcome.configProblems.some((p) => p.fatal),
            ...(exitCode !== undefined ? { exitCode } : {}),
            toolExecutionNotifications: notifications,
            // What the scan left out, by mechanism (engine/skipReport.ts).
            ...(outcome.skips ? { properties: { skipped: outcome.skips.toJson() } } : {}),
          },
        ],
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}

/**
 * Where a file is, as SARIF wants it (§3.4.3): a relative reference to SRCROOT when the file is
 * inside the base folder, an absolute `file:` URI otherwise. Each path segment is percent-encoded
 * (RFC 3986), so spaces, `%`, `#`, `?`, newlines and non-ASCII names stay one unambiguous path.
 */
export interface ArtifactUri {
  uri: string;
  uriBaseId?: 'SRCROOT';
}

export function artifactUri(baseDir: string, file: string): ArtifactUri {
  const relative = path.relative(baseDir, file);
  if (relative && !relative.startsWith('..') && !path.isAbsolute(relative))
    return { uri: encodeSegments(relative.split(path.sep)), uriBaseId: 'SRCROOT' };
  return { uri: fileUri(path.resolve(baseDir, file)) };
}

/** A `file:` URI of an absolute path, every segment percent-encoded (a trailing separator kept). */
export function fileUri(absolute: string): string {
  const segments = absolute.split(path.sep);
  // Windows: `C:` stays as it is (`file:///C:/...`); POSIX paths start with an empty segment.
  const drive = /^[A-Za-z]:$/.test(segments[0]) ? segments.shift()! + '/' : '';
  if (segments[0] === '') segments.shift();
  return `file:///${drive}${encodeSegments(segments)}`;
}

function encodeSegments(segments: string[]): string {
  // encodeURIComponent leaves only unreserved characters and !*'() (all valid in a path); it
  // throws on a lone surrogate, which a file name from a hostile tree may hold: written as U+FFFD.
  return segments
    .map((segment) =>
      encodeURIComponent(segment.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')),
    )
    .join('/');
}

function location(uri: ArtifactUri, line?: number): object {
  return {
    physicalLocation: {
      artifactLocation: uri,
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

function toResult(
  finding: Finding,
  uri: ArtifactUri,
  ruleIndex: number,
  regionOf: (range: Finding['range'], cell?: number) => FileRegion | undefined,
): object {
  // Model files (MLS6xx) are binary: their findings point at a byte, not a line.
  const binary = finding.byteOffset !== undefined || finding.code.startsWith('MLS6');
  const region = binary
    ? finding.byteOffset !== undefined
      ? { byteOffset: finding.byteOffset, byteLength: 1 }
      : undefined
    : regionOf(finding.range, finding.cell);
  const inCell =
    finding.cell !== undefined
      ? {
          notebookCell: finding.cell,
          cellRegion: {
            startLine: finding.range.start.line + 1,
            startColumn: finding.range.start.character + 1,
            endLine: finding.range.end.line + 1,
            endColumn: finding.range.end.character + 1,
          },
        }
      : {};
  return {
    ruleId: finding.code,
    ruleIndex,
    level: SARIF_LEVEL[finding.severity],
    message: { text: finding.cell !== undefined ? `${finding.message} (notebook cell ${finding.cell + 1})` : finding.message },
    locations: [
      {
        physicalLocation: { artifactLocation: uri, ...(region ? { region } : {}) },
        ...(finding.cell !== undefined
          ? {
              logicalLocations: [
                {
                  name: `cell ${finding.cell + 1}`,
                  fullyQualifiedName: `cell ${finding.cell + 1}:${finding.range.start.line + 1}:${finding.range.start.character + 1}`,
                  kind: 'notebookCell',
                },
              ],
            }
          : {}),
      },
    ],
    relatedLocations: finding.related.map((related, id) => {
      const at = binary ? undefined : regionOf(related.range, related.cell ?? finding.cell);
      return {
        id,
        message: { text: related.message },
        physicalLocation: {
          artifactLocation: uri,
          ...(at ? { region: { startLine: at.startLine, startColumn: at.startColumn } } : {}),
        },
      };
    }),
    partialFingerprints: { 'mlsecFindingHash/v1': finding.fingerprint },
    properties: {
      cwe: finding.cwe.map((id) => `CWE-${id}`),
      ...inCell,
      ...(finding.member !== undefined ? { archiveMember: finding.member } : {}),
      // In test code (engine/testCode.ts): why, the level before the policy, and the mode applied.
      ...(finding.testCode
        ? {
            testCode: true,
            testCodeReason: finding.testCode.reason,
            testCodeMode: finding.testCode.mode,
            ruleLevel: SARIF_LEVEL[finding.testCode.severity],
          }
        : {}),
    },
    ...(finding.suppression
      ? {
          suppressions: [{ kind: 'inSource', status: 'accepted', justification: finding.suppression.justification || '(no reason given)' }],
        }
      : {}),
  };
}
