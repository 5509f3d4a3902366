/**
 * Project configuration: `[tool.mlsec]` in the nearest `pyproject.toml`, or the top level of an
 * `.mlsec.toml` (which wins when both are in the same folder). The nearest file above a source
 * file applies, as in Ruff. A malformed file yields a problem naming the file and line, and the
 * defaults apply; nothing throws.
 *
 *   [tool.mlsec]
 *   select = ["ALL"]                 # codes, prefixes (MLS1), names
 *   ignore = ["MLS202"]
 *   exclude = ["tests/fixtures/"]    # gitignore syntax, relative to the config file's folder
 *   respect-gitignore = true
 *   max-file-size = 1048576          # bytes; larger files are skipped
 *   fail-on = "error"                # CLI default for --fail-on
 *   artifact-allow = ["pkg.layers.*"]  # pickle globals allowed in model files (docs/model-files.md)
 *   external-suppressions = true     # honour mapped `# nosec B301` / `# noqa: S301` (docs/noise.md)
 *   tests = "demote"                 # findings in test code: "report" | "demote" | "skip" (testCode.ts)
 *   [tool.mlsec.severity]
 *   MLS202 = "info"
 *   [tool.mlsec.per-file-ignores]
 *   "tests/**" = ["MLS101"]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { GitignoreIndex, PatternTable } from './patternIndex';
import { MAX_PROJECT_FILE_SIZE, readTextFile } from '../io/safeRead';
import type { Rule } from '../rule';
import type { RuleEntry } from './ruleNames';
import { selectsNothing, unknownRuleEntries } from './ruleNames';
import type { SelectionSettings } from './selection';
import { parseSeverity } from './selection';
import { parseTestsSetting } from '../results/testCode';
import type { TestCodeConfig } from '../results/testCode';

export const CONFIG_FILE_NAMES = ['.mlsec.toml', 'pyproject.toml'] as const;

export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;

/** Folders never worth scanning (virtual environments, caches, VCS data, dependencies). */
export const DEFAULT_EXCLUDES = [
  '.git/',
  '.hg/',
  '.svn/',
  '.bzr/',
  '.venv/',
  'venv/',
  '.env/',
  'env/',
  '.direnv/',
  '.tox/',
  '.nox/',
  '__pycache__/',
  '.mypy_cache/',
  '.pytest_cache/',
  '.ruff_cache/',
  '.ipynb_checkpoints/',
  'node_modules/',
  'site-packages/',
  '__pypackages__/',
  '.eggs/',
  '*.egg-info/',
  'buck-out/',
  '_build/',
];

export interface ConfigProblem {
  file: string;
  /** Zero-based line when known. */
  line?: number;
  message: string;
  /** What mlsec does about it, when not "the defaults are used instead". */
  effect?: string;
  /** The scan cannot be trusted (no rule selected): the CLI exits with 2. */
  fatal?: boolean;
}

export type FailOn = 'error' | 'warning' | 'info' | 'never';

export interface ProjectConfig extends SelectionSettings {
  /** The file it came from; undefined for defaults. */
  file?: string;
  /** Folder that relative patterns are resolved against. */
  root: string;
  exclude: string[];
  perFileIgnores: Array<{ pattern: string; rules: string[] }>;
  respectGitignore: boolean;
  maxFileSize: number;
  failOn?: FailOn;
  /** Extra allowed pickle globals for model files (`artifact-allow`, patterns like `pkg.mod.*`). */
  artifactAllow?: string[];
  /** Every rule name the file's lists hold, with its line: checked by ConfigResolver (ruleNames.ts). */
  ruleEntries?: RuleEntry[];
  /** Absolute path of the baseline file (`baseline = "..."`, relative to the config's folder). */
  baseline?: string;
  /** What happens to findings in test code (`tests`, see testCode.ts). */
  tests?: TestCodeConfig;
  /** Whether Bandit's `# nosec B301` and Ruff's `# noqa: S301` suppress mapped rules (default true). */
  externalSuppressions?: boolean;
}

