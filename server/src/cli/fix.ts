/**
 * `mlsec scan --fix / --unsafe-fixes / --diff`: applies the fixes the editor offers (the same
 * `Fix` edits the rules attach to findings, chosen by the code `source.fixAll.mlsec` uses
 * (engine/results/fixes.ts): the first applicable fix of each open finding, skipping fixes that overlap
 * one already taken).
 *
 * A file is analysed again after each round of edits, because one fix can make another possible
 * or shift the text; rounds stop when nothing is left to apply, when a round brings back a text
 * already seen, or after MAX_ROUNDS. A round that would add syntax errors (or make a notebook
 * unreadable) is dropped. Each analysis goes through the engine's one entry, `analyzeSource`, as
 * the scan's did: the same optimisations, the project's package versions, dependency manifests
 * and notebook installs, so the findings left after fixing are the ones a new scan reports.
 * Notebooks are fixed in their cells: only the `source` value of an edited cell is rewritten
 * (see notebookSource.ts), so outputs, metadata and formatting stay as they were.
 *
 * Writing is atomic (a temporary file in the same folder, then rename, with the original mode),
 * and a file whose content changed on disk since it was read is left alone and reported.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Analyzer } from '../engine/pipeline/analyzer';
import type { ConfigResolver } from '../engine/config/projectConfig';
import { decodeSource, sourceKindOf } from '../engine/io/sourceFiles';
import type { Finding } from '../engine/findings';
import { NotebookError } from '../engine/io/notebook';
import { applyEdits, chooseFixes, usableFix as usable } from '../engine/results/fixes';
import type { TextEdit } from '../engine/rule';
import type { FileAnalysisOptions, FileReport, SourceAnalysis } from '../engine/pipeline/fileAnalysis';
import { SelectionCache, analyzeSource } from '../engine/pipeline/fileAnalysis';
import { unifiedDiff } from './diff';
import { locateCellSources } from './notebookSource';

/** Enough for chains of fixes (one enabling the next); a file needing more is reported. */
export const MAX_ROUNDS = 8;

export interface FixOptions {
  /** Apply fixes marked unsafe too (`--unsafe-fixes`). */
  unsafe: boolean;
  /** Write the fixed files (`--fix`); false computes them only (`--diff`). */
  write: boolean;
  /** Called just before a file is replaced (tests use it to change the file under our feet). */
  beforeWrite?: (file: string) => void;
  /** How files are analysed (the scan's options: extra advisories for dependency manifests). */
  analysis?: FileAnalysisOptions;
}

export interface FixedFile {
  file: string;
  before: string;
  after: string;
  /** Fixes applied (or, without writing, that would be). */
  applied: number;
  /** Open findings left in the fixed text. */
  findings: Finding[];
  /** False when not written: `--diff`, or the file changed on disk, or writing failed. */
  written: boolean;
}

export interface FixProblem {
  file: string;
  message: string;
}

export interface FixRun {
  files: FixedFile[];
  applied: number;
  /** Open findings left after fixing, over all files scanned. */
  remaining: number;
  /** Of those, how many have a fix that `--unsafe-fixes` would apply. */
  unsafeAvailable: number;
  problems: FixProblem[];
}

/**
 * Applies cell edits to a notebook's JSON text by rewriting the `source` values of the edited
 * cells only. Unchanged lines keep their exact JSON spelling (escapes included); new lines are
 * written as JSON strings with the layout (indentation, separators) of the existing list.
 */
export function applyNotebookEdits(json: string, edits: readonly TextEdit[]): string {
  const cells = locateCellSources(json);
  if (!cells) throw new NotebookError('cannot locate the cells in the notebook text');
  const byCell = new Map<number, TextEdit[]>();
  for (const edit of edits) {
    if (edit.cell === undefined) throw new NotebookError('a fix edit names no cell');
    const list = byCell.get(edit.cell);
    if (list) list.push(edit);
    else byCell.set(edit.cell, [edit]);
  }
  const targets = [...byCell.keys()].map((index) => {
    const cell = cells.get(index);
    if (!cell) throw new NotebookError(`cell ${index + 1} not found in the notebook text`);
    return cell;
  });
  targets.sort((a, b) => b.valueStart - a.valueStart);
  let result = json;
  for (const cell of targets) {
    const text = cell.tokens.map((t) => t.value).join('');
    const fixed = applyEdits(text, byCell.get(cell.index)!);
    let value: string;
    if (!cell.isList) {
      value = JSON.stringify(fixed);
    } else {
      // Reuse the raw spelling of lines that did not change.
      const spelled = new Map<string, string[]>();
      for (const token of cell.tokens) {
        const raw = json.slice(token.rawStart, token.rawEnd);
        const list = spelled.get(token.value);
        if (list) list.push(raw);
        else spelled.set(token.value, [raw]);
      }
      const lines = fixed.length === 0 ? [] : fixed.split(/(?<=\n)/);
      const parts = lines.map((line) => spelled.get(line)?.shift() ?? JSON.stringify(line));
      const tokens = cell.tokens;
      if (tokens.length === 0) {
        value = `[${parts.join(', ')}]`;
      } else {
        const lead = json.slice(cell.valueStart + 1, tokens[0].rawStart);
        const separator = tokens.length > 1 ? json.slice(tokens[0].rawEnd, tokens[1].rawStart) : `,${lead}`;
        const trail = json.slice(tokens[tokens.length - 1].rawEnd, cell.valueEnd - 1);
        value = parts.length === 0 ? '[]' : `[${lead}${parts.join(separator)}${trail}]`;
      }
    }
    result = result.slice(0, cell.valueStart) + value + result.slice(cell.valueEnd);
  }
  return result;
}

