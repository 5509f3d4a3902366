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
  line?: number;
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
  }
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
  trace: { server: 'off' | 'messages' | 'verbose' };
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
  trace: { server: 'off' },
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
  refreshChecklist: 'mlsec.refreshChecklist',
  /** Server-side command (workspace/executeCommand) applying all safe fixes in a document. */
  applySafeFixes: 'mlsec.applySafeFixes',
} as const;
