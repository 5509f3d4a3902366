/**
 * Model files in the editor: a background scan of the workspace's model files after the source
 * files (one file at a time, yielding to the event loop between files so edits come first), again
 * for a model file that changes on disk, with diagnostics on the model file's URI (the Problems
 * panel shows them; there is no text to underline, so they sit at 0:0 and name the byte offset).
 */
import * as path from 'node:path';
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import type { FindingSummary } from '../../../common/src/protocol';
import type { ModelFilesSummary, UpdateModelLockRequest } from '../../../common/src/modelFiles';
import { GlobalPolicy } from '../artifacts/globals';
import { checkLock, findLock, HashCache, LockError, readLock } from '../artifacts/lock';
import { ARTIFACT_RULES } from '../artifacts/rules';
import { isModelFile, inspectArtifactFile, toFindings } from '../artifacts/inspect';
import type { Finding } from '../engine/findings';
import { resolveSelection } from '../engine/config/selection';
import { collectModelFiles, writeLock } from '../cli/models';
import { isOpen, summarize, toDiagnostic } from './diagnostics';
import type { Logger } from './logger';
import type { RuleLinks } from './rulePages';
import type { DocumentConfigs } from './settings';
import { fileUriOf } from './uris';

interface ModelEntry {
  uri: string;
  artifact: Finding[];
  lock: Finding[];
  scanned: boolean;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class ModelFileIndex {
  private readonly entries = new Map<string, ModelEntry>();
  private running?: Promise<void>;
  private generation = 0;
  private lockSummary?: ModelFilesSummary['lock'];

  constructor(
    private readonly connection: Connection,
    private readonly configs: DocumentConfigs,
    private readonly links: RuleLinks,
    private readonly logger: Logger,
    private readonly onChange: () => void,
  ) {}

  /** Starts a scan of every model file of `folders` (a scan already running is superseded). */
  scan(folders: readonly string[]): Promise<void> {
    const generation = ++this.generation;
    const run = this.runScan(folders, generation).catch((error) => this.logger.error('model file scan failed', error));
    const tracked: Promise<void> = run.finally(() => {
      if (this.running === tracked) this.running = undefined;
    });
    this.running = tracked;
    return tracked;
  }

  /** Resolves when no scan is running (for the checklist). */
  async idle(): Promise<void> {
    // A scan started while waiting replaces `running`; each wait is for a real scan.
    for (let current = this.running; current; current = this.running === current ? undefined : this.running) await current;
  }

  private async runScan(folders: readonly string[], generation: number): Promise<void> {
    const started = performance.now();
    const files: string[] = [];
    for (const folder of folders) files.push(...collectModelFiles({ paths: [folder] }));
    const next = new Map<string, ModelEntry>();
    for (const file of files) {
      await yieldToEventLoop();
      if (generation !== this.generation) return; // superseded by a newer scan
      next.set(file, { uri: fileUriOf(file), artifact: this.scanOne(file), lock: [], scanned: true });
    }
    if (generation !== this.generation) return;
    const caches = await this.warmHashes(folders, [...next.keys()]);
    if (generation !== this.generation) return;
    for (const [file, old] of this.entries) if (!next.has(file)) this.publish(old.uri, []);
    this.entries.clear();
    for (const [file, entry] of next) this.entries.set(file, entry);
    this.checkLocks(folders, caches);
    for (const entry of this.entries.values()) this.publish(entry.uri, [...entry.artifact, ...entry.lock]);
    this.logger.info(`model files: ${this.entries.size} file(s) scanned in ${Math.round(performance.now() - started)} ms`);
    this.onChange();
  }

  /** A model file (or mlsec.lock) was created, changed or deleted on disk. */
  async fileChanged(file: string, deleted: boolean, folders: readonly string[]): Promise<void> {
    await yieldToEventLoop();
    if (path.basename(file) !== 'mlsec.lock' && isModelFile(file)) {
      const old = this.entries.get(file);
      if (deleted) {
        this.entries.delete(file);
        if (old) this.publish(old.uri, []);
      } else {
        this.entries.set(file, { uri: fileUriOf(file), artifact: this.scanOne(file), lock: [], scanned: true });
      }
    }
    this.checkLocks(folders, await this.warmHashes(folders, [...this.entries.keys()]));
    for (const entry of this.entries.values()) this.publish(entry.uri, [...entry.artifact, ...entry.lock]);
    this.onChange();
  }

  private scanOne(file: string): Finding[] {
    const config = this.configs.resolver.forFile(file);
    const selection = resolveSelection(ARTIFACT_RULES, config);
    const report = inspectArtifactFile(file, { policy: new GlobalPolicy(config.artifactAllow ?? []) });
    return toFindings(report)
      .filter((f) => selection.enabled.has(f.code))
      .map((f) => ({ ...f, severity: selection.severity.get(f.code) ?? f.severity }));
  }

  /**
   * Hashes the locked model files asynchronously first (large checkpoints take seconds), so that
   * the lock check that follows finds every hash in the cache and does not block the server.
   */
  private async warmHashes(folders: readonly string[], files: readonly string[]): Promise<Map<string, HashCache>> {
    const caches = new Map<string, HashCache>();
    for (const folder of folders) {
      const lockFile = findLock(folder);
      if (!lockFile) continue;
      let locked: Set<string>;
      try {
        locked = new Set(readLock(lockFile).entries.keys());
      } catch {
        continue; // reported by checkLocks
      }
      const base = path.dirname(lockFile);
      const cache = caches.get(base) ?? new HashCache(base);
      caches.set(base, cache);
      for (const file of files) {
        if (!locked.has(path.relative(base, file).split(path.sep).join('/'))) continue;
        try {
          await cache.hashAsync(file);
        } catch {
          // reported by checkLocks
        }
      }
    }
    return caches;
  }

  private checkLocks(folders: readonly string[], caches = new Map<string, HashCache>()): void {
    for (const entry of this.entries.values()) entry.lock = [];
    const lockEntries: Array<[string, ModelEntry]> = [];
    this.lockSummary = undefined;
    for (const folder of folders) {
      const lockFile = findLock(folder);
      if (!lockFile) continue;
      try {
        const lock = readLock(lockFile);
        const inFolder = [...this.entries.keys()].filter((f) => f.startsWith(folder + path.sep));
        const check = checkLock(lock, inFolder, [folder], caches.get(path.dirname(lockFile)) ?? new HashCache(path.dirname(lockFile)));
        for (const [file, findings] of check.byFile) {
          let entry = this.entries.get(file);
          if (!entry) {
            entry = { uri: fileUriOf(file), artifact: [], lock: [], scanned: false };
            lockEntries.push([file, entry]);
          }
          entry.lock = toFindings({ file, findings, size: 0, bytesRead: 0, globals: 0 });
        }
        this.lockSummary = {
          file: path.relative(folder, lockFile).split(path.sep).join('/'),
          uri: fileUriOf(lockFile),
          locked: lock.entries.size,
          changed: check.changed,
          missing: check.missing,
          unlocked: check.unlocked,
        };
      } catch (error) {
        if (!(error instanceof LockError)) throw error;
        const entry: ModelEntry = {
          uri: fileUriOf(lockFile),
          artifact: [],
          lock: toFindings({
            file: lockFile,
            findings: [{ code: 'MLS607', severity: 'warning', message: error.message }],
            size: 0,
            bytesRead: 0,
            globals: 0,
          }),
          scanned: false,
        };
        lockEntries.push([lockFile, entry]);
      }
    }
    for (const [file, entry] of lockEntries) this.entries.set(file, entry);
  }

  private publish(uri: string, findings: Finding[]): void {
    const diagnostics: Diagnostic[] = findings.filter(isOpen).map((f) => toDiagnostic(f, () => uri, this.links));
    void this.connection.sendDiagnostics({ uri, diagnostics });
  }

  findings(): FindingSummary[] {
    const result: FindingSummary[] = [];
    for (const entry of this.entries.values()) for (const f of [...entry.artifact, ...entry.lock]) result.push(summarize(entry.uri, f));
    return result;
  }

  summary(): ModelFilesSummary {
    let scanned = 0;
    let codeOnLoad = 0;
    let notInspected = 0;
    for (const entry of this.entries.values()) {
      if (!entry.scanned) continue;
      scanned++;
      if (entry.artifact.some((f) => f.code === 'MLS601')) codeOnLoad++;
      if (entry.artifact.some((f) => f.code === 'MLS607')) notInspected++;
    }
    return { scanned, codeOnLoad, notInspected, ...(this.lockSummary ? { lock: this.lockSummary } : {}) };
  }

  /** Writes mlsec.lock for each folder that has model files or a lock already. */
  async updateLock(folders: readonly string[]): Promise<UpdateModelLockRequest.Result> {
    await this.idle();
    const locks: UpdateModelLockRequest.Result['locks'] = [];
    for (const folder of folders) {
      const hasModels = [...this.entries.keys()].some((f) => f.startsWith(folder + path.sep));
      if (!hasModels && !findLock(folder)) continue;
      const result = writeLock([folder], { cwd: folder });
      locks.push({
        uri: fileUriOf(result.file),
        entries: result.entries,
        added: result.added,
        changed: result.changed,
        removed: result.removed,
      });
    }
    await this.scan(folders);
    return { locks };
  }
}
