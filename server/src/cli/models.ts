/**
 * Model files in `mlsec scan` and the `mlsec lock` command. Model files are read on the main
 * thread, one at a time, after the Python files: each is mostly skipped bytes, so reading is
 * bounded by the few ranges each format needs.
 *
 * `.gitignore` is not honoured for model files by default: checkpoints are typically ignored by
 * git precisely because they are large downloads (`models/`, `*.pt`), and those are the files
 * that can run code on load. `--models-gitignore` (or scanning with an explicit exclude) narrows it.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { GlobalPolicy } from '../artifacts/globals';
import { checkLock, findFirstLock, findLock, formatLock, HashCache, LOCK_FILE, LockError, readLock, toPosix } from '../artifacts/lock';
import type { LockEntry } from '../artifacts/lock';
import { ARTIFACT_RULES } from '../artifacts/rules';
import { isModelFile, inspectArtifactFile, toFindings } from '../artifacts/inspect';
import type { ConfigProblem } from '../engine/config/projectConfig';
import { ConfigResolver } from '../engine/config/projectConfig';
import { collectSourceFiles } from '../engine/io/sourceFiles';
import type { FileReport } from '../engine/pipeline/fileAnalysis';
import type { RuleSelection } from '../engine/config/selection';
import { resolveSelection } from '../engine/config/selection';

export interface ModelInspectOptions {
  paths: string[];
  select?: string[];
  ignore?: string[];
  configFile?: string;
  /** Honour .gitignore for model files (default false, see above). */
  respectGitignore?: boolean;
  /** Every file named explicitly is read by content, whatever its extension. */
  modelsOnly?: boolean;
  verifyHashes?: boolean;
}

export interface ModelScanStats {
  files: number;
  bytes: number;
  bytesRead: number;
  ms: number;
  withCodeOnLoad: number;
  lock?: { file: string; checked: number; changed: number; missing: number; unlocked: number; hashed: number; reused: number };
}

export interface ModelInspectResult {
  reports: FileReport[];
  problems: ConfigProblem[];
  missing: string[];
  stats: ModelScanStats;
}

export function collectModelFiles(options: ModelInspectOptions, onMissing?: (p: string) => void): string[] {
  const overrides: ConstructorParameters<typeof ConfigResolver>[0] = { respectGitignore: options.respectGitignore === true };
  if (options.select) overrides.select = options.select;
  if (options.ignore) overrides.ignore = options.ignore;
  const resolver = new ConfigResolver(overrides, options.configFile);
  const files = collectSourceFiles(options.paths, {
    resolver,
    accept: isModelFile,
    onProblem: (file, message) => {
      if (message === 'no such file or folder') onMissing?.(file);
    },
  });
  const linked = options.paths.flatMap((p) => linkedModelFiles(path.resolve(p)));
  const chosen = options.modelsOnly ? files : files.filter(isModelFile);
  const seen = new Set(chosen.map((f) => realPath(f)));
  for (const link of linked) {
    const real = realPath(link);
    if (!seen.has(real)) {
      seen.add(real);
      chosen.push(link);
    }
  }
  return chosen;
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Model files reached through symbolic links inside a scanned folder, as in a Hugging Face cache
 * (`snapshots/<rev>/model.safetensors` → `blobs/<sha>`). The folder walk does not follow links;
 * here a link is taken when it has a model extension and its target is a regular file inside the
 * same scanned folder, so a scan never leaves the tree it was given. Depth and count are bounded.
 */
function linkedModelFiles(root: string): string[] {
  const found: string[] = [];
  let rootReal: string;
  try {
    if (!fs.statSync(root).isDirectory()) return [];
    rootReal = fs.realpathSync(root);
  } catch {
    return [];
  }
  const walk = (dir: string, depth: number) => {
    if (depth > 12 || found.length > 100_000) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(full, depth + 1);
      } else if (entry.isSymbolicLink() && isModelFile(entry.name)) {
        try {
          const target = fs.realpathSync(full);
          if ((target === rootReal || target.startsWith(rootReal + path.sep)) && fs.statSync(target).isFile()) found.push(full);
        } catch {
          // a dangling link is not a model file
        }
      }
    }
  };
  walk(root, 0);
  return found.sort();
}

const SKIPPED_FOLDERS = new Set(['.git', 'node_modules', '.venv', 'venv', '__pycache__', 'site-packages', '.tox', '.nox']);

