/**
 * What repository configuration takes out of the results: the project files' `select`,
 * `ignore`, `exclude`, `per-file-ignores`, lowered severities and size limit, and suppression
 * comments in the code. A reviewer opening someone else's repository must see these, since a
 * `pyproject.toml` that ignores the rule families is the quiet way to hide a finding.
 *
 * In an untrusted workspace the client may ask (mlsec.untrustedWorkspace.ignoreRepositoryConfig)
 * to analyse with defaults instead: `DefaultsResolver` reads no project file, and what the files
 * would have narrowed is still reported.
 */
import * as path from 'node:path';
import type { CoverageNarrowing } from '../../../common/src/protocol';
import { ConfigResolver, defaultConfig, DEFAULT_MAX_FILE_SIZE } from '../engine/config/projectConfig';
import type { ProjectConfig } from '../engine/config/projectConfig';
import { fileUriOf, toPosix } from './uris';

/** A resolver that never reads project files: every folder gets the defaults. */
export class DefaultsResolver extends ConfigResolver {
  override forFolder(folder: string): ProjectConfig {
    return defaultConfig(folder);
  }
}

const list = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** The settings of a project file that narrow what mlsec reports, in its own words. */
export function narrowingOf(config: ProjectConfig): string[] {
  const out: string[] = [];
  if (config.select && config.select.length > 0) out.push(`select = [${list(config.select)}]: only these rules run`);
  if (config.ignore && config.ignore.length > 0) out.push(`ignore = [${list(config.ignore)}]`);
  if (config.exclude.length > 0) out.push(`exclude = [${list(config.exclude)}]`);
  for (const entry of config.perFileIgnores) out.push(`per-file-ignores: ${JSON.stringify(entry.pattern)} = [${list(entry.rules)}]`);
  const lowered = Object.entries(config.severity ?? {}).filter(([, level]) => level !== 'error');
  if (lowered.length > 0) out.push(`severity: ${lowered.map(([rule, level]) => `${rule} → ${level}`).join(', ')}`);
  if (config.maxFileSize < DEFAULT_MAX_FILE_SIZE) out.push(`max-file-size = ${config.maxFileSize} bytes`);
  return out;
}

export interface CoverageInput {
  folders: readonly string[];
  /** Folders holding analysed files (their project files are looked up too). */
  fileFolders: Iterable<string>;
  /** Per file with suppressed findings: path and how many. */
  suppressed: Iterable<{ path: string; count: number }>;
  repositoryConfigIgnored: boolean;
  workspaceTrusted: boolean;
}

export function describeCoverage(input: CoverageInput): CoverageNarrowing {
  // Always a reading resolver: what the files say is shown even when they are not applied.
  const resolver = new ConfigResolver();
  const configs = new Map<string, ProjectConfig>();
  for (const folder of [...input.folders, ...input.fileFolders]) {
    const config = resolver.forFolder(folder);
    if (config.file && !configs.has(config.file)) configs.set(config.file, config);
  }
  const relative = (file: string) => {
    const folder = input.folders.find((f) => file === f || file.startsWith(f + path.sep));
    return folder ? toPosix(path.relative(folder, file)) : toPosix(file);
  };
  const narrowing = [...configs.values()]
    .map((config) => ({ file: relative(config.file!), uri: fileUriOf(config.file!), narrowing: narrowingOf(config) }))
    .filter((c) => c.narrowing.length > 0)
    .sort((a, b) => a.file.localeCompare(b.file));
  const files = [...input.suppressed].filter((s) => s.count > 0).sort((a, b) => b.count - a.count || a.path.localeCompare(b.path));
  return {
    configs: narrowing,
    suppressed: {
      findings: files.reduce((n, f) => n + f.count, 0),
      files: files.slice(0, 20).map((f) => ({ file: relative(f.path), uri: fileUriOf(f.path), count: f.count })),
      fileCount: files.length,
    },
    repositoryConfigIgnored: input.repositoryConfigIgnored,
    workspaceTrusted: input.workspaceTrusted,
  };
}
