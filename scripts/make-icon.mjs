// @ts-check
// Draws media/icon.png (128×128, the Marketplace icon) without any download or image library:
// a shield with a small three-node network, rasterised with 4×4 supersampling and written as an
// RGBA PNG with node:zlib. Run `npm run icon` after changing it; the PNG is committed.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const SIZE = 128;
const SAMPLES = 4;

/** @param {number} x @param {number} y */
function insideShield(x, y) {
  const u = (x - 64) / 46;
  const v = (y - 10) / 110;
  if (v < 0 || v > 1) return false;
  if (v < 0.5) return Math.abs(u) <= 1;
  const t = (v - 0.5) / 0.5;
  return Math.abs(u) <= Math.sqrt(Math.max(0, 1 - t * t)) * (1 - 0.15 * t);
}

/**
 * @param {number} px @param {number} py @param {number} ax @param {number} ay @param {number} bx @param {number} by
 */
function distanceToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

const nodes = [
  [44, 50],
  [84, 50],
  [64, 86],
];
/** @param {number} x @param {number} y */
function onNetwork(x, y) {
  if (nodes.some(([nx, ny]) => Math.hypot(x - nx, y - ny) <= 9)) return true;
  for (let i = 0; i < nodes.length; i++) {
    const [ax, ay] = nodes[i];
    const [bx, by] = nodes[(i + 1) % nodes.length];
    if (distanceToSegment(x, y, ax, ay, bx, by) <= 3) return true;
  }
  return false;
}

/** @param {number} x @param {number} y @returns {number[] | null} */
function colourAt(x, y) {
  if (!insideShield(x, y)) return null;
  const inner = insideShield(64 + (x - 64) * 1.09, 10 + (y - 14) * 1.07);
  if (!inner) return [230, 240, 250]; // light rim
  if (onNetwork(x, y)) return [255, 255, 255];
  const t = y / SIZE; // vertical gradient from blue to teal
  return [Math.round(24 + 10 * t), Math.round(70 + 80 * t), Math.round(160 - 20 * t)];
}

const raw = Buffer.alloc((SIZE * 4 + 1) * SIZE);
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < SIZE; x++) {
    let r = 0,
      g = 0,
      b = 0,
      a = 0;
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const c = colourAt(x + (sx + 0.5) / SAMPLES, y + (sy + 0.5) / SAMPLES);
        if (!c) continue;
        r += c[0];
        g += c[1];
        b += c[2];
        a++;
      }
    }
    const o = y * (SIZE * 4 + 1) + 1 + x * 4;
    raw[o] = a ? Math.round(r / a) : 0;
    raw[o + 1] = a ? Math.round(g / a) : 0;
    raw[o + 2] = a ? Math.round(b / a) : 0;
    raw[o + 3] = Math.round((255 * a) / (SAMPLES * SAMPLES));
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
/** @param {Uint8Array} bytes */
function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** @param {string} type @param {Buffer} data */
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../media/icon.png', import.meta.url), png);
console.log(`wrote media/icon.png (${png.length} bytes)`);
