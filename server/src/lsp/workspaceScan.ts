/**
 * The workspace index: a scan of every Python file and notebook of the workspace folders (for the
 * checklist, the status bar and the Problems view), kept current as files change on disk.
 *
 * The scan honours the editor settings of each folder, the project files and `.gitignore` (the
 * same walk as the CLI), analyses with `force` so every file's imports are known (the checklist
 * needs them), and yields to the event loop between files so edits and requests in the editor are
 * served first. Open documents are taken from the editor, not from disk.
 */
import * as path from 'node:path';
import type { CancellationToken, Connection, Diagnostic, FileEvent } from 'vscode-languageserver/node';
import { FileChangeType, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { ChecklistEvidenceRequest, FindingSummary, MlsecSettings, ScanWorkspaceRequest } from '../../../common/src/protocol';
import { FindingsChangedNotification } from '../../../common/src/protocol';
import { gatherChecklistEvidence } from '../checklist/evidence';
import type { Analyzer } from '../engine/pipeline/analyzer';
import { CONFIG_FILE_NAMES } from '../engine/config/projectConfig';
import { collectSourceFiles, sourceKindOf } from '../engine/io/sourceFiles';
import { readSourceWithinLimit } from '../engine/io/sourceLimits';
import { SkipReport } from '../engine/io/skipReport';
import { analyzeSource } from '../engine/pipeline/fileAnalysis';
import { manifestKindOf } from '../deps/manifests';
import { ParseLimitError } from '../engine/parser';
import { isModelFile } from '../artifacts/inspect';
import type { ModelFileIndex } from './modelFiles';
import type { LiveAnalysis } from './analysis';
import { describeCoverage } from './coverage';
import { isOpen, summarize, toDiagnostic, totals } from './diagnostics';
import { BaselineStore } from './baseline';
import type { Logger } from './logger';
import type { RuleLinks } from './rulePages';
import type { DocumentConfigs, SettingsStore } from './settings';
import { filePathOf, fileUriOf, folderOf } from './uris';

export interface ScannedFile {
  path: string;
  uri: string;
  imports: string[];
  findings: FindingSummary[];
  /** Diagnostics published for the file while it is not open (Python files only). */
  diagnostics: Diagnostic[];
  /** Findings hidden by suppression comments. */
  suppressed?: number;
}

export interface ProgressSink {
  report(percentage: number, message?: string): void;
}

type Problem = ScanWorkspaceRequest.Result['problems'][number];

const WATCHED_CONFIG = new Set<string>([...CONFIG_FILE_NAMES, '.gitignore']);

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class WorkspaceIndex {
  private readonly files = new Map<string, ScannedFile>();
  private readonly baselines = new BaselineStore();
  private scannedAt?: string;
  private running?: Promise<ScanWorkspaceRequest.Result>;
  private rescanTimer?: NodeJS.Timeout;
  private lastTotals = '';
  private totalsTimer?: NodeJS.Timeout;
  /** Model files, scanned in the background after the source files (set by the server). */
  models?: ModelFileIndex;
  private modelFolders: string[] = [];

  constructor(
    private readonly connection: Connection,
    private readonly analyzer: Analyzer,
    private readonly settings: SettingsStore,
    private readonly configs: DocumentConfigs,
    private readonly live: LiveAnalysis,
    private readonly links: RuleLinks,
    private readonly logger: Logger,
    private readonly folders: () => readonly string[],
  ) {}

  get hasScanned(): boolean {
    return this.scannedAt !== undefined;
  }

  /** Scans the workspace; a scan already running is joined rather than started twice. */
  scan(token?: CancellationToken, progress?: ProgressSink): Promise<ScanWorkspaceRequest.Result> {
    if (!this.running) {
      this.running = this.runScan(token, progress).finally(() => (this.running = undefined));
    }
    return this.running;
  }

  private async runScan(token: CancellationToken | undefined, progress: ProgressSink | undefined): Promise<ScanWorkspaceRequest.Result> {
    const started = performance.now();
    const problems: Problem[] = [];
    const work: Array<{ file: string; settings: MlsecSettings }> = [];
    const enabled: string[] = [];
    const skips = new SkipReport();
    for (const folder of this.folders()) {
      const settings = await this.settings.get(fileUriOf(folder));
      if (!settings.enable) continue;
      enabled.push(folder);
      const found = collectSourceFiles([folder], {
        resolver: this.configs.resolver,
        skips,
        onProblem: (file, message) => problems.push({ uri: fileUriOf(path.resolve(file)), message }),
      });
      for (const file of found) {
        if (!this.configs.excludedBySettings(file, settings.exclude)) work.push({ file, settings });
        else skips.add('exclude', false);
      }
    }
    this.logger.info(`workspace scan: ${work.length} file(s) in ${this.folders().length} folder(s)`);
    const next = new Map<string, ScannedFile>();
    for (let i = 0; i < work.length; i++) {
      if (token?.isCancellationRequested) {
        this.logger.info('workspace scan cancelled');
        throw new ResponseError(LSPErrorCodes.RequestCancelled, 'workspace scan cancelled');
      }
      const { file, settings } = work[i];
      progress?.report(Math.floor((i * 100) / Math.max(1, work.length)), `${i + 1}/${work.length} ${path.basename(file)}`);
      // Let edits, hovers and code actions queued meanwhile run before the next file.
      await yieldToEventLoop();
      const scanned = await this.analyzeFile(file, settings, problems, skips);
      if (scanned) next.set(scanned.uri, scanned);
    }
    progress?.report(100, 'done');
    // Diagnostics of files that no longer have findings (or are gone, or now excluded) are cleared.
    for (const [uri, old] of this.files) {
      if (old.diagnostics.length > 0 && !next.get(uri)?.diagnostics.length) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    }
    this.files.clear();
    for (const [uri, scanned] of next) {
      this.files.set(uri, scanned);
      if (scanned.diagnostics.length > 0 && !this.live.find(uri))
        void this.connection.sendDiagnostics({ uri, diagnostics: scanned.diagnostics });
    }
    this.scannedAt = new Date().toISOString();
    const findings = this.allFindings();
    const durationMs = Math.round(performance.now() - started);
    this.logger.info(
      `workspace scan: ${next.size} file(s), ${findings.length} open finding(s), ${problems.length} problem(s) in ${durationMs} ms; files ${skips.summary()}`,
    );
    this.notifyTotals(true);
    // Model files next, in the background: the scan's answer does not wait for them.
    this.modelFolders = enabled;
    void this.models?.scan(enabled);
    return { files: next.size, findings, counts: totals(findings).counts, problems, durationMs };
  }

  /** Analyses one file for the index: the editor's text when it is open, else the file on disk. */
  private async analyzeFile(
    file: string,
    settings: MlsecSettings,
    problems: Problem[],
    skips?: SkipReport,
  ): Promise<ScannedFile | undefined> {
    const uri = fileUriOf(file);
    const open = this.live.find(uri);
    if (open) {
      const snapshot = await this.live.current(open);
      if (!snapshot) return undefined;
      if (snapshot.skipped) return undefined;
      const suppressed = snapshot.findings.length - snapshot.findings.filter(isOpen).length;
      return {
        path: file,
        uri,
        imports: snapshot.imports,
        findings: snapshot.findings.filter(isOpen).map((f) => summarize(uri, f)),
        diagnostics: [],
        suppressed,
      };
    }
    const config = this.configs.forFile(file, settings);
    if (config.skipReason) return undefined;
    const read = readSourceWithinLimit(file, config.maxFileSize);
    if (!read.ok) {
      skips?.addProblem(read);
      problems.push({ uri, message: read.message, line: read.line });
      return undefined;
    }
    // A runtime that aborted on an earlier file is replaced first (engine/parser.ts).
    await this.live.parserReady();
    try {
      // The engine's one entry, as for the CLI (same findings and fingerprints); `force` parses
      // files no rule can fire in too, for their imports (checklist evidence).
      const result = analyzeSource(this.analyzer, { file, text: read.text }, config.selection, {
        advisories: settings.advisories,
        force: true,
      });
      for (const p of result.problems) problems.push({ uri, message: p.message, line: p.line });
      // A notebook that cannot be read is a problem, not a file of the index.
      if (result.as === 'notebook' && result.problems.length > 0) return undefined;
      const open =
        result.as === 'manifest'
          ? result.findings.filter(isOpen)
          : this.baselines.apply(file, result.findings, config.baselineFile, settings.baselineFindings).filter(isOpen);
      return {
        path: file,
        uri,
        imports: result.imports,
        findings: open.map((f) => summarize(uri, f)),
        ...(result.as === 'manifest' ? {} : { suppressed: result.findings.length - open.length }),
        // A notebook's ranges are relative to its cells, which only exist once it is open.
        diagnostics: result.as === 'notebook' ? [] : open.map((f) => toDiagnostic(f, () => uri, this.links)),
      };
    } catch (error) {
      if (error instanceof ParseLimitError) problems.push({ uri, message: `not analysed: ${error.message}` });
      else {
        this.logger.error(`analysis of ${uri} failed`, error);
        problems.push({ uri, message: `internal error while analysing: ${error instanceof Error ? error.message : String(error)}` });
      }
      return undefined;
    }
  }

  /** Files created, changed or deleted on disk (workspace/didChangeWatchedFiles). */
  async filesChanged(changes: readonly FileEvent[]): Promise<void> {
    let projectFiles = false;
    let manifests = false;
    for (const change of changes) {
      const file = filePathOf(change.uri);
      if (!file) continue;
      if (WATCHED_CONFIG.has(path.basename(file))) {
        projectFiles = true;
        continue;
      }
      if (this.models && (isModelFile(file) || path.basename(file) === 'mlsec.lock')) {
        if (this.hasScanned) await this.models.fileChanged(file, change.type === FileChangeType.Deleted, this.modelFolders);
        continue;
      }
      if (manifestKindOf(file)) manifests = true;
      if (!sourceKindOf(file) && !manifestKindOf(file)) continue;
      const uri = fileUriOf(file);
      if (change.type === FileChangeType.Deleted) {
        const old = this.files.get(uri);
        this.files.delete(uri);
        if (old?.diagnostics.length && !this.live.find(uri)) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
        continue;
      }
      // The editor's copy of an open file is what counts; the index follows it when it closes.
      if (!this.hasScanned || this.live.find(uri)) continue;
      await this.refreshFile(file);
    }
    if (manifests && !projectFiles) {
      // Open files may depend on the versions a manifest or lock declares (version-aware rules).
      this.live.reanalyzeAll();
    }
    if (projectFiles) {
      this.logger.info('project configuration changed: re-analysing');
      this.configs.clearProjectFiles();
      this.live.reanalyzeAll();
      if (this.hasScanned) this.scheduleRescan();
    }
    this.notifyTotals();
  }

  /** Re-reads one file into the index and republishes its diagnostics. */
  async refreshFile(file: string): Promise<void> {
    const folder = folderOf(file, this.folders());
    if (!folder) return;
    const settings = await this.settings.get(fileUriOf(folder));
    const uri = fileUriOf(file);
    const old = this.files.get(uri);
    const problems: Problem[] = [];
    const scanned =
      settings.enable && !this.configs.excludedBySettings(file, settings.exclude)
        ? await this.analyzeFile(file, settings, problems)
        : undefined;
    if (scanned) this.files.set(uri, scanned);
    else this.files.delete(uri);
    if (this.live.find(uri)) return;
    if (scanned?.diagnostics.length) void this.connection.sendDiagnostics({ uri, diagnostics: scanned.diagnostics });
    else if (old?.diagnostics.length) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** An open document was closed: its index entry (if any) returns to the file on disk. */
  documentClosed(uri: string): void {
    const file = filePathOf(uri);
    if (!file || !this.files.has(fileUriOf(file))) return;
    void this.refreshFile(file).then(() => this.notifyTotals());
  }

  private scheduleRescan(): void {
    this.rescanSoon();
  }

  /**
   * Scans again shortly (settings or project files changed). A scan already running started
   * with the old configuration, so the new one waits for it rather than joining it.
   */
  rescanSoon(delayMs = 300): void {
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = undefined;
      const previous = this.running ?? Promise.resolve(undefined);
      void previous
        .catch(() => undefined)
        .then(() => this.scan())
        .catch((error) => this.logger.error('background rescan failed', error));
    }, delayMs);
  }

  /** Open findings of the workspace: the editor's for open documents, the index's for the rest. */
  allFindings(): FindingSummary[] {
    const open = this.live.openFindings();
    const result: FindingSummary[] = [];
    for (const [uri, scanned] of this.files) if (!open.has(uri)) result.push(...scanned.findings);
    for (const findings of open.values()) result.push(...findings);
    if (this.models) result.push(...this.models.findings());
    return result;
  }

  /** Sends `mlsec/findingsChanged` when the totals changed (coalesced, off the keystroke path). */
  notifyTotals(now = false): void {
    const send = () => {
      this.totalsTimer = undefined;
      const summary = totals(this.allFindings());
      const key = JSON.stringify(summary);
      if (key === this.lastTotals) return;
      this.lastTotals = key;
      const params: FindingsChangedNotification.Params = summary;
      void this.connection.sendNotification(FindingsChangedNotification.method, params);
    };
    if (now) {
      if (this.totalsTimer) clearTimeout(this.totalsTimer);
      send();
    } else if (!this.totalsTimer) {
      this.totalsTimer = setTimeout(send, 50);
    }
  }

  async checklistEvidence(
    params: ChecklistEvidenceRequest.Params | undefined,
    token?: CancellationToken,
    progress?: ProgressSink,
  ): Promise<ChecklistEvidenceRequest.Result> {
    if (params?.rescan || !this.hasScanned) await this.scan(token, progress);
    else if (this.rescanTimer || this.running) {
      // A rescan is due (settings or project files changed): the evidence must not predate it.
      if (this.rescanTimer) {
        clearTimeout(this.rescanTimer);
        this.rescanTimer = undefined;
        await (this.running ?? Promise.resolve()).catch(() => undefined);
        await this.scan(token, progress);
      } else {
        await this.running!.catch(() => undefined);
      }
    }
    await this.models?.idle();
    const sourceFiles = [...this.files.values()].map((f) => {
      const open = this.live.find(f.uri)?.snapshot;
      return { path: f.path, imports: open && !open.skipped ? open.imports : f.imports };
    });
    const evidence = gatherChecklistEvidence(
      {
        folders: [...this.folders()],
        sourceFiles,
        findings: this.allFindings(),
        scannedAt: this.scannedAt ?? new Date().toISOString(),
        models: this.models?.summary(),
      },
      { resolver: this.configs.resolver },
    );
    const scanned = [...this.files.values()];
    evidence.coverage = describeCoverage({
      folders: this.folders(),
      fileFolders: new Set(scanned.map((f) => path.dirname(f.path))),
      suppressed: scanned.map((f) => ({ path: f.path, count: f.suppressed ?? 0 })),
      ...this.trust,
    });
    return evidence;
  }

  /** Set by the server from the client's initialisation options. */
  trust = { workspaceTrusted: true, repositoryConfigIgnored: false };

  dispose(): void {
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    if (this.totalsTimer) clearTimeout(this.totalsTimer);
  }
}
