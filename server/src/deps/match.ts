/** Which advisories a pinned version, or a range of versions, falls into. */
import type { AdvisoryDatabase, AffectedRange, Advisory } from './osv';
import { compareVersions, inInterval, intersect, isEmpty, isValidVersion, satisfies, specifierInterval } from './pep440';

export interface AdvisoryMatch {
  advisory: Advisory;
  /** The affected ranges the version (or the range) falls into. */
  ranges: AffectedRange[];
  /** The release that leaves every matched range; undefined when one of them has no fix. */
  fixed?: string;
}

/** Advisories whose affected versions include `version` (a pinned or locked release). */
export function matchVersion(db: AdvisoryDatabase, name: string, version: string): AdvisoryMatch[] {
  if (!isValidVersion(version)) return [];
  const matches: AdvisoryMatch[] = [];
  for (const advisory of db.forPackage(name)) {
    const affected = advisory.packages.get(normalizedKey(advisory, name));
    if (!affected) continue;
    const ranges = affected.ranges.filter((range) => inInterval(version, range));
    const listed = ranges.length === 0 && affected.versions.some((v) => compareVersions(v, version) === 0);
    if (ranges.length === 0 && !listed) continue;
    matches.push({ advisory, ranges, fixed: fixOf(ranges, listed) });
  }
  return matches;
}

/**
 * Advisories some version admitted by one of the specifiers is affected by. `!=` exclusions are
 * not subtracted (an interval is compared, not the exact set), so a range that excludes exactly
 * the affected releases one by one is still reported; a listed-versions-only advisory is
 * checked version by version.
 */
export function matchSpecifiers(db: AdvisoryDatabase, name: string, specifiers: readonly string[]): AdvisoryMatch[] {
  const intervals = specifiers.map(specifierInterval);
  if (intervals.some((i) => i === undefined)) return [];
  const matches: AdvisoryMatch[] = [];
  for (const advisory of db.forPackage(name)) {
    const affected = advisory.packages.get(normalizedKey(advisory, name));
    if (!affected) continue;
    const ranges = affected.ranges.filter((range) => intervals.some((interval) => !isEmpty(intersect(interval!, range))));
    const listed = ranges.length === 0 && affected.versions.some((v) => specifiers.some((s) => satisfies(v, s)));
    if (ranges.length === 0 && !listed) continue;
    matches.push({ advisory, ranges, fixed: fixOf(ranges, listed) });
  }
  return matches;
}

function fixOf(ranges: AffectedRange[], listedOnly: boolean): string | undefined {
  if (listedOnly || ranges.length === 0 || ranges.some((r) => r.fixed === undefined)) return undefined;
  return ranges.map((r) => r.fixed!).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
}

function normalizedKey(advisory: Advisory, name: string): string {
  const key = name.trim().toLowerCase().replace(/[-_.]+/g, '-');
  return advisory.packages.has(key) ? key : key;
}

/** The smallest version that leaves every match, when each has a fix. */
export function targetVersion(matches: readonly AdvisoryMatch[]): string | undefined {
  const fixes = matches.map((m) => m.fixed);
  if (fixes.length === 0 || fixes.some((f) => f === undefined)) return fixes.filter((f): f is string => f !== undefined).reduce<string | undefined>((a, b) => (a === undefined || compareVersions(b, a) > 0 ? b : a), undefined);
  return (fixes as string[]).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
}