export function defaultConfig(root: string): ProjectConfig {
  return { root, exclude: [], perFileIgnores: [], respectGitignore: true, maxFileSize: DEFAULT_MAX_FILE_SIZE };
}

/** Parses configuration text. `section` is `tool.mlsec` for pyproject.toml, '' for .mlsec.toml. */
export function parseConfig(text: string, file: string, problems: ConfigProblem[]): ProjectConfig | undefined {
  const isPyproject = path.basename(file) === 'pyproject.toml';
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const firstLine = error.message.split('\n')[0];
      problems.push({ file, line: error.line - 1, message: `invalid TOML at line ${error.line}, column ${error.column}: ${firstLine}` });
    } else {
      problems.push({ file, message: `invalid TOML: ${String(error)}` });
    }
    return undefined;
  }
  let table: unknown = data;
  if (isPyproject) {
    const tool = data.tool as Record<string, unknown> | undefined;
    table = tool && typeof tool === 'object' ? tool.mlsec : undefined;
    if (table === undefined) return undefined;
  }
  const lineOf = (key: string): number | undefined => {
    const index = text.search(new RegExp(`^\\s*"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=`, 'm'));
    return index < 0 ? undefined : text.slice(0, index).split('\n').length - 1;
  };
  const where = isPyproject ? '[tool.mlsec]' : file;
  if (!table || typeof table !== 'object' || Array.isArray(table)) {
    problems.push({ file, message: `${where} must be a table` });
    return undefined;
  }
  const config = defaultConfig(path.dirname(file));
  config.file = file;
  const stringList = (key: string, value: unknown): string[] | undefined => {
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    problems.push({ file, line: lineOf(key), message: `"${key}" must be a list of strings` });
    return undefined;
  };
  const entries: RuleEntry[] = [];
  // The line of a rule name inside a list: its first quoted occurrence after the setting's line.
  const lines = text.split('\n');
  const entryLine = (entry: string, from: number | undefined): number | undefined => {
    const quoted = [JSON.stringify(entry), `'${entry}'`];
    for (let line = from ?? 0; line < lines.length; line++) if (quoted.some((q) => lines[line].includes(q))) return line;
    return from;
  };
  const noteRules = (setting: string, list: readonly string[], line: number | undefined) => {
    for (const entry of list) entries.push({ setting, entry, line: entryLine(entry, line) });
  };
  for (const [key, value] of Object.entries(table as Record<string, unknown>)) {
    switch (key) {
      case 'select':
      case 'extend-select':
      case 'ignore':
      case 'exclude':
      case 'extend-exclude': {
        const list = stringList(key, value);
        if (!list) break;
        if (key === 'select' || key === 'extend-select' || key === 'ignore') noteRules(key, list, lineOf(key));
        if (key === 'select') config.select = list;
        else if (key === 'extend-select') config.select = [...(config.select ?? ['ALL']), ...list];
        else if (key === 'ignore') config.ignore = list;
        else config.exclude.push(...list);
        break;
      }
      case 'severity': {
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          problems.push({ file, line: lineOf(key), message: '"severity" must be a table of rule = "error" | "warning" | "info"' });
          break;
        }
        const severity: Record<string, string> = {};
        for (const [rule, level] of Object.entries(value as Record<string, unknown>)) {
          if (typeof level !== 'string' || !parseSeverity(level)) {
            problems.push({
              file,
              line: lineOf(rule),
              message: `severity of ${rule} must be "error", "warning" or "info", not ${JSON.stringify(level)}`,
            });
            continue;
          }
          severity[rule] = level;
          entries.push({ setting: 'severity', entry: rule, line: lineOf(rule) });
        }
        config.severity = severity;
        break;
      }
      case 'per-file-ignores': {
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          problems.push({ file, line: lineOf(key), message: '"per-file-ignores" must be a table of glob = [rules]' });
          break;
        }
        for (const [pattern, rules] of Object.entries(value as Record<string, unknown>)) {
          const list = stringList(pattern, rules);
          if (list) config.perFileIgnores.push({ pattern, rules: list });
          if (list) noteRules(`per-file-ignores "${pattern}"`, list, lineOf(pattern));
        }
        break;
      }
      case 'artifact-allow': {
        const list = stringList(key, value);
        if (list) config.artifactAllow = list;
        break;
      }
      case 'respect-gitignore':
        if (typeof value === 'boolean') config.respectGitignore = value;
        else problems.push({ file, line: lineOf(key), message: '"respect-gitignore" must be true or false' });
        break;
      case 'max-file-size':
        if (typeof value === 'number' && value > 0) config.maxFileSize = value;
        else if (typeof value === 'bigint' && value > 0n) config.maxFileSize = Number(value);
        else {
          // 0 or a negative number is a common "no limit" idiom elsewhere: here it would skip every
          // file, so it is refused and the default applies (see docs/scan-results.md).
          problems.push({
            file,
            line: lineOf(key),
            message: `"max-file-size" must be a positive number of bytes (0 or less does not mean "no limit"); the default of ${DEFAULT_MAX_FILE_SIZE} applies`,
          });
        }
        break;
      case 'fail-on':
        if (value === 'error' || value === 'warning' || value === 'info' || value === 'never') config.failOn = value;
        else problems.push({ file, line: lineOf(key), message: '"fail-on" must be "error", "warning", "info" or "never"' });
        break;
      case 'tests':
        config.tests = parseTestsSetting(
          value,
          (message, at) => problems.push({ file, line: lineOf(at ?? key), message }),
          (entry) => entries.push({ setting: 'tests', entry, line: lineOf(entry) }),
        );
        break;
      case 'external-suppressions':
        if (typeof value === 'boolean') config.externalSuppressions = value;
        else problems.push({ file, line: lineOf(key), message: '"external-suppressions" must be true or false' });
        break;
      case 'baseline':
        if (typeof value === 'string' && value.trim() !== '') config.baseline = path.resolve(path.dirname(file), value);
        else problems.push({ file, line: lineOf(key), message: '"baseline" must be the path of a baseline file' });
        break;
      default:
        problems.push({ file, line: lineOf(key), message: `unknown setting "${key}" in ${where}` });
    }
  }
  config.ruleEntries = entries;
  return config;
}

