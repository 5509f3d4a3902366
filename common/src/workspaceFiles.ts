/**
 * Reading and writing files under a workspace folder without ever leaving it: the review file
 * lives in the folder people commit, and a repository can hold symbolic links (to a file in the
 * home folder, to `/dev/zero`), FIFOs and the like. Rules:
 *
 * - No symbolic link is followed below the workspace folder, in any component of the path (`lstat`
 *   on each, and `O_NOFOLLOW` on the file itself); such a path is reported, not used.
 * - Only regular files are read (a FIFO or device is never opened for reading: the open is
 *   non-blocking and the descriptor is checked), and at most a bounded number of bytes.
 * - Files are written to a fresh temporary file (created exclusively, so a link planted under that
 *   name is not followed) and renamed over the target, so a reader never sees half a file.
 *
 * Small and security-critical, so written here; no `vscode` import (the unit tests run in Node).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Review files are small; anything larger is not one. */
export const MAX_WORKSPACE_FILE_SIZE = 4 * 1024 * 1024;

export type WorkspaceRead = { ok: true; text: string } | { ok: false; missing: boolean; message: string };

const READ_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

function kind(stat: fs.Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isFile()) return 'a regular file';
  return 'a device';
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

/**
 * Checks that each folder between `folder` and `file` (which must be below it) is a real folder,
 * not a symbolic link. Returns a problem, or undefined when all are fine or some do not exist yet
 * (`missing` says which is the first that does not).
 */
export function checkFolders(folder: string, file: string): { problem?: string; missing?: string } {
  const relative = path.relative(folder, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return { problem: 'is not inside the workspace folder' };
  const parts = relative.split(path.sep).slice(0, -1);
  let current = folder;
  for (const part of parts) {
    current = path.join(current, part);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return { missing: current };
      return { problem: `cannot be reached: ${path.relative(folder, current)} (${codeOf(error)})` };
    }
    if (!stat.isDirectory())
      return {
        problem: `is not used: ${path.relative(folder, current)} is ${kind(stat)}, not a folder (links are not followed out of the workspace)`,
      };
  }
  return {};
}

/** The text of a regular file below `folder`, reached without following any link. */
export function readInsideWorkspace(folder: string, file: string, limit = MAX_WORKSPACE_FILE_SIZE): WorkspaceRead {
  const folders = checkFolders(folder, file);
  if (folders.problem) return { ok: false, missing: false, message: folders.problem };
  if (folders.missing) return { ok: false, missing: true, message: 'does not exist' };
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (error) {
    const code = codeOf(error);
    return { ok: false, missing: code === 'ENOENT', message: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})` };
  }
  if (!stat.isFile())
    return {
      ok: false,
      missing: false,
      message: `is ${kind(stat)}, not a regular file; it is neither read nor written (links are not followed out of the workspace)`,
    };
  if (stat.size > limit) return { ok: false, missing: false, message: `is ${stat.size} bytes, over the ${limit}-byte limit` };
  let fd: number;
  try {
    fd = fs.openSync(file, READ_FLAGS);
  } catch (error) {
    return { ok: false, missing: false, message: `cannot be read (${codeOf(error)})` };
  }
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile() || opened.ino !== stat.ino || opened.dev !== stat.dev)
      return { ok: false, missing: false, message: 'was replaced while it was opened; not read' };
    const bytes = Buffer.allocUnsafe(Math.min(limit, opened.size) + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(fd, bytes, length, bytes.length - length, null);
      if (read === 0) break;
      length += read;
      if (length === bytes.length) break;
    }
    if (length > limit) return { ok: false, missing: false, message: `is over the ${limit}-byte limit` };
    return { ok: true, text: bytes.subarray(0, length).toString('utf8') };
  } catch (error) {
    return { ok: false, missing: false, message: `cannot be read (${codeOf(error)})` };
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates the folders between `folder` and `file`, refusing to go through a link. */
export function makeFoldersInside(folder: string, file: string): void {
  for (;;) {
    const folders = checkFolders(folder, file);
    if (folders.problem) throw new Error(`${file} ${folders.problem}`);
    if (!folders.missing) return;
    fs.mkdirSync(folders.missing); // one level at a time, then checked again
  }
}

/** Writes a new file that must not exist yet (a backup): a link planted under its name is not followed. */
export function writeNewFileInside(folder: string, file: string, text: string): void {
  makeFoldersInside(folder, file);
  fs.writeFileSync(file, text, { encoding: 'utf8', flag: 'wx', mode: 0o644 });
}

/**
 * Replaces `file` (a regular file or nothing; a link there is refused) atomically: a temporary
 * file beside it, flushed, then renamed over it.
 */
export function writeAtomicallyInside(folder: string, file: string, text: string): void {
  makeFoldersInside(folder, file);
  try {
    const stat = fs.lstatSync(file);
    if (!stat.isFile())
      throw new Error(`${file} is ${kind(stat)}, not a regular file; it is not overwritten (links are not followed out of the workspace)`);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw error;
  }
  const temp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o644);
  try {
    fs.writeSync(fd, text, null, 'utf8');
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * A small regular file anywhere (git's config files): links are followed, as git does, but only
 * a regular file is opened (never a FIFO or device), and at most `limit` bytes are read.
 */
export function readSmallFile(file: string, limit = 1024 * 1024): string | undefined {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || stat.size > limit) return undefined;
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
      const opened = fs.fstatSync(fd);
      if (!opened.isFile()) return undefined;
      const bytes = Buffer.allocUnsafe(Math.min(limit, opened.size) + 1);
      let length = 0;
      while (length < bytes.length) {
        const read = fs.readSync(fd, bytes, length, bytes.length - length, null);
        if (read === 0) break;
        length += read;
      }
      return length > limit ? undefined : bytes.subarray(0, length).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