export function inspectModels(options: ModelInspectOptions): ModelInspectResult {
  const started = performance.now();
  const missing: string[] = [];
  const files = collectModelFiles(options, (p) => missing.push(p));
  const resolver = new ConfigResolver(
    { ...(options.select ? { select: options.select } : {}), ...(options.ignore ? { ignore: options.ignore } : {}) },
    options.configFile,
  );
  const selections = new Map<string, RuleSelection>();
  const policies = new Map<string, GlobalPolicy>();
  const reports = new Map<string, FileReport>();
  const stats: ModelScanStats = { files: 0, bytes: 0, bytesRead: 0, ms: 0, withCodeOnLoad: 0 };
  const problems: ConfigProblem[] = [];

  const selectionFor = (file: string) => {
    const config = resolver.forFile(file);
    const key = JSON.stringify([config.select ?? null, config.ignore ?? null, config.severity ?? null]);
    let selection = selections.get(key);
    if (!selection) selections.set(key, (selection = resolveSelection(ARTIFACT_RULES, config)));
    const allowKey = JSON.stringify(config.artifactAllow ?? []);
    let policy = policies.get(allowKey);
    if (!policy) policies.set(allowKey, (policy = new GlobalPolicy(config.artifactAllow ?? [])));
    return { selection, policy };
  };
  const reportFor = (file: string): FileReport => {
    let report = reports.get(file);
    // Read statically and judged (MLS607 says when a part could not be inspected): analysed, not parsed as Python.
    if (!report) reports.set(file, (report = { file, findings: [], problems: [], lines: 0, parsed: false }));
    return report;
  };

  for (const file of files) {
    const { selection, policy } = selectionFor(file);
    const result = inspectArtifactFile(file, { policy });
    if (!result.format && result.findings.length === 0) continue; // not a model file after all
    stats.files++;
    stats.bytes += result.size;
    stats.bytesRead += result.bytesRead;
    if (result.findings.some((f) => f.code === 'MLS601')) stats.withCodeOnLoad++;
    const report = reportFor(file);
    for (const finding of toFindings(result)) {
      if (!selection.enabled.has(finding.code)) continue;
      report.findings.push({ ...finding, severity: selection.severity.get(finding.code) ?? finding.severity });
    }
  }

  // The lock of the first scanned path (the nearest mlsec.lock at or above it).
  const lockFile = findFirstLock(options.paths);
  if (lockFile) {
    try {
      const lock = readLock(lockFile);
      const cache = new HashCache(path.dirname(lockFile), options.verifyHashes === true);
      const modelFiles = files.filter((f) => reports.has(f) || isModelFile(f));
      const check = checkLock(lock, modelFiles, options.paths, cache);
      stats.lock = {
        file: lockFile,
        checked: check.checked,
        changed: check.changed,
        missing: check.missing,
        unlocked: check.unlocked,
        hashed: cache.hashed,
        reused: cache.reused,
      };
      for (const [file, findings] of check.byFile) {
        const { selection } = selectionFor(file);
        const report = reportFor(file);
        const converted = toFindings({ file, findings, size: 0, bytesRead: 0, globals: 0 });
        for (const finding of converted)
          if (selection.enabled.has(finding.code))
            report.findings.push({ ...finding, severity: selection.severity.get(finding.code) ?? finding.severity });
      }
    } catch (error) {
      if (error instanceof LockError) problems.push({ file: lockFile, message: error.message.replace(`${lockFile}: `, '') });
      else throw error;
    }
  }
  stats.ms = performance.now() - started;
  return { reports: [...reports.values()], problems, missing, stats };
}

/** `mlsec lock [paths] [--lock FILE] [--models-gitignore]`: records the model files' hashes. */
export function writeLock(
  paths: string[],
  options: { lockFile?: string; respectGitignore?: boolean; cwd: string },
): { file: string; entries: number; added: number; changed: number; removed: number } {
  const lockFile = path.resolve(options.lockFile ?? findLock(options.cwd) ?? path.join(options.cwd, LOCK_FILE));
  const base = path.dirname(lockFile);
  const previous = fs.existsSync(lockFile) ? readLock(lockFile).entries : new Map<string, LockEntry>();
  const missing: string[] = [];
  const files = collectModelFiles({ paths, respectGitignore: options.respectGitignore }, (p) => missing.push(p));
  if (missing.length > 0) throw new LockError(`not found: ${missing.join(', ')}`);
  const entries = new Map(previous);
  const roots = paths.map((p) => path.resolve(p));
  // Entries under the given paths are replaced by what is there now.
  for (const key of [...entries.keys()]) {
    const abs = path.join(base, ...key.split('/'));
    if (roots.some((root) => abs === root || abs.startsWith(root + path.sep))) entries.delete(key);
  }
  const cache = new HashCache(base, true);
  for (const file of files) {
    const rel = toPosix(path.relative(base, file));
    if (rel.startsWith('../') || path.isAbsolute(rel)) throw new LockError(`${file} is outside the lock's folder ${base}`);
    const { sha256, size } = cache.hash(file);
    entries.set(rel, { path: rel, sha256, size });
  }
  cache.save();
  let added = 0;
  let changed = 0;
  for (const [key, entry] of entries) {
    const before = previous.get(key);
    if (!before) added++;
    else if (before.sha256 !== entry.sha256 || before.size !== entry.size) changed++;
  }
  const removed = [...previous.keys()].filter((k) => !entries.has(k)).length;
  fs.writeFileSync(lockFile, formatLock(entries.values()));
  return { file: lockFile, entries: entries.size, added, changed, removed };
}

export { LockError };
