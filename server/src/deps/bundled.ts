/**
 * The advisory database the tool starts with: the curated OSV entries under advisories/osv,
 * embedded in the bundles at build time (esbuild.mjs) and read from the folder when running from
 * the compiled sources (tests). Extra OSV data (`--advisories`, the `mlsec.advisories` setting)
 * is added on top; databases are cached per list of paths and re-read when a path changes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AdvisoryDatabase, readAdvisoryPath } from './osv';

declare const MLSEC_BUNDLED_ADVISORIES: Record<string, unknown> | undefined;

export const BUNDLED_SOURCE = 'bundled';

/** The bundled entries by file name. */
export function bundledEntries(): { file: string; data: unknown }[] {
  if (typeof MLSEC_BUNDLED_ADVISORIES === 'object' && MLSEC_BUNDLED_ADVISORIES !== null) {
    return Object.entries(MLSEC_BUNDLED_ADVISORIES).map(([file, data]) => ({ file, data }));
  }
  for (const dir of [path.join(__dirname, '..', 'advisories', 'osv'), path.join(__dirname, '..', '..', '..', '..', 'advisories', 'osv')]) {
    if (!fs.existsSync(dir)) continue;
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((file) => ({ file, data: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as unknown }));
  }
  return [];
}

/** One database per list of paths, with the stamp (size and mtime of each path) it was read at. */
const cache = new Map<string, { stamp: string; db: AdvisoryDatabase }>();

/**
 * The bundled advisories plus those under `extra` (folders, .json or OSV .zip files). A path
 * replaced on disk (a newer download) is read again; the older database is dropped.
 */
export function loadAdvisories(extra: readonly string[] = []): AdvisoryDatabase {
  const resolved = extra.map((p) => path.resolve(p));
  const key = JSON.stringify(resolved);
  const stamp = resolved.map(stampOf).join('|');
  const cached = cache.get(key);
  if (cached && cached.stamp === stamp) return cached.db;
  const db = new AdvisoryDatabase();
  db.addEntries(bundledEntries(), BUNDLED_SOURCE);
  for (const target of resolved) db.addEntries(readAdvisoryPath(target, db.problems), target);
  cache.set(key, { stamp, db });
  return db;
}

function stampOf(file: string): string {
  try {
    const stat = fs.statSync(file);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return '';
  }
}
