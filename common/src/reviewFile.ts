/**
 * The review state of the checklist, kept in `.mlsec/review.json` inside the workspace so that a
 * team shares it and it shows up in pull requests.
 *
 * Format (version 1): every catalogue item is written, one item per line, keys sorted, with a
 * blank line between items. Marking an item therefore changes exactly one line and never a comma;
 * the blank lines keep two people's changes to neighbouring items from touching, which is what
 * makes git report a conflict. Entries for ids this version does not know (hand-written, or from
 * a newer catalogue) and fields it does not know are kept as written.
 *
 * A file that is not valid JSON (a bad hand edit, an unresolved merge) is not thrown away: entries
 * are recovered line by line (for a merge conflict both sides are read and the later review of an
 * item wins), the problem is reported naming the file and line, and the original is copied to a
 * backup before the file is rewritten. No `vscode` here: the unit tests run in plain Node.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHECKLIST, REVIEW_FILE } from './checklist';
import { readInsideWorkspace, readSmallFile, writeAtomicallyInside, writeNewFileInside } from './workspaceFiles';

export const REVIEW_FILE_VERSION = 1;

/** `open` is written for items nobody has reviewed, or whose review was reset. */
export type ReviewFileState = 'reviewed' | 'not-applicable' | 'open';

export interface ReviewEntry {
  /** As written; anything but the three known states counts as open and is kept verbatim. */
  state: string;
  note?: string;
  /** Who recorded it (git user.name or the OS user). */
  by?: string;
  /** ISO time. */
  at?: string;
  /** Fields this version does not know, kept as written. */
  extra?: Record<string, unknown>;
}

export interface ReviewDocument {
  entries: Map<string, ReviewEntry>;
  /** Top-level fields this version does not know, kept as written. */
  extra: Record<string, unknown>;
}

export interface ReviewProblem {
  message: string;
  /** Zero-based line, when known. */
  line?: number;
}

export interface ParsedReview {
  document: ReviewDocument;
  problems: ReviewProblem[];
  /**
   * False when the text could not be fully understood (not JSON, wrong shape, a merge conflict):
   * rewriting it could lose something, so a backup copy must be kept first.
   */
  lossless: boolean;
}

export function emptyReview(): ReviewDocument {
  return { entries: new Map(), extra: Object.create(null) as Record<string, unknown> };
}

export function isKnownState(state: string): state is ReviewFileState {
  return state === 'reviewed' || state === 'not-applicable' || state === 'open';
}

/** The effective state of an item: reviewed, not applicable, or undefined (open). */
export function effectiveState(entry: ReviewEntry | undefined): 'reviewed' | 'not-applicable' | undefined {
  if (entry?.state === 'reviewed' || entry?.state === 'not-applicable') return entry.state;
  return undefined;
}

export function parseReview(text: string): ParsedReview {
  const problems: ReviewProblem[] = [];
  if (text.trim() === '') return { document: emptyReview(), problems, lossless: true };
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    return salvage(text, error instanceof Error ? error.message : String(error));
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    return {
      document: emptyReview(),
      problems: [{ message: 'expected a JSON object with an "items" object; nothing could be read' }],
      lossless: false,
    };
  }
  const { items, version, ...rest } = data as Record<string, unknown>;
  const document: ReviewDocument = { entries: new Map(), extra: Object.assign(Object.create(null) as Record<string, unknown>, rest) };
  let lossless = true;
  if (version !== undefined && version !== REVIEW_FILE_VERSION) {
    problems.push({
      message: `written by a different format version (${JSON.stringify(version)}); entries read as version ${REVIEW_FILE_VERSION}`,
    });
    lossless = false;
  }
  const add = (id: string, raw: unknown): void => {
    const entry = toEntry(raw);
    if (!entry) {
      problems.push({ message: `item "${id}" is not an object with a "state"; kept in the backup only`, line: lineOfKey(text, id) });
      lossless = false;
      return;
    }
    if (!isKnownState(entry.state)) {
      problems.push({
        message: `item "${id}" has unknown state "${entry.state}"; treated as open and kept as written`,
        line: lineOfKey(text, id),
      });
    }
    document.entries.set(id, entry);
  };
  if (items === undefined) {
    // nothing recorded yet
  } else if (Array.isArray(items)) {
    // A hand-written list of { "item": id, ... } is accepted too.
    for (const raw of items) {
      const id =
        raw && typeof raw === 'object' ? ((raw as Record<string, unknown>).item ?? (raw as Record<string, unknown>).id) : undefined;
      if (typeof id !== 'string') {
        problems.push({ message: `an entry of "items" has no "item" id; kept in the backup only` });
        lossless = false;
        continue;
      }
      const { item: _item, id: _id, ...fields } = raw as Record<string, unknown>;
      add(id, fields);
    }
    lossless = false; // rewritten as an object: keep the original
  } else if (typeof items === 'object' && items !== null) {
    for (const [id, raw] of Object.entries(items as Record<string, unknown>)) add(id, raw);
  } else {
    problems.push({ message: '"items" must be an object mapping item ids to reviews', line: lineOfKey(text, 'items') });
    lossless = false;
  }
  return { document, problems, lossless };
}

