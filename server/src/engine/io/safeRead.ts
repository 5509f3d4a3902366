/**
 * The one way the engine, the CLI and the server read a file from disk. Every reader (sources,
 * notebooks, configuration, ignore files, the product's own files) goes through here so that no
 * read can hang or grow without bound:
 *
 * - Only regular files are opened. The path is checked with `stat` before anything is opened, so a
 *   FIFO (whose open blocks until a writer comes) or a symbolic link to a device (`/dev/zero`,
 *   `/dev/tty`) is refused without being opened; the open itself is non-blocking in case the path
 *   was swapped for a FIFO in between, and the descriptor is checked again (`fstat`: still a
 *   regular file, still the same file) before reading.
 * - Every read has a size bound: at most `limit` bytes are read, even from a file that grows while
 *   it is read.
 *
 * Written here rather than taken from a library because it is small and security-critical: the
 * checks must happen in this order on one descriptor, which no file-reading package promises.
 * Nothing throws; the result says what went wrong in words fit for a report.
 */
import * as fs from 'node:fs';

/** Project files (pyproject.toml, .mlsec.toml, .gitignore, review files) larger than this are refused. */
export const MAX_PROJECT_FILE_SIZE = 4 * 1024 * 1024;

export type ReadFailure = 'missing' | 'not-regular' | 'too-large' | 'unreadable';

export type ReadBytesResult = { ok: true; bytes: Buffer } | { ok: false; reason: ReadFailure; message: string };
export type ReadTextResult = { ok: true; text: string } | { ok: false; reason: ReadFailure; message: string };

