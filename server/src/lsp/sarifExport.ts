/**
 * Serves `mlsec/exportSarif` (common/src/sarifExport.ts): analyses the workspace's files on disk
 * as the workspace index does (editor settings, project files, trust) and writes the outcome with
 * the CLI's SARIF formatter, so that there is one SARIF writer. Suppressed findings stay in the
 * log with their justification, as in `mlsec scan --format sarif`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CancellationToken } from 'vscode-languageserver/node';
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { ExportSarifRequest } from '../../../common/src/sarifExport';
import { toSarif } from '../cli/sarif';
import type { ScanOutcome } from '../cli/scanner';
import type { Analyzer } from '../engine/pipeline/analyzer';
import { BaselineError, applyBaseline, baselineNotice, readBaseline } from '../engine/results/baseline';
import { collectSourceFiles } from '../engine/io/sourceFiles';
import { readSourceWithinLimit } from '../engine/io/sourceLimits';
import type { FileReport } from '../engine/pipeline/fileAnalysis';
import { analyzeText } from '../engine/pipeline/fileAnalysis';
import { ParseLimitError } from '../engine/parser';
import { RULE_CATALOGUE } from '../rules/catalogue';
import type { Logger } from './logger';
import type { DocumentConfigs, SettingsStore } from './settings';
import { fileUriOf } from './uris';

export interface SarifExportContext {
  analyzer: Analyzer;
  settings: SettingsStore;
  configs: DocumentConfigs;
  folders: readonly string[];
  version: string;
  logger: Logger;
}

export async function exportSarif(ctx: SarifExportContext, token?: CancellationToken): Promise<ExportSarifRequest.Result> {
  const started = performance.now();
  if (ctx.folders.length === 0) throw new ResponseError(LSPErrorCodes.RequestFailed, 'open a folder to export its findings');
  const reports: FileReport[] = [];
  for (const folder of ctx.folders) {
    const settings = await ctx.settings.get(fileUriOf(folder));
    if (!settings.enable) continue;
    const files = collectSourceFiles([folder], {
      resolver: ctx.configs.resolver,
      onProblem: (file, message) => reports.push({ file: path.resolve(file), findings: [], problems: [{ message }], lines: 0 }),
    });
    for (const file of files) {
      if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'SARIF export cancelled');
      // Edits, hovers and code actions queued meanwhile are served between files.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const config = ctx.configs.forFile(file, settings);
      if (config.skipReason) continue;
      reports.push(await analyzeOnDisk(ctx.analyzer, file, config.selection, config.maxFileSize, settings.advisories));
    }
  }
  applyConfiguredBaseline(ctx, reports);
  const outcome: ScanOutcome = {
    files: reports,
    configProblems: ctx.configs.resolver.problems,
    missing: [],
    durationMs: performance.now() - started,
  };
  const sarif = JSON.stringify(toSarif(outcome, RULE_CATALOGUE, ctx.version, ctx.folders[0]), null, 2) + '\n';
  const results = reports.reduce((n, r) => n + r.findings.length, 0);
  const problems = reports.filter((r) => r.problems.length > 0).length;
  ctx.logger.info(
    `SARIF export: ${reports.length} file(s), ${results} result(s), ${problems} file(s) with problems, ${Math.round(outcome.durationMs)} ms`,
  );
  return { sarif, files: reports.length, results, problems };
}

/**
 * As `mlsec scan` does: the findings of the baseline the project configures (`[tool.mlsec]
 * baseline`, read for the first folder) are left out; a missing or broken baseline is logged
 * and every finding reported.
 */
function applyConfiguredBaseline(ctx: SarifExportContext, reports: FileReport[]): void {
  const first = ctx.folders[0];
  const file = ctx.configs.resolver.forFolder(first).baseline ?? ctx.configs.resolver.forFile(path.join(first, 'x.py')).baseline;
  if (file === undefined) return;
  const shown = path.relative(first, file) || file;
  if (!fs.existsSync(file)) {
    ctx.logger.info(`SARIF export: the configured baseline ${shown} does not exist yet; reporting every finding`);
    return;
  }
  try {
    ctx.logger.info(`SARIF export: ${baselineNotice(applyBaseline(reports, readBaseline(file)), shown).trim()}`);
  } catch (error) {
    if (!(error instanceof BaselineError)) throw error;
    ctx.logger.warn(`SARIF export: ${error.message}; reporting every finding`);
  }
}

/** One file as the CLI's scan reports it (engine/scan.ts analyzeFile), with the editor's selection. */
async function analyzeOnDisk(
  analyzer: Analyzer,
  file: string,
  selection: Parameters<typeof analyzeText>[3],
  maxFileSize: number,
  advisories: string[],
): Promise<FileReport> {
  const read = readSourceWithinLimit(file, maxFileSize);
  if (!read.ok) return { file, findings: [], problems: [{ message: read.message, line: read.line }], lines: 0 };
  const lines = read.text.split(/\r\n?|\n/).length;
  // A runtime that aborted on an earlier file is replaced first (engine/parser.ts).
  if (analyzer.parser.needsReplacing) await analyzer.parser.ready().catch(() => undefined);
  try {
    analyzer.takeRuleFailures();
    const result = analyzeText(analyzer, file, read.text, selection, { advisories });
    for (const failure of analyzer.takeRuleFailures()) result.problems.push({ message: `internal error: ${failure}`, internal: true });
    return { file, ...result, lines };
  } catch (error) {
    if (error instanceof ParseLimitError) return { file, findings: [], problems: [{ message: `not analysed: ${error.message}` }], lines };
    const message = error instanceof Error ? error.message : String(error);
    return { file, findings: [], problems: [{ message: `internal error while analysing: ${message}`, internal: true }], lines };
  }
}
