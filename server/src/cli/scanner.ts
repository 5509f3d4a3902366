/**
 * The scan behind `mlsec scan`: expand paths, analyse each file with the configuration that
 * governs it, collect findings and the problems met on the way. Files are analysed on worker
 * threads when there are enough of them to pay for the workers' start-up.
 */
import * as path from 'node:path';
import type { Analyzer } from '../engine/analyzer';
import { ConfigResolver } from '../engine/config';
import type { ConfigProblem, FailOn, ProjectConfig } from '../engine/config';
import { collectSourceFiles } from '../engine/files';
import type { FileReport } from '../engine/scan';
import { analyzeFile, SelectionCache } from '../engine/scan';

export interface ScanOptions {
  paths: string[];
  select?: string[];
  ignore?: string[];
  configFile?: string;
  respectGitignore?: boolean;
  maxFileSize?: number;
  failOn?: FailOn;
}

export interface ScanOutcome {
  files: FileReport[];
  configProblems: ConfigProblem[];
  /** Paths given on the command line that do not exist. */
  missing: string[];
  /** `fail-on` from the nearest configuration of the first path, if any. */
  configuredFailOn?: FailOn;
  durationMs: number;
}

export function makeResolver(options: ScanOptions): ConfigResolver {
  const overrides: Partial<ProjectConfig> = {};
  if (options.select) overrides.select = options.select;
  if (options.ignore) overrides.ignore = options.ignore;
  if (options.respectGitignore === false) overrides.respectGitignore = false;
  if (options.maxFileSize) overrides.maxFileSize = options.maxFileSize;
  return new ConfigResolver(overrides, options.configFile);
}

export function scan(analyzer: Analyzer, options: ScanOptions): ScanOutcome {
  const started = performance.now();
  const resolver = makeResolver(options);
  const missing: string[] = [];
  const listingProblems: FileReport[] = [];
  const files = collectSourceFiles(options.paths, {
    resolver,
    onProblem: (file, message) => {
      if (message === 'no such file or folder') missing.push(file);
      else listingProblems.push({ file, findings: [], problems: [{ message }], lines: 0 });
    },
  });
  const selections = new SelectionCache(analyzer);
  const reports = files.map((file) => analyzeFile(analyzer, file, resolver, selections));
  const first = options.paths[0] ? path.resolve(options.paths[0]) : process.cwd();
  return {
    files: [...reports, ...listingProblems],
    configProblems: resolver.problems,
    missing,
    configuredFailOn: resolver.forFolder(first).failOn ?? resolver.forFile(path.join(first, 'x.py')).failOn,
    durationMs: performance.now() - started,
  };
}
