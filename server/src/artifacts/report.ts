/** What the artifact readers produce: findings about one model file, before they become engine Findings. */
import type { Severity } from '../engine/rule';

export interface ArtifactFinding {
  /** `MLS6##`. */
  code: string;
  severity: Severity;
  message: string;
  /** Byte offset in the file on disk, when the finding has a place there. */
  fileOffset?: number;
  /** Byte offset inside the member or decompressed stream the finding is in. */
  offset?: number;
  /** Zip or tar member path (reported only, never used as a path). */
  member?: string;
  /** `module.name`, layer, template key or external-data location the finding is about. */
  subject?: string;
}

export interface ArtifactReport {
  file: string;
  /** Detected format (`pytorch-zip`, `pickle`, `npy`…), or undefined when not a model file. */
  format?: string;
  findings: ArtifactFinding[];
  size: number;
  /** Bytes actually read from the file (tensor payloads are skipped). */
  bytesRead: number;
  /** Globals seen in pickles (allowed ones included), for statistics and the checklist. */
  globals: number;
}
