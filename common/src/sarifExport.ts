/**
 * `mlsec/exportSarif`: the workspace's findings as SARIF 2.1.0, written by the same formatter as
 * `mlsec scan --format sarif` (server/src/cli/sarif.ts), so the checklist view's export and CI
 * produce one format from one writer. Files are read from disk, with the configuration the editor
 * applies (editor settings, project files, workspace trust).
 */
// eslint-disable-next-line @typescript-eslint/no-namespace -- custom LSP messages are namespaces, as in protocol.ts
export namespace ExportSarifRequest {
  export const method = 'mlsec/exportSarif';
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no parameters yet; an object keeps the request extensible
  export interface Params {}
  export interface Result {
    /** The SARIF log, as JSON text. */
    sarif: string;
    /** Files analysed, and results written (suppressed ones included, marked as such). */
    files: number;
    results: number;
    /** Files that could not be analysed (each is a tool notification in the log). */
    problems: number;
  }
}