function toEntry(raw: unknown): ReviewEntry | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { state, note, by, at, ...rest } = raw as Record<string, unknown>;
  if (typeof state !== 'string') return undefined;
  // Null prototype: a field named `__proto__`, `constructor` or `toString` is data like any other.
  const extra: Record<string, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, rest);
  const entry: ReviewEntry = { state };
  const keep = (key: string, value: unknown): void => {
    if (value === undefined) return;
    if (typeof value === 'string') (entry as unknown as Record<string, unknown>)[key] = value;
    else extra[key] = value; // an odd type is kept as written rather than dropped
  };
  keep('note', note);
  keep('by', by);
  keep('at', at);
  if (Object.keys(extra).length) entry.extra = extra;
  return entry;
}

/** Reads what it can from text that is not valid JSON, line by line. */
function salvage(text: string, reason: string): ParsedReview {
  const lines = text.split(/\r?\n/);
  const problems: ReviewProblem[] = [];
  const conflict = lines.findIndex((l) => /^(<{7}|={7}|>{7})(\s|$)/.test(l));
  const where = jsonErrorLine(text, reason);
  problems.push(
    conflict >= 0
      ? {
          message: `contains unresolved merge conflict markers (line ${conflict + 1}); both sides were read and the later review of each item kept`,
          line: conflict,
        }
      : {
          message: `is not valid JSON${where !== undefined ? ` (line ${where + 1})` : ''}: ${reason}; entries were recovered line by line`,
          line: where,
        },
  );
  const document = emptyReview();
  const entryLine = /^\s*"((?:[^"\\]|\\.)+)"\s*:\s*(\{.*\})\s*,?\s*$/;
  let recovered = 0;
  lines.forEach((line, index) => {
    const match = entryLine.exec(line);
    if (!match) return;
    let id: string;
    let raw: unknown;
    try {
      id = JSON.parse(`"${match[1]}"`) as string;
      raw = JSON.parse(match[2]);
    } catch {
      problems.push({ message: `line ${index + 1} could not be read; kept in the backup only`, line: index });
      return;
    }
    const entry = toEntry(raw);
    if (!entry) return;
    const previous = document.entries.get(id);
    if (!previous || (entry.at ?? '') >= (previous.at ?? '')) document.entries.set(id, entry);
    recovered++;
  });
  if (recovered === 0) problems.push({ message: 'no entries could be recovered' });
  return { document, problems, lossless: false };
}

function jsonErrorLine(text: string, message: string): number | undefined {
  const lineCol = /line (\d+)/i.exec(message);
  if (lineCol) return Number(lineCol[1]) - 1;
  const position = /position (\d+)/i.exec(message);
  if (!position) return undefined;
  return text.slice(0, Number(position[1])).split('\n').length - 1;
}

function lineOfKey(text: string, key: string): number | undefined {
  const index = text.indexOf(JSON.stringify(key));
  return index < 0 ? undefined : text.slice(0, index).split('\n').length - 1;
}

