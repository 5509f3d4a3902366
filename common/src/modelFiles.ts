/** Custom messages about model files (kept apart from protocol.ts; see docs/model-files.md). */

/** `mlsec/updateModelLock`: writes `mlsec.lock` in each workspace folder that has model files or a lock. */
export namespace UpdateModelLockRequest {
  export const method = 'mlsec/updateModelLock';
  export interface Result {
    locks: Array<{ uri: string; entries: number; added: number; changed: number; removed: number }>;
  }
}

/** What the last background scan of model files found (for the checklist evidence). */
export interface ModelFilesSummary {
  scanned: number;
  codeOnLoad: number;
  notInspected: number;
  lock?: { file: string; uri: string; locked: number; changed: number; missing: number; unlocked: number };
}
