/**
 * The differential check behind `npm run differential` (scripts/differential.mjs): every file is
 * analysed by the engine as the CLI runs it (prefilter, partial parsing, calls found from the
 * text) and by the engine with no optimisation at all (`prefilter: false, everyCall: true`), and
 * everything a user sees of each finding must be the same: message, range, fixes, related
 * locations, fingerprint, suppression. Partial parsing is also forced on every file, however
 * little it would leave out (`minSkipped: 0`), and the editor's first analysis (a whole tree
 * kept for edits) is compared too.
 *
 * For a sample of the Python files, the editor path is replayed: small edits (a space at the end
 * of a line, a letter added to a name, each then undone) applied to a kept tree with the memo of
 * the previous analysis, so the engine reuses what it can (perf/editReuse.ts), and each result is
 * compared with a fresh analysis of the edited text. Besides random lines (mostly in bodies),
 * one line of each kind edit reuse handles as a unit (perf/editedUnit.ts: `def` and `class`
 * headers, decorators, comments, module statements: imports and assignments, their targets and
 * values), and a blank line, is edited.
 *
 * Notebooks are replayed the same way, cell by cell (replayCellEdits).
 *
 * Files are shared out to worker threads (this module, loaded again with `workerData`), each with
 * its own analyzer, a batch at a time. The check never stops at a file it cannot read or parse:
 * that is counted and listed, and an engine error on a file is a difference.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { AnalysisOptions, AnalysisResult } from '../../server/src/engine/pipeline/analyzer';
import { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { DEFAULT_MAX_FILE_SIZE } from '../../server/src/engine/config/projectConfig';
import type { Finding } from '../../server/src/engine/findings';
import { readSource, sourceKindOf } from '../../server/src/engine/io/sourceFiles';
import { ParseLimitError } from '../../server/src/engine/parser';
import { LineIndex } from '../../server/src/engine/text';
import { EditSession } from '../../server/src/engine/pipeline/editSession';
import { analyzeCells, analyzeSource } from '../../server/src/engine/pipeline/fileAnalysis';
import { readNotebookCells } from '../../server/src/engine/io/notebook';
import type { NotebookCell } from '../../server/src/engine/io/notebook';
import { projectVersionsFor } from '../../server/src/deps/projectVersions';
import { ALL_RULES } from '../../server/src/rules/index';

/** One way of analysing a file, compared with the unoptimised analysis. */
export type Variant = 'cli' | 'partial-always' | 'editor-open' | 'editor-edit';

/** A difference between an optimised analysis and the reference, ready to print. */
export interface Difference {
  file: string;
  variant: Variant;
  /** Human-readable lines: which finding is missing, extra or changed, and how. */
  lines: string[];
  /** The fields that differ in findings present both ways; `findings` when one is missing, extra or moved. */
  fields: string[];
  /** Set when the difference is a known one (KNOWN_DIFFERENCES): why it is not a failure. */
  known?: string;
}

/**
 * Differences known and tracked elsewhere: they are printed but do not fail the check, and an
 * entry that no longer matches anything fails it (so that the list shrinks when they are fixed).
 * `file` is the end of the path; `fields` the only fields allowed to differ.
 */
export const KNOWN_DIFFERENCES: readonly { file: string; variants: readonly Variant[]; fields: readonly string[]; why: string }[] = [];

/** The KNOWN_DIFFERENCES entry a difference matches, if any. */
export function knownEntry(
  difference: Omit<Difference, 'known'>,
  known: typeof KNOWN_DIFFERENCES = KNOWN_DIFFERENCES,
): (typeof KNOWN_DIFFERENCES)[number] | undefined {
  return known.find(
    (k) =>
      difference.file.replace(/\\/g, '/').endsWith(k.file) &&
      k.variants.includes(difference.variant) &&
      difference.fields.length > 0 &&
      difference.fields.every((f) => k.fields.includes(f)),
  );
}

/** What checking one file found. */
export interface FileCheck {
  file: string;
  /** Findings of the reference analysis (0 when the file was not analysed). */
  findings: number;
  /** True when the CLI's analysis left part of the text out of the parse. */
  partial: boolean;
  /** True when the CLI's prefilter skipped the file unparsed. */
  skipped: boolean;
  /** Edits replayed on the editor path, and how many of them reused the previous analysis. */
  edits: number;
  reused: number;
  /** The file could not be read or was over the parser's limits (the same way for every variant). */
  notAnalysed?: string;
  differences: Difference[];
}

