/**
 * Reading source files and finding them in a tree, with the checks every front end needs: size
 * limit, binary content, invalid UTF-8, and exclusion by configuration and `.gitignore`.
 */
import * as buffer from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore from 'ignore';
import type { ConfigResolver } from '../config/projectConfig';
import { DEFAULT_EXCLUDES } from '../config/projectConfig';
import { GitWorktrees } from './gitIndex';
import { GitignoreIndex } from '../config/patternIndex';
import type { SkipReport } from './skipReport';
import { MAX_PROJECT_FILE_SIZE, readRegularFile, readTextFile } from './safeRead';

/** What a .gitignore answers: whether a path (relative to its folder, `/` for a folder) is excluded. */
interface Matcher {
  ignores(relative: string): boolean;
}
import { manifestKindOf } from '../../deps/manifests';

export type SourceKind = 'python' | 'notebook';

const VCS_FOLDERS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn', '.bzr']);

export function sourceKindOf(file: string): SourceKind | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.py') || lower.endsWith('.pyi') || lower.endsWith('.pyw')) return 'python';
  if (lower.endsWith('.ipynb')) return 'notebook';
  return undefined;
}

export type ReadResult = { ok: true; text: string } | { ok: false; message: string; line?: number };

/** PEP 263: a comment on line 1 or 2 naming the file's encoding (`# -*- coding: latin-1 -*-`). */
const CODING_COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

/** The encoding a PEP 263 cookie declares, when it is not UTF-8. */
function declaredEncoding(bytes: Uint8Array): { name: string; line: number } | undefined {
  const start = asBuffer(bytes.subarray(0, 512));
  if (start.indexOf('coding') < 0) return undefined;
  const head = start.toString('latin1').split(/\r\n|\r|\n/, 2);
  for (let line = 0; line < head.length; line++) {
    const match = CODING_COOKIE.exec(head[line]);
    if (match) {
      const name = match[1].toLowerCase().replace(/_/g, '-');
      return /^utf-?8(?:-sig)?$/.test(name) ? undefined : { name, line };
    }
    // The cookie may only follow a comment or blank first line.
    if (!/^[ \t\f]*(?:#.*)?$/.test(head[line])) break;
  }
  return undefined;
}

/** Python's names for encodings that the WHATWG labels TextDecoder knows spell differently. */
const PYTHON_ENCODING_ALIASES: Record<string, string> = {
  'latin-1': 'iso-8859-1',
  l1: 'iso-8859-1',
  'iso8859-1': 'iso-8859-1',
  'cp-1252': 'windows-1252',
  'euc-jis-2004': 'euc-jp',
  sjis: 'shift_jis',
  'shift-jis': 'shift_jis',
};

/**
 * Checks raw bytes: binary content and undecodable text are reported with the line where they
 * start. Text is UTF-8 unless a PEP 263 cookie declares another encoding, as Python reads it.
 */
export function decodeSource(bytes: Uint8Array): ReadResult {
  const probe = bytes.subarray(0, 8192);
  const nul = probe.indexOf(0);
  if (nul >= 0) return { ok: false, message: 'binary file (contains NUL bytes)', line: lineOfByte(bytes, nul) };
  const declared = declaredEncoding(bytes);
  if (declared) {
    let decoder: InstanceType<typeof TextDecoder>;
    try {
      decoder = new TextDecoder(PYTHON_ENCODING_ALIASES[declared.name] ?? declared.name, { fatal: true });
    } catch {
      return { ok: false, message: `unsupported encoding "${declared.name}" declared`, line: declared.line };
    }
    try {
      return { ok: true, text: decoder.decode(bytes) };
    } catch {
      return { ok: false, message: `not valid ${declared.name} as declared`, line: declared.line };
    }
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) {
    const bad = firstInvalidUtf8(bytes);
    return { ok: false, message: `invalid UTF-8 at byte ${bad}`, line: lineOfByte(bytes, bad) };
  }
  return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const buffers = {
  isAscii: (buffer as { isAscii?: (b: Uint8Array) => boolean }).isAscii,
  isUtf8: (buffer as { isUtf8?: (b: Uint8Array) => boolean }).isUtf8,
};

/**
 * The text of UTF-8 bytes, or undefined when they are not valid UTF-8 (BOM kept). Most source
 * files are ASCII: checking that and taking the bytes as Latin-1 is three times faster than a
 * fatal TextDecoder, and both make the same compact one-byte string.
 */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  const view = asBuffer(bytes);
  if (buffers.isAscii?.(view)) return view.toString('latin1');
  if (buffers.isUtf8) return buffers.isUtf8(view) ? view.toString('utf8') : undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A source file's text, checked (size limit, regular file only, binary, encoding). Reading goes
 * through `readRegularFile`, so a FIFO or a link to a device is reported, never opened.
 */
export function readSource(file: string, maxFileSize: number): ReadResult {
  const read = readRegularFile(file, maxFileSize, { setting: 'max-file-size' });
  return read.ok ? decodeSource(read.bytes) : { ok: false, message: read.message };
}

function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 0;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 10) line++;
  return line;
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += length;
  }
  return i;
}

