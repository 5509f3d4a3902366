/** URI helpers: which documents have a path on disk, and where they sit in the workspace. */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The file system path of a `file:` URI; undefined for untitled and other virtual documents. */
export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function fileUriOf(file: string): string {
  return pathToFileURL(file).toString();
}

/** Canonical form of a URI as a map key (clients differ in how they escape `:` in drive letters). */
export function uriKey(uri: string): string {
  const file = filePathOf(uri);
  return file ? fileUriOf(file) : uri;
}

/** The innermost workspace folder containing a path. */
export function folderOf(file: string, folders: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const folder of folders) {
    const relative = path.relative(folder, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
    if (!best || folder.length > best.length) best = folder;
  }
  return best;
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
