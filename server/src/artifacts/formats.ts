/**
 * The readers per model-file format. Each one reads what can run code or mislead the loader and
 * skips tensor payloads. Formats are recognised by their bytes (`detectFormat`); the extension
 * only decides which files are opened in a folder walk.
 */
import * as zlib from 'node:zlib';
import { GlobalPolicy } from './globals';
import { readKerasConfig, readHdf5Keras } from './keras';
import { readGguf, readOnnx, readSafetensors } from './metadata';
import type { AfterBuild, PickleResult, Value } from './pickle';
import { isOpcode, readPickle, readPickles } from './pickle';
import type { ArtifactFinding } from './report';
import { SliceSource } from './slice';
import type { ByteSource } from './source';
import { latin1, MemorySource, TruncatedError } from './source';
import { judgePickles } from './verdict';
import type { ZipMember } from './zip';
import { looksLikeZip, memberDataOffset, readMember, readZipDirectory, ZipError } from './zip';

export type Format =
  | 'pytorch-zip'
  | 'torchscript'
  | 'pytorch-legacy'
  | 'pytorch-tar'
  | 'pickle'
  | 'joblib-compressed'
  | 'npy'
  | 'npz'
  | 'keras'
  | 'hdf5'
  | 'safetensors'
  | 'gguf'
  | 'onnx'
  | 'zip';

export interface ReadContext {
  policy: GlobalPolicy;
  /** Lower-cased file extension with the dot (`.onnx`), for formats without a magic number. */
  extension: string;
  /** Largest decompressed stream (joblib) or HDF5 file read into memory. */
  maxInMemory: number;
}

export interface ReadOutcome {
  format?: Format;
  findings: ArtifactFinding[];
  globals: number;
}

/** LONG1 of the legacy PyTorch magic number 0x1950a86a20f9469cfc6c, after PROTO n (any protocol). */
const LEGACY_TORCH_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (head.length < at + bytes.length) return false;
  return bytes.every((b, i) => head[at + i] === b);
}

/** The compression of a joblib file, by its magic number. */
function compressionOf(head: Uint8Array): string | undefined {
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (head.length >= 2 && head[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(head[1])) return 'zlib';
  if (startsWith(head, [0x42, 0x5a, 0x68])) return 'bz2';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x5d, 0x00, 0x00])) return 'lzma';
  if (startsWith(head, [0x04, 0x22, 0x4d, 0x18])) return 'lz4';
  if (startsWith(head, [0x5a, 0x46, 0x30, 0x78])) return 'joblib-zfile';
  return undefined;
}

