/**
 * Zip archives (PyTorch checkpoints, TorchScript, `.npz`, `.keras`), read from the central
 * directory so that only the members that matter are fetched: a checkpoint's tensor records can
 * be gigabytes and are never read. Decompression is `fflate`'s (the project's zip library);
 * only the directory walk is our own, because fflate's unzip needs the whole archive in memory.
 *
 * Limits (zip bombs): member count, declared and actual uncompressed size per member, and
 * compression ratio. Member names are only reported, never used as paths.
 */
import { inflateSync } from 'fflate';
import type { ByteSource } from './source';
import { latin1, utf8 } from './source';

export interface ZipLimits {
  maxMembers: number;
  /** Largest member decompressed (bytes). */
  maxMemberSize: number;
  /** Highest uncompressed/compressed ratio accepted for a member that is decompressed. */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxMembers: 100_000, maxMemberSize: 512 * 1024 * 1024, maxRatio: 1000 };

export interface ZipMember {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  /** Offset of the local file header. */
  headerOffset: number;
}

export class ZipError extends Error {}

export interface ZipDirectory {
  members: ZipMember[];
  /** Offset where the archive starts in the file (data prepended to a zip shifts everything). */
  base: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
}
function u64(b: Uint8Array, o: number): number {
  const v = u32(b, o) + u32(b, o + 4) * 0x100000000;
  if (!Number.isSafeInteger(v)) throw new ZipError('a 64-bit size or offset is too large');
  return v;
}

/** True when the bytes start like a zip archive (local header or an empty archive). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

export function readZipDirectory(source: ByteSource, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipDirectory {
  const tailSize = Math.min(source.length, 22 + 0xffff);
  const tailStart = source.length - tailSize;
  const tail = source.bytes(tailStart, tailSize, 'the zip end record');
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('no zip end-of-directory record (truncated or not a zip)');
  let count = u16(tail, eocd + 10);
  let dirSize = u32(tail, eocd + 12);
  let dirOffset = u32(tail, eocd + 16);
  const eocdAbs = tailStart + eocd;
  let dirEnd = eocdAbs;
  // A zip64 end record (PyTorch writes one even for small files) sits between the directory and
  // the end record; its 64-bit values replace the 32-bit ones that are all ones.
  if (eocdAbs >= 20) {
    const loc = source.bytes(eocdAbs - 20, 20, 'the zip64 locator');
    if (u32(loc, 0) === EOCD64_LOCATOR) {
      let recordAt = u64(loc, 8);
      if (recordAt + 56 > source.length || u32(source.bytes(recordAt, 4), 0) !== EOCD64) recordAt = eocdAbs - 20 - 56; // data prepended
      const rec = source.bytes(recordAt, 56, 'the zip64 end record');
      if (u32(rec, 0) !== EOCD64) throw new ZipError('zip64 end record missing where the locator points');
      if (count === 0xffff) count = u64(rec, 32);
      if (dirSize === 0xffffffff) dirSize = u64(rec, 40);
      if (dirOffset === 0xffffffff) dirOffset = u64(rec, 48);
      dirEnd = recordAt;
    }
  }
  if (count > limits.maxMembers) throw new ZipError(`zip lists ${count} members, over the limit of ${limits.maxMembers}`);
  // Data prepended to the archive (self-extracting or polyglot files) shifts the offsets.
  const base = Math.max(0, dirEnd - dirSize - dirOffset);
  const dir = source.bytes(base + dirOffset, dirSize, 'the zip central directory');
  const members: ZipMember[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || u32(dir, p) !== CENTRAL) throw new ZipError(`zip central directory entry ${i} is damaged`);
    const flags = u16(dir, p + 8);
    const method = u16(dir, p + 10);
    let compressedSize = u32(dir, p + 20);
    let size = u32(dir, p + 24);
    const nameLength = u16(dir, p + 28);
    const extraLength = u16(dir, p + 30);
    const commentLength = u16(dir, p + 32);
    let headerOffset = u32(dir, p + 42);
    if (p + 46 + nameLength + extraLength > dir.length) throw new ZipError(`zip central directory entry ${i} runs past the directory`);
    const nameBytes = dir.subarray(p + 46, p + 46 + nameLength);
    const name = flags & 0x800 ? utf8(nameBytes) : latin1(nameBytes);
    // ZIP64 extra field: the 64-bit values present are those whose 32-bit field is all ones.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = u16(dir, e);
      const len = u16(dir, e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff && q + 8 <= e + 4 + len) {
          size = u64(dir, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= e + 4 + len) {
          compressedSize = u64(dir, q);
          q += 8;
        }
        if (headerOffset === 0xffffffff && q + 8 <= e + 4 + len) headerOffset = u64(dir, q);
      }
      e += 4 + len;
    }
    members.push({ name, method, flags, compressedSize, size, headerOffset: headerOffset + base });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return { members, base };
}

/** Where a member's data starts (after its local header). */
export function memberDataOffset(source: ByteSource, member: ZipMember): number {
  const local = source.bytes(member.headerOffset, 30, `the local header of ${member.name}`);
  if (u32(local, 0) !== LOCAL) throw new ZipError(`${member.name}: local header missing at byte ${member.headerOffset}`);
  return member.headerOffset + 30 + u16(local, 26) + u16(local, 28);
}

/**
 * A member's content, decompressed with fflate. Stored members are returned as a view when the
 * source is in memory. Encrypted members and unknown methods are errors (reported, not read).
 */
export function readMember(source: ByteSource, member: ZipMember, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Uint8Array {
  if (member.flags & 0x1) throw new ZipError(`${member.name} is encrypted`);
  if (member.size > limits.maxMemberSize)
    throw new ZipError(`${member.name} is ${member.size} bytes uncompressed, over the ${limits.maxMemberSize}-byte limit`);
  const start = memberDataOffset(source, member);
  if (member.method === 0) {
    return source.bytes(start, member.size, member.name);
  }
  if (member.method !== 8) throw new ZipError(`${member.name} uses compression method ${member.method}, which is not supported`);
  if (member.compressedSize > 0 && member.size / member.compressedSize > limits.maxRatio) {
    throw new ZipError(
      `${member.name} expands ${Math.round(member.size / member.compressedSize)} times (zip bomb limit ${limits.maxRatio})`,
    );
  }
  const compressed = source.bytes(start, member.compressedSize, member.name);
  // The output buffer has the declared size: a member that inflates to more fails instead of growing.
  const out = new Uint8Array(member.size);
  let inflated: Uint8Array;
  try {
    inflated = inflateSync(compressed, { out });
  } catch (error) {
    throw new ZipError(`${member.name} cannot be decompressed: ${(error as Error).message}`);
  }
  if (inflated.length !== member.size)
    throw new ZipError(`${member.name} decompresses to ${inflated.length} bytes, not the ${member.size} the directory declares`);
  return inflated;
}
