/**
 * Versions and specifiers (PEP 440) over `@renovatebot/pep440`, plus the two things that library
 * does not do: PEP 503 name normalisation, and whether a specifier admits any version of an
 * interval (the question "can `torch>=2.0` install an affected release?").
 */
import * as pep440 from '@renovatebot/pep440';

/** PEP 503: lower case, runs of `-`, `_` and `.` become one `-`. */
export function normalizeName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[-_.]+/g, '-');
}

export function isValidVersion(version: string): boolean {
  return pep440.valid(version) !== null;
}

export function isValidSpecifier(specifier: string): boolean {
  return specifier.trim() === '' || pep440.validRange(specifier);
}

/** Negative, zero or positive as a sorts before, with or after b; both must be valid versions. */
export function compareVersions(a: string, b: string): number {
  return pep440.compare(a, b);
}

/** Whether a version satisfies a specifier (an empty specifier admits everything). */
export function satisfies(version: string, specifier: string): boolean {
  if (specifier.trim() === '') return true;
  return pep440.satisfies(version, specifier, { prereleases: true });
}

/**
 * The one version a specifier allows, when it is a single `==V` (without wildcard) or `===V`:
 * that is a pin, and what gets installed is known.
 */
export function pinnedVersion(specifier: string): string | undefined {
  const clauses = splitClauses(specifier);
  if (clauses.length !== 1) return undefined;
  const match = /^(===?)\s*([^\s*]+)$/.exec(clauses[0]);
  if (!match) return undefined;
  const version = match[2];
  if (match[1] === '===') return version;
  // `==2.5.1+cu121` pins a local version; the public part is what advisories name.
  return isValidVersion(version) ? version : undefined;
}

export function splitClauses(specifier: string): string[] {
  return specifier
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

/** A bound of an interval of versions; `undefined` version means unbounded. */
export interface Bound {
  version?: string;
  inclusive: boolean;
}

export interface Interval {
  lower: Bound;
  upper: Bound;
}

const UNBOUNDED: Interval = { lower: { inclusive: true }, upper: { inclusive: true } };

/**
 * The smallest interval containing every version the specifier admits. `!=` clauses are holes
 * and are ignored (the interval may be larger than the set, never smaller); `===` of a string
 * that is not a version yields undefined (nothing can be said).
 */
export function specifierInterval(specifier: string): Interval | undefined {
  let interval: Interval = { ...UNBOUNDED };
  for (const clause of splitClauses(specifier)) {
    const match = /^(~=|===|==|!=|<=|>=|<|>)\s*(\S+)$/.exec(clause);
    if (!match) return undefined;
    const [, op, raw] = match;
    let next: Interval;
    if (op === '!=') continue;
    if (op === '==' && raw.endsWith('.*')) {
      const prefix = raw.slice(0, -2);
      if (!isValidVersion(prefix)) return undefined;
      next = { lower: { version: `${prefix}.dev0`, inclusive: true }, upper: { version: `${bumpLast(prefix)}.dev0`, inclusive: false } };
    } else {
      const version = raw.replace(/\+.*$/, '');
      if (!isValidVersion(version)) return undefined;
      switch (op) {
        case '==':
        case '===':
          next = { lower: { version, inclusive: true }, upper: { version: raw, inclusive: true } };
          if (raw.includes('+')) next.upper = { version, inclusive: true };
          break;
        case '~=': {
          const release = pep440.explain(version)?.release ?? [];
          if (release.length < 2) return undefined;
          const prefix = release.slice(0, -1).join('.');
          next = { lower: { version, inclusive: true }, upper: { version: `${bumpLast(prefix)}.dev0`, inclusive: false } };
          break;
        }
        case '>=':
          next = { lower: { version, inclusive: true }, upper: { inclusive: true } };
          break;
        case '>':
          next = { lower: { version, inclusive: false }, upper: { inclusive: true } };
          break;
        case '<=':
          next = { lower: { inclusive: true }, upper: { version, inclusive: true } };
          break;
        default:
          next = { lower: { inclusive: true }, upper: { version, inclusive: false } };
      }
    }
    interval = intersect(interval, next);
  }
  return interval;
}

/** `2.5` → `2.6`, `1` → `2`: the next release prefix. */
function bumpLast(prefix: string): string {
  const parts = (pep440.explain(prefix)?.release ?? prefix.split('.').map(Number)).slice();
  parts[parts.length - 1] += 1;
  const epoch = pep440.explain(prefix)?.epoch ?? 0;
  return `${epoch ? `${epoch}!` : ''}${parts.join('.')}`;
}

function maxLower(a: Bound, b: Bound): Bound {
  if (a.version === undefined) return b;
  if (b.version === undefined) return a;
  const c = compareVersions(a.version, b.version);
  if (c !== 0) return c > 0 ? a : b;
  return { version: a.version, inclusive: a.inclusive && b.inclusive };
}

function minUpper(a: Bound, b: Bound): Bound {
  if (a.version === undefined) return b;
  if (b.version === undefined) return a;
  const c = compareVersions(a.version, b.version);
  if (c !== 0) return c < 0 ? a : b;
  return { version: a.version, inclusive: a.inclusive && b.inclusive };
}

export function intersect(a: Interval, b: Interval): Interval {
  return { lower: maxLower(a.lower, b.lower), upper: minUpper(a.upper, b.upper) };
}

export function isEmpty(interval: Interval): boolean {
  const { lower, upper } = interval;
  if (lower.version === undefined || upper.version === undefined) return false;
  const c = compareVersions(lower.version, upper.version);
  return c > 0 || (c === 0 && !(lower.inclusive && upper.inclusive));
}

export function inInterval(version: string, interval: Interval): boolean {
  const { lower, upper } = interval;
  if (lower.version !== undefined) {
    const c = compareVersions(version, lower.version);
    if (c < 0 || (c === 0 && !lower.inclusive)) return false;
  }
  if (upper.version !== undefined) {
    const c = compareVersions(version, upper.version);
    if (c > 0 || (c === 0 && !upper.inclusive)) return false;
  }
  return true;
}

export function describeInterval(interval: Interval): string {
  const parts: string[] = [];
  if (interval.lower.version !== undefined && interval.lower.version !== '0')
    parts.push(`${interval.lower.inclusive ? '>=' : '>'}${interval.lower.version}`);
  if (interval.upper.version !== undefined) parts.push(`${interval.upper.inclusive ? '<=' : '<'}${interval.upper.version}`);
  return parts.length > 0 ? parts.join(',') : 'every version';
}

export function majorOf(version: string): number | undefined {
  return pep440.explain(version)?.release[0];
}
