/** What the manifest readers produce: requirements with their place in the file, and problems. */
import type { Span } from '../engine/text';

export type ManifestKind =
  | 'requirements'
  | 'pyproject'
  | 'setup-cfg'
  | 'pipfile'
  | 'conda-environment'
  | 'poetry-lock'
  | 'uv-lock'
  | 'pipfile-lock'
  | 'pylock'
  | 'notebook';

/** How a version constraint is written, which decides how a fix rewrites it. */
export type ConstraintStyle = 'pep440' | 'poetry';

export interface DeclaredRequirement {
  /** As written. */
  name: string;
  /** PEP 503 normalised. */
  normalized: string;
  /** The constraint in PEP 440 syntax (Poetry's `^`/`~` translated); '' admits every version. */
  specifier: string;
  /** Alternatives (Poetry `||`): each a PEP 440 specifier; absent when there is one. */
  alternatives?: string[];
  /** The exact version when the constraint pins one (`==2.5.1`, a lock entry). */
  pinned?: string;
  extras: string[];
  marker?: string;
  /** The whole requirement, for the underline. */
  span: Span;
  /** The constraint text as written, for a fix; absent when the requirement has none. */
  constraintSpan?: Span;
  /** Where a constraint would be inserted when there is none (after the name and extras). */
  insertAt?: number;
  /** The constraint as written (before translation). */
  constraintText?: string;
  style: ConstraintStyle;
  /** From a lock file (or a constraints file): what is installed, not a wish. */
  locked: boolean;
  /** `--hash` options follow the requirement: a changed version would no longer install. */
  hashed?: boolean;
  /** Notebook cell index (all cells) when the requirement is in a notebook's install line. */
  cell?: number;
}

export interface SkippedLine {
  line: number;
  reason: string;
}

export interface ManifestProblem {
  message: string;
  /** Zero-based. */
  line?: number;
  /** For problems in a file this one includes. */
  file?: string;
}

export interface ManifestReport {
  kind: ManifestKind;
  requirements: DeclaredRequirement[];
  skipped: SkippedLine[];
  problems: ManifestProblem[];
  /** Pins from the files this one includes (`-r`, `-c`), by normalised name: they govern its ranges. */
  constraints?: Map<string, string>;
}
