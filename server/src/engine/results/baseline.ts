/**
 * Baselines: the open findings a repository had when it adopted mlsec, recorded so that CI
 * reports only new ones (`mlsec baseline`, `mlsec scan --baseline FILE`, `[tool.mlsec] baseline`).
 *
 * An entry is the file (relative to the baseline's root), the rule and the finding's
 * fingerprint, which hashes the rule, the enclosing definition and the flagged text with
 * whitespace collapsed (fingerprints.ts): lines added above a finding and re-indentation keep it.
 * Line numbers are not stored, so the file does not change when code moves; entries are sorted
 * and one per line, so a review of the baseline's diff is easy. Matching counts duplicates: two
 * identical entries absorb two findings, not more.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding } from '../findings';
import type { FileReport } from '../pipeline/fileAnalysis';

export const DEFAULT_BASELINE = path.join('.mlsec', 'baseline.json');

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  /** Path relative to the baseline root, with `/`. */
  file: string;
  code: string;
  fingerprint: string;
}

export interface Baseline {
  /** Folder the entries' paths are relative to. */
  root: string;
  entries: BaselineEntry[];
}

/**
 * The folder a baseline file's paths are relative to: the repository holding it (the nearest
 * folder above with `.git`), else the parent of `.mlsec/` when it is kept there, else its folder.
 * So paths read the same wherever the team keeps the file, and wherever mlsec runs from.
 */
export function baselineRoot(file: string): string {
  const dir = path.dirname(path.resolve(file));
  for (let at = dir; ; at = path.dirname(at)) {
    if (fs.existsSync(path.join(at, '.git'))) return at;
    if (path.dirname(at) === at) break;
  }
  return path.basename(dir) === '.mlsec' ? path.dirname(dir) : dir;
}

function relativeTo(root: string, file: string): string {
  return path.relative(root, path.resolve(file)).split(path.sep).join('/');
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  return a.file < b.file
    ? -1
    : a.file > b.file
      ? 1
      : a.code < b.code
        ? -1
        : a.code > b.code
          ? 1
          : a.fingerprint < b.fingerprint
            ? -1
            : a.fingerprint > b.fingerprint
              ? 1
              : 0;
}

/** The open findings of a scan as sorted baseline entries for a baseline stored at `file`. */
export function baselineEntries(reports: readonly FileReport[], file: string): BaselineEntry[] {
  const root = baselineRoot(file);
  const entries = reports.flatMap((report) =>
    report.findings
      .filter((f) => !f.suppression)
      .map((f) => ({ file: relativeTo(root, report.file), code: f.code, fingerprint: f.fingerprint })),
  );
  return entries.sort(compareEntries);
}

/** The baseline file's text: a small JSON document with one entry per line. */
export function formatBaseline(entries: readonly BaselineEntry[]): string {
  const lines = entries.map((e) => `    ${JSON.stringify({ file: e.file, code: e.code, fingerprint: e.fingerprint })}`);
  return `{\n  "version": ${BASELINE_VERSION},\n  "tool": "mlsec",\n  "findings": [\n${lines.join(',\n')}${lines.length > 0 ? '\n' : ''}  ]\n}\n`;
}

