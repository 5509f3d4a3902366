/**
 * The entry every surface calls: analysing a source (a file read from disk, or an open document
 * with its edit session) by its kind, and files on disk with the input checks and the
 * configuration that governs each file. The CLI, the server's workspace scan and the editor all
 * come through analyzeSource (the editor's notebooks through analyzeCells), so each gets the same
 * optimisations (prefilter, partial parsing; the editor also edit reuse) and the same findings
 * and fingerprints.
 */
import type { AnalysisResult, Analyzer } from './analyzer';
import type { EditSession } from './editSession';
import type { ConfigResolver, ProjectConfig } from '../config/projectConfig';
import type { Finding, InputProblem } from '../findings';
import { NotebookError, NotebookLayout } from '../io/notebook';
import type { NotebookCell } from '../io/notebook';
import { ParseLimitError } from '../parser';
import { sourceKindOf } from '../io/sourceFiles';
import type { SourceKind } from '../io/sourceFiles';
import { readSourceWithinLimit } from '../io/sourceLimits';
import type { RuleSelection } from '../config/selection';
import { resolveSelection } from '../config/selection';
import { withTestCode } from '../results/testCode';
import { analyzeNotebookCells, editorText } from './notebookCells';
import { dependencyFindings, notebookInstallFindings } from '../../deps/scanHook';
import type { DependencyOptions } from '../../deps/scanHook';
import { projectVersionsFor } from '../../deps/projectVersions';

export interface FileReport {
  file: string;
  findings: Finding[];
  problems: InputProblem[];
  /** Dependency manifests: lines recognised but not checked (URLs, paths, editable installs), with why. */
  skipped?: { line: number; reason: string }[];
  /** Lines in the file (0 when it could not be read). */
  lines: number;
  /** False when the prefilter showed that no rule can fire and the file was not parsed. */
  parsed?: boolean;
  /** UTF-16 units of the text, and of what partial parsing left out of the parse. */
  units?: number;
  skippedUnits?: number;
  /** Modules the file imports; only when analysed with `force` (checklist evidence needs them). */
  imports?: string[];
  /** Milliseconds per phase (see AnalysisResult.timings); `read` is reading and decoding the file. */
  timings?: { read: number; prefilter?: number; parse: number; model: number; rules: number };
}

/** Caches the rule selection of each configuration (and per-file-ignores combination). */
export class SelectionCache {
  private readonly cache = new Map<string, RuleSelection>();

  constructor(private readonly analyzer: Analyzer) {}

  /** With `file`: the selection for that file, with the test-code policy (testCode.ts). */
  get(config: ProjectConfig, perFileIgnores: readonly string[] = [], file?: string): RuleSelection {
    // By content: folders get their own config objects (command-line overrides are applied per
    // folder), and a selection per object would rebuild the rule index for every folder.
    const key = JSON.stringify([config.select ?? null, config.ignore ?? null, config.severity ?? null, perFileIgnores]);
    let selection = this.cache.get(key);
    if (!selection) {
      selection = resolveSelection(this.analyzer.rules, {
        select: config.select,
        ignore: [...(config.ignore ?? []), ...perFileIgnores],
        severity: config.severity,
      });
      this.cache.set(key, selection);
    }
    return file === undefined ? selection : withTestCode(selection, config, file);
  }
}

/** A text to analyse: a file read from disk (the CLI, the workspace scan) or an open document (the editor). */
export interface Source {
  /**
   * The file the text is (or will be saved as): it decides dependency manifests, notebooks and
   * the project's package versions. Undefined for a document that has no file (untitled).
   */
  file?: string;
  text: string;
  /** How to read the text: by default from the file's name (Python when there is none). */
  kind?: SourceKind;
  /** The editor's session of this document: its tree and memo are re-used across edits. */
  session?: EditSession;
}

/** What the analysis of one source found, for every surface. */
export interface SourceAnalysis {
  /** How the text was read: as Python, as a notebook, or as a dependency manifest (not parsed). */
  as: 'python' | 'notebook' | 'manifest';
  findings: Finding[];
  problems: InputProblem[];
  /** Dependency manifests: lines recognised but not checked, with why. */
  skipped?: { line: number; reason: string }[];
  /**
   * False when the prefilter showed that no rule can fire and the text was not parsed (or it is a
   * manifest); undefined when it could not be analysed at all (a notebook that is not JSON).
   */
  parsed?: boolean;
  units: number;
  skippedUnits?: number;
  /** Top-level packages imported (complete when analysed with `force`). */
  imports: string[];
  syntaxErrors: number;
  timings?: { read: number; prefilter?: number; parse: number; model: number; rules: number };
  /** How the session's previous analysis was re-used (see AnalysisResult.reused). */
  reused?: AnalysisResult['reused'];
}

