/**
 * Advisories in the OSV format (https://ossf.github.io/osv-schema/), the format osv.dev and
 * GitHub's advisory database publish: loading (a folder of JSON files, or the zip osv.dev
 * publishes per ecosystem, read with fflate and bounded), checking the fields the matcher needs,
 * and compiling each PyPI entry into version intervals. Nothing here goes online.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import type { Severity } from '../engine/rule';
import { cvss3BaseScore, cvssLabel } from './cvss';
import { isValidVersion, normalizeName } from './pep440';
import type { Interval } from './pep440';

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvEntry {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  affected?: {
    package?: { ecosystem?: string; name?: string };
    ranges?: { type?: string; events?: OsvEvent[] }[];
    versions?: string[];
  }[];
  references?: { type?: string; url?: string }[];
  severity?: { type?: string; score?: string }[];
  database_specific?: Record<string, unknown>;
}

/** One affected interval of one package, with the release that fixed it when there is one. */
export interface AffectedRange extends Interval {
  fixed?: string;
}

export interface Advisory {
  id: string;
  aliases: string[];
  summary: string;
  severity: Severity;
  /** The label shown to users (critical, high, moderate, low), when the data has one. */
  severityLabel?: string;
  cwe: number[];
  modified: string;
  published?: string;
  url?: string;
  /** Where the entry was loaded from (the bundled set, a folder, a zip). */
  source: string;
  packages: Map<string, { ranges: AffectedRange[]; versions: string[] }>;
}

export interface LoadProblem {
  file: string;
  message: string;
}

/** Bounds on what is read, so a huge or hostile zip cannot exhaust memory. */
export const LIMITS = {
  zipBytes: 512 * 1024 * 1024,
  entryBytes: 4 * 1024 * 1024,
  totalBytes: 2 * 1024 * 1024 * 1024,
  entries: 200_000,
};

/** Why an entry cannot be used, or undefined when it has what the schema requires and the matcher needs. */
export function validateOsv(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not a JSON object';
  const entry = data as Record<string, unknown>;
  if (typeof entry.id !== 'string' || entry.id === '') return 'missing "id"';
  if (typeof entry.modified !== 'string' || Number.isNaN(Date.parse(entry.modified))) return 'missing or invalid "modified" timestamp';
  if (entry.aliases !== undefined && (!Array.isArray(entry.aliases) || entry.aliases.some((a) => typeof a !== 'string')))
    return '"aliases" must be a list of strings';
  if (entry.affected !== undefined && !Array.isArray(entry.affected)) return '"affected" must be a list';
  for (const affected of (entry.affected as unknown[] | undefined) ?? []) {
    if (typeof affected !== 'object' || affected === null) return 'an "affected" item is not an object';
    const { ranges, versions } = affected as { ranges?: unknown; versions?: unknown };
    if (ranges !== undefined && !Array.isArray(ranges)) return '"ranges" must be a list';
    for (const range of (ranges as unknown[] | undefined) ?? []) {
      const { type, events } = (range ?? {}) as { type?: unknown; events?: unknown };
      if (typeof type !== 'string') return 'a range has no "type"';
      if (!Array.isArray(events) || events.length === 0) return 'a range has no "events"';
      if (!events.some((e) => typeof e === 'object' && e !== null && typeof (e as OsvEvent).introduced === 'string'))
        return 'a range has no "introduced" event';
    }
    if (versions !== undefined && (!Array.isArray(versions) || versions.some((v) => typeof v !== 'string')))
      return '"versions" must be a list of strings';
  }
  return undefined;
}

