/**
 * The model lock: `mlsec.lock` records the SHA-256 and size of each model file the team trusts
 * (TOML, sorted by path, paths relative to the lock's folder, POSIX separators). Verification
 * hashes files in a streaming way and skips files whose size, mtime and inode are those of the
 * last verified hash (a cache in `.mlsec/model-hashes.json` next to the lock).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { ArtifactFinding } from './report';

export const LOCK_FILE = 'mlsec.lock';
const CACHE_FILE = path.join('.mlsec', 'model-hashes.json');

export interface LockEntry {
  /** Relative to the lock's folder, `/`-separated. */
  path: string;
  sha256: string;
  size: number;
}

export interface ModelLock {
  file: string;
  entries: Map<string, LockEntry>;
}

export class LockError extends Error {}

/**
 * The nearest `mlsec.lock` at or above `start`, not above the repository root. `known` holds the
 * answer for folders already walked from (findFirstLock), so that the folders many paths share
 * are looked at once.
 */
export function findLock(start: string, known?: Map<string, string | undefined>): string | undefined {
  let dir = path.resolve(start);
  try {
    if (!fs.statSync(dir).isDirectory()) dir = path.dirname(dir);
  } catch {
    dir = path.dirname(dir);
  }
  const walked: string[] = [];
  let found: string | undefined;
  for (;;) {
    if (known?.has(dir)) {
      found = known.get(dir);
      break;
    }
    walked.push(dir);
    const candidate = path.join(dir, LOCK_FILE);
    if (fs.existsSync(candidate)) {
      found = candidate;
      break;
    }
    if (fs.existsSync(path.join(dir, '.git'))) break;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (known) for (const folder of walked) known.set(folder, found);
  return found;
}

/**
 * The lock of the first of `starts` that has one (findLock). A scan given a list of files (`--files-from`)
 * asks for each of them; without the shared answers that was two file checks per folder level per
 * file (about 30 ms for 944 files in four trees, on the thread that also analyses).
 */
export function findFirstLock(starts: readonly string[]): string | undefined {
  const known = new Map<string, string | undefined>();
  for (const start of starts) {
    const found = findLock(start, known);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function readLock(file: string): ModelLock {
  let data: Record<string, unknown>;
  try {
    data = parseToml(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new LockError(`${file}: cannot read the lock: ${(error as Error).message}`);
  }
  if (data.version !== 1) throw new LockError(`${file}: unsupported lock version ${JSON.stringify(data.version)} (expected 1)`);
  const entries = new Map<string, LockEntry>();
  const models = data.model ?? [];
  if (!Array.isArray(models)) throw new LockError(`${file}: "model" must be an array of tables`);
  models.forEach((m: unknown, i) => {
    const e = m as Partial<LockEntry>;
    if (
      typeof e?.path !== 'string' ||
      typeof e.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(e.sha256) ||
      typeof e.size !== 'number' ||
      !Number.isSafeInteger(e.size) ||
      e.size < 0
    ) {
      throw new LockError(`${file}: model entry ${i + 1} needs path, a 64-hex-digit sha256 and a size`);
    }
    if (path.isAbsolute(e.path) || e.path.split('/').includes('..'))
      throw new LockError(`${file}: model entry ${i + 1} path "${e.path}" must stay inside the lock's folder`);
    entries.set(e.path, { path: e.path, sha256: e.sha256, size: e.size });
  });
  return { file, entries };
}

export function formatLock(entries: Iterable<LockEntry>): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const lines = [
    '# mlsec model lock: the SHA-256 and size of each trusted model file.',
    '# Written by `mlsec lock`; review changes to it like code.',
    'version = 1',
    '',
  ];
  for (const e of sorted) lines.push('[[model]]', `path = ${JSON.stringify(e.path)}`, `sha256 = "${e.sha256}"`, `size = ${e.size}`, '');
  return lines.join('\n');
}

/** SHA-256 of a file, read in 4 MiB chunks (never the whole file at once). */
export function hashFile(file: string): { sha256: string; size: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(4 * 1024 * 1024);
    let size = 0;
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      hash.update(chunk.subarray(0, read));
      size += read;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    fs.closeSync(fd);
  }
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

/** Hashes with the size+mtime+inode cache of the lock's folder. */
export class HashCache {
  private readonly entries: Record<string, CacheEntry>;
  private dirty = false;
  hashed = 0;
  reused = 0;
  bytesHashed = 0;

  constructor(
    private readonly root: string,
    private readonly force = false,
  ) {
    let entries: Record<string, CacheEntry> = {};
    try {
      const data = JSON.parse(fs.readFileSync(path.join(root, CACHE_FILE), 'utf8')) as {
        version?: number;
        files?: Record<string, CacheEntry>;
      };
      if (data.version === 1 && data.files && typeof data.files === 'object') entries = data.files;
    } catch {
      // no cache yet, or an unreadable one: everything is hashed
    }
    this.entries = entries;
  }

  hash(file: string): { sha256: string; size: number } {
    const stat = fs.statSync(file);
    const key = toPosix(path.relative(this.root, file));
    const cached = this.entries[key];
    if (!this.force && cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs && cached.ino === stat.ino) {
      this.reused++;
      return { sha256: cached.sha256, size: cached.size };
    }
    const result = hashFile(file);
    this.hashed++;
    this.bytesHashed += result.size;
    // Cache only when the file did not change while it was hashed.
    const after = fs.statSync(file);
    if (after.size === stat.size && after.mtimeMs === stat.mtimeMs && after.size === result.size) {
      this.entries[key] = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, sha256: result.sha256 };
      this.dirty = true;
    }
    return result;
  }

  /**
   * The same as `hash`, reading with promises so that an event loop (the language server) keeps
   * serving requests between chunks of a multi-gigabyte file.
   */
  async hashAsync(file: string): Promise<{ sha256: string; size: number }> {
    const stat = await fs.promises.stat(file);
    const key = toPosix(path.relative(this.root, file));
    const cached = this.entries[key];
    if (!this.force && cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs && cached.ino === stat.ino) {
      this.reused++;
      return { sha256: cached.sha256, size: cached.size };
    }
    const handle = await fs.promises.open(file, 'r');
    const hash = createHash('sha256');
    let size = 0;
    try {
      const chunk = Buffer.allocUnsafe(4 * 1024 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        hash.update(chunk.subarray(0, bytesRead));
        size += bytesRead;
      }
    } finally {
      await handle.close();
    }
    const result = { sha256: hash.digest('hex'), size };
    this.hashed++;
    this.bytesHashed += size;
    const after = await fs.promises.stat(file);
    if (after.size === stat.size && after.mtimeMs === stat.mtimeMs && after.size === size) {
      this.entries[key] = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, sha256: result.sha256 };
      this.dirty = true;
    }
    return result;
  }

  save(): void {
    if (!this.dirty) return;
    try {
      fs.mkdirSync(path.join(this.root, '.mlsec'), { recursive: true });
      const target = path.join(this.root, CACHE_FILE);
      fs.writeFileSync(target + '.tmp', JSON.stringify({ version: 1, files: this.entries }) + '\n');
      fs.renameSync(target + '.tmp', target);
    } catch {
      // The cache is an optimisation: a read-only checkout just hashes again next time.
    }
  }
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

export interface LockCheck {
  /** Findings per model file (absolute path); missing files are keyed by their would-be path. */
  byFile: Map<string, ArtifactFinding[]>;
  checked: number;
  changed: number;
  missing: number;
  unlocked: number;
}

/**
 * Compares scanned model files with the lock. `roots` are the scanned folders/files: a locked
 * entry outside them is not reported missing (a scan of one folder says nothing about others).
 */
export function checkLock(lock: ModelLock, modelFiles: readonly string[], roots: readonly string[], cache: HashCache): LockCheck {
  const base = path.dirname(lock.file);
  const result: LockCheck = { byFile: new Map(), checked: 0, changed: 0, missing: 0, unlocked: 0 };
  const add = (file: string, f: ArtifactFinding) => {
    const list = result.byFile.get(file) ?? [];
    list.push(f);
    result.byFile.set(file, list);
  };
  const seen = new Set<string>();
  for (const file of modelFiles) {
    const rel = toPosix(path.relative(base, file));
    if (rel.startsWith('../') || path.isAbsolute(rel)) continue;
    seen.add(rel);
    const entry = lock.entries.get(rel);
    if (!entry) {
      result.unlocked++;
      add(file, {
        code: 'MLS610',
        severity: 'info',
        message: `model file is not in ${path.basename(lock.file)}; run \`mlsec lock\` after reviewing it`,
        subject: rel,
      });
      continue;
    }
    result.checked++;
    let actual: { sha256: string; size: number };
    try {
      actual = cache.hash(file);
    } catch (error) {
      add(file, {
        code: 'MLS607',
        severity: 'warning',
        message: `cannot hash the locked file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        subject: rel,
      });
      continue;
    }
    if (actual.sha256 !== entry.sha256 || actual.size !== entry.size) {
      result.changed++;
      add(file, {
        code: 'MLS608',
        severity: 'error',
        message: `${rel} changed since it was locked (sha256 ${entry.sha256.slice(0, 12)}… size ${entry.size} → ${actual.sha256.slice(0, 12)}… size ${actual.size})`,
        subject: rel,
      });
    }
  }
  const absRoots = roots.map((r) => path.resolve(r));
  for (const entry of lock.entries.values()) {
    if (seen.has(entry.path)) continue;
    const file = path.join(base, ...entry.path.split('/'));
    if (!absRoots.some((root) => file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep))) continue;
    if (fs.existsSync(file)) continue; // present but excluded from this scan (or not a model extension)
    result.missing++;
    add(lock.file, {
      code: 'MLS609',
      severity: 'warning',
      message: `${entry.path} is locked in ${path.basename(lock.file)} but missing`,
      subject: entry.path,
    });
  }
  cache.save();
  return result;
}