/** Serialises deterministically: see the format notes at the top of the file. */
export function serializeReview(document: ReviewDocument): string {
  const ids = new Set<string>([...CHECKLIST.map((item) => item.id), ...document.entries.keys()]);
  const sorted = [...ids].sort();
  const entryLines = sorted.map((id) => `    ${JSON.stringify(id)}: ${serializeEntry(document.entries.get(id) ?? { state: 'open' })}`);
  const extraKeys = Object.keys(document.extra)
    .filter((k) => k !== 'items' && k !== 'version' && k !== '$comment')
    .sort();
  const head = [
    `  "$comment": ${JSON.stringify('Security checklist review, written by the mlsec extension. One item per line; commit this file with the code.')},`,
    `  "version": ${REVIEW_FILE_VERSION},`,
    ...extraKeys.map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(document.extra[k])},`),
  ];
  return [
    '{',
    ...head,
    '  "items": {',
    entryLines.map((line, i) => line + (i < entryLines.length - 1 ? ',' : '')).join('\n\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}

function serializeEntry(entry: ReviewEntry): string {
  // A Map, not an object: a field named `__proto__` or `constructor` is kept like any other.
  const ordered = new Map<string, unknown>([['state', entry.state]]);
  if (entry.note !== undefined) ordered.set('note', entry.note);
  if (entry.by !== undefined) ordered.set('by', entry.by);
  if (entry.at !== undefined) ordered.set('at', entry.at);
  const extra = entry.extra ?? {};
  for (const key of Object.keys(extra).sort()) {
    if (!ordered.has(key)) ordered.set(key, extra[key]);
  }
  // One line: JSON.stringify without indentation, with a space after separators for reading.
  return '{ ' + [...ordered].map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ') + ' }';
}

// ---------------------------------------------------------------------------------------------
// Reading and writing the file in a workspace folder.

export interface LoadedReview extends ParsedReview {
  file: string;
  exists: boolean;
  /** The file's text as read (for the backup). */
  text?: string;
}

export function reviewFilePath(folder: string): string {
  return path.join(folder, ...REVIEW_FILE.split('/'));
}

export function loadReview(folder: string): LoadedReview {
  const file = reviewFilePath(folder);
  // Never through a link (.mlsec or review.json pointing out of the workspace), never a FIFO or
  // device, never more than a bound: see workspaceFiles.ts.
  const read = readInsideWorkspace(folder, file);
  if (!read.ok) {
    if (read.missing) return { file, exists: false, document: emptyReview(), problems: [], lossless: true };
    return {
      file,
      exists: true,
      document: emptyReview(),
      problems: [{ message: `${read.message}; it will not be overwritten` }],
      lossless: false,
    };
  }
  const text = read.text;
  return { file, exists: true, text, ...parseReview(text) };
}

export type ReviewChange =
  | {
      kind: 'reviewed';
      note?: string;
      /** Extra fields recorded with the review (what was reviewed: staleness.ts). */ record?: Record<string, unknown>;
    }
  | { kind: 'not-applicable'; note: string }
  | { kind: 'reset' };

export interface SaveResult {
  file: string;
  /** Where the previous file was copied before rewriting, when it was not fully understood. */
  backup?: string;
  problems: ReviewProblem[];
}

/**
 * Applies one change to the file as it is on disk now (not to a copy read earlier, so a review
 * pulled from git in the meantime is kept) and writes it back.
 */
export function updateReview(folder: string, itemId: string, change: ReviewChange, who: string, now: Date = new Date()): SaveResult {
  const loaded = loadReview(folder);
  if (loaded.exists && loaded.text === undefined) {
    throw new Error(`${loaded.file} ${loaded.problems[0]?.message ?? 'cannot be read'}`);
  }
  const entry: ReviewEntry =
    change.kind === 'reset'
      ? { state: 'open', by: who, at: now.toISOString() }
      : { state: change.kind, ...(change.note ? { note: change.note } : {}), by: who, at: now.toISOString() };
  const previous = loaded.document.entries.get(itemId);
  if (previous?.extra) entry.extra = previous.extra;
  if (change.kind === 'reviewed' && change.record) entry.extra = { ...(entry.extra ?? {}), ...change.record };
  loaded.document.entries.set(itemId, entry);
  let backup: string | undefined;
  if (loaded.exists && !loaded.lossless && loaded.text !== undefined) {
    backup = freeBackupName(loaded.file, now);
    writeNewFileInside(folder, backup, loaded.text);
  }
  writeAtomicallyInside(folder, loaded.file, serializeReview(loaded.document));
  return { file: loaded.file, backup, problems: loaded.problems };
}

function freeBackupName(file: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let candidate = `${file}.${stamp}.bak`;
  for (let n = 1; isThere(candidate); n++) candidate = `${file}.${stamp}-${n}.bak`;
  return candidate;
}

/** True when anything, a dangling link included, has this name. */
function isThere(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Who is reviewing: git's user.name when a config file says it, else the OS account name.
// Only files are read; git itself is never run.

export function reviewerName(folder: string | undefined, home: string = os.homedir()): string {
  const candidates: string[] = [];
  const gitDir = folder ? findGitDir(folder) : undefined;
  if (gitDir) candidates.push(path.join(gitDir, 'config'));
  candidates.push(path.join(home, '.gitconfig'), path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'git', 'config'));
  for (const file of candidates) {
    // Not there, not a regular file or not readable: try the next one.
    const text = readSmallFile(file);
    const name = text !== undefined ? gitConfigUserName(text) : undefined;
    if (name) return name;
  }
  try {
    const user = os.userInfo().username;
    if (user) return user;
  } catch {
    // no passwd entry (some containers)
  }
  return process.env.USER ?? process.env.USERNAME ?? 'unknown';
}

/** The `.git` folder of the repository containing `folder` (following a worktree's `gitdir:`). */
export function findGitDir(folder: string): string | undefined {
  let dir = path.resolve(folder);
  for (;;) {
    const candidate = path.join(dir, '.git');
    try {
      const stat = fs.statSync(candidate);
      if (stat.isDirectory()) return candidate;
      if (stat.isFile()) {
        const match = /^gitdir:\s*(.+)$/m.exec(readSmallFile(candidate) ?? '');
        if (match) return path.resolve(dir, match[1].trim());
      }
    } catch {
      // keep climbing
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `name` under `[user]` in git's INI-like config syntax. */
export function gitConfigUserName(text: string): string | undefined {
  let section = '';
  let found: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"[^"]*")?\s*\]/.exec(line);
    if (header) {
      section = header[1].toLowerCase();
      continue;
    }
    if (section !== 'user') continue;
    const pair = /^name\s*=\s*(.*)$/i.exec(line);
    if (!pair) continue;
    let value = pair[1].replace(/\s+[#;].*$/, '').trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    if (value) found = value; // the last one wins, as in git
  }
  return found;
}
