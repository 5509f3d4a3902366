/**
 * Inspecting model files, statically and never loading them: which files are model files, reading
 * one (`inspectArtifactFile`), and the findings in the engine's shape (`toFindings`) for the CLI,
 * SARIF and the language server. ("Scan" is kept for analysing a set of files: `mlsec scan`, the
 * workspace scan.)
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Finding } from '../engine/findings';
import { artifactRule } from './rules';
import { formatTitle, GlobalPolicy, readArtifact } from './formats';
import type { ArtifactReport } from './report';
import { FileSource } from './source';

/** Extensions of files opened as possible model files in a folder walk (content decides the format). */
export const MODEL_EXTENSIONS: readonly string[] = [
  '.pt',
  '.pth',
  '.pt2',
  '.bin',
  '.ckpt',
  '.pkl',
  '.pickle',
  '.joblib',
  '.jbl',
  '.sav',
  '.npy',
  '.npz',
  '.keras',
  '.h5',
  '.hdf5',
  '.safetensors',
  '.gguf',
  '.onnx',
];

/** Watch patterns for the editor: model files and the lock. */
export const MODEL_FILE_GLOBS: readonly string[] = [`**/*.{${MODEL_EXTENSIONS.map((e) => e.slice(1)).join(',')}}`, '**/mlsec.lock'];

/** Extensions that promise a pickle-based format: not recognising the bytes is worth a warning. */
const PICKLE_EXTENSIONS = new Set(['.pt', '.pth', '.ckpt', '.pkl', '.pickle', '.joblib', '.jbl', '.sav']);

export function isModelFile(file: string): boolean {
  const lower = file.toLowerCase();
  return MODEL_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export interface ArtifactInspectOptions {
  policy?: GlobalPolicy;
  /** Largest decompressed stream or HDF5 file held in memory (default 512 MiB). */
  maxInMemory?: number;
}

export function inspectArtifactFile(file: string, options: ArtifactInspectOptions = {}): ArtifactReport {
  const report: ArtifactReport = { file, findings: [], size: 0, bytesRead: 0, globals: 0 };
  let opened: ReturnType<typeof FileSource.open>;
  try {
    opened = FileSource.open(file);
  } catch (error) {
    report.findings.push({
      code: 'MLS607',
      severity: 'warning',
      message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    });
    return report;
  }
  const { source } = opened;
  report.size = source.length;
  try {
    if (source.length === 0) {
      report.format = undefined;
      return report;
    }
    const extension = path.extname(file).toLowerCase();
    const outcome = readArtifact(source, {
      policy: options.policy ?? new GlobalPolicy(),
      extension,
      maxInMemory: options.maxInMemory ?? 512 * 1024 * 1024,
    });
    report.format = outcome.format;
    report.globals = outcome.globals;
    report.findings.push(...outcome.findings);
    if (!outcome.format && PICKLE_EXTENSIONS.has(extension)) {
      report.findings.push({
        code: 'MLS607',
        severity: 'warning',
        message: `${extension} file in no format mlsec recognises (not a pickle, zip, tar or compressed stream): not inspected`,
      });
    }
  } catch (error) {
    // An internal error is reported on the file, never taken for a clean result.
    report.findings.push({
      code: 'MLS607',
      severity: 'warning',
      message: `${formatTitle(report.format)} could not be inspected: internal error: ${(error as Error).message}`,
    });
  } finally {
    report.bytesRead = source.bytesRead;
    source.close();
  }
  return report;
}

/** The findings of a model file in the engine's shape (position 0:0, byte offset kept). */
export function toFindings(report: ArtifactReport): Finding[] {
  const counts = new Map<string, number>();
  return report.findings.map((f) => {
    const rule = artifactRule(f.code);
    const key = `${f.code}|${f.member ?? ''}|${f.subject ?? f.message}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    const fingerprint = createHash('sha256').update(`${key}|${n}`).digest('hex').slice(0, 16);
    const notes: string[] = [];
    if (f.member && !f.message.includes(f.member)) notes.push(`member ${f.member}`);
    if (f.fileOffset !== undefined && !f.message.includes(`byte ${f.fileOffset}`)) notes.push(`file byte ${f.fileOffset}`);
    return {
      code: f.code,
      name: rule?.name ?? f.code,
      severity: f.severity,
      message: notes.length > 0 ? `${f.message} [${notes.join(', ')}]` : f.message,
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      span: { start: 0, end: 0 },
      fixes: [],
      related: [],
      cwe: rule?.cwe ?? [],
      threats: rule?.threats ?? ['model-tampering'],
      fingerprint,
      ...(f.fileOffset !== undefined ? { byteOffset: f.fileOffset } : {}),
      ...(f.member !== undefined ? { member: f.member } : {}),
    };
  });
}
