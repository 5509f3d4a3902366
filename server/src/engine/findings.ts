/** The result of analysis, in the shape every front end (CLI, SARIF, language server) consumes. */
import type { Fix, Severity, Threat } from './rule';
import type { TestMode } from './results/testCode';
import type { Range, Span } from './text';

export interface RelatedInformation {
  range: Range;
  span: Span;
  message: string;
  /** For notebooks: the cell the location is in. */
  cell?: number;
}

export interface Suppression {
  kind: 'line' | 'file';
  /** The reason written after the suppression comment (may be empty). */
  justification: string;
  /** Line of the suppression comment. */
  line: number;
}

export interface Finding {
  code: string;
  name: string;
  severity: Severity;
  message: string;
  range: Range;
  span: Span;
  fixes: Fix[];
  related: RelatedInformation[];
  cwe: number[];
  threats: Threat[];
  /** Stable across unrelated edits: rule, enclosing definition, flagged text and occurrence. */
  fingerprint: string;
  /** Present when a suppression comment covers the finding; such findings are kept for SARIF. */
  suppression?: Suppression;
  /** For notebooks: index of the code cell (among all cells) the finding is in. */
  cell?: number;
  /** For model files (MLS6xx): byte offset in the file, and the zip/tar member the finding is in. */
  byteOffset?: number;
  member?: string;
  /** Recorded in the project's baseline (the editor shows such findings as hints). */
  baseline?: boolean;
  /** In test code (testCode.ts): why, the severity before the policy, and the mode applied. */
  testCode?: { reason: string; severity: Severity; mode: TestMode };
}

/** A problem with the input itself rather than with its code (unreadable, binary, broken JSON…). */
export interface InputProblem {
  message: string;
  /** Zero-based line when known. */
  line?: number;
  /**
   * A failure of mlsec itself rather than a problem of the input: the CLI exits with 2 and SARIF
   * marks the run as not successful.
   */
  internal?: boolean;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.cell ?? 0) - (b.cell ?? 0) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character ||
    a.code.localeCompare(b.code)
  );
}
