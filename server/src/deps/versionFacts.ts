/** Questions rules ask about the project's versions (see projectVersions.ts). */
import type { PackageVersion } from '../engine/rule';
import { compareVersions, isValidVersion } from './pep440';

/** Whether a package is known to be at `version` or later: true, false, or undefined (unknown). */
export function atLeast(fact: PackageVersion | undefined, version: string): boolean | undefined {
  if (!fact) return undefined;
  if (fact.pinned !== undefined && isValidVersion(fact.pinned)) return compareVersions(fact.pinned, version) >= 0;
  if (fact.minimum !== undefined && isValidVersion(fact.minimum) && compareVersions(fact.minimum, version) >= 0) return true;
  return undefined;
}

/** `torch 2.5.1 (requirements.txt:3)` or `torch>=2.6 (pyproject.toml:8)`. */
export function describeFact(name: string, fact: PackageVersion): string {
  return fact.pinned !== undefined ? `${name} ${fact.pinned} (${fact.where})` : `${name}>=${fact.minimum ?? '?'} (${fact.where})`;
}
