/** Git index files for tests, built as git writes them (see server/src/engine/gitIndex.ts for the format). */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

/** An index as git writes it (version 2 or 3, or 4 with prefix-compressed paths), with its SHA-1 trailer. */
export function buildGitIndex(version: 2 | 3 | 4, paths: string[], extendedAt = -1): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(version, 4);
  header.writeUInt32BE(paths.length, 8);
  parts.push(header);
  let previous = '';
  paths.forEach((name, i) => {
    const extended = i === extendedAt;
    const fixed = Buffer.alloc(62 + (extended ? 2 : 0));
    fixed.writeUInt32BE(0o100644, 24);
    fixed.writeUInt16BE(Math.min(name.length, 0xfff) | (extended ? 0x4000 : 0), 60);
    if (extended) fixed.writeUInt16BE(0x2000, 62);
    if (version === 4) {
      let common = 0;
      while (common < previous.length && common < name.length && previous[common] === name[common]) common++;
      const drop = previous.length - common;
      assert.ok(drop < 128, 'one-byte varint in this helper');
      parts.push(fixed, Buffer.from([drop]), Buffer.from(name.slice(common) + '\0', 'utf8'));
    } else {
      const length = fixed.length + Buffer.byteLength(name) + 1;
      const padded = Math.ceil(length / 8) * 8;
      parts.push(fixed, Buffer.from(name, 'utf8'), Buffer.alloc(padded - length + 1));
    }
    previous = name;
  });
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}