export interface CheckOptions {
  /** Replay edits on the editor path for this file: always, never, or when it has findings. */
  edits: boolean | 'if-findings';
  /** Seed of the edit positions (derived from the file's name by the runner, so a run replays). */
  seed: number;
}

const REFERENCE: AnalysisOptions = { prefilter: false, everyCall: true };

/** Everything a user sees of a finding, as one string per finding. */
function seen(findings: readonly Finding[]): string[] {
  return findings.map((f) => JSON.stringify(f));
}

function where(finding: Finding): string {
  const cell = finding.cell !== undefined ? `cell ${finding.cell}, ` : '';
  return `${cell}${finding.range.start.line + 1}:${finding.range.start.character + 1} ${finding.code}`;
}

/**
 * The differences between two lists of findings, readably: a finding only in one list, or the
 * same rule at the same place with other fields (each differing field shown both ways).
 */
export function describeDifferences(
  expected: readonly Finding[],
  actual: readonly Finding[],
  limit = 6,
): { lines: string[]; fields: string[] } {
  const fieldsSeen = new Set<string>();
  const key = (f: Finding) => `${f.cell ?? ''}:${f.code}:${f.span.start}:${f.span.end}`;
  const left = new Map(expected.map((f) => [key(f), f]));
  const right = new Map(actual.map((f) => [key(f), f]));
  const lines: string[] = [];
  for (const [k, f] of left) {
    const other = right.get(k);
    if (!other) {
      lines.push(`missing ${where(f)}: ${f.message}`);
      fieldsSeen.add('findings');
      continue;
    }
    const fields = new Set([...Object.keys(f), ...Object.keys(other)]) as Set<keyof Finding>;
    for (const field of fields) {
      const a = JSON.stringify(f[field]);
      const b = JSON.stringify(other[field]);
      if (a === b) continue;
      lines.push(`changed ${where(f)} ${field}: ${clip(a)} (reference) vs ${clip(b)}`);
      fieldsSeen.add(field);
    }
  }
  for (const [k, f] of right) {
    if (left.has(k)) continue;
    lines.push(`extra ${where(f)}: ${f.message}`);
    fieldsSeen.add('findings');
  }
  if (lines.length === 0 && JSON.stringify(expected) !== JSON.stringify(actual)) {
    lines.push('the same findings in another order');
    fieldsSeen.add('findings');
  }
  return {
    lines: lines.length > limit ? [...lines.slice(0, limit), `… and ${lines.length - limit} more`] : lines,
    fields: [...fieldsSeen],
  };
}