export interface WalkOptions {
  resolver: ConfigResolver;
  /** Called for folders or files that could not be listed. */
  onProblem?: (file: string, message: string) => void;
  /** File kinds to collect (default: Python, notebooks and dependency manifests). */
  accept?: (file: string) => boolean;
  /** Called with the number of files found so far, each time one is found (for starting workers early). */
  onFound?: (count: number) => void;
  /** Told each folder or source file left out of the walk, and why (`mlsec scan --show-files`). */
  onSkip?: (file: string, reason: string) => void;
  /** Counts what the walk leaves out, by mechanism (skipReport.ts). */
  skips?: SkipReport;
}

/**
 * Expands paths into source files. Folders are walked honouring default excludes, each
 * config's `exclude` and, unless disabled, `.gitignore` files (nested ones included). Files
 * named explicitly are always returned, as users expect from a linter.
 */
export function collectSourceFiles(paths: readonly string[], options: WalkOptions): string[] {
  const accept = options.accept ?? ((file: string) => sourceKindOf(file) !== undefined || manifestKindOf(file) !== undefined);
  const found: string[] = [];
  const defaults = ignore().add(DEFAULT_EXCLUDES);
  const skips = options.skips;
  // Git never ignores a tracked file: where the tree is a git working tree, `.gitignore` applies
  // to untracked files only (the index is read, see gitIndex.ts; when it cannot be, to all files).
  const git = new GitWorktrees((_top, result) => {
    if (result.ok) {
      if (skips) skips.git.read++;
    } else {
      // Not a problem of the scan (it falls back to what it did before git was followed): the
      // skip report says so.
      skips?.git.unreadable.push(result.message);
    }
  });
  const walk = (dir: string, gitignores: Array<{ base: string; matcher: Matcher }>): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      options.onProblem?.(dir, `cannot list folder: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      return;
    }
    const config = options.resolver.forFolder(dir);
    let scoped = gitignores;
    // A .gitignore that is a symbolic link is not followed, as git does not (since 2.32).
    const gitignore = config.respectGitignore ? entries.find((e) => e.name === '.gitignore') : undefined;
    if (gitignore) {
      const matcher = gitignore.isFile()
        ? readGitignore(path.join(dir, '.gitignore'), options.onProblem)
        : notFollowed(path.join(dir, '.gitignore'), gitignore, options.onProblem);
      if (matcher) scoped = [...gitignores, { base: dir, matcher }];
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const isDir = entry.isDirectory();
      // A file of a kind not collected is neither counted nor reported: not worth matching
      // against the excludes and the .gitignore files (most of a walk's matching in a tree of
      // other languages' sources, docs and assets).
      if (!isDir && !accept(full)) continue;
      if (entry.isSymbolicLink()) {
        // links are not followed in a walk; other special files are collected and reported by the reader
        options.onSkip?.(full, 'symbolic link (not followed)');
        skips?.add('symlink', isDir);
        continue;
      }
      if (defaults.ignores(isDir ? entry.name + '/' : entry.name)) {
        options.onSkip?.(full, 'default exclude');
        // Version-control folders are never sources: not worth a count.
        if (!VCS_FOLDERS.has(entry.name)) skips?.add('default-exclude', isDir);
        continue;
      }
      if (options.resolver.isExcluded(full, isDir)) {
        options.onSkip?.(full, `excluded by ${options.resolver.forFile(full).file ?? 'the configuration'}`);
        skips?.add('exclude', isDir);
        continue;
      }
      const ignoredBy = config.respectGitignore
        ? scoped.find(({ base, matcher }) => matcher.ignores(toPosix(path.relative(base, full)) + (isDir ? '/' : '')))
        : undefined;
      if (ignoredBy && git.tracks(full, isDir)) {
        if (!isDir && skips) skips.git.trackedKept++;
      } else if (ignoredBy) {
        options.onSkip?.(full, `ignored by ${path.join(ignoredBy.base, '.gitignore')}`);
        skips?.add('gitignore', isDir);
        continue;
      }
      if (isDir) walk(full, scoped);
      else if (entry.isFile()) {
        found.push(full);
        options.onFound?.(found.length);
      }
      // A FIFO, socket or device named like a source file is reported, never opened (opening a
      // FIFO waits for a writer).
      else options.onProblem?.(full, `not a regular file (${entry.isFIFO() ? 'FIFO' : entry.isSocket() ? 'socket' : 'device'}); not read`);
    }
  };
  for (const given of paths) {
    const resolved = path.resolve(given);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(resolved);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      options.onProblem?.(
        given,
        code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file or folder' : `cannot read: ${code ?? String(error)}`,
      );
      continue;
    }
    if (stat.isDirectory()) walk(resolved, inheritedGitignores(resolved, options.resolver, options.onProblem));
    // A file named explicitly is analysed, or reported when it is not a regular file (a FIFO, a
    // device): the reader refuses those without opening them.
    else {
      found.push(resolved);
      options.onFound?.(found.length);
    }
  }
  return [...new Set(found)];
}

/** `.gitignore` files of the folders above a scan root, up to the repository root. */
function inheritedGitignores(
  root: string,
  resolver: ConfigResolver,
  onProblem: WalkOptions['onProblem'],
): Array<{ base: string; matcher: Matcher }> {
  if (!resolver.forFolder(root).respectGitignore) return [];
  const chain: Array<{ base: string; matcher: Matcher }> = [];
  let dir = path.dirname(root);
  let child = root;
  while (dir !== child) {
    if (fs.existsSync(path.join(child, '.git'))) break;
    const file = path.join(dir, '.gitignore');
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(file);
    } catch {
      // none here
    }
    // Only a regular file is read; a symbolic link is not followed, as git does not.
    if (stat && !stat.isFile()) notFollowed(file, stat, onProblem);
    else if (stat) {
      const matcher = readGitignore(file, onProblem);
      // A folder named on the command line is scanned even when a .gitignore above it
      // excludes the folder itself (as ripgrep and ruff do): that file cannot apply here.
      if (matcher && !matcher.ignores(toPosix(path.relative(dir, root)) + '/')) chain.unshift({ base: dir, matcher });
    }
    if (fs.existsSync(path.join(dir, '.git'))) break;
    child = dir;
    dir = path.dirname(dir);
  }
  return chain;
}

/** Reports a `.gitignore` that is not a regular file (a symbolic link, a FIFO…); it applies nothing. */
function notFollowed(file: string, entry: fs.Dirent | fs.Stats, onProblem: WalkOptions['onProblem']): undefined {
  const kind = entry.isSymbolicLink()
    ? 'a symbolic link, not followed (as git does not)'
    : entry.isDirectory()
      ? 'a folder'
      : `not a regular file (${entry.isFIFO() ? 'FIFO' : entry.isSocket() ? 'socket' : 'device'})`;
  onProblem?.(file, `.gitignore not applied: ${kind}`);
  return undefined;
}

/**
 * A `.gitignore`'s matcher, or undefined (excluding nothing) when it cannot be read: too large
 * (MAX_PROJECT_FILE_SIZE), not a regular file, or unreadable, which is reported naming the file.
 */
function readGitignore(file: string, onProblem: WalkOptions['onProblem']): Matcher | undefined {
  const read = readTextFile(file, MAX_PROJECT_FILE_SIZE, { setting: 'the limit for project files', lenient: true });
  if (!read.ok) {
    onProblem?.(file, `.gitignore not applied: ${read.message}`);
    return undefined;
  }
  return new GitignoreIndex(read.text);
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