/** Protocol-0/1 pickles have no header: a plausible first opcode followed by pickle text. */
function looksLikeTextPickle(head: Uint8Array): boolean {
  if (head.length < 2 || !isOpcode(head[0])) return false;
  const text = latin1(head.subarray(0, Math.min(head.length, 64)));
  return /^(c[\w.]+\n[\w.]+\n|\(|\(?(dp|lp|S'|V|I\d|F\d|N\.|\}q?|\]q?|\)q?))/.test(text);
}

export function detectFormat(head: Uint8Array, size: number, extension: string): Format | undefined {
  if (looksLikeZip(head)) return 'zip';
  if (startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return 'npy';
  if (startsWith(head, HDF5_MAGIC)) return 'hdf5';
  if (startsWith(head, [0x47, 0x47, 0x55, 0x46])) return 'gguf';
  if (head.length >= 2 && head[0] === 0x80 && head[1] <= 5 && startsWith(head, LEGACY_TORCH_MAGIC, 2)) return 'pytorch-legacy';
  if (head.length >= 262 && latin1(head.subarray(257, 262)) === 'ustar') return 'pytorch-tar';
  if (head.length >= 2 && head[0] === 0x80 && head[1] <= 5) return 'pickle';
  if (compressionOf(head)) return 'joblib-compressed';
  if (head.length >= 9 && head[8] === 0x7b) {
    let n = 0;
    for (let i = 7; i >= 0; i--) n = n * 256 + head[i];
    if (n > 1 && n + 8 <= size) return 'safetensors';
  }
  if (extension === '.onnx') return 'onnx';
  if (looksLikeTextPickle(head)) return 'pickle';
  return undefined;
}

export function readArtifact(source: ByteSource, context: ReadContext): ReadOutcome {
  const head = source.bytes(0, Math.min(source.length, 512), 'the file header');
  const format = detectFormat(head, source.length, context.extension);
  const out: ReadOutcome = { format, findings: [], globals: 0 };
  if (!format) return out;
  try {
    switch (format) {
      case 'zip':
        out.format = readZip(source, context, out);
        break;
      case 'pickle':
        addPickles(out, readPickles(source, 0, { afterBuild: joblibArrays(source) }), context, { fileBase: 0 });
        break;
      case 'pytorch-legacy':
        readLegacyTorch(source, context, out);
        break;
      case 'pytorch-tar':
        readTar(source, context, out);
        break;
      case 'joblib-compressed':
        readCompressed(source, head, context, out);
        break;
      case 'npy':
        readNpy(source, context, out, undefined, 0);
        break;
      case 'hdf5':
        out.findings.push(...readHdf5Keras(source, context.maxInMemory));
        break;
      case 'safetensors':
        out.findings.push(...readSafetensors(source));
        break;
      case 'gguf':
        out.findings.push(...readGguf(source));
        break;
      case 'onnx':
        out.findings.push(...readOnnx(source));
        break;
    }
  } catch (error) {
    if (error instanceof TruncatedError || error instanceof ZipError) {
      out.findings.push({
        code: 'MLS607',
        severity: 'warning',
        message: `${formatTitle(out.format)} cannot be read: ${error.message}; not inspected`,
      });
    } else throw error;
  }
  return out;
}

export function formatTitle(format: string | undefined): string {
  const titles: Record<Format, string> = {
    'pytorch-zip': 'PyTorch checkpoint',
    torchscript: 'TorchScript archive',
    'pytorch-legacy': 'legacy PyTorch checkpoint',
    'pytorch-tar': 'PyTorch tar checkpoint',
    pickle: 'pickle',
    'joblib-compressed': 'compressed joblib file',
    npy: 'NumPy array',
    npz: 'NumPy archive',
    keras: 'Keras model',
    hdf5: 'HDF5 file',
    safetensors: 'safetensors file',
    gguf: 'GGUF file',
    onnx: 'ONNX model',
    zip: 'zip archive',
  };
  return format ? (titles[format as Format] ?? format) : 'file';
}

function addPickles(
  out: ReadOutcome,
  results: PickleResult[],
  context: ReadContext,
  where: { member?: string; fileBase?: number; what?: string; torchscript?: boolean },
): { denied: number; unknown: number } {
  const verdict = judgePickles(results, {
    policy: context.policy,
    member: where.member,
    fileBase: where.fileBase,
    what: where.what,
    containerAllows: where.torchscript ? torchScriptAllows : undefined,
  });
  out.findings.push(...verdict.findings);
  out.globals += verdict.globals;
  return verdict;
}

/**
 * TorchScript archives are unpickled by libtorch's own unpickler, which resolves `__torch__`
 * classes from the archive's `code/` folder and a fixed set of `torch.jit._pickle` helpers, not by
 * importing Python modules. The program itself is reported (MLS604).
 */
function torchScriptAllows(module: string): boolean {
  return (
    module === '__torch__' ||
    module.startsWith('__torch__.') ||
    module === 'torch.jit._pickle' ||
    module === 'torch.jit._script' ||
    module === '__builtin__'
  );
}

// ---------------------------------------------------------------------------------------------
// Zip containers

function readZip(source: ByteSource, context: ReadContext, out: ReadOutcome): Format {
  const dir = readZipDirectory(source);
  const names = dir.members.map((m) => m.name);
  const pickleMembers = dir.members.filter((m) => /(^|\/)data\.pkl$/.test(m.name));
  const isTorchScript = dir.members.some((m) => /(^|\/)constants\.pkl$/.test(m.name)) && names.some((n) => /(^|\/)code\//.test(n));
  if (pickleMembers.length > 0 || isTorchScript) {
    const format: Format = isTorchScript ? 'torchscript' : 'pytorch-zip';
    if (isTorchScript) {
      const code = names.filter((n) => /(^|\/)code\/.*\.py$/.test(n));
      const first = dir.members.find((m) => /(^|\/)code\//.test(m.name));
      out.findings.push({
        code: 'MLS604',
        severity: 'warning',
        message: `TorchScript archive: holds a program (${code.length} source file${code.length === 1 ? '' : 's'} under code/, e.g. ${code[0] ?? first?.name}) that runs when the model is called; torch.jit.load trusts it like code`,
        member: first?.name,
        subject: 'code/',
        fileOffset: first?.headerOffset,
      });
    }
    const members = dir.members.filter((m) => /(^|\/)(data|constants)\.pkl$/.test(m.name));
    for (const member of members) scanPickleMember(source, member, context, out, { torchscript: isTorchScript });
    return format;
  }
  if (names.includes('config.json') && (names.includes('metadata.json') || names.some((n) => n.endsWith('.weights.h5')))) {
    const member = dir.members.find((m) => m.name === 'config.json') as ZipMember;
    const bytes = readMember(source, member);
    out.findings.push(...readKerasConfig(bytes, 'config.json', 'Keras model').map((f) => ({ ...f, fileOffset: member.headerOffset })));
    return 'keras';
  }
  const npys = dir.members.filter((m) => m.name.endsWith('.npy'));
  if (npys.length > 0 && npys.length === dir.members.filter((m) => !m.name.endsWith('/')).length) {
    for (const member of npys) {
      try {
        const { view, fileBase } = memberView(source, member);
        readNpy(view, context, out, member.name, fileBase);
      } catch (error) {
        memberProblem(out, member, error);
      }
    }
    return 'npz';
  }
  // Any other zip: the pickles it carries are read (a checkpoint renamed or nested).
  for (const member of dir.members) {
    if (/\.(pkl|pickle|pt|pth|bin|ckpt|joblib)$/i.test(member.name)) scanPickleMember(source, member, context, out, {});
  }
  return 'zip';
}

/** A member as a ByteSource: in place when stored, decompressed (bounded) otherwise. */
function memberView(source: ByteSource, member: ZipMember): { view: ByteSource; fileBase?: number } {
  if (member.method === 0 && !(member.flags & 1)) {
    const start = memberDataOffset(source, member);
    if (start + member.size > source.length) throw new ZipError(`${member.name} runs past the end of the file`);
    return { view: new SliceSource(source, start, member.size), fileBase: start };
  }
  return { view: new MemorySource(readMember(source, member)) };
}

function memberProblem(out: ReadOutcome, member: ZipMember, error: unknown): void {
  if (error instanceof ZipError || error instanceof TruncatedError) {
    out.findings.push({
      code: 'MLS607',
      severity: 'warning',
      message: `${member.name}: ${error.message}; not inspected`,
      member: member.name,
      fileOffset: member.headerOffset,
    });
  } else throw error;
}

function scanPickleMember(
  source: ByteSource,
  member: ZipMember,
  context: ReadContext,
  out: ReadOutcome,
  options: { torchscript?: boolean },
): void {
  try {
    const { view, fileBase } = memberView(source, member);
    addPickles(out, [readPickle(view, 0)], context, { member: member.name, fileBase, torchscript: options.torchscript });
  } catch (error) {
    memberProblem(out, member, error);
  }
}

// ---------------------------------------------------------------------------------------------
// Legacy PyTorch (magic number, protocol, sys info, data, storage keys; then raw storages)

function readLegacyTorch(source: ByteSource, context: ReadContext, out: ReadOutcome): void {
  const results = readPickles(source, 0, { maxStreams: 5 });
  addPickles(out, results, context, { fileBase: 0 });
  const complete = results.filter((r) => r.complete).length;
  if (complete < 5 && results.every((r) => r.issues.length === 0)) {
    out.findings.push({
      code: 'MLS607',
      severity: 'warning',
      message: `legacy PyTorch checkpoint has ${complete} of its 5 pickles; the rest was not inspected`,
      fileOffset: results[results.length - 1]?.end ?? 0,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The old PyTorch tar format: members sys_info, pickle, storages, tensors (ustar headers).
// Read with our own header walk: there is no maintained tar reader among the dependencies, the
// format is 512-byte blocks, and only member names and sizes are needed.

function readTar(source: ByteSource, context: ReadContext, out: ReadOutcome): void {
  let pos = 0;
  let members = 0;
  while (pos + 512 <= source.length && members < 10_000) {
    const header = source.bytes(pos, 512, 'a tar header');
    if (header.every((b) => b === 0)) break;
    const name = latin1(header.subarray(0, 100)).replace(/\0.*$/s, '');
    const size = parseInt(latin1(header.subarray(124, 136)).replace(/\0.*$/s, '').trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw new TruncatedError(pos, `tar header of ${name}`);
    const dataStart = pos + 512;
    if (dataStart + size > source.length) throw new TruncatedError(dataStart, `tar member ${name}`);
    members++;
    const base = name.replace(/^.*\//, '');
    if (['pickle', 'sys_info', 'storages', 'tensors'].includes(base)) {
      const view = new SliceSource(source, dataStart, size);
      // storages and tensors start with a pickle (a count) followed by records and raw data.
      const results =
        base === 'pickle' || base === 'sys_info' ? readPickles(view, 0, { maxStreams: 1 }) : readPickles(view, 0, { maxStreams: 2 });
      addPickles(out, results, context, { member: name, fileBase: dataStart });
    }
    pos = dataStart + Math.ceil(size / 512) * 512;
  }
}

// ---------------------------------------------------------------------------------------------
// joblib: compressed files, and numpy arrays written between the pickle's opcodes

function readCompressed(source: ByteSource, head: Uint8Array, context: ReadContext, out: ReadOutcome): void {
  const kind = compressionOf(head) as string;
  if (kind !== 'zlib' && kind !== 'gzip') {
    out.findings.push({
      code: 'MLS607',
      severity: 'warning',
      message: `joblib file compressed with ${kind}, which mlsec cannot decompress: not inspected (it may hold a pickle that runs code)`,
      fileOffset: 0,
    });
    return;
  }
  const compressed = source.bytes(0, source.length, 'the compressed stream');
  let data: Buffer;
  try {
    data =
      kind === 'gzip'
        ? zlib.gunzipSync(compressed, { maxOutputLength: context.maxInMemory })
        : zlib.inflateSync(compressed, { maxOutputLength: context.maxInMemory });
  } catch (error) {
    const tooLarge = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
    out.findings.push({
      code: 'MLS607',
      severity: 'warning',
      message: tooLarge
        ? `${kind}-compressed file expands past the ${context.maxInMemory}-byte limit: not inspected`
        : `${kind}-compressed stream is corrupt (${(error as Error).message}): not inspected`,
      fileOffset: 0,
    });
    return;
  }
  const inner = new MemorySource(data);
  if (inner.length === 0 || !isOpcode(inner.byte(0))) {
    out.findings.push({
      code: 'MLS607',
      severity: 'warning',
      message: `${kind}-compressed stream does not hold a pickle: not inspected`,
      fileOffset: 0,
    });
    return;
  }
  addPickles(out, readPickles(inner, 0, { afterBuild: joblibArrays(inner) }), context, { member: `${kind}-decompressed stream` });
}

function dictGet(v: Value | undefined, key: string): Value | undefined {
  if (!v || v.k !== 'dict') return undefined;
  for (const [k, value] of v.entries) if (k.k === 'str' && k.s === key) return value;
  return undefined;
}

function isGlobal(v: Value | undefined, module: string, name: string): boolean {
  return v?.k === 'global' && v.g.module === module && v.g.name === name;
}

const ARRAY_WRAPPERS = new Set(['joblib.numpy_pickle.NumpyArrayWrapper', 'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper']);

/**
 * joblib writes each numpy array's bytes right after the BUILD of its NumpyArrayWrapper (and
 * a nested pickle for object arrays); its unpickler reads them there. The size comes from the
 * wrapper's state (shape, dtype, alignment padding), the way joblib computes it.
 */
function joblibArrays(source: ByteSource): AfterBuild {
  return (obj, offset) => {
    if (obj.k !== 'obj') return undefined;
    let cls = obj.cls;
    if (cls.k === 'global' && (cls.g.module === 'copyreg' || cls.g.module === 'copy_reg') && obj.args?.k === 'tuple')
      cls = obj.args.items[0];
    if (cls.k !== 'global' || !ARRAY_WRAPPERS.has(`${cls.g.module}.${cls.g.name}`)) return undefined;
    const state = obj.state;
    const shape = dictGet(state, 'shape');
    const dtype = dictGet(state, 'dtype');
    if (shape?.k !== 'tuple' || shape.more > 0 || !shape.items.every((i) => i.k === 'int' && i.n >= 0))
      return { unknown: 'joblib array wrapper with a shape mlsec cannot read; the rest of the file' };
    if (dtype?.k !== 'obj' || !isGlobal(dtype.cls, 'numpy', 'dtype') || dtype.args?.k !== 'tuple')
      return { unknown: 'joblib array wrapper with a dtype mlsec cannot read; the rest of the file' };
    const descr = dtype.args.items[0];
    const dstate = dtype.state?.k === 'tuple' ? dtype.state.items : [];
    const flags = dstate[7]?.k === 'int' ? dstate[7].n : 0;
    if (descr?.k !== 'str') return { unknown: 'joblib array wrapper with an unreadable dtype; the rest of the file' };
    if (descr.s.startsWith('O') || flags & 1) return { nested: true };
    const elsize = dstate[5]?.k === 'int' && dstate[5].n > 0 ? dstate[5].n : Number(/(\d+)$/.exec(descr.s)?.[1] ?? NaN);
    if (!Number.isFinite(elsize) || elsize <= 0)
      return { unknown: `joblib array of dtype ${descr.s} whose size mlsec cannot compute; the rest of the file` };
    let count = 1;
    for (const d of shape.items) count *= (d as { n: number }).n;
    let skip = count * elsize;
    const align = dictGet(state, 'numpy_array_alignment_bytes');
    if (align?.k === 'int') skip += 1 + source.byte(offset);
    if (!Number.isSafeInteger(skip)) return { unknown: 'joblib array larger than mlsec can address; the rest of the file' };
    return { skip };
  };
}

// ---------------------------------------------------------------------------------------------
// NumPy .npy: header dict; an object dtype means a pickle follows

function readNpy(
  source: ByteSource,
  context: ReadContext,
  out: ReadOutcome,
  member: string | undefined,
  fileBase: number | undefined,
): void {
  const pre = source.bytes(0, 10, 'the .npy header');
  const major = pre[6];
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = pre[8] | (pre[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    const b = source.bytes(8, 4, 'the .npy header length');
    headerLength = (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 0x1000000;
    start = 12;
  } else {
    out.findings.push({
      code: 'MLS607',
      severity: 'warning',
      message: `unsupported .npy format version ${major}: not inspected`,
      member,
      fileOffset: fileBase,
    });
    return;
  }
  if (headerLength > 1 << 20) {
    out.findings.push({
      code: 'MLS607',
      severity: 'warning',
      message: `.npy header of ${headerLength} bytes is implausibly large: not inspected`,
      member,
      fileOffset: fileBase,
    });
    return;
  }
  const header = latin1(source.bytes(start, headerLength, 'the .npy header'));
  const descr = /['"]descr['"]\s*:\s*(.*?)\s*,\s*['"](fortran_order|shape)['"]/s.exec(header)?.[1];
  if (descr === undefined) {
    out.findings.push({
      code: 'MLS607',
      severity: 'warning',
      message: `.npy header has no readable descr: not inspected`,
      member,
      fileOffset: fileBase,
    });
    return;
  }
  // An object dtype, alone or as a field of a structured dtype: the data is a pickle.
  if (!/['"][|<>=]?O\d?['"]/.test(descr)) return;
  const pickleStart = start + headerLength;
  const results = [readPickle(source, pickleStart)];
  const verdict = addPickles(out, results, context, { member, fileBase, what: 'object array pickle' });
  if (verdict.denied === 0 && verdict.unknown === 0 && results.every((r) => r.issues.length === 0)) {
    out.findings.push({
      code: 'MLS603',
      severity: 'info',
      message: `NumPy array of dtype object${member ? ` (${member})` : ''}: its data is a pickle (allowed globals only), so loading it needs allow_pickle=True`,
      member,
      offset: pickleStart,
      ...(fileBase !== undefined ? { fileOffset: fileBase + pickleStart } : {}),
      subject: 'dtype=object',
    });
  }
}

export { GlobalPolicy };
