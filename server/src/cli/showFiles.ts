/**
 * `mlsec scan --show-files`: what a scan would read and what it leaves out, and why (default
 * excludes, `exclude` settings, `.gitignore`, the size limit, links), for debugging a
 * configuration. Nothing is analysed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectSourceFiles } from '../engine/io/sourceFiles';
import type { ScanOptions } from './scanner';
import { makeResolver } from './scanner';

export interface FileListing {
  scanned: string[];
  skipped: Array<{ file: string; reason: string }>;
}

export function listFiles(options: ScanOptions): FileListing {
  const resolver = makeResolver(options);
  const skipped: FileListing['skipped'] = [];
  const found = collectSourceFiles(options.paths, {
    resolver,
    onProblem: (file, reason) => skipped.push({ file, reason }),
    onSkip: (file, reason) => skipped.push({ file, reason }),
  });
  const scanned: string[] = [];
  for (const file of found) {
    const limit = resolver.forFile(file).maxFileSize;
    let size: number | undefined;
    try {
      size = fs.statSync(file).size;
    } catch {
      size = undefined; // reported by the scan itself as unreadable
    }
    if (size !== undefined && size > limit) skipped.push({ file, reason: `${size} bytes, over the ${limit}-byte limit (max-file-size)` });
    else scanned.push(file);
  }
  return { scanned, skipped };
}

export function formatFileListing(listing: FileListing, baseDir: string): string {
  const show = (file: string) => {
    const relative = path.relative(baseDir, path.resolve(file)).split(path.sep).join('/');
    let folder = false;
    try {
      folder = fs.lstatSync(file).isDirectory();
    } catch {
      // a missing path is shown as given
    }
    return (relative && !relative.startsWith('..') ? relative : file) + (folder ? '/' : '');
  };
  const rows = [
    ...listing.scanned.map((file) => ({ key: show(file), line: `scan  ${show(file)}` })),
    ...listing.skipped.map(({ file, reason }) => ({
      key: show(file),
      line: `skip  ${show(file)}: ${reason.split(baseDir + path.sep).join('')}`,
    })),
  ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const summary = `${listing.scanned.length} file${listing.scanned.length === 1 ? '' : 's'} to scan, ${listing.skipped.length} skipped\n`;
  return rows.map((r) => r.line + '\n').join('') + summary;
}
