/**
 * Types and custom messages shared by the extension client and the language server. Both sides
 * compile this one file; there is no second copy. No import of `vscode` or LSP libraries here:
 * messages are plain method names plus parameter and result shapes.
 */

export type SeverityName = 'error' | 'warning' | 'info';

export type ThreatId = 'adversarial-input' | 'data-poisoning' | 'model-extraction' | 'model-tampering' | 'secrets-exposure';

/** Zero-based, UTF-16, like LSP. */
export interface WireRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** One open (unsuppressed) finding somewhere in the workspace. */
export interface FindingSummary {
  uri: string;
  range: WireRange;
  /** For notebooks: index of the cell. */
  cell?: number;
  code: string;
  name: string;
  severity: SeverityName;
  message: string;
  threats: ThreatId[];
  /** The engine's stable identity of the finding (what a review records). */
  fingerprint?: string;
}

export interface SeverityCounts {
  error: number;
  warning: number;
  info: number;
}

/** `mlsec/scanWorkspace`: analyse every file of the workspace (progress via `$/progress`). */
export namespace ScanWorkspaceRequest {
  export const method = 'mlsec/scanWorkspace';
  export interface Params {
    /** When set, the server reports progress with this token (`window/workDoneProgress/create` otherwise). */
    workDoneToken?: string | number;
  }
  export interface Result {
    files: number;
    findings: FindingSummary[];
    counts: SeverityCounts;
    /** Files that could not be analysed, with the reason. */
    problems: Array<{ uri: string; message: string; line?: number }>;
    durationMs: number;
  }
}

/** One piece of evidence for a checklist item: a file and what was seen in it. */
export interface EvidenceSignal {
  /** Workspace-relative path (forward slashes). */
  file: string;
  uri: string;
  /** e.g. `imports torchattacks`, `DVC pipeline`, `SARIF upload step`. */
  detail: string;
  /** Zero-based line, when the signal is at one place in a text file (not set for notebooks). */
  line?: number;
  /** Only a hint on its own (a declared but unused package, the presence of serving code). */
  weak?: boolean;
}

export type EvidenceStatus = 'evidence' | 'partial' | 'none' | 'at-risk';

export interface ChecklistItemEvidence {
  /** Item id from the checklist catalogue (see checklist.ts). */
  id: string;
  status: EvidenceStatus;
  /** One-line explanation of the status. */
  summary: string;
  signals: EvidenceSignal[];
  /** Open findings that count against the item. */
  findings: FindingSummary[];
}

/** `mlsec/checklistEvidence`: evidence for every checklist item, from the latest workspace scan. */
export namespace ChecklistEvidenceRequest {
  export const method = 'mlsec/checklistEvidence';
  export interface Params {
    /** Re-scan the workspace first (otherwise the last scan is reused when there is one). */
    rescan?: boolean;
  }
  export interface Result {
    items: ChecklistItemEvidence[];
    /** Open findings by threat. */
    threats: Array<{ id: ThreatId; findings: FindingSummary[] }>;
    counts: SeverityCounts;
    scannedFiles: number;
    /** ISO time of the scan the evidence comes from. */
    scannedAt: string;
    /** What repository configuration takes out of the results (absent from older servers). */
    coverage?: CoverageNarrowing;
  }
}

/** Repository configuration that narrows what is reported (shown to reviewers, never silent). */
export interface CoverageNarrowing {
  /** Project files (pyproject.toml, .mlsec.toml) with settings that narrow, in their words. */
  configs: Array<{ file: string; uri: string; narrowing: string[] }>;
  /** Findings hidden by suppression comments in the code, and the files with most of them. */
  suppressed: { findings: number; fileCount: number; files: Array<{ file: string; uri: string; count: number }> };
  /** The project files above are not applied (untrusted workspace, by the user's setting). */
  repositoryConfigIgnored: boolean;
  workspaceTrusted: boolean;
}

/** `mlsec/findingsChanged` (server → client): totals after any change, for the status bar. */
export namespace FindingsChangedNotification {
  export const method = 'mlsec/findingsChanged';
  export interface Params {
    counts: SeverityCounts;
    byThreat: Partial<Record<ThreatId, number>>;
  }
}

