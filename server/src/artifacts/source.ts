/**
 * Bounded random access to the bytes of a model file. Checkpoints are often gigabytes of tensor
 * data around a few kilobytes of structure (a pickle, a zip directory, a JSON header): readers ask
 * for the ranges they need and skip the rest, so the tensor payload is never read.
 *
 * Hand-written rather than `fs.readFileSync` because the whole file must not be loaded. The file
 * is opened through the engine's regular-file check (engine/io/safeRead.ts); this class keeps a
 * growing window for sequential reads of large files.
 */
import * as fs from 'node:fs';
import { openRegularFile } from '../engine/io/safeRead';

export class TruncatedError extends Error {
  constructor(
    readonly offset: number,
    what: string,
  ) {
    super(`truncated: ${what} at byte ${offset} runs past the end of the data`);
  }
}

export interface ByteSource {
  readonly length: number;
  /** Bytes [offset, offset + count); throws TruncatedError when they run past the end. */
  bytes(offset: number, count: number, what?: string): Uint8Array;
  byte(offset: number): number;
  /** Total bytes fetched from the underlying storage (for the benchmark and the tests). */
  readonly bytesRead: number;
}

export class MemorySource implements ByteSource {
  bytesRead = 0;
  constructor(private readonly data: Uint8Array) {}
  get length(): number {
    return this.data.length;
  }
  bytes(offset: number, count: number, what = 'a field'): Uint8Array {
    if (offset < 0 || count < 0 || offset + count > this.data.length) throw new TruncatedError(offset, what);
    this.bytesRead += count;
    return this.data.subarray(offset, offset + count);
  }
  byte(offset: number): number {
    if (offset < 0 || offset >= this.data.length) throw new TruncatedError(offset, 'a byte');
    this.bytesRead++;
    return this.data[offset];
  }
}

const MIN_WINDOW = 64 * 1024;
const MAX_WINDOW = 4 * 1024 * 1024;

/**
 * An open file read through a window that starts at 64 KiB (most reads are a header or a zip
 * directory) and doubles while reads continue where the previous window ended (a long pickle),
 * up to 4 MiB. The descriptor is closed by `close`.
 */
export class FileSource implements ByteSource {
  bytesRead = 0;
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private windowSize = MIN_WINDOW;

  private constructor(
    private readonly fd: number,
    readonly length: number,
  ) {}

  /** Opens a regular file (never a FIFO or device: engine/io/safeRead.ts); throws with the reason. */
  static open(file: string): { source: FileSource; stat: fs.Stats } {
    const opened = openRegularFile(file);
    if (!opened.ok) throw new Error(opened.message.replace(/^cannot read: /, ''));
    return { source: new FileSource(opened.fd, opened.stat.size), stat: opened.stat };
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  bytes(offset: number, count: number, what = 'a field'): Uint8Array {
    if (offset < 0 || count < 0 || offset + count > this.length) throw new TruncatedError(offset, what);
    if (offset >= this.windowStart && offset + count <= this.windowStart + this.window.length) {
      return this.window.subarray(offset - this.windowStart, offset - this.windowStart + count);
    }
    const sequential =
      this.window.length > 0 && offset >= this.windowStart + this.window.length - count && offset <= this.windowStart + this.window.length;
    this.windowSize = sequential ? Math.min(MAX_WINDOW, this.windowSize * 2) : MIN_WINDOW;
    if (count > this.windowSize / 2) return this.readExact(offset, count);
    const size = Math.min(this.windowSize, this.length - offset);
    this.window = this.readExact(offset, size);
    this.windowStart = offset;
    return this.window.subarray(0, count);
  }

  byte(offset: number): number {
    return this.bytes(offset, 1, 'a byte')[0];
  }

  private readExact(offset: number, count: number): Uint8Array {
    const out = new Uint8Array(count);
    let done = 0;
    while (done < count) {
      const read = fs.readSync(this.fd, out, done, count - done, offset + done);
      if (read === 0) throw new TruncatedError(offset + done, 'the file (it shrank while being read)');
      done += read;
    }
    this.bytesRead += count;
    return out;
  }
}

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
