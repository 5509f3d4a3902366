/**
 * Writing the report and the stats file, and the other environment failures the CLI reports as a
 * plain message with exit code 2 instead of a JavaScript stack trace (issue 13): an output path
 * that cannot be written, a working directory that no longer exists.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A failure of the environment, not of mlsec: printed as `mlsec: <message>`, exit code 2. */
export class EnvironmentError extends Error {}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    ENOENT: 'no such folder',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'it is a folder',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
  };
  return (e?.code && known[e.code]) ?? (e?.code || (error instanceof Error ? error.message : String(error)));
}

/**
 * Writes `text` to `file`, creating missing parent folders one level at a time (a recursive
 * `mkdirSync` does not return on some special file systems, such as a path under /proc).
 */
export function writeOutputFile(file: string, text: string, what: string): void {
  const absolute = path.resolve(file);
  try {
    const missing: string[] = [];
    for (let dir = path.dirname(absolute); !fs.existsSync(dir); dir = path.dirname(dir)) {
      missing.unshift(dir);
      if (path.dirname(dir) === dir) break;
    }
    for (const dir of missing) fs.mkdirSync(dir);
    fs.writeFileSync(absolute, text);
  } catch (error) {
    throw new EnvironmentError(`cannot write ${what} ${file}: ${reason(error)}`);
  }
}

/** The working directory, or a clear error when it was deleted (process.cwd() throws then). */
export function workingDirectory(): string {
  try {
    return process.cwd();
  } catch (error) {
    throw new EnvironmentError(
      `the current folder cannot be read (${reason(error)}): was it deleted? Change to an existing folder and run again`,
    );
  }
}
