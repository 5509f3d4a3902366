/**
 * Formats whose danger is in their metadata: safetensors (header validation), GGUF (chat
 * templates rendered by Jinja) and ONNX (external-data paths).
 */
import type { ArtifactFinding } from './report';
import type { ByteSource } from './source';
import { TruncatedError, utf8 } from './source';

// ---------------------------------------------------------------------------------------------
// safetensors: 8-byte little-endian header length, a JSON header, then the tensor bytes.

const SAFETENSORS_DTYPES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
  C64: 8,
  F4: 0.5,
  F6_E2M3: 0.75,
  F6_E3M2: 0.75,
};

/** The safetensors library's own header limit (100 MB). */
const MAX_SAFETENSORS_HEADER = 100_000_000;

export function readSafetensors(source: ByteSource): ArtifactFinding[] {
  const broken = (why: string, fileOffset = 0): ArtifactFinding[] => [
    { code: 'MLS607', severity: 'warning', message: `broken safetensors file: ${why}`, fileOffset },
  ];
  const lengthBytes = source.bytes(0, 8, 'the header length');
  let n = 0;
  for (let i = 7; i >= 0; i--) n = n * 256 + lengthBytes[i];
  if (n > MAX_SAFETENSORS_HEADER) return broken(`header of ${n} bytes is over the 100 MB limit`);
  if (8 + n > source.length) return broken(`header of ${n} bytes runs past the end of the file (${source.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(utf8(source.bytes(8, n)));
  } catch (error) {
    return broken(`header is not JSON (${(error as Error).message})`, 8);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return broken('header is not a JSON object', 8);
  const dataLength = source.length - 8 - n;
  const ranges: Array<[number, number, string]> = [];
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || Object.values(entry).some((v) => typeof v !== 'string'))
        problems.push('__metadata__ must map strings to strings');
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) {
      problems.push(`${name}: not an object`);
      continue;
    }
    const size = typeof e.dtype === 'string' ? SAFETENSORS_DTYPES[e.dtype] : undefined;
    if (size === undefined) {
      problems.push(`${name}: unknown dtype ${JSON.stringify(e.dtype)}`);
      continue;
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      problems.push(`${name}: shape is not a list of non-negative integers`);
      continue;
    }
    const offsets = e.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      offsets[0] > offsets[1]
    ) {
      problems.push(`${name}: data_offsets is not [begin, end]`);
      continue;
    }
    const elements = (e.shape as number[]).reduce((a, b) => a * b, 1);
    const expected = Math.ceil(elements * size);
    if (offsets[1] - offsets[0] !== expected)
      problems.push(`${name}: shape × dtype is ${expected} bytes but data_offsets span ${offsets[1] - offsets[0]}`);
    if (offsets[1] > dataLength) problems.push(`${name}: data_offsets end at ${offsets[1]}, past the ${dataLength} bytes of data`);
    ranges.push([offsets[0], offsets[1], name]);
    if (problems.length > 20) break;
  }
  // The format requires the data to be covered exactly: no overlaps, no holes, nothing after.
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let end = 0;
  for (const [begin, stop, name] of ranges) {
    if (begin < end) problems.push(`${name} overlaps the previous tensor`);
    else if (begin > end) problems.push(`${begin - end} bytes before ${name} belong to no tensor`);
    end = Math.max(end, stop);
  }
  if (problems.length === 0 && end < dataLength) problems.push(`${dataLength - end} bytes after the last tensor belong to no tensor`);
  return problems.length > 0
    ? broken(problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''), 8)
    : [];
}

// ---------------------------------------------------------------------------------------------
// GGUF: our own bounded reader of the key/value metadata (versions 2 and 3). Arrays (the
// tokenizer vocabulary) are stepped over; only string values are kept, and only for the keys
// that matter.

/** Template text that reaches Python internals when rendered by an unsandboxed Jinja (CVE-2024-34359). */
const TEMPLATE_DANGER =
  /__(class|globals|builtins|subclasses|mro|base|bases|init|import|getattribute|dict|code|func|self)__|\bimport\b|\bos\.|\bpopen\b|\bsubprocess\b|\beval\b|\bexec\b|\bsystem\s*\(|\bcycler\b|\bjoiner\b|\blipsum\b|\brequest\.application\b|\bconfig\.__/;

const GGUF_FIXED: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

export function readGguf(source: ByteSource): ArtifactFinding[] {
  const findings: ArtifactFinding[] = [];
  let pos = 4;
  const u32 = () => {
    const b = source.bytes(pos, 4, 'a GGUF field');
    pos += 4;
    return (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 0x1000000;
  };
  const u64 = () => {
    const lo = u32();
    const hi = u32();
    const v = lo + hi * 0x100000000;
    if (!Number.isSafeInteger(v)) throw new TruncatedError(pos - 8, 'a GGUF 64-bit count');
    return v;
  };
  const version = u32();
  if (version !== 2 && version !== 3) {
    return [
      { code: 'MLS607', severity: 'warning', message: `GGUF version ${version} is not supported: metadata not inspected`, fileOffset: 4 },
    ];
  }
  u64(); // tensor count
  const kvCount = u64();
  if (kvCount > 1_000_000)
    return [{ code: 'MLS607', severity: 'warning', message: `GGUF declares ${kvCount} metadata entries: not inspected`, fileOffset: 16 }];
  const skipValue = (type: number, depth: number): void => {
    const fixed = GGUF_FIXED[type];
    if (fixed !== undefined) {
      if (pos + fixed > source.length) throw new TruncatedError(pos, 'a GGUF value');
      pos += fixed;
    } else if (type === 8) {
      const n = u64();
      if (pos + n > source.length) throw new TruncatedError(pos, 'a GGUF string');
      pos += n;
    } else if (type === 9) {
      if (depth > 4) throw new TruncatedError(pos, 'GGUF arrays nested too deep');
      const itemType = u32();
      const count = u64();
      const itemFixed = GGUF_FIXED[itemType];
      if (itemFixed !== undefined) {
        if (pos + count * itemFixed > source.length) throw new TruncatedError(pos, 'a GGUF array');
        pos += count * itemFixed;
      } else {
        if (count > source.length) throw new TruncatedError(pos, 'a GGUF array');
        for (let i = 0; i < count; i++) skipValue(itemType, depth + 1);
      }
    } else throw new TruncatedError(pos, `a GGUF value of unknown type ${type}`);
  };
  for (let i = 0; i < kvCount; i++) {
    const keyLength = u64();
    if (keyLength > 65536) throw new TruncatedError(pos, 'a GGUF key (too long)');
    const key = utf8(source.bytes(pos, keyLength, 'a GGUF key'));
    pos += keyLength;
    const type = u32();
    if (type === 8 && key.startsWith('tokenizer.chat_template')) {
      const valueOffset = pos;
      const n = u64();
      const text = utf8(source.bytes(pos, n, 'the chat template'));
      pos += n;
      const match = TEMPLATE_DANGER.exec(text);
      if (match) {
        findings.push({
          code: 'MLS605',
          severity: 'warning',
          message: `GGUF metadata ${key} is a Jinja template that reaches Python internals ("${match[0]}" at character ${match.index}); llama-cpp-python before 0.2.72 rendered it unsandboxed on load (CVE-2024-34359)`,
          subject: key,
          fileOffset: valueOffset,
        });
      }
    } else skipValue(type, 0);
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// ONNX: a bounded protobuf walk of ModelProto to every TensorProto's external_data `location`.
// Our own reader because no protobuf library or ONNX schema is among the dependencies, and only
// a handful of fields on the path to tensors are needed (field numbers from onnx.proto).

interface Field {
  number: number;
  wire: number;
  /** For length-delimited fields. */
  start: number;
  end: number;
}

/** Message type → field number → message type of that (length-delimited) field. */
const ONNX_PATHS: Record<string, Record<number, string>> = {
  Model: { 7: 'Graph', 25: 'Function' },
  Graph: { 1: 'Node', 5: 'Tensor', 15: 'SparseTensor' },
  Function: { 7: 'Node' },
  Node: { 5: 'Attribute' },
  Attribute: { 5: 'Tensor', 6: 'Graph', 10: 'Tensor', 11: 'Graph', 22: 'SparseTensor', 23: 'SparseTensor' },
  SparseTensor: { 1: 'Tensor', 2: 'Tensor' },
  Tensor: { 13: 'Entry' },
};

export function readOnnx(source: ByteSource): ArtifactFinding[] {
  const findings: ArtifactFinding[] = [];
  let fields = 0;
  const varint = (pos: number): [number, number] => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = source.byte(pos + i);
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (!(b & 0x80)) return [value, pos + i + 1];
    }
    throw new TruncatedError(pos, 'a protobuf varint (too long)');
  };
  const walk = (start: number, end: number, type: string, depth: number, each: (f: Field) => void) => {
    if (depth > 32) throw new TruncatedError(start, 'ONNX messages nested too deep');
    let pos = start;
    while (pos < end) {
      if (++fields > 10_000_000) throw new TruncatedError(pos, 'ONNX model with too many fields');
      const [key, next] = varint(pos);
      const wire = key % 8;
      const number = Math.floor(key / 8);
      pos = next;
      if (wire === 0) pos = varint(pos)[1];
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const [length, after] = varint(pos);
        if (after + length > end) throw new TruncatedError(after, `a protobuf field ${number} of ${type}`);
        each({ number, wire, start: after, end: after + length });
        pos = after + length;
      } else throw new TruncatedError(pos, `a protobuf field with wire type ${wire} in ${type}`);
    }
    if (pos > end) throw new TruncatedError(end, `the last field of ${type}`);
  };
  const visit = (start: number, end: number, type: string, depth: number) => {
    walk(start, end, type, depth, (f) => {
      const child = ONNX_PATHS[type]?.[f.number];
      if (!child) return;
      if (child === 'Entry') {
        let key = '';
        let value = '';
        let valueOffset = f.start;
        walk(f.start, f.end, 'StringStringEntry', depth + 1, (g) => {
          if (g.end - g.start > 65536) return;
          const text = utf8(source.bytes(g.start, g.end - g.start));
          if (g.number === 1) key = text;
          else if (g.number === 2) {
            value = text;
            valueOffset = g.start;
          }
        });
        if (key === 'location') {
          const why = traversal(value);
          if (why)
            findings.push({
              code: 'MLS606',
              severity: 'error',
              message: `ONNX external data location "${value}" ${why}: loading the model reads (and with some tools writes) a file outside the model's folder`,
              subject: value,
              fileOffset: valueOffset,
            });
        }
        return;
      }
      visit(f.start, f.end, child, depth + 1);
    });
  };
  visit(0, source.length, 'Model', 0);
  return findings;
}

function traversal(location: string): string | undefined {
  if (/^([a-zA-Z]:)?[\\/]/.test(location) || /^[a-zA-Z]:/.test(location)) return 'is an absolute path';
  if (location.split(/[\\/]/).includes('..')) return 'climbs out of the model folder with ".."';
  if (location.includes('\0')) return 'contains a NUL byte';
  return undefined;
}
