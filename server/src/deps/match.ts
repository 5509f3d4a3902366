/** Which advisories a pinned version, or a range of versions, falls into. */
import type { AdvisoryDatabase, AffectedRange, Advisory } from './osv';
import { compareVersions, inInterval, intersect, isEmpty, isValidVersion, normalizeName, satisfies, specifierInterval } from './pep440';

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
    const affected = advisory.packages.get(normalizeName(name));
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
    const affected = advisory.packages.get(normalizeName(name));
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

/**
 * The version a fix raises to: the highest fixed release among the matches, which leaves every
 * match that has a fix (one without a fix cannot be left by raising the version).
 */
export function targetVersion(matches: readonly AdvisoryMatch[]): string | undefined {
  let target: string | undefined;
  for (const { fixed } of matches) if (fixed !== undefined && (target === undefined || compareVersions(fixed, target) > 0)) target = fixed;
  return target;
}
