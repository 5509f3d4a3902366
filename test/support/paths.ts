import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root (tests run from out/test/...). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'rules', 'fixtures');
export const CORPUS = path.join(REPO_ROOT, 'test', 'corpus');
export const DIST = path.join(REPO_ROOT, 'dist');

/** Files under `dir` (recursively) whose names end with one of `extensions`; none when it is missing. */
export function filesUnder(dir: string, extensions: readonly string[]): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full, extensions);
    return extensions.some((extension) => entry.name.endsWith(extension)) ? [full] : [];
  });
}
