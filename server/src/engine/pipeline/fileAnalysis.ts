/**
 * Analysing files on disk: reading with the input checks, choosing the analysis by file kind,
 * and applying the configuration that governs each file. Shared by the CLI and the server's
 * workspace scan.
 */
import type { Analyzer } from './analyzer';
import type { ConfigResolver, ProjectConfig } from '../config/projectConfig';
import type { Finding, InputProblem } from '../findings';
import { NotebookError } from '../io/notebook';
import { ParseLimitError } from '../parser';
import { sourceKindOf } from '../io/sourceFiles';
import { readSourceWithinLimit } from '../io/sourceLimits';
import type { RuleSelection } from '../config/selection';
import { resolveSelection } from '../config/selection';
import { withTestCode } from '../results/testCode';
import { dependencyFindings } from '../../deps/scanHook';
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

export function analyzeText(
  analyzer: Analyzer,
  file: string,
  text: string,
  selection: RuleSelection,
  options: FileAnalysisOptions = {},
): Pick<FileReport, 'findings' | 'problems' | 'skipped' | 'parsed' | 'units' | 'skippedUnits' | 'timings' | 'imports'> {
  const force = options.force ?? false;
  // Dependency manifests and lock files are judged against advisories (server/src/deps).
  const manifest = dependencyFindings(file, text, selection, options);
  if (manifest) return { ...manifest, parsed: false };
  const kind = sourceKindOf(file) ?? 'python';
  const imports = (result: { imports: string[] }) => (force ? { imports: result.imports } : {});
  if (kind === 'notebook') {
    try {
      const result = analyzer.analyzeNotebookJson(text, { selection, force, versions: projectVersionsFor(file) });
      const installs = dependencyFindings(file, text, selection, options, 'notebook');
      return {
        findings: installs ? [...result.findings, ...installs.findings] : result.findings,
        problems: [],
        parsed: result.parsed,
        units: text.length,
        skippedUnits: result.skippedUnits,
        timings: { read: 0, ...result.timings },
        ...imports(result),
      };
    } catch (error) {
      if (error instanceof NotebookError) return { findings: [], problems: [{ message: error.message, line: error.line }] };
      throw error;
    }
  }
  const result = analyzer.analyzePython(text, { selection, force, versions: projectVersionsFor(file) });
  const problems: InputProblem[] = [];
  return {
    findings: result.findings,
    problems,
    parsed: result.parsed,
    units: text.length,
    skippedUnits: result.skippedUnits,
    timings: { read: 0, ...result.timings },
    ...imports(result),
  };
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
  const breaks = text.indexOf('\r') < 0 ? /\n/g : /\r\n?|\n/g;
  while (breaks.exec(text)) count++;
  return count;
}