interface Loaded {
  bytes: Buffer;
  text: string;
  bom: boolean;
  mode: number;
}

/** Reads a file for fixing: only UTF-8 text is rewritten (a file in another encoding is reported). */
function load(file: string): Loaded | string {
  let bytes: Buffer;
  let mode: number;
  try {
    bytes = fs.readFileSync(file);
    mode = fs.statSync(file).mode & 0o7777;
  } catch (error) {
    return `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
  const decoded = decodeSource(bytes);
  if (!decoded.ok) return decoded.message;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (!Buffer.from((bom ? '\ufeff' : '') + decoded.text, 'utf8').equals(bytes)) return 'not fixed: only UTF-8 files are rewritten';
  return { bytes, text: decoded.text, bom, mode };
}

/** True when `next` is worse input than `previous`: more syntax errors, or a problem reading it (a notebook no longer JSON). */
function broken(next: SourceAnalysis, previous: SourceAnalysis): boolean {
  return next.syntaxErrors > previous.syntaxErrors || next.problems.length > previous.problems.length;
}

function fixOne(
  analyzer: Analyzer,
  file: string,
  text: string,
  selection: ReturnType<SelectionCache['get']>,
  unsafe: boolean,
  options: FileAnalysisOptions,
): { after: string; applied: number; findings: Finding[]; problem?: string } {
  const notebook = sourceKindOf(file) === 'notebook';
  const analyse = (current: string): SourceAnalysis => analyzeSource(analyzer, { file, text: current }, selection, options);
  const seen = new Set<string>([text]);
  let current = text;
  let applied = 0;
  let result = analyse(current);
  for (let round = 0; ; round++) {
    const fixes = chooseFixes(result.findings, unsafe);
    if (fixes.length === 0) return { after: current, applied, findings: result.findings };
    if (round >= MAX_ROUNDS)
      return {
        after: current,
        applied,
        findings: result.findings,
        problem: `fixes still pending after ${MAX_ROUNDS} rounds; the rest were not applied`,
      };
    const edits = fixes.flatMap((fix) => fix.edits);
    const next = notebook ? applyNotebookEdits(current, edits) : applyEdits(current, edits);
    if (seen.has(next)) return { after: current, applied, findings: result.findings, problem: 'fixes undo each other; stopped' };
    seen.add(next);
    const nextResult = analyse(next);
    if (broken(nextResult, result)) {
      return {
        after: current,
        applied,
        findings: result.findings,
        problem: 'a fix would break the syntax; not applied (please report this)',
      };
    }
    applied += fixes.length;
    current = next;
    result = nextResult;
  }
}

/** Removes a temporary file if it is there; a failure to remove is not the error worth reporting. */
function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // left behind: nothing better to do
  }
}

/**
 * Writes `text` over `file` through a temporary file and a rename, keeping the mode, unless the
 * file's bytes are no longer `expected`. Returns an error message, or undefined when written.
 */
export function writeAtomically(
  file: string,
  expected: Buffer,
  data: Buffer,
  mode: number,
  beforeWrite?: (file: string) => void,
): string | undefined {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.mlsec-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  try {
    fs.writeFileSync(temp, data, { mode, flag: 'wx' });
    fs.chmodSync(temp, mode); // the umask may have narrowed it
    beforeWrite?.(file);
    // Compared as late as possible: a change made while we analysed is not overwritten.
    let now: Buffer;
    try {
      now = fs.readFileSync(file);
    } catch (error) {
      removeQuietly(temp);
      return `not fixed: cannot read it again (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
    if (!now.equals(expected)) {
      removeQuietly(temp);
      return 'not fixed: the file changed on disk while mlsec was running; run again';
    }
    fs.renameSync(temp, file);
    return undefined;
  } catch (error) {
    removeQuietly(temp);
    return `not fixed: cannot write (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
}

/**
 * Fixes the files of a scan that have open findings with a usable fix. The reports of fixed
 * files get the findings of their fixed text (what remains), so the report printed after
 * `--fix` describes the files as they now are.
 */
export function fixReports(analyzer: Analyzer, reports: FileReport[], resolver: ConfigResolver, options: FixOptions): FixRun {
  const selections = new SelectionCache(analyzer);
  const run: FixRun = { files: [], applied: 0, remaining: 0, unsafeAvailable: 0, problems: [] };
  for (const report of reports) {
    const candidate = report.findings.some((f) => !f.suppression && f.fixes.some((fix) => usable(fix, options.unsafe)));
    if (candidate) {
      const loaded = load(report.file);
      if (typeof loaded === 'string') {
        run.problems.push({ file: report.file, message: loaded });
      } else {
        const selection = selections.get(resolver.forFile(report.file), resolver.perFileIgnores(report.file), report.file);
        let fixed: ReturnType<typeof fixOne>;
        try {
          fixed = fixOne(analyzer, report.file, loaded.text, selection, options.unsafe, options.analysis ?? {});
        } catch (error) {
          run.problems.push({ file: report.file, message: `not fixed: ${error instanceof Error ? error.message : String(error)}` });
          fixed = { after: loaded.text, applied: 0, findings: report.findings };
        }
        if (fixed.problem) run.problems.push({ file: report.file, message: fixed.problem });
        if (fixed.applied > 0) {
          const entry: FixedFile = {
            file: report.file,
            before: loaded.text,
            after: fixed.after,
            applied: fixed.applied,
            findings: fixed.findings,
            written: false,
          };
          if (options.write) {
            const data = Buffer.from((loaded.bom ? '\ufeff' : '') + fixed.after, 'utf8');
            const failure = writeAtomically(report.file, loaded.bytes, data, loaded.mode, options.beforeWrite);
            if (failure) run.problems.push({ file: report.file, message: failure });
            else entry.written = true;
          }
          if (entry.written || !options.write) {
            run.applied += entry.applied;
            report.findings = fixed.findings;
          }
          run.files.push(entry);
        }
      }
    }
    for (const finding of report.findings) {
      if (finding.suppression) continue;
      run.remaining++;
      if (!options.unsafe && !finding.fixes.some((fix) => usable(fix, false)) && finding.fixes.some((fix) => usable(fix, true)))
        run.unsafeAvailable++;
    }
  }
  return run;
}

/** One line for the end of the run, in the spirit of Ruff's ("Found 3 errors (2 fixed, 1 remaining)"). */
export function fixSummary(run: FixRun, write: boolean): string {
  const plural = (n: number, word: string, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;
  const files = run.files.filter((f) => f.applied > 0 && (f.written || !write)).length;
  const verb = write ? 'Applied' : 'Would apply';
  const hidden = run.unsafeAvailable > 0 ? `; ${plural(run.unsafeAvailable, 'more fix', 'more fixes')} available with --unsafe-fixes` : '';
  const remaining = `${plural(run.remaining, 'open finding')} ${write ? 'remaining' : 'would remain'}`;
  return `mlsec: ${verb} ${plural(run.applied, 'fix', 'fixes')} in ${plural(files, 'file')}; ${remaining}${hidden}.\n`;
}

export interface FixStepFlags {
  fix: boolean;
  unsafeFixes: boolean;
  diff: boolean;
  /** Where `--diff` output goes (stdout, or the `--output` file). */
  output?: string;
  /** The scan's extra OSV advisories (`--advisories`), for fixing dependency manifests as they were judged. */
  advisories?: readonly string[];
}

/**
 * The `--fix` / `--diff` step of `mlsec scan`, run on the main thread after the scan: fixes (or
 * diffs) the files, prints problems and the summary on stderr. Returns the exit code when the run
 * ends here (`--diff`: 1 when something would be fixed), undefined to go on with the report.
 */
export async function runFixStep(
  createAnalyzer: () => Promise<Analyzer>,
  outcome: { files: FileReport[] },
  resolver: ConfigResolver,
  flags: FixStepFlags,
  baseDir: string,
): Promise<number | undefined> {
  const analyzer = await createAnalyzer();
  const write = flags.fix && !flags.diff;
  const run = fixReports(analyzer, outcome.files, resolver, {
    unsafe: flags.unsafeFixes,
    write,
    analysis: { advisories: flags.advisories },
  });
  const relative = (file: string) => path.relative(baseDir, file).split(path.sep).join('/');
  for (const problem of run.problems) process.stderr.write(`${relative(problem.file)}: ${problem.message}\n`);
  if (flags.diff) {
    const diffs = run.files.map((f) => unifiedDiff(relative(f.file), f.before, f.after)).join('');
    if (flags.output) {
      fs.mkdirSync(path.dirname(path.resolve(flags.output)), { recursive: true });
      fs.writeFileSync(flags.output, diffs);
    } else {
      process.stdout.write(diffs);
    }
    process.stderr.write(fixSummary(run, false));
    return run.applied > 0 ? 1 : 0;
  }
  process.stderr.write(fixSummary(run, true));
  return undefined;
}
