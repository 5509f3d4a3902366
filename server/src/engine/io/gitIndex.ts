/**
 * The paths git tracks, read from the repository's index file (`.git/index`) without running git.
 *
 * Why: git never ignores a tracked file, whatever `.gitignore` says. mlsec applied `.gitignore` to
 * every file and so skipped committed code (35 of 96 files of one repository, issue 16). Following
 * git needs the list of tracked paths; running `git` is out (the tool runs no programs and reads
 * no project code), and no maintained npm package reads every index version: isomorphic-git reads
 * version 2 only, while versions 3 (extended flags, e.g. `git add -N`, sparse checkout) and 4
 * (prefix-compressed paths, `index.version = 4` / `feature.manyFiles`) occur in real clones. The
 * format is small and documented (git's Documentation/gitformat-index.txt), so this is a bounded
 * reader of the paths only:
 *
 *   header   "DIRC", version (2, 3 or 4), entry count (32-bit, big endian)
 *   entry    40 bytes of stat data, object id (20 bytes SHA-1 or 32 bytes SHA-256), 16-bit flags
 *            (low 12 bits: path length, 0x4000: extended), 16 more flag bits when extended (v3+),
 *            then the path: v2/v3 NUL-terminated and padded with NULs to a multiple of 8 bytes;
 *            v4 a varint of bytes to drop from the previous path, then the NUL-terminated rest
 *   trailer  hash of everything before it (SHA-1, or SHA-256 in SHA-256 repositories)
 *
 * The checksum is verified, the file is read through safeRead with a size bound, and the entry
 * count and path lengths have hard limits; anything unexpected yields a message (and the caller
 * falls back to applying `.gitignore` to every file, saying so), never an exception.
 * `.git` may be a file (`gitdir: <path>`) in worktrees and submodules; it is followed once.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_PROJECT_FILE_SIZE, readRegularFile, readTextFile } from './safeRead';

/** Index files larger than this are not read (an index of a million files is about 100 MB). */
export const MAX_INDEX_SIZE = 256 * 1024 * 1024;
/** At most this many entries are accepted. */
export const MAX_INDEX_ENTRIES = 2_000_000;
/** Longest path accepted in an entry (git's own limit on most systems is 4096). */
export const MAX_INDEX_PATH = 4096;

export type GitIndexResult =
  | { ok: true; version: number; paths: string[]; /** Sparse-index folder entries (`dir/`). */ folders: string[] }
  | { ok: false; message: string };

/** Finds the index file of the working tree whose top folder is `worktree` (holding `.git`). */
export function indexFileOf(worktree: string): { ok: true; file: string } | { ok: false; message: string } {
  const dotGit = path.join(worktree, '.git');
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dotGit);
  } catch {
    return { ok: false, message: `${dotGit} not found` };
  }
  if (stat.isDirectory()) return { ok: true, file: path.join(dotGit, 'index') };
  if (!stat.isFile()) return { ok: false, message: `${dotGit} is neither a folder nor a file` };
  // A worktree or submodule: `.git` is a file naming the git folder.
  const read = readTextFile(dotGit, MAX_PROJECT_FILE_SIZE, { setting: 'the limit for project files' });
  if (!read.ok) return { ok: false, message: `${dotGit}: ${read.message}` };
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(read.text);
  if (!match) return { ok: false, message: `${dotGit} is a file without a "gitdir:" line` };
  return { ok: true, file: path.join(path.resolve(worktree, match[1]), 'index') };
}

/** Reads the tracked paths (relative to the working tree, `/`-separated) of the working tree at `worktree`. */
export function readGitIndexOf(worktree: string): GitIndexResult {
  const located = indexFileOf(worktree);
  if (!located.ok) return located;
  if (!fs.existsSync(located.file)) return { ok: true, version: 0, paths: [], folders: [] };
  const read = readRegularFile(located.file, MAX_INDEX_SIZE, { setting: 'the limit for git index files' });
  if (!read.ok) return { ok: false, message: `${located.file}: ${read.message}` };
  const parsed = parseGitIndex(read.bytes);
  return parsed.ok ? parsed : { ok: false, message: `${located.file}: ${parsed.message}` };
}