/**
 * The one entry into the engine for a Python text, a notebook's JSON or a dependency manifest:
 * the CLI (through analyzeFile), the workspace scan and the editor all call it, so all get the
 * same optimisations, findings and fingerprints. Throws ParseLimitError for a text over the
 * parser's limits; a notebook that is not valid JSON is a problem, not an exception.
 */
export function analyzeSource(
  analyzer: Analyzer,
  source: Source,
  selection: RuleSelection,
  options: FileAnalysisOptions = {},
): SourceAnalysis {
  const { file, text, session } = source;
  const force = options.force ?? false;
  // Dependency manifests and lock files are judged against advisories (server/src/deps).
  const manifest = file !== undefined ? dependencyFindings(file, text, selection, options) : undefined;
  if (manifest) {
    session?.drop();
    return { as: 'manifest', ...manifest, parsed: false, units: text.length, imports: [], syntaxErrors: 0 };
  }
  const kind = source.kind ?? (file !== undefined ? sourceKindOf(file) : undefined) ?? 'python';
  const versions = file !== undefined ? projectVersionsFor(file) : undefined;
  if (kind === 'notebook') {
    session?.drop();
    try {
      const result = analyzer.analyzeNotebookJson(text, { selection, force, versions });
      const installs = file !== undefined ? dependencyFindings(file, text, selection, options, 'notebook') : undefined;
      return {
        as: 'notebook',
        ...resultFields(result, text),
        findings: installs ? [...result.findings, ...installs.findings] : result.findings,
        problems: [],
      };
    } catch (error) {
      if (error instanceof NotebookError)
        return {
          as: 'notebook',
          findings: [],
          problems: [{ message: error.message, line: error.line }],
          units: text.length,
          imports: [],
          syntaxErrors: 0,
        };
      throw error;
    }
  }
  try {
    const reuse = session ? session.optionsFor(text, analyzer.parser) : {};
    const result = analyzer.analyzePython(text, { selection, force, versions, ...reuse });
    session?.keep(text, result);
    return { as: 'python', ...resultFields(result, text), findings: result.findings, problems: [] };
  } catch (error) {
    session?.drop();
    throw error;
  }
}

/**
 * The editor's entry for a notebook: its Python code cells, analysed together as analyzeSource
 * analyses a notebook file, re-using the session's tree of the joined text.
 */
export function analyzeCells(
  analyzer: Analyzer,
  source: { file?: string; cells: readonly NotebookCell[]; session?: EditSession },
  selection: RuleSelection,
  options: FileAnalysisOptions = {},
): SourceAnalysis & { layout: NotebookLayout } {
  const { file, cells, session } = source;
  try {
    // With a session, the text it keeps a tree of is the cells together, broken ones blank (editorText).
    const asked = session ? editorText(analyzer.parser, cells) : undefined;
    const joined = asked?.layout.text ?? new NotebookLayout(cells).text;
    const reuse = session && asked ? session.optionsFor(asked.text, analyzer.parser) : {};
    const analysisOptions = {
      selection,
      force: options.force,
      versions: file !== undefined ? projectVersionsFor(file) : undefined,
      ...reuse,
    };
    const result = asked
      ? analyzeNotebookCells(analyzer, cells, analysisOptions, asked)
      : analyzer.analyzeNotebookCells(cells, analysisOptions);
    if (asked) session?.keep(asked.text, result);
    const installs = notebookInstallFindings(cells, selection, options);
    return {
      as: 'notebook',
      ...resultFields(result, joined),
      findings: [...result.findings, ...installs],
      problems: [],
      layout: result.layout,
    };
  } catch (error) {
    session?.drop();
    throw error;
  }
}

function resultFields(result: AnalysisResult, text: string): Omit<SourceAnalysis, 'as' | 'findings' | 'problems'> {
  return {
    parsed: result.parsed,
    units: text.length,
    skippedUnits: result.skippedUnits,
    imports: result.imports,
    syntaxErrors: result.syntaxErrors,
    timings: { read: 0, ...result.timings },
    reused: result.reused,
  };
}

