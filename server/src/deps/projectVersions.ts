/**
 * The package versions of the project a Python file belongs to: the nearest folder at or above
 * the file holding a lock or manifest (stopping at a repository root), locks first, then `==`
 * pins, then the lower bounds of ranges. Looked up only when a rule asks (`ProjectVersions.get`),
 * so files without version-aware rules cost nothing; cached per folder and re-read when a
 * candidate file appears, changes or disappears (checked with a stat of each candidate).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PackageVersion, ProjectVersions } from '../engine/rule';
import { LineIndex } from '../engine/text';
import { readFromDisk } from './analyze';
import { isLockKind, manifestKindOf, readManifest } from './manifests';
import { compareVersions, normalizeName, splitClauses } from './pep440';

/** Looked for in each folder, locks first: what a lock records is what is installed. */
const CANDIDATES = [
  'poetry.lock',
  'uv.lock',
  'pylock.toml',
  'Pipfile.lock',
  'requirements.txt',
  'requirements.in',
  'constraints.txt',
  'pyproject.toml',
  'Pipfile',
  'setup.cfg',
  'environment.yml',
];

interface FolderFacts {
  /** Size and mtime of each candidate present ('' for absent ones): any change re-reads the folder. */
  stamp: string;
  versions: Map<string, PackageVersion> | null;
}

const byFolder = new Map<string, FolderFacts>();

/** The versions for a file on disk; nothing is read until a rule asks for a package. */
export function projectVersionsFor(file: string): ProjectVersions {
  let facts: Map<string, PackageVersion> | undefined;
  return {
    get(name: string): PackageVersion | undefined {
      facts ??= lookup(path.dirname(path.resolve(file)));
      return facts.get(normalizeName(name));
    },
  };
}

function lookup(start: string): Map<string, PackageVersion> {
  for (let dir = start; ;) {
    // A few stats per folder: a lock created, changed or deleted since is noticed.
    const stamp = stampOf(dir);
    let cached = byFolder.get(dir);
    if (!cached || cached.stamp !== stamp) {
      cached = { stamp, versions: stamp.replace(/[|]/g, '') === '' ? null : readFolder(dir) };
      byFolder.set(dir, cached);
    }
    if (cached.versions) return cached.versions;
    if (fs.existsSync(path.join(dir, '.git'))) break;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return new Map();
}

function stampOf(dir: string): string {
  return CANDIDATES.map((name) => {
    try {
      const stat = fs.statSync(path.join(dir, name));
      return stat.isFile() ? `${stat.size}:${stat.mtimeMs}` : '';
    } catch {
      return '';
    }
  }).join('|');
}

function readFolder(dir: string): Map<string, PackageVersion> | null {
  let found = false;
  const versions = new Map<string, PackageVersion>();
  for (const name of CANDIDATES) {
    const file = path.join(dir, name);
    const kind = manifestKindOf(file);
    const read = readFromDisk(file);
    if (!kind || 'error' in read) continue;
    found = true;
    const report = readManifest(kind, read.text, file, readFromDisk);
    const lines = new LineIndex(read.text);
    for (const requirement of report.requirements) {
      if (versions.get(requirement.normalized)?.pinned !== undefined) continue; // a lock or an earlier pin decides
      const where = `${name}:${lines.positionAt(requirement.span.start).line + 1}`;
      if (requirement.pinned !== undefined)
        versions.set(requirement.normalized, { pinned: requirement.pinned.replace(/\+.*$/, ''), where });
      else if (!versions.has(requirement.normalized) && !isLockKind(kind)) {
        const minimum = lowerBound(requirement.alternatives ?? [requirement.specifier]);
        if (minimum) versions.set(requirement.normalized, { minimum, where });
      }
    }
    for (const [normalized, pinned] of report.constraints ?? [])
      if (!versions.get(normalized)?.pinned) versions.set(normalized, { pinned, where: name });
  }
  return found ? versions : null;
}

/** The smallest version every alternative guarantees (`>=2.6`, `~=2.6`, `==2.6.*`), if each has one. */
function lowerBound(specifiers: readonly string[]): string | undefined {
  let result: string | undefined;
  for (const specifier of specifiers) {
    let bound: string | undefined;
    for (const clause of splitClauses(specifier)) {
      const match = /^(>=|>|~=|==)\s*([0-9][^*\s,]*?)(\.\*)?$/.exec(clause);
      if (!match) continue;
      if (!bound || compareVersions(match[2], bound) > 0) bound = match[2];
    }
    if (!bound) return undefined;
    if (!result || compareVersions(bound, result) < 0) result = bound;
  }
  return result;
}
