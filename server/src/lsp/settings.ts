/**
 * Settings per document. Editor settings (`mlsec.*`) are read with `workspace/configuration` for
 * the document's URI and cached per URI until closed or `didChangeConfiguration`; nothing is kept
 * in server globals. The project file (`[tool.mlsec]` in pyproject.toml, or .mlsec.toml) nearest
 * to the file then applies over them the way its users expect from the CLI:
 *   - select: the project's list replaces the editor's when the project sets one;
 *   - ignore: both lists apply (plus `per-file-ignores`);
 *   - severity: the project wins for the same rule;
 *   - exclude: both apply, the project's relative to its file, the editor's to the workspace folder;
 *   - max file size: the project's when it sets one.
 */
import ignore from 'ignore';
import type { Ignore } from 'ignore';
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import type { MlsecSettings, SeverityName } from '../../../common/src/protocol';
import { DEFAULT_SETTINGS } from '../../../common/src/protocol';
import type { Analyzer } from '../engine/pipeline/analyzer';
import { ConfigResolver, DEFAULT_MAX_FILE_SIZE } from '../engine/config/projectConfig';
import { RULE_CATALOGUE } from '../rules/catalogue';
import type { ConfigProblem } from '../engine/config/projectConfig';
import type { Rule } from '../engine/rule';
import type { RuleEntry } from '../engine/config/ruleNames';
import { selectsNothing, unknownRuleEntries } from '../engine/config/ruleNames';
import type { RuleSelection } from '../engine/config/selection';
import { parseSeverity, resolveSelection } from '../engine/config/selection';
import { withTestCode } from '../engine/results/testCode';
import { baselineFileFor } from './baseline';
import type { Logger } from './logger';
import { parseLogLevel } from './logger';
import { DefaultsResolver } from './coverage';
import { filePathOf, folderOf, toPosix } from './uris';

/** Coerces whatever the client sent into complete, valid settings (bad values fall back to defaults). */
export function normalizeSettings(raw: unknown): MlsecSettings {
  const value = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const strings = (v: unknown, fallback: string[]) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : fallback);
  const number = (v: unknown, fallback: number, min: number, max: number) =>
    typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
  const severity: Record<string, SeverityName> = {};
  if (value.severity && typeof value.severity === 'object' && !Array.isArray(value.severity)) {
    for (const [rule, level] of Object.entries(value.severity as Record<string, unknown>)) {
      const parsed = typeof level === 'string' ? parseSeverity(level) : undefined;
      if (parsed) severity[rule] = parsed;
    }
  }
  const trace = value.trace && typeof value.trace === 'object' ? (value.trace as Record<string, unknown>).server : undefined;
  return {
    enable: typeof value.enable === 'boolean' ? value.enable : DEFAULT_SETTINGS.enable,
    run: value.run === 'onSave' || value.run === 'onType' ? value.run : DEFAULT_SETTINGS.run,
    debounceMs: number(value.debounceMs, DEFAULT_SETTINGS.debounceMs, 0, 5000),
    select: strings(value.select, DEFAULT_SETTINGS.select),
    ignore: strings(value.ignore, DEFAULT_SETTINGS.ignore),
    severity,
    exclude: strings(value.exclude, DEFAULT_SETTINGS.exclude),
    // 0 or less is not "no limit" (it would skip every file): the default applies, and
    // settingsProblems says so.
    maxFileSize:
      typeof value.maxFileSize === 'number' && value.maxFileSize >= 1
        ? number(value.maxFileSize, DEFAULT_SETTINGS.maxFileSize, 1, Number.MAX_SAFE_INTEGER)
        : DEFAULT_SETTINGS.maxFileSize,
    advisories: strings(value.advisories, DEFAULT_SETTINGS.advisories),
    baselineFindings:
      value.baselineFindings === 'hide' || value.baselineFindings === 'show' ? value.baselineFindings : DEFAULT_SETTINGS.baselineFindings,
    trace: { server: trace === 'messages' || trace === 'verbose' ? trace : 'off' },
    logLevel: parseLogLevel(value.logLevel) ?? DEFAULT_SETTINGS.logLevel,
    suppressionActions: typeof value.suppressionActions === 'boolean' ? value.suppressionActions : DEFAULT_SETTINGS.suppressionActions,
  };
}

/** A problem of the editor settings; `fatal` when no rule would run. */
export interface SettingsProblem {
  message: string;
  fatal: boolean;
}

/**
 * What is wrong with the editor settings as the client sent them (`raw`): rule names that name no
 * rule in `mlsec.select`, `mlsec.ignore` or `mlsec.severity`, severities that are not one, a
 * `mlsec.maxFileSize` of 0 or less, and a selection that leaves no rule to run. normalizeSettings
 * drops or replaces such values; this says so instead of letting them pass silently (issue 13).
 */
