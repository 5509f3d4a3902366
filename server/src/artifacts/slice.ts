/** A window [start, start + length) of another ByteSource: a stored zip or tar member, read in place. */
import type { ByteSource } from './source';
import { TruncatedError } from './source';

export class SliceSource implements ByteSource {
  constructor(
    private readonly inner: ByteSource,
    readonly start: number,
    readonly length: number,
  ) {}
  get bytesRead(): number {
    return this.inner.bytesRead;
  }
  bytes(offset: number, count: number, what = 'a field'): Uint8Array {
    if (offset < 0 || count < 0 || offset + count > this.length) throw new TruncatedError(offset, what);
    return this.inner.bytes(this.start + offset, count, what);
  }
  byte(offset: number): number {
    if (offset < 0 || offset >= this.length) throw new TruncatedError(offset, 'a byte');
    return this.inner.byte(this.start + offset);
  }
}