function clip(text: string | undefined, max = 160): string {
  if (text === undefined) return '(absent)';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Deterministic pseudo-random numbers (xorshift), so that a failure replays with the same seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

/** A seed from a string (FNV-1a), so each file gets its own edits whatever the order of the run. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Records a difference when the findings after an editor edit differ from a fresh analysis's. */
function compareEdit(
  check: FileCheck,
  file: string,
  what: string,
  edited: { findings: readonly Finding[]; reused?: string },
  fresh: readonly Finding[],
): void {
  if (seen(edited.findings).join('\n') === seen(fresh).join('\n')) return;
  const { lines, fields } = describeDifferences(fresh, edited.findings);
  const difference: Difference = {
    file,
    variant: 'editor-edit',
    lines: [`after ${what} (${edited.reused ?? 'recomputed'}):`, ...lines],
    fields,
  };
  difference.known = knownEntry(difference)?.why;
  check.differences.push(difference);
}

/**
 * Checks one text. `analyze` errors other than the parser's limits are differences (an engine
 * error is never a clean result), as are rule failures (Analyzer.takeRuleFailures).
 */
export function checkText(engine: Analyzer, file: string, text: string, options: CheckOptions): FileCheck {
  const notebook = sourceKindOf(file) === 'notebook';
  const versions = projectVersionsFor(file);
  const check: FileCheck = { file, findings: 0, partial: false, skipped: false, edits: 0, reused: 0, differences: [] };
  const differ = (variant: Variant, { lines, fields }: { lines: string[]; fields: string[] }) => {
    if (lines.length === 0) return;
    const difference: Difference = { file, variant, lines, fields };
    difference.known = knownEntry(difference)?.why;
    check.differences.push(difference);
  };
  const run = (variant: Variant | 'reference', analysisOptions: AnalysisOptions): AnalysisResult | string => {
    engine.takeRuleFailures();
    try {
      const withVersions = { ...analysisOptions, versions };
      const result = notebook ? engine.analyzeNotebookJson(text, withVersions) : engine.analyzePython(text, withVersions);
      const failures = engine.takeRuleFailures();
      if (failures.length > 0) return `internal error (${variant}): ${failures.join('; ')}`;
      return result;
    } catch (error) {
      if (error instanceof ParseLimitError) return `not analysed: ${error.message}`;
      return `internal error (${variant}): ${errorText(error)}`;
    }
  };

  const reference = run('reference', REFERENCE);
  const variants: [Variant, AnalysisOptions][] = [
    ['cli', {}],
    ['partial-always', { minSkipped: 0 }],
    ['editor-open', { keepTree: true }],
  ];
  for (const [variant, variantOptions] of variants) {
    const result = run(variant, variantOptions);
    if (typeof result !== 'string') result.tree?.delete();
    if (typeof reference === 'string' || typeof result === 'string') {
      // The same limit met both ways is not a difference; anything else is.
      const shown = (r: AnalysisResult | string) => (typeof r === 'string' ? clip(r, 400) : `${r.findings.length} findings`);
      if (reference !== result || (typeof reference === 'string' && reference.startsWith('internal error')))
        differ(variant, { lines: [`unoptimised: ${shown(reference)}`, `${variant}: ${shown(result)}`], fields: ['findings'] });
      continue;
    }
    if (variant === 'cli') {
      check.skipped = !result.parsed;
      check.partial = (result.skippedUnits ?? 0) > 0;
    }
    if (seen(result.findings).join('\n') !== seen(reference.findings).join('\n'))
      differ(variant, describeDifferences(reference.findings, result.findings));
  }
  if (typeof reference === 'string') {
    if (!reference.startsWith('internal error')) check.notAnalysed = reference;
    return check;
  }
  check.findings = reference.findings.length;
  const edits = options.edits === 'if-findings' ? check.findings > 0 : options.edits;
  if (edits) {
    try {
      if (notebook) replayCellEdits(engine, file, readNotebookCells(text), options.seed, check);
      else replayEdits(engine, file, text, options.seed, check);
      const failures = engine.takeRuleFailures();
      if (failures.length > 0) differ('editor-edit', { lines: [`internal error: ${failures.join('; ')}`], fields: ['findings'] });
    } catch (error) {
      // An engine error while editing is a difference (never a clean result); a parse limit is
      // met the same way by a fresh analysis, which was compared above.
      if (!(error instanceof ParseLimitError))
        differ('editor-edit', { lines: [`internal error while replaying edits: ${errorText(error)}`], fields: ['findings'] });
    }
  }
  return check;
}

/**
 * The editor path as the server takes it: a document kept in an engine `EditSession` (its tree
 * and memo) and analysed through `analyzeSource`, edited a few times at random lines (a space at
 * a line's end, a letter added inside a name; each undone after), every result compared with a
 * fresh analysis of the same text.
 */
function replayEdits(engine: Analyzer, file: string, original: string, seed: number, check: FileCheck): void {
  const next = random(seed);
  const lines = new LineIndex(original);
  const lineCount = lines.lineCount;
  let text = original;
  const session = new EditSession();
  const analyze = () => analyzeSource(engine, { text, session }, engine.defaultSelection);
  analyze();
  const edit = (start: number, end: number, inserted: string, what: string) => {
    session.edit(text, start, end, inserted);
    text = text.slice(0, start) + inserted + text.slice(end);
    const edited = analyze();
    check.edits++;
    if (edited.reused) check.reused++;
    const fresh = engine.analyzePython(text, { keepTree: true });
    fresh.tree?.delete();
    compareEdit(check, file, what, edited, fresh.findings);
  };
  try {
    for (let step = 0; step < EDITS_PER_FILE && lineCount > 1; step++) {
      // Mostly lines in a body (indented), where reuse can apply; some anywhere.
      const indented = next() < 0.8;
      let line = Math.floor(next() * lineCount);
      for (let tries = 0; indented && tries < 20 && !/^[ \t]+\S/.test(lines.lineText(line)); tries++) line = Math.floor(next() * lineCount);
      const start = lines.lineStart(line);
      const end = lines.lineEnd(line);
      const body = original.slice(start, end);
      // Inside a name when the line has one (a different identifier), else a space at its end.
      const names = [...body.matchAll(/[A-Za-z_][A-Za-z_0-9]*/g)];
      const name = names.length > 0 && next() < 0.5 ? names[Math.floor(next() * names.length)] : undefined;
      const at = name ? start + name.index + Math.floor(next() * (name[0].length + 1)) : end;
      const inserted = name ? 'q' : ' ';
      const what = `inserting ${JSON.stringify(inserted)} at line ${line + 1}, column ${at - start + 1}`;
      edit(at, at, inserted, what);
      edit(at, at + inserted.length, '', `undoing ${what}`);
    }
    // One line of each kind edit reuse takes as a unit (perf/editedUnit.ts), or refuses: headers,
    // decorators, comments, module-level statements, blank lines; a space at its end, or a
    // letter in its first name (a renamed definition, parameter, decorator, word, target).
    for (const kind of LINE_KINDS) {
      const candidates: number[] = [];
      for (let line = 0; line < lineCount; line++) if (kind.test(lines.lineText(line))) candidates.push(line);
      if (candidates.length === 0) continue;
      const line = candidates[Math.floor(next() * candidates.length)];
      const start = lines.lineStart(line);
      const body = original.slice(start, lines.lineEnd(line));
      const name = /[A-Za-z_][A-Za-z_0-9]*/.exec(body.replace(/^\s*(?:async\s+)?(?:def|class)\s/, (m) => ' '.repeat(m.length)));
      const inName = name !== null && next() < 0.5;
      const at = inName ? start + name.index + name[0].length : start + body.length;
      const inserted = inName ? 'q' : ' ';
      const what = `inserting ${JSON.stringify(inserted)} at line ${line + 1}, column ${at - start + 1} (${kind.source})`;
      edit(at, at, inserted, what);
      edit(at, at + inserted.length, '', `undoing ${what}`);
    }
    // A module constant's value changed: a letter after the first name of its value.
    const assignments: number[] = [];
    for (let line = 0; line < lineCount; line++) if (MODULE_ASSIGNMENT.test(lines.lineText(line))) assignments.push(line);
    if (assignments.length > 0) {
      const line = assignments[Math.floor(next() * assignments.length)];
      const start = lines.lineStart(line);
      const body = original.slice(start, lines.lineEnd(line));
      const value = /=\s*([A-Za-z_][A-Za-z_0-9]*)/.exec(body);
      if (value) {
        const at = start + value.index + value[0].length;
        const what = `inserting "q" at line ${line + 1}, column ${at - start + 1} (a module constant's value)`;
        edit(at, at, 'q', what);
        edit(at, at + 1, '', `undoing ${what}`);
      }
    }
  } finally {
    session.drop();
  }
}

/** A module-level assignment (`NAME = value`, `NAME: T = value`, `obj.attr = value`). */
const MODULE_ASSIGNMENT = /^[A-Za-z_][\w.]*(?:\s*:[^=\n]*)?\s*=[^=]/;

/**
 * The editor path for a notebook: its code cells kept in one `EditSession` and analysed through
 * `analyzeCells` (the joined cells, edit reuse over them), edited in random cells and lines (a
 * space at a line's end, a letter after the line's first name; each undone after), a cell broken
 * by a letter after a keyword, typed on and repaired, and cells duplicated, swapped and removed;
 * every result compared with a fresh analysis of the cells.
 */
function replayCellEdits(engine: Analyzer, file: string, original: readonly NotebookCell[], seed: number, check: FileCheck): void {
  const next = random(seed);
  let cells = [...original];
  if (cells.length === 0) return;
  const session = new EditSession();
  const analyze = () => analyzeCells(engine, { cells, session }, engine.defaultSelection);
  // The cells holding a finding: a cell broken there must keep its findings (analysed after the cells before it).
  const flagged = new Set(analyze().findings.map((f) => f.cell));
  const edit = (slot: number, start: number, end: number, inserted: string, what: string) => {
    const cell = cells[slot];
    cells = cells.map((c, i) => (i === slot ? { index: c.index, text: cell.text.slice(0, start) + inserted + cell.text.slice(end) } : c));
    const edited = analyze();
    check.edits++;
    if (edited.reused) check.reused++;
    // A fresh analysis through the same entry (with the cells' `!pip install` findings), without a session.
    const fresh = analyzeCells(engine, { cells }, engine.defaultSelection);
    compareEdit(check, file, what, edited, fresh.findings);
  };
  try {
    for (let step = 0; step < CELL_EDITS_PER_NOTEBOOK; step++) {
      const slot = Math.floor(next() * cells.length);
      const text = cells[slot].text;
      const lines = new LineIndex(text);
      const line = Math.floor(next() * lines.lineCount);
      const start = lines.lineStart(line);
      const end = lines.lineEnd(line);
      const name = /[A-Za-z_][A-Za-z_0-9]*/.exec(text.slice(start, end));
      const inName = name !== null && next() < 0.5;
      const at = inName ? start + name.index + name[0].length : end;
      const inserted = inName ? 'q' : ' ';
      const what = `inserting ${JSON.stringify(inserted)} in cell ${cells[slot].index}, line ${line + 1}, column ${at - start + 1}`;
      edit(slot, at, at, inserted, what);
      edit(slot, at, at + inserted.length, '', `undoing ${what}`);
    }
    // A cell broken by a letter typed after a keyword (`def_ f():`), typed on while broken, repaired;
    // a cell with a finding when one has such a line.
    const keywordLines = cells.flatMap((cell, slot) => {
      const lines = new LineIndex(cell.text);
      const found: { slot: number; at: number }[] = [];
      for (let line = 0; line < lines.lineCount; line++) {
        const keyword = BREAKABLE_KEYWORD.exec(cell.text.slice(lines.lineStart(line), lines.lineEnd(line)));
        if (keyword) found.push({ slot, at: lines.lineStart(line) + keyword[0].length });
      }
      return found;
    });
    const inFlagged = keywordLines.filter((k) => flagged.has(cells[k.slot].index));
    const breakable = inFlagged.length > 0 ? inFlagged : keywordLines;
    if (breakable.length > 0) {
      const { slot, at } = breakable[Math.floor(next() * breakable.length)];
      const what = `inserting "_" after the keyword ending at offset ${at} of cell ${cells[slot].index}`;
      edit(slot, at, at, '_', what);
      edit(slot, at + 1, at + 1, 'q', `${what}, then "q"`);
      edit(slot, at, at + 2, '', `repairing ${what}`);
    }
    // Cells added, moved and removed (the session's tree is brought to the new joined text).
    if (cells.length > 1) {
      const slot = Math.floor(next() * (cells.length - 1));
      const before = cells;
      const renumbered = (list: NotebookCell[]) => list.map((c, index) => ({ index, text: c.text }));
      const restructure = (list: NotebookCell[], what: string) => {
        cells = list;
        const edited = analyze();
        check.edits++;
        if (edited.reused) check.reused++;
        compareEdit(check, file, what, edited, analyzeCells(engine, { cells }, engine.defaultSelection).findings);
      };
      restructure(renumbered([...before.slice(0, slot + 1), before[slot], ...before.slice(slot + 1)]), `cell ${slot} duplicated`);
      restructure(
        renumbered([...before.slice(0, slot), before[slot + 1], before[slot], ...before.slice(slot + 2)]),
        `cells ${slot} and ${slot + 1} swapped`,
      );
      restructure(renumbered(before.filter((_, i) => i !== slot)), `cell ${slot} removed`);
      restructure(before, 'the cells as they were');
    }
  } finally {
    session.drop();
  }
}

/** A line's first keyword after which a letter breaks the statement (`def_ f():`, `for_ x in y:`). */
const BREAKABLE_KEYWORD = /^\s*(?:def|class|for|import|from|return|if|with|while)(?=\s)/;

/** Cell edits (each followed by its undo) replayed on each sampled notebook. */
const CELL_EDITS_PER_NOTEBOOK = 8;

/** Edits (each followed by its undo) replayed on each sampled file. */
const EDITS_PER_FILE = 4;

/** Kinds of lines that each get one more edit (and its undo) on each sampled file. */
const LINE_KINDS = [
  /^\s*(?:async\s+)?def\s/,
  /^\s*class\s/,
  /^\s*@/,
  /^\s*#/,
  /^[A-Za-z_]/,
  /^\s*$/,
  // Module statements (moduleStatement.ts): imports and assignments.
  /^(?:import|from)\s/,
  MODULE_ASSIGNMENT,
];

// ---------------------------------------------------------------------------------------------
// Runner: worker threads, each with its own analyzer, pulling batches of files.

interface WorkerInput {
  mlsecDifferential: 1;
}
type ToWorker = { type: 'batch'; files: { file: string; edits: CheckOptions['edits'] }[] } | { type: 'stop' };
type FromWorker = { type: 'ready' } | { type: 'done'; checks: FileCheck[] } | { type: 'failed'; message: string };

async function checkFile(engine: Analyzer, file: string, edits: CheckOptions['edits']): Promise<FileCheck> {
  // A runtime that aborted or grew past its budget is replaced between files (as the CLI does).
  if (engine.parser.needsReplacing) await engine.parser.ready();
  const read = readSource(file, DEFAULT_MAX_FILE_SIZE);
  if (!read.ok)
    return { file, findings: 0, partial: false, skipped: false, edits: 0, reused: 0, notAnalysed: read.message, differences: [] };
  return checkText(engine, file, read.text, { edits, seed: seedOf(path.basename(file)) });
}

async function serveWorker(): Promise<void> {
  const port = parentPort!;
  let engine: Analyzer;
  try {
    engine = await Analyzer.create(ALL_RULES);
  } catch (error) {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
    return;
  }
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stop') {
      port.close();
      return;
    }
    void (async () => {
      const checks: FileCheck[] = [];
      for (const { file, edits } of message.files) checks.push(await checkFile(engine, file, edits));
      port.postMessage({ type: 'done', checks } satisfies FromWorker);
    })().catch((error: unknown) =>
      port.postMessage({
        type: 'failed',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies FromWorker),
    );
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

if (!isMainThread && (workerData as Partial<WorkerInput> | undefined)?.mlsecDifferential === 1) void serveWorker();

export interface RunInput {
  /** Files to check with the names of the corpora they came from. */
  corpora: { name: string; files: string[] }[];
  /** Every n-th Python file gets the editor replay (0: none), and with `editWithFindings` every file with a finding. */
  editEvery: number;
  editWithFindings: boolean;
  jobs: number;
  onProgress?: (done: number, total: number) => void;
}

/** Checks every file on `jobs` worker threads; the result is in the order of the input. */
export async function runChecks(input: RunInput): Promise<FileCheck[]> {
  const all = input.corpora.flatMap((c) => c.files);
  const work = all.map((file, i) => ({
    file,
    edits: input.editEvery <= 0 ? false : i % input.editEvery === 0 ? true : input.editWithFindings ? ('if-findings' as const) : false,
  }));
  const results = new Map<string, FileCheck>();
  const batchSize = 8;
  let nextIndex = 0;
  const jobs = Math.max(1, Math.min(input.jobs, Math.ceil(work.length / batchSize)));
  await Promise.all(
    Array.from(
      { length: jobs },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(__filename, { workerData: { mlsecDifferential: 1 } satisfies WorkerInput });
          const send = () => {
            const files = work.slice(nextIndex, nextIndex + batchSize);
            nextIndex += files.length;
            if (files.length === 0) worker.postMessage({ type: 'stop' } satisfies ToWorker);
            else worker.postMessage({ type: 'batch', files } satisfies ToWorker);
          };
          worker.on('message', (message: FromWorker) => {
            if (message.type === 'failed') {
              reject(new Error(`a differential worker failed: ${message.message}`));
              void worker.terminate();
              return;
            }
            if (message.type === 'done') {
              for (const check of message.checks) results.set(check.file, check);
              input.onProgress?.(results.size, work.length);
            }
            send();
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a differential worker exited with code ${code}`))));
        }),
    ),
  );
  return all.map((file) => {
    const check = results.get(file);
    if (!check) throw new Error(`internal error: no result for ${file}`);
    return check;
  });
}

/** The default number of workers: one per CPU the process may use. */
export function defaultJobs(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/** Folders never part of a corpus: installed packages, caches, VCS data. */
const SKIP_DIRS = new Set(['site-packages', 'dist-packages', '__pycache__', 'node_modules', '.git', '.hg', '.venv', 'venv', '.tox']);

/** Python files and notebooks under `root`, sorted, without following links. */
export function corpusFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(full);
      } else if (entry.isFile() && sourceKindOf(entry.name)) found.push(full);
    }
  };
  walk(root);
  return found;
}