export function settingsProblems(rules: readonly Rule[], raw: unknown, settings: MlsecSettings): SettingsProblem[] {
  const value = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const problems: SettingsProblem[] = [];
  const entries: RuleEntry[] = [];
  for (const key of ['select', 'ignore'] as const) {
    const list = value[key];
    if (Array.isArray(list)) for (const entry of list) if (typeof entry === 'string') entries.push({ setting: `mlsec.${key}`, entry });
  }
  if (value.severity && typeof value.severity === 'object' && !Array.isArray(value.severity)) {
    for (const [rule, level] of Object.entries(value.severity as Record<string, unknown>)) {
      entries.push({ setting: 'mlsec.severity', entry: rule });
      if (typeof level !== 'string' || !parseSeverity(level)) {
        problems.push({
          message: `mlsec.severity: the level of ${JSON.stringify(rule)} must be "error", "warning" or "info", not ${JSON.stringify(level)}; the rule keeps its own`,
          fatal: false,
        });
      }
    }
  }
  for (const unknown of unknownRuleEntries(rules, entries))
    problems.push({ message: `${unknown.message}; the entry is ignored`, fatal: false });
  if (typeof value.maxFileSize === 'number' && value.maxFileSize < 1) {
    problems.push({
      message: `mlsec.maxFileSize must be a positive number of bytes (0 or less does not mean "no limit"); the default of ${settings.maxFileSize} applies`,
      fatal: false,
    });
  }
  if (selectsNothing(rules, { select: settings.select, ignore: settings.ignore })) {
    problems.push({ message: 'mlsec.select and mlsec.ignore leave no rule to run: mlsec finds nothing until they are fixed', fatal: true });
  }
  return problems;
}

/** Editor settings per resource URI, pulled from the client and cached. */
export class SettingsStore {
  private readonly cache = new Map<string, Promise<MlsecSettings>>();
  /** Settings pushed with didChangeConfiguration, for clients without workspace/configuration. */
  private pushed: MlsecSettings = DEFAULT_SETTINGS;

  constructor(
    private readonly connection: Connection,
    private readonly logger: Logger,
    private readonly canPull: boolean,
  ) {}

  /** Settings for a resource (a document or folder URI; undefined for window-wide settings). */
  get(uri: string | undefined): Promise<MlsecSettings> {
    if (!this.canPull) return Promise.resolve(this.pushed);
    const key = uri ?? '';
    let settings = this.cache.get(key);
    if (!settings) {
      settings = this.connection.workspace.getConfiguration(uri ? { scopeUri: uri, section: 'mlsec' } : { section: 'mlsec' }).then(
        (raw) => {
          const normalized = normalizeSettings(raw);
          this.onSettings?.(raw, normalized);
          return normalized;
        },
        (error) => {
          this.logger.warn(
            `cannot read settings for ${uri ?? 'the window'} (${error instanceof Error ? error.message : String(error)}); using defaults`,
          );
          this.cache.delete(key);
          return DEFAULT_SETTINGS;
        },
      );
      this.cache.set(key, settings);
    }
    return settings;
  }

  /** After didChangeConfiguration: forget everything; `pushed` holds the new values if sent. */
  reset(pushed?: unknown): void {
    this.cache.clear();
    if (pushed && typeof pushed === 'object' && 'mlsec' in pushed) {
      const raw = (pushed as { mlsec: unknown }).mlsec;
      this.pushed = normalizeSettings(raw);
      this.onSettings?.(raw, this.pushed);
    }
  }

  /** Told the settings as sent and as normalised, each time they are read (to report problems). */
  onSettings?: (raw: unknown, settings: MlsecSettings) => void;

  evict(uri: string): void {
    this.cache.delete(uri);
  }
}

/** Everything the analysis of one document needs to know about configuration. */
export interface DocumentConfig {
  settings: MlsecSettings;
  /** Why the document is not analysed, when it is not. */
  skipReason?: string;
  selection: RuleSelection;
  maxFileSize: number;
  /** The baseline file that applies (it may not exist). */
  baselineFile?: string;
}

/** Combines editor settings and project files into the configuration of each document. */
export class DocumentConfigs {
  /** Project files, cached per folder; cleared when one changes on disk. */
  readonly resolver: ConfigResolver;
  private readonly cache = new Map<string, Promise<DocumentConfig>>();
  private readonly selections = new Map<string, RuleSelection>();
  private readonly excludeMatchers = new Map<string, Ignore>();
  private reportedProblems = 0;
  /** Project files already named in the log (once each until they change). */
  private readonly announced = new Set<string>();

  constructor(
    private readonly settings: SettingsStore,
    private readonly analyzer: Analyzer,
    private readonly folders: () => readonly string[],
    private readonly logger: Logger,
    /** Analyse with defaults, reading no project file (an untrusted workspace, by the user's choice). */
    ignoreProjectFiles = false,
  ) {
    this.resolver = ignoreProjectFiles ? new DefaultsResolver() : new ConfigResolver({}, undefined, RULE_CATALOGUE);
  }

  forDocument(uri: string): Promise<DocumentConfig> {
    let config = this.cache.get(uri);
    if (!config) {
      config = this.settings.get(uri).then((settings) => this.combine(uri, settings));
      this.cache.set(uri, config);
      config.catch(() => this.cache.delete(uri));
    }
    return config;
  }