/** Reads and parses one config file; problems go to `problems`. */
export function loadConfigFile(file: string, problems: ConfigProblem[]): ProjectConfig | undefined {
  // Bounded, and only a regular file: a FIFO or a link to /dev/zero named pyproject.toml is
  // reported and the configuration above it applies.
  const read = readTextFile(file, MAX_PROJECT_FILE_SIZE, { setting: 'the limit for project files' });
  if (!read.ok) {
    problems.push({ file, message: `not used: ${read.message}` });
    return undefined;
  }
  return parseConfig(read.text, file, problems);
}

/**
 * Finds the configuration that applies to each file, caching per folder. Stops climbing at a
 * folder containing `.git` (the repository root) or at the filesystem root.
 */
export class ConfigResolver {
  private readonly byFolder = new Map<string, ProjectConfig>();
  private readonly matchers = new WeakMap<ProjectConfig, { exclude: GitignoreIndex; perFile: PatternTable<string[]> }>();
  readonly problems: ConfigProblem[] = [];
  private readonly reported = new Set<string>();

  constructor(
    /** Overrides from the command line or editor settings, applied over the file's values. */
    private readonly overrides: Partial<ProjectConfig> = {},
    /** A config file named explicitly (e.g. `--config`); used for every file. */
    private readonly explicitFile?: string,
    /** The rule catalogue: when given, rule names in config files are checked against it. */
    private readonly rules?: readonly Rule[],
  ) {}

  forFile(file: string): ProjectConfig {
    return this.forFolder(path.dirname(path.resolve(file)));
  }

