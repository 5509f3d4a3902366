/**
 * Analysing files on disk: reading with the input checks, choosing the analysis by file kind,
 * and applying the configuration that governs each file. Shared by the CLI and the server's
 * workspace scan.
 */
import type { Analyzer } from './analyzer';
import type { ConfigResolver, ProjectConfig } from './config';
import type { Finding, InputProblem } from './findings';
import { NotebookError } from './notebook';
import { readSource, sourceKindOf } from './files';
import type { RuleSelection } from './selection';
import { resolveSelection } from './selection';

export interface FileReport {
  file: string;
  findings: Finding[];
  problems: InputProblem[];
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

  get(config: ProjectConfig, perFileIgnores: readonly string[] = []): RuleSelection {
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
    return selection;
  }
}

export function analyzeText(
  analyzer: Analyzer,
  file: string,
  text: string,
  selection: RuleSelection,
  force = false,
): Pick<FileReport, 'findings' | 'problems' | 'parsed' | 'units' | 'skippedUnits' | 'timings' | 'imports'> {
  const kind = sourceKindOf(file) ?? 'python';
  const imports = (result: { imports: string[] }) => (force ? { imports: result.imports } : {});
  if (kind === 'notebook') {
    try {
      const result = analyzer.analyzeNotebookJson(text, { selection, force });
      return {
        findings: result.findings,
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
  const result = analyzer.analyzePython(text, { selection, force });
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

/** `force` parses files the prefilter would skip, to learn their imports (checklist evidence). */
export function analyzeFile(analyzer: Analyzer, file: string, resolver: ConfigResolver, selections: SelectionCache, force = false): FileReport {
  const started = performance.now();
  const config = resolver.forFile(file);
  const read = readSource(file, config.maxFileSize);
  const readTime = performance.now() - started;
  if (!read.ok) return { file, findings: [], problems: [{ message: read.message, line: read.line }], lines: 0, timings: { read: readTime, parse: 0, model: 0, rules: 0 } };
  const selection = selections.get(config, resolver.perFileIgnores(file));
  try {
    const result = analyzeText(analyzer, file, read.text, selection, force);
    if (result.timings) result.timings.read = readTime;
    return { file, ...result, lines: countLines(read.text) };
  } catch (error) {
    // An engine bug on one file must not end the scan of the others.
    const message = error instanceof Error ? error.message : String(error);
    return { file, findings: [], problems: [{ message: `internal error while analysing: ${message}` }], lines: countLines(read.text) };
  }
}

function countLines(text: string): number {
  let count = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