/** Parses index bytes; see the file header for the format. */
export function parseGitIndex(bytes: Uint8Array): GitIndexResult {
  const fail = (message: string): GitIndexResult => ({ ok: false, message });
  if (bytes.length < 12 + 20) return fail('too short to be a git index');
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.toString('latin1', 0, 4) !== 'DIRC') return fail('not a git index (no DIRC signature)');
  const version = data.readUInt32BE(4);
  if (version < 2 || version > 4) return fail(`git index version ${version} is not supported (2, 3 and 4 are)`);
  const count = data.readUInt32BE(8);
  if (count > MAX_INDEX_ENTRIES) return fail(`${count} entries, over the limit of ${MAX_INDEX_ENTRIES}`);
  const hashSize = checksumSize(data);
  if (hashSize === undefined) return fail('checksum does not match (the index is damaged or being written)');
  const end = data.length - hashSize;
  const paths: string[] = [];
  const folders: string[] = [];
  let offset = 12;
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    const start = offset;
    const fixed = 40 + hashSize + 2;
    if (offset + fixed > end) return fail(`entry ${i + 1} runs past the end of the file`);
    const mode = data.readUInt32BE(offset + 24);
    const flags = data.readUInt16BE(offset + 40 + hashSize);
    offset += fixed;
    if (flags & 0x4000) {
      if (version < 3) return fail(`entry ${i + 1} has extended flags in a version 2 index`);
      offset += 2;
    }
    let name: Buffer;
    if (version === 4) {
      let drop = 0;
      let byte: number;
      let guard = 0;
      do {
        if (offset >= end || ++guard > 5) return fail(`entry ${i + 1} has a malformed path prefix`);
        byte = data[offset++];
        drop = guard === 1 ? byte & 0x7f : ((drop + 1) << 7) | (byte & 0x7f);
      } while (byte & 0x80);
      if (drop > previous.length) return fail(`entry ${i + 1} drops more of the previous path than it has`);
      const nul = data.indexOf(0, offset);
      if (nul < 0 || nul >= end) return fail(`entry ${i + 1} has an unterminated path`);
      name = Buffer.concat([previous.subarray(0, previous.length - drop), data.subarray(offset, nul)]);
      offset = nul + 1;
    } else {
      const nul = data.indexOf(0, offset);
      if (nul < 0 || nul >= end) return fail(`entry ${i + 1} has an unterminated path`);
      name = data.subarray(offset, nul);
      // Padded with 1 to 8 NULs so that the entry's length is a multiple of 8.
      offset = start + Math.ceil((nul - start + 1) / 8) * 8;
      if (offset > end) return fail(`entry ${i + 1} runs past the end of the file`);
    }
    if (name.length === 0 || name.length > MAX_INDEX_PATH) return fail(`entry ${i + 1} has a path of ${name.length} bytes`);
    previous = name;
    const text = name.toString('utf8');
    // A sparse index records a whole folder outside the sparse cone as one entry (mode 040000).
    if ((mode & 0o170000) === 0o040000 || text.endsWith('/')) folders.push(text.replace(/\/?$/, '/'));
    // A submodule (gitlink, mode 160000) is a tracked folder: it counts as a tracked path too.
    else paths.push(text);
  }
  return { ok: true, version, paths, folders };
}

/** The size of the trailing hash that matches the content (20: SHA-1, 32: SHA-256), or undefined. */
function checksumSize(data: Buffer): number | undefined {
  for (const [size, algorithm] of [
    [20, 'sha1'],
    [32, 'sha256'],
  ] as const) {
    if (data.length < 12 + size) continue;
    const digest = createHash(algorithm)
      .update(data.subarray(0, data.length - size))
      .digest();
    if (digest.equals(data.subarray(data.length - size))) return size;
  }
  return undefined;
}

/**
 * The tracked paths of one working tree, for questions by path: a file is tracked, a folder holds
 * tracked files. Paths are relative to `root`, `/`-separated.
 */
export class TrackedFiles {
  private readonly files: Set<string>;
  /** Folders holding a tracked file (`a`, `a/b`, without a trailing slash). */
  private readonly folders = new Set<string>();
  /** Sparse-index folder entries (`a/b/`): everything under them is tracked. */
  private readonly sparse: Set<string>;

  constructor(
    readonly root: string,
    index: { paths: readonly string[]; folders: readonly string[] },
  ) {
    this.files = new Set(index.paths);
    this.sparse = new Set(index.folders);
    for (const file of [...index.paths, ...index.folders]) {
      for (let slash = file.indexOf('/'); slash >= 0; slash = file.indexOf('/', slash + 1)) this.folders.add(file.slice(0, slash));
    }
  }

  /** Whether `relative` (a file, or a folder when `isFolder`) is tracked or holds tracked files. */
  tracks(relative: string, isFolder: boolean): boolean {
    if (this.files.has(relative) || (isFolder && this.folders.has(relative))) return true;
    if (this.sparse.size === 0) return false;
    for (let slash = relative.indexOf('/'); slash >= 0; slash = relative.indexOf('/', slash + 1)) {
      if (this.sparse.has(relative.slice(0, slash + 1))) return true;
    }
    return isFolder && this.sparse.has(relative + '/');
  }

  get size(): number {
    return this.files.size;
  }
}

/**
 * The working trees a walk goes through and their tracked files, read once each. A folder
 * holding `.git` (a folder or a file) is the top of a working tree; a submodule is its own.
 */
export class GitWorktrees {
  private readonly tops = new Map<string, string | null>();
  private readonly tracked = new Map<string, TrackedFiles | null>();

  constructor(
    /** Told once per working tree whose index was read, or could not be (then `.gitignore` applies to every file). */
    private readonly onIndex?: (top: string, result: { ok: true; files: number } | { ok: false; message: string }) => void,
  ) {}

  /** Whether git tracks `file` (a folder: holds a tracked file), so that `.gitignore` does not apply to it. */
  tracks(file: string, isFolder: boolean): boolean {
    const top = this.topOf(path.dirname(file));
    if (!top) return false;
    const files = this.filesOf(top);
    if (!files) return false;
    return files.tracks(path.relative(top, file).split(path.sep).join('/'), isFolder);
  }

  private topOf(folder: string): string | undefined {
    const known = this.tops.get(folder);
    if (known !== undefined) return known ?? undefined;
    let top: string | null;
    if (fs.existsSync(path.join(folder, '.git'))) top = folder;
    else {
      const parent = path.dirname(folder);
      top = parent === folder ? null : (this.topOf(parent) ?? null);
    }
    this.tops.set(folder, top);
    return top ?? undefined;
  }

  private filesOf(top: string): TrackedFiles | undefined {
    const known = this.tracked.get(top);
    if (known !== undefined) return known ?? undefined;
    const read = readGitIndexOf(top);
    const files = read.ok ? new TrackedFiles(top, read) : null;
    this.tracked.set(top, files);
    this.onIndex?.(top, read.ok ? { ok: true, files: read.paths.length } : { ok: false, message: read.message });
    return files ?? undefined;
  }
}