/** analyzeSource for a file's text, in the shape of a FileReport (imports only with `force`). */
export function analyzeText(
  analyzer: Analyzer,
  file: string,
  text: string,
  selection: RuleSelection,
  options: FileAnalysisOptions = {},
): Pick<FileReport, 'findings' | 'problems' | 'skipped' | 'parsed' | 'units' | 'skippedUnits' | 'timings' | 'imports'> {
  const result = analyzeSource(analyzer, { file, text }, selection, options);
  const { findings, problems, skipped, parsed, units, skippedUnits, timings, imports } = result;
  // A manifest is not parsed; a notebook that is not JSON is not analysed (no `parsed`).
  if (result.as === 'manifest') return { findings, problems, ...(skipped ? { skipped } : {}), parsed: false };
  if (parsed === undefined) return { findings, problems };
  const analysed = { findings, problems, parsed, units, skippedUnits, timings };
  return options.force ? { ...analysed, imports } : analysed;
}

/** How files are analysed: extra advisories, and `force` to parse files the prefilter would skip, to learn their imports (checklist evidence). */
export interface FileAnalysisOptions extends DependencyOptions {
  force?: boolean;
}

export function analyzeFile(
  analyzer: Analyzer,
  file: string,
  resolver: ConfigResolver,
  selections: SelectionCache,
  options: FileAnalysisOptions = {},
): FileReport {
  const started = performance.now();
  const config = resolver.forFile(file);
  const read = readSourceWithinLimit(file, config.maxFileSize);
  const readTime = performance.now() - started;
  if (!read.ok)
    return {
      file,
      findings: [],
      problems: [{ message: read.message, line: read.line }],
      lines: 0,
      timings: { read: readTime, parse: 0, model: 0, rules: 0 },
    };
  const selection = selections.get(config, resolver.perFileIgnores(file), file);
  try {
    analyzer.takeRuleFailures();
    const result = analyzeText(analyzer, file, read.text, selection, options);
    for (const failure of analyzer.takeRuleFailures()) result.problems.push({ message: `internal error: ${failure}`, internal: true });
    if (result.timings) result.timings.read = readTime;
    return { file, ...result, lines: countLines(read.text) };
  } catch (error) {
    // A file over the parser's memory budget, or an engine bug on one file, must not end the
    // scan of the others (the parser replaces its runtime before the next file: analyzeFiles).
    if (error instanceof ParseLimitError)
      return { file, findings: [], problems: [{ message: `not analysed: ${error.message}` }], lines: countLines(read.text) };
    const message = error instanceof Error ? error.message : String(error);
    return {
      file,
      findings: [],
      problems: [{ message: `internal error while analysing: ${message}`, internal: true }],
      lines: countLines(read.text),
    };
  }
}

/**
 * Analyses files in order. Between files, the parser's runtime is replaced when it aborted or
 * holds too much memory (see parser.ts), so that one hostile file cannot fail the files after it.
 */
export async function analyzeFiles(
  analyzer: Analyzer,
  files: readonly string[],
  resolver: ConfigResolver,
  selections: SelectionCache,
  options: FileAnalysisOptions = {},
): Promise<FileReport[]> {
  const reports: FileReport[] = [];
  for (const file of files) {
    if (analyzer.parser.needsReplacing) {
      // If a new runtime cannot be loaded, each file says so (an internal error) and the scan fails.
      await analyzer.parser.ready().catch(() => undefined);
    }
    reports.push(analyzeFile(analyzer, file, resolver, selections, options));
  }
  return reports;
}

/** True when the file was analysed (its findings are complete); false when it was not. */
export function wasAnalysed(report: FileReport): boolean {
  return report.parsed !== undefined;
}

/** Lines as Python counts them: ended by `\n`, `\r\n` or a lone `\r`. */
function countLines(text: string): number {
  let count = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  if (text.indexOf('\r') < 0) return count;
  // A lone `\r` ends a line too (`\r\n` was counted at its `\n`).
  for (let i = text.indexOf('\r'); i >= 0; i = text.indexOf('\r', i + 1)) if (text.charCodeAt(i + 1) !== 10) count++;
  return count;
}