export function writeBaseline(file: string, entries: readonly BaselineEntry[]): void {
  // A fresh temporary name, created exclusively (never through a link someone left there), then renamed.
  const temp = `${file}.mlsec-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(temp, formatBaseline(entries), { flag: 'wx' });
    fs.renameSync(temp, file);
  } catch (error) {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // nothing was created
    }
    throw new BaselineError(`cannot write baseline ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export class BaselineError extends Error {}

/** Reads a baseline file; throws BaselineError naming the file (and entry) when it is malformed. */
export function readBaseline(file: string): Baseline {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new BaselineError(`cannot read baseline ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(`baseline ${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const findings = (data as { findings?: unknown })?.findings;
  if (!data || typeof data !== 'object' || !Array.isArray(findings)) throw new BaselineError(`baseline ${file} has no "findings" list`);
  const version = (data as { version?: unknown }).version;
  if (version !== BASELINE_VERSION)
    throw new BaselineError(`baseline ${file} has version ${JSON.stringify(version)}; this mlsec reads version ${BASELINE_VERSION}`);
  const entries: BaselineEntry[] = findings.map((entry, index) => {
    const e = entry as Partial<BaselineEntry> | null;
    if (!e || typeof e.file !== 'string' || typeof e.code !== 'string' || typeof e.fingerprint !== 'string') {
      throw new BaselineError(`baseline ${file}: entry ${index + 1} needs "file", "code" and "fingerprint" strings`);
    }
    return { file: e.file, code: e.code, fingerprint: e.fingerprint };
  });
  return { root: baselineRoot(file), entries };
}

const keyOf = (file: string, code: string, fingerprint: string) => `${file}\u0000${code}\u0000${fingerprint}`;

/** Finds baseline entries among findings; each entry matches at most one finding. */
export class BaselineMatcher {
  private readonly counts = new Map<string, number>();
  private readonly used = new Map<string, number>();

  constructor(readonly baseline: Baseline) {
    for (const e of baseline.entries) {
      const key = keyOf(e.file, e.code, e.fingerprint);
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }

  /** The relative path a file has in the baseline. */
  relative(file: string): string {
    return relativeTo(this.baseline.root, file);
  }

  /** True (and the entry is used up) when the finding of `file` is in the baseline. */
  take(file: string, finding: Pick<Finding, 'code' | 'fingerprint'>): boolean {
    const key = keyOf(this.relative(file), finding.code, finding.fingerprint);
    const available = (this.counts.get(key) ?? 0) - (this.used.get(key) ?? 0);
    if (available <= 0) return false;
    this.used.set(key, (this.used.get(key) ?? 0) + 1);
    return true;
  }

  /** Entries of the given files that matched no finding (fixed or changed since). */
  unmatched(files: Iterable<string>): BaselineEntry[] {
    const scanned = new Set([...files].map((f) => this.relative(f)));
    const left = new Map<string, number>();
    const result: BaselineEntry[] = [];
    for (const e of this.baseline.entries) {
      if (!scanned.has(e.file)) continue;
      const key = keyOf(e.file, e.code, e.fingerprint);
      const seen = left.get(key) ?? 0;
      left.set(key, seen + 1);
      if (seen >= (this.used.get(key) ?? 0)) result.push(e);
    }
    return result;
  }
}

export interface BaselineApplied {
  /** Findings hidden because the baseline has them. */
  known: number;
  /** Baseline entries of scanned files that no longer occur. */
  gone: BaselineEntry[];
}

/**
 * Removes the baseline's findings from the reports (so every format and the exit code see only
 * new ones). Suppressed findings stay: they are reported as suppressed, not as new.
 */
export function applyBaseline(reports: FileReport[], baseline: Baseline): BaselineApplied {
  const matcher = new BaselineMatcher(baseline);
  let known = 0;
  for (const report of reports) {
    report.findings = report.findings.filter((f) => {
      if (f.suppression || !matcher.take(report.file, f)) return true;
      known++;
      return false;
    });
  }
  // A file that could not be read tells nothing about its entries.
  const gone = matcher.unmatched(reports.filter((r) => r.problems.length === 0).map((r) => r.file));
  return { known, gone };
}

/** Lines for stderr after a scan with a baseline. */
export function baselineNotice(applied: BaselineApplied, file: string): string {
  const lines = [`mlsec: ${applied.known} finding${applied.known === 1 ? '' : 's'} in baseline ${file} not reported`];
  if (applied.gone.length > 0) {
    lines.push(
      `mlsec: ${applied.gone.length} baseline entr${applied.gone.length === 1 ? 'y' : 'ies'} no longer found (fixed or changed; run \`mlsec baseline\` to update):`,
    );
    for (const e of applied.gone) lines.push(`  ${e.file}: ${e.code} ${e.fingerprint}`);
  }
  return lines.join('\n') + '\n';
}