  forFolder(folder: string): ProjectConfig {
    const cached = this.byFolder.get(folder);
    if (cached) return cached;
    let config: ProjectConfig | undefined;
    if (this.explicitFile) {
      config = this.load(path.resolve(this.explicitFile)) ?? defaultConfig(path.dirname(path.resolve(this.explicitFile)));
    } else {
      for (const name of CONFIG_FILE_NAMES) {
        const candidate = path.join(folder, name);
        if (fs.existsSync(candidate)) {
          config = this.load(candidate);
          if (config) break;
        }
      }
      if (!config) {
        const parent = path.dirname(folder);
        const isTop = parent === folder || fs.existsSync(path.join(folder, '.git'));
        config = isTop ? defaultConfig(folder) : this.forFolder(parent);
      }
    }
    const merged = this.applyOverrides(config);
    this.byFolder.set(folder, merged);
    if (this.rules && merged.file && !this.reported.has(`selection:${merged.file}`)) {
      this.reported.add(`selection:${merged.file}`);
      if (selectsNothing(this.rules, merged)) {
        this.problems.push({
          file: merged.file,
          line: merged.ruleEntries?.find((e) => e.setting === 'select' || e.setting === 'ignore')?.line,
          message: 'the rule selection is empty: select and ignore leave no rule to run',
          effect: 'no rule runs on the files it governs',
          fatal: true,
        });
      }
    }
    return merged;
  }

  private load(file: string): ProjectConfig | undefined {
    const problems: ConfigProblem[] = [];
    const config = loadConfigFile(file, problems);
    if (!this.reported.has(file)) {
      this.reported.add(file);
      this.problems.push(...problems);
      if (config && this.rules) {
        for (const unknown of unknownRuleEntries(this.rules, config.ruleEntries ?? [])) {
          this.problems.push({ file, line: unknown.line, message: unknown.message, effect: 'the entry is ignored' });
        }
      }
    }
    return config;
  }

  private applyOverrides(config: ProjectConfig): ProjectConfig {
    const o = this.overrides;
    if (Object.keys(o).length === 0) return config;
    return {
      ...config,
      select: o.select ?? config.select,
      ignore: o.ignore ? [...(config.ignore ?? []), ...o.ignore] : config.ignore,
      severity: { ...(config.severity ?? {}), ...(o.severity ?? {}) },
      exclude: [...config.exclude, ...(o.exclude ?? [])],
      respectGitignore: o.respectGitignore ?? config.respectGitignore,
      maxFileSize: o.maxFileSize ?? config.maxFileSize,
      failOn: o.failOn ?? config.failOn,
      tests: o.tests
        ? { mode: o.tests.mode ?? config.tests?.mode, perRule: { ...config.tests?.perRule, ...o.tests.perRule } }
        : config.tests,
    };
  }

  private matchersOf(config: ProjectConfig) {
    let m = this.matchers.get(config);
    if (!m) {
      // Indexed: a long list costs about the same per file as a short one.
      m = {
        exclude: new GitignoreIndex(config.exclude),
        perFile: new PatternTable(config.perFileIgnores.map((p) => ({ pattern: p.pattern, value: p.rules }))),
      };
      this.matchers.set(config, m);
    }
    return m;
  }

  /** True when the config's `exclude` patterns match the path (gitignore semantics). */
  isExcluded(file: string, isDirectory = false): boolean {
    const config = this.forFolder(isDirectory ? path.dirname(path.resolve(file)) : path.dirname(path.resolve(file)));
    const relative = path.relative(config.root, path.resolve(file)).split(path.sep).join('/');
    if (!relative || relative.startsWith('..')) return false;
    return this.matchersOf(config).exclude.ignores(isDirectory ? relative + '/' : relative);
  }

  /** Rules switched off for this file by `per-file-ignores`. */
  perFileIgnores(file: string): string[] {
    const config = this.forFile(file);
    if (config.perFileIgnores.length === 0) return [];
    const relative = path.relative(config.root, path.resolve(file)).split(path.sep).join('/');
    if (!relative || relative.startsWith('..')) return [];
    return this.matchersOf(config).perFile.matching(relative).flat();
  }

  /** Forgets cached configuration (after a config file changed). */
  clear(): void {
    this.byFolder.clear();
    this.reported.clear();
    this.problems.length = 0;
  }
}