/** `mlsec/ruleDocumentation`: the markdown documentation of a rule (for the docs command). */
export namespace RuleDocumentationRequest {
  export const method = 'mlsec/ruleDocumentation';
  export interface Params {
    code: string;
  }
  export interface Result {
    code: string;
    name: string;
    markdown: string;
  }
}

/**
 * `initializationOptions` the client may send in `initialize`. All optional: the server works
 * without them (rule documentation links then point at the `docs/rules` folder next to the server
 * bundle, i.e. inside the installed extension).
 */
export interface InitializationOptions {
  /**
   * URI of the folder holding the rule pages (`MLS102.md`, ...), e.g. the extension's `docs/rules`
   * folder. Diagnostics link each rule code there (`codeDescription.href`), which works offline.
   */
  extensionDocsUri?: string;
  /**
   * A client command that shows a rule's documentation, called with the rule code as its only
   * argument. When set, diagnostics and hovers link rules with `command:` URIs to it (so a
   * client can render the page read-only) and each finding gets a "Show documentation for
   * MLS###" code action.
   */
  ruleDocsCommand?: string;
  /** False in VS Code's Restricted Mode. Default true. */
  workspaceTrusted?: boolean;
  /** Analyse with defaults, reading no project file (pyproject.toml, .mlsec.toml). Default false. */
  ignoreRepositoryConfig?: boolean;
}

/** `data` attached to every mlsec diagnostic (code actions and the client may read it). */
export interface DiagnosticData {
  /** Rule name, e.g. `torch-load-unsafe`. */
  name: string;
  /** e.g. `['CWE-502']`. */
  cwe: string[];
  threats: ThreatId[];
  /** Stable identity of the finding across unrelated edits (the engine's fingerprint). */
  fingerprint: string;
  /** Number of fixes the rule offers, and how many of them are safe. */
  fixes: number;
  safeFixes: number;
}

/** Editor settings (`mlsec.*` in package.json `contributes.configuration`). */
export interface MlsecSettings {
  enable: boolean;
  run: 'onType' | 'onSave';
  debounceMs: number;
  select: string[];
  ignore: string[];
  severity: Record<string, SeverityName>;
  exclude: string[];
  maxFileSize: number;
  /** Extra OSV advisory data (folders of .json files or osv.dev .zip files) added to the bundled set. */
  advisories: string[];
  /** Findings recorded in the project's baseline: shown as hints, hidden, or shown as any other. */
  baselineFindings: 'hint' | 'hide' | 'show';
  trace: { server: 'off' | 'messages' | 'verbose' };
  /** How much the server logs in the output channel (separate from the LSP message trace). */
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Offer the "Ignore … (with a reason)" quick actions. */
  suppressionActions: boolean;
}

export const DEFAULT_SETTINGS: MlsecSettings = {
  enable: true,
  run: 'onType',
  debounceMs: 150,
  select: [],
  ignore: [],
  severity: {},
  exclude: [],
  maxFileSize: 2 * 1024 * 1024,
  advisories: [],
  baselineFindings: 'hint',
  trace: { server: 'off' },
  logLevel: 'info',
  suppressionActions: true,
};

/** Command ids, registered once in the client and declared in package.json. */
export const Commands = {
  scanWorkspace: 'mlsec.scanWorkspace',
  showChecklist: 'mlsec.showChecklist',
  exportReport: 'mlsec.exportChecklistReport',
  markReviewed: 'mlsec.markReviewed',
  markNotApplicable: 'mlsec.markNotApplicable',
  resetReview: 'mlsec.resetReview',
  openRuleDocs: 'mlsec.openRuleDocumentation',
  showOutput: 'mlsec.showOutput',
  restart: 'mlsec.restart',
  refreshChecklist: 'mlsec.refreshChecklist',
  /** Records the workspace's model files in mlsec.lock (see common/src/modelFiles.ts). */
  updateModelLock: 'mlsec.updateModelLock',
  filterChecklist: 'mlsec.filterChecklist',
  /** Client-internal (not in the palette): opens a finding or evidence location from the checklist. */
  openLocation: 'mlsec.openLocation',
  /** Server-side command (workspace/executeCommand) applying all safe fixes in a document. */
  applySafeFixes: 'mlsec.applySafeFixes',
} as const;