/** Compiles the PyPI part of an entry; undefined when it affects no PyPI package or is withdrawn. */
export function compileOsv(entry: OsvEntry, source: string): Advisory | undefined {
  if (entry.withdrawn) return undefined;
  const packages = new Map<string, { ranges: AffectedRange[]; versions: string[] }>();
  for (const affected of entry.affected ?? []) {
    if (affected.package?.ecosystem !== 'PyPI' || !affected.package.name) continue;
    const name = normalizeName(affected.package.name);
    const slot = packages.get(name) ?? { ranges: [], versions: [] };
    for (const range of affected.ranges ?? []) {
      if (range.type !== 'ECOSYSTEM') continue;
      slot.ranges.push(...rangesOf(range.events ?? []));
    }
    // Listed versions matter only where there are no ranges to compare with (they can be
    // thousands per entry in the full database: not kept, not validated, otherwise).
    const ecosystemRanges = (affected.ranges ?? []).some((r) => r.type === 'ECOSYSTEM');
    if (!ecosystemRanges) slot.versions.push(...(affected.versions ?? []).filter(isValidVersion));
    packages.set(name, slot);
  }
  if (packages.size === 0) return undefined;
  const specific = entry.database_specific ?? {};
  const vectors = (entry.severity ?? [])
    .map((s) => (typeof s.score === 'string' ? cvss3BaseScore(s.score) : undefined))
    .filter((n): n is number => n !== undefined);
  const label =
    typeof specific.severity === 'string'
      ? specific.severity.toLowerCase()
      : vectors.length > 0
        ? cvssLabel(Math.max(...vectors))
        : undefined;
  const cwe = Array.isArray(specific.cwe_ids)
    ? specific.cwe_ids.map((c) => Number(/^CWE-(\d+)$/.exec(String(c))?.[1])).filter((n) => Number.isInteger(n) && n > 0)
    : [];
  const advisoryUrl = entry.references?.find((r) => r.type === 'ADVISORY' && r.url)?.url ?? entry.references?.find((r) => r.url)?.url;
  return {
    id: entry.id,
    aliases: entry.aliases ?? [],
    summary: oneLine(entry.summary || entry.details || entry.id),
    severity: severityOf(label, entry.severity),
    severityLabel: label === 'moderate' ? 'moderate' : label,
    cwe,
    modified: entry.modified,
    published: entry.published,
    url: advisoryUrl,
    source,
    packages,
  };
}

/**
 * Intervals from OSV events, read in order as the schema describes: `introduced` opens an
 * interval, `fixed` closes it before that version, `last_affected` after it; one left open at
 * the end is unbounded. `limit` applies to git ranges only and is ignored.
 */
function rangesOf(events: OsvEvent[]): AffectedRange[] {
  const ranges: AffectedRange[] = [];
  let open: string | undefined;
  for (const event of events) {
    if (event.introduced !== undefined) {
      if (open !== undefined) ranges.push({ lower: { version: open, inclusive: true }, upper: { inclusive: true } });
      open = event.introduced === '0' || isValidVersion(event.introduced) ? event.introduced : undefined;
    } else if (event.fixed !== undefined && open !== undefined && isValidVersion(event.fixed)) {
      ranges.push({ lower: { version: open, inclusive: true }, upper: { version: event.fixed, inclusive: false }, fixed: event.fixed });
      open = undefined;
    } else if (event.last_affected !== undefined && open !== undefined && isValidVersion(event.last_affected)) {
      ranges.push({ lower: { version: open, inclusive: true }, upper: { version: event.last_affected, inclusive: true } });
      open = undefined;
    }
  }
  if (open !== undefined) ranges.push({ lower: { version: open, inclusive: true }, upper: { inclusive: true } });
  // `introduced: "0"` means every version: no lower bound.
  for (const range of ranges) if (range.lower.version === '0') range.lower = { inclusive: true };
  return ranges;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const sentence = /^(.{20,300}?[.!?])(\s|$)/.exec(flat);
  return sentence ? sentence[1] : flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}

/**
 * GitHub's label when the entry has one, else the CVSS v3 base score's; otherwise (a v4 vector
 * only) a high impact on confidentiality or integrity counts as an error, anything else as a
 * warning.
 */
function severityOf(label: string | undefined, scores: OsvEntry['severity']): Severity {
  if (label === 'critical' || label === 'high') return 'error';
  if (label === 'moderate' || label === 'medium') return 'warning';
  if (label === 'low') return 'info';
  const vector = scores?.find((s) => typeof s.score === 'string')?.score;
  if (vector && /\/(?:C|I|VC|VI):H/.test(vector)) return 'error';
  return 'warning';
}

/** Every PyPI advisory known, by normalised package name, with where each came from. */
export class AdvisoryDatabase {
  private readonly byPackage = new Map<string, Advisory[]>();
  private readonly byKey = new Map<string, Advisory>();
  readonly sources: { source: string; count: number; newest?: string }[] = [];
  readonly problems: LoadProblem[] = [];

  get size(): number {
    return new Set(this.byKey.values()).size;
  }

  forPackage(name: string): readonly Advisory[] {
    return this.byPackage.get(normalizeName(name)) ?? [];
  }

  /**
   * Adds entries; an entry sharing its id or an alias (for a package) with one already loaded replaces it when
   * it was modified later (a newer database supersedes the bundled copy of the same advisory).
   */
  addEntries(entries: Iterable<{ file: string; data: unknown }>, source: string): void {
    let count = 0;
    let newest: string | undefined;
    for (const { file, data } of entries) {
      const problem = validateOsv(data);
      if (problem) {
        this.problems.push({ file, message: `not a usable OSV entry: ${problem}` });
        continue;
      }
      const advisory = compileOsv(data as OsvEntry, source);
      if (!advisory) continue;
      if (!this.add(advisory)) continue;
      count++;
      if (!newest || advisory.modified > newest) newest = advisory.modified;
    }
    this.sources.push({ source, count, newest });
  }

