/**
 * Evidence for the security checklist, gathered from the workspace by the server.
 * (Placeholder signature; the checklist work fills it in.)
 */
import type { ChecklistEvidenceRequest, FindingSummary } from '../../../common/src/protocol';

export interface EvidenceInput {
  /** Absolute paths of the workspace folders. */
  folders: string[];
  /** Python files and notebooks analysed by the last scan, with the packages each imports. */
  sourceFiles: Array<{ path: string; imports: string[] }>;
  /** Open findings from the last scan. */
  findings: FindingSummary[];
  scannedAt: string;
}

export function gatherChecklistEvidence(input: EvidenceInput): ChecklistEvidenceRequest.Result {
  return { items: [], threats: [], counts: { error: 0, warning: 0, info: 0 }, scannedFiles: input.sourceFiles.length, scannedAt: input.scannedAt };
}