  /** The configuration for a file on disk, given the editor settings of its workspace folder. */
  forFile(file: string, settings: MlsecSettings): DocumentConfig {
    return this.combineFile(file, settings);
  }

  evict(uri: string): void {
    this.cache.delete(uri);
    this.settings.evict(uri);
  }

  /** Editor settings changed: recompute every document's configuration. */
  clearSettings(pushed?: unknown): void {
    // Changed settings show their problems again.
    this.shownSettingsProblems.clear();
    this.settings.reset(pushed);
    this.cache.clear();
  }

  /** A project file changed: re-read project files too. */
  clearProjectFiles(): void {
    this.resolver.clear();
    this.reportedProblems = 0;
    this.announced.clear();
    this.cache.clear();
    // Problems are found again as documents are re-analysed; the fixed ones must go now.
    this.onConfigProblems?.([]);
  }

  private combine(uri: string, settings: MlsecSettings): DocumentConfig {
    const file = filePathOf(uri);
    if (!file) {
      return {
        settings,
        selection: this.selection(settings.select, settings.ignore, settings.severity),
        maxFileSize: settings.maxFileSize,
        skipReason: settings.enable ? undefined : 'mlsec.enable is off',
      };
    }
    return this.combineFile(file, settings);
  }

  private combineFile(file: string, settings: MlsecSettings): DocumentConfig {
    const project = this.resolver.forFile(file);
    this.reportConfigProblems();
    if (project.file && !this.announced.has(project.file)) {
      this.announced.add(project.file);
      this.logger.info(`project configuration: ${project.file}`);
    }
    const fromProject = project.file !== undefined;
    const select = fromProject && project.select && project.select.length > 0 ? project.select : settings.select;
    const ignored = [...(project.ignore ?? []), ...settings.ignore, ...this.resolver.perFileIgnores(file)];
    const severity = { ...settings.severity, ...(project.severity ?? {}) };
    const maxFileSize = fromProject && project.maxFileSize !== DEFAULT_MAX_FILE_SIZE ? project.maxFileSize : settings.maxFileSize;
    let skipReason: string | undefined;
    if (!settings.enable) skipReason = 'mlsec.enable is off';
    else if (this.resolver.isExcluded(file)) skipReason = `excluded by ${path.basename(project.file ?? 'the project configuration')}`;
    else if (this.excludedBySettings(file, settings.exclude)) skipReason = 'excluded by mlsec.exclude';
    const baselineFile = baselineFileFor(project.baseline, folderOf(file, this.folders()));
    const selection = withTestCode(this.selection(select, ignored, severity), project, file);
    return { settings, selection, maxFileSize, skipReason, baselineFile };
  }

  /** `mlsec.exclude` patterns are relative to the workspace folder holding the file. */
  excludedBySettings(file: string, patterns: readonly string[]): boolean {
    if (patterns.length === 0) return false;
    const folder = folderOf(file, this.folders());
    if (!folder) return false;
    const key = patterns.join('\u0000');
    let matcher = this.excludeMatchers.get(key);
    if (!matcher) {
      matcher = ignore().add([...patterns]);
      this.excludeMatchers.set(key, matcher);
    }
    const relative = toPosix(path.relative(folder, file));
    return relative !== '' && matcher.ignores(relative);
  }

  /** Rule selections are cached by content, so the analyzer's rule index is reused too. */
  private selection(select: readonly string[] | undefined, ignored: readonly string[], severity: Record<string, string>): RuleSelection {
    const key = JSON.stringify([select ?? [], ignored, severity]);
    let selection = this.selections.get(key);
    if (!selection) {
      selection = resolveSelection(this.analyzer.rules, { select, ignore: ignored, severity });
      this.selections.set(key, selection);
    }
    return selection;
  }

  /**
   * Problems of the editor settings themselves (`mlsec.select`, `mlsec.ignore`, `mlsec.severity`,
   * `mlsec.maxFileSize`): unknown rule names, a selection left empty, a size limit of 0 or less.
   * Each distinct problem is shown once (a window message) and logged.
   */
  checkSettings(raw: unknown, settings: MlsecSettings): void {
    const problems = settingsProblems(this.analyzer.rules, raw, settings);
    for (const problem of problems) {
      if (this.shownSettingsProblems.has(problem.message)) continue;
      this.shownSettingsProblems.add(problem.message);
      this.logger.warn(problem.message);
      this.onSettingsProblem?.(problem);
    }
  }

  private readonly shownSettingsProblems = new Set<string>();

  /** Told each new problem of the editor settings (the server shows it in a window message). */
  onSettingsProblem?: (problem: SettingsProblem) => void;

  private reportConfigProblems(): void {
    const problems = this.resolver.problems;
    if (this.reportedProblems === problems.length) return;
    for (; this.reportedProblems < problems.length; this.reportedProblems++) {
      const p = problems[this.reportedProblems];
      this.logger.warn(`${p.file}${p.line !== undefined ? `:${p.line + 1}` : ''}: ${p.message}`);
    }
    this.onConfigProblems?.(problems);
  }

  /** Told the project-file problems found so far, each time there are new ones. */
  onConfigProblems?: (problems: readonly ConfigProblem[]) => void;
}