  private add(advisory: Advisory): boolean {
    // The same vulnerability under two ids (GHSA and PYSEC) is one advisory per package; one CVE
    // filed against two packages (langchain and langchain-core) is two.
    const keys = [...advisory.packages.keys()].flatMap((name) => [advisory.id, ...advisory.aliases].map((id) => `${name}\u0000${id}`));
    const existing = keys.map((k) => this.byKey.get(k)).find((a) => a !== undefined);
    if (existing) {
      if (Date.parse(existing.modified) >= Date.parse(advisory.modified)) return false;
      this.remove(existing);
    }
    for (const key of keys) this.byKey.set(key, advisory);
    for (const name of advisory.packages.keys()) {
      const list = this.byPackage.get(name);
      if (list) list.push(advisory);
      else this.byPackage.set(name, [advisory]);
    }
    return true;
  }

  private remove(advisory: Advisory): void {
    for (const [key, value] of this.byKey) if (value === advisory) this.byKey.delete(key);
    for (const name of advisory.packages.keys()) {
      const list = this.byPackage.get(name);
      if (list)
        this.byPackage.set(
          name,
          list.filter((a) => a !== advisory),
        );
    }
  }

  /** The newest `modified` date over everything loaded. */
  newest(): string | undefined {
    return this.sources
      .map((s) => s.newest)
      .filter((d): d is string => d !== undefined)
      .sort()
      .pop();
  }
}

/** Entries of a folder (recursively, *.json) or of an OSV zip; problems name the file. */
export function readAdvisoryPath(target: string, problems: LoadProblem[]): { file: string; data: unknown }[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (error) {
    problems.push({ file: target, message: `cannot read advisories: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
    return [];
  }
  if (stat.isDirectory()) return readFolder(target, problems);
  if (target.toLowerCase().endsWith('.zip')) return readZip(target, stat.size, problems);
  if (target.toLowerCase().endsWith('.json')) return readJsonFile(target, problems);
  problems.push({ file: target, message: 'advisories must be a folder of OSV .json files, an OSV .json file or an OSV .zip' });
  return [];
}

function readJsonFile(file: string, problems: LoadProblem[]): { file: string; data: unknown }[] {
  try {
    const size = fs.statSync(file).size;
    if (size > LIMITS.entryBytes) {
      problems.push({ file, message: `larger than ${LIMITS.entryBytes} bytes: skipped` });
      return [];
    }
    return [{ file, data: JSON.parse(fs.readFileSync(file, 'utf8')) }];
  } catch (error) {
    problems.push({ file, message: `cannot read: ${error instanceof Error ? error.message : String(error)}` });
    return [];
  }
}

function readFolder(dir: string, problems: LoadProblem[]): { file: string; data: unknown }[] {
  const out: { file: string; data: unknown }[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch (error) {
      problems.push({ file: current, message: `cannot list: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      continue;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.json')) {
        if (out.length >= LIMITS.entries) {
          problems.push({ file: dir, message: `more than ${LIMITS.entries} files: the rest are not read` });
          return out;
        }
        out.push(...readJsonFile(full, problems));
      }
    }
  }
  return out;
}

function readZip(file: string, size: number, problems: LoadProblem[]): { file: string; data: unknown }[] {
  if (size > LIMITS.zipBytes) {
    problems.push({ file, message: `larger than ${LIMITS.zipBytes} bytes: not read` });
    return [];
  }
  let files: Record<string, Uint8Array>;
  let total = 0;
  let count = 0;
  const oversized: string[] = [];
  try {
    files = unzipSync(fs.readFileSync(file), {
      filter: (entry) => {
        if (!entry.name.toLowerCase().endsWith('.json')) return false;
        if (entry.originalSize > LIMITS.entryBytes) {
          oversized.push(entry.name);
          return false;
        }
        if (count >= LIMITS.entries || total + entry.originalSize > LIMITS.totalBytes) return false;
        count++;
        total += entry.originalSize;
        return true;
      },
    });
  } catch (error) {
    problems.push({ file, message: `not a readable zip: ${error instanceof Error ? error.message : String(error)}` });
    return [];
  }
  for (const name of oversized) problems.push({ file: `${file}:${name}`, message: `larger than ${LIMITS.entryBytes} bytes: skipped` });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const out: { file: string; data: unknown }[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    try {
      out.push({ file: `${file}:${name}`, data: JSON.parse(decoder.decode(bytes)) });
    } catch (error) {
      problems.push({ file: `${file}:${name}`, message: `cannot read: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return out;
}
