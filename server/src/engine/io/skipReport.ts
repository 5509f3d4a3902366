/**
 * How many files (and folders) a scan left out, and by which mechanism, so that nothing is
 * skipped silently (issue 16): the CLI's text summary, JSON, SARIF and `--statistics`, and the
 * editor's workspace-scan log line all print it from here.
 */
import type { InputProblem } from '../findings';

export type SkipMechanism =
  'default-exclude' | 'exclude' | 'gitignore' | 'symlink' | 'size' | 'binary' | 'encoding' | 'not-regular' | 'unreadable';

/** Words for each mechanism, in the order they are listed. */
export const SKIP_LABELS: Readonly<Record<SkipMechanism, string>> = {
  gitignore: '.gitignore',
  exclude: 'exclude setting',
  'default-exclude': 'default excludes',
  size: 'size limit',
  binary: 'binary',
  encoding: 'encoding',
  symlink: 'symbolic link',
  'not-regular': 'not a regular file',
  unreadable: 'unreadable',
};

export interface SkipCount {
  files: number;
  folders: number;
}

/** How `.gitignore` was applied: following the git index, or to every file (and why). */
export interface GitIndexUse {
  /** Working trees whose index was read. */
  read: number;
  /** Tracked files that a `.gitignore` matches and that were scanned all the same. */
  trackedKept: number;
  /** Index files that could not be read (then `.gitignore` applied to every file there), with why. */
  unreadable: string[];
}

export class SkipReport {
  readonly counts = new Map<SkipMechanism, SkipCount>();
  readonly git: GitIndexUse = { read: 0, trackedKept: 0, unreadable: [] };

  add(mechanism: SkipMechanism, isFolder: boolean): void {
    let count = this.counts.get(mechanism);
    if (!count) this.counts.set(mechanism, (count = { files: 0, folders: 0 }));
    if (isFolder) count.folders++;
    else count.files++;
  }

  /** Counts the files the reader refused (size, binary, encoding…) from their problems. */
  addProblem(problem: InputProblem): void {
    const mechanism = mechanismOfProblem(problem.message);
    if (mechanism) this.add(mechanism, false);
  }

  get total(): SkipCount {
    let files = 0;
    let folders = 0;
    for (const count of this.counts.values()) {
      files += count.files;
      folders += count.folders;
    }
    return { files, folders };
  }

  /** As JSON: mechanism → counts, and how the git index was used. */
  toJson(): { byMechanism: Record<string, SkipCount>; gitIndex: GitIndexUse } {
    const byMechanism: Record<string, SkipCount> = {};
    for (const mechanism of Object.keys(SKIP_LABELS) as SkipMechanism[]) {
      const count = this.counts.get(mechanism);
      if (count) byMechanism[mechanism] = { ...count };
    }
    return { byMechanism, gitIndex: { ...this.git, unreadable: [...this.git.unreadable] } };
  }

  /** One line: "skipped 3 files and 2 folders (.gitignore: 3 files, default excludes: 2 folders)". */
  summary(): string {
    const total = this.total;
    const parts: string[] = [];
    for (const mechanism of Object.keys(SKIP_LABELS) as SkipMechanism[]) {
      const count = this.counts.get(mechanism);
      if (count) parts.push(`${SKIP_LABELS[mechanism]}: ${amount(count)}`);
    }
    const head = total.files + total.folders === 0 ? 'skipped nothing' : `skipped ${amount(total)} (${parts.join(', ')})`;
    const git: string[] = [];
    if (this.git.trackedKept > 0)
      git.push(`${this.git.trackedKept} tracked file${this.git.trackedKept === 1 ? '' : 's'} scanned although .gitignore matches`);
    if (this.git.unreadable.length > 0) git.push(`git index not read, .gitignore applied to every file: ${this.git.unreadable.join('; ')}`);
    return git.length > 0 ? `${head}; ${git.join('; ')}` : head;
  }
}

function amount(count: SkipCount): string {
  const parts: string[] = [];
  if (count.files > 0 || count.folders === 0) parts.push(`${count.files} file${count.files === 1 ? '' : 's'}`);
  if (count.folders > 0) parts.push(`${count.folders} folder${count.folders === 1 ? '' : 's'}`);
  return parts.join(' and ');
}

/** The mechanism behind a reader's refusal (files.ts, safeRead.ts messages), if it is one. */
export function mechanismOfProblem(message: string): SkipMechanism | undefined {
  const text = message.replace(/^not analysed: /, '');
  if (/over the \d+-byte limit|over max-file-size/.test(text)) return 'size';
  if (text.startsWith('binary file')) return 'binary';
  if (/^invalid UTF-8|^not valid .* as declared|^unsupported encoding/.test(text)) return 'encoding';
  if (/^not a regular file/.test(text)) return 'not-regular';
  return undefined;
}