export interface ReadOptions {
  /**
   * Also read a FIFO (a pipe): only for a path a person named explicitly for that purpose, such
   * as `--files-from <(find …)`, where waiting for the writer is what they asked for.
   */
  allowPipe?: boolean;
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/** What a `stat` says a path is, for messages. */
export function kindOf(stat: fs.Stats): string {
  if (stat.isFile()) return 'regular file';
  if (stat.isDirectory()) return 'folder';
  if (stat.isFIFO()) return 'FIFO';
  if (stat.isCharacterDevice()) return 'character device';
  if (stat.isBlockDevice()) return 'block device';
  if (stat.isSocket()) return 'socket';
  return 'special file';
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function failure(reason: ReadFailure, message: string): { ok: false; reason: ReadFailure; message: string } {
  return { ok: false, reason, message };
}

function sizeMessage(size: number | undefined, limit: number, setting?: string): string {
  const what = size !== undefined ? `file is ${size} bytes, over the ${limit}-byte limit` : `file is over the ${limit}-byte limit`;
  return setting ? `${what} (${setting})` : what;
}

/**
 * Opens a regular file for reading in parts (a model file whose tensors are never read): checked
 * with `stat` before the open (a FIFO or device is never opened), opened without blocking, and
 * checked again on the descriptor. The caller closes `fd`.
 */
export function openRegularFile(
  file: string,
): { ok: true; fd: number; stat: fs.Stats } | { ok: false; reason: ReadFailure; message: string } {
  let before: fs.Stats;
  try {
    before = fs.statSync(file);
  } catch (error) {
    const code = errorCode(error);
    return failure(
      code === 'ENOENT' ? 'missing' : 'unreadable',
      code === 'ELOOP' ? 'cannot read: symbolic link loop (ELOOP)' : `cannot read: ${code}`,
    );
  }
  if (!before.isFile()) return failure('not-regular', `not a regular file (${kindOf(before)}); not read`);
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (error) {
    return failure('unreadable', `cannot read: ${errorCode(error)}`);
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile() || stat.dev !== before.dev || stat.ino !== before.ino) {
    fs.closeSync(fd);
    return failure('unreadable', 'cannot read: the file was replaced while it was opened');
  }
  return { ok: true, fd, stat };
}

/**
 * The bytes of a regular file of at most `limit` bytes. `setting` names what sets the limit, for
 * the message (e.g. `max-file-size`).
 */
export function readRegularFile(file: string, limit: number, options: ReadOptions & { setting?: string } = {}): ReadBytesResult {
  let before: fs.Stats;
  try {
    before = fs.statSync(file);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return failure('missing', 'cannot read: ENOENT (no such file)');
    if (code === 'ELOOP') return failure('unreadable', 'cannot read: symbolic link loop (ELOOP)');
    return failure('unreadable', `cannot read: ${code}`);
  }
  const pipe = options.allowPipe === true && before.isFIFO();
  if (!before.isFile() && !pipe) return failure('not-regular', `not a regular file (${kindOf(before)}); not read`);
  if (!pipe && before.size > limit) return failure('too-large', sizeMessage(before.size, limit, options.setting));
  let fd: number;
  try {
    // A pipe the person named is opened blocking: waiting for its writer is what they asked for.
    fd = fs.openSync(file, pipe ? fs.constants.O_RDONLY : OPEN_FLAGS);
  } catch (error) {
    return failure('unreadable', `cannot read: ${errorCode(error)}`);
  }
  try {
    const after = fs.fstatSync(fd);
    if (!pipe) {
      if (!after.isFile()) return failure('not-regular', `not a regular file (${kindOf(after)}); not read`);
      if (after.dev !== before.dev || after.ino !== before.ino)
        return failure('unreadable', 'cannot read: the file was replaced while it was opened');
      if (after.size > limit) return failure('too-large', sizeMessage(after.size, limit, options.setting));
    }
    const bytes = readBounded(fd, pipe ? 0 : after.size, limit + 1);
    if (bytes.length > limit) return failure('too-large', sizeMessage(undefined, limit, options.setting));
    return { ok: true, bytes };
  } catch (error) {
    return failure('unreadable', `cannot read: ${errorCode(error)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A regular file's text as UTF-8 (a leading byte-order mark dropped), at most `limit` bytes.
 * Invalid UTF-8 is a failure unless `lenient` (then it is replaced, as git reads a .gitignore
 * byte by byte and a pattern in another encoding simply matches nothing).
 */
export function readTextFile(
  file: string,
  limit: number,
  options: ReadOptions & { setting?: string; lenient?: boolean } = {},
): ReadTextResult {
  const read = readRegularFile(file, limit, options);
  if (!read.ok) return read;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: options.lenient !== true }).decode(read.bytes);
  } catch {
    return failure('unreadable', 'not valid UTF-8');
  }
  return { ok: true, text };
}

/**
 * Up to `limit` bytes from an open descriptor (standard input, for `--files-from -`). A
 * non-blocking descriptor that has nothing yet is waited for briefly and read again.
 */
export function readDescriptor(fd: number, limit: number): Buffer {
  return readBounded(fd, 0, limit + 1);
}

/**
 * The content of an open descriptor whose size was `size`, at most `cap` bytes. A regular file's
 * size is trusted as a first guess (one allocation), but reading goes on to the end or the cap so
 * that a file that grew is seen as larger; a pipe (size 0) is read in growing chunks.
 */
function readBounded(fd: number, size: number, cap: number): Buffer {
  let bytes = Buffer.allocUnsafe(Math.max(1, Math.min(size > 0 ? size + 1 : 65536, cap)));
  let length = 0;
  for (;;) {
    if (length === bytes.length) {
      if (length >= cap) return bytes;
      const larger = Buffer.allocUnsafe(Math.min(cap, bytes.length * 2));
      bytes.copy(larger, 0, 0, length);
      bytes = larger;
    }
    let read: number;
    try {
      read = fs.readSync(fd, bytes, length, bytes.length - length, null);
    } catch (error) {
      if (errorCode(error) !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      continue;
    }
    if (read === 0) return bytes.subarray(0, length);
    length += read;
  }
}
