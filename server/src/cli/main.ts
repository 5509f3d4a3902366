/**
 * `mlsec`: the command-line scanner. Same engine and rules as the language server.
 *
 *   mlsec scan [paths…] [--format text|json|sarif] [--output FILE] [--select …] [--ignore …]
 *              [--fail-on error|warning|info|never] [--config FILE] [--no-gitignore]
 *              [--show-suppressed] [--no-color] [--jobs N] [--files-from FILE] [--stats FILE]
 *              [--models-only] [--no-models] [--models-gitignore] [--verify-hashes]
 *   mlsec lock [paths…] [--lock FILE] [--models-gitignore]
 *   mlsec rules [--format text|json]
 *   mlsec advisories [--advisories PATH]… [--format text|json]
 *   mlsec explain MLS102
 *
 * Exit codes: 0 no open finding at or above --fail-on, 1 findings (or files not analysed, see
 * completeness.ts), 2 usage or internal error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, workerData } from 'node:worker_threads';
import { Analyzer } from '../engine/pipeline/analyzer';
import {
  applyBaseline,
  baselineEntries,
  BaselineError,
  baselineNotice,
  DEFAULT_BASELINE,
  readBaseline,
  writeBaseline,
} from '../engine/results/baseline';
import type { FailOn } from '../engine/config/projectConfig';
import type { Severity } from '../engine/rule';
import { rulePageMarkdown } from '../engine/results/ruleMarkdown';
import { MAX_PROJECT_FILE_SIZE, readDescriptor, readTextFile } from '../engine/io/safeRead';
import { selectsNothing } from '../engine/config/ruleNames';
import { findRule, parseSeverity } from '../engine/config/selection';
import { RULE_CATALOGUE } from '../rules/catalogue';
import { ALL_RULES } from '../rules/index';
import { LockError, inspectModels, writeLock } from './models';
import { completenessOf, isComplete } from './completeness';
import { runChecklistCommand } from './checklist';
import { runFixStep } from './fix';
import { formatGithub } from './formats/github';
import { toGitlab } from './formats/gitlab';
import { formatJunit } from './formats/junit';
import { tuneJitForScan } from './jitTuning';
import { formatFileListing, listFiles } from './showFiles';
import { formatStatistics, statistics } from './statistics';
import { toSarif } from './sarif';
import { defaultJobs, isScanWorker, makeResolver, maxJobs, scanParallel, serveScanWorker } from './scanner';
import type { ScanOutcome } from './scanner';
import { EnvironmentError, workingDirectory, writeOutputFile } from './outputFile';
import { printable } from './terminal';
import { formatText } from './textReport';
import { AdvisoriesUsageError, checkAdvisoryPaths, reportAdvisoryProblems, runAdvisories } from './advisoriesCommand';

declare const MLSEC_VERSION: string | undefined;

const VERSION = typeof MLSEC_VERSION === 'string' ? MLSEC_VERSION : readVersion();

const USAGE = `mlsec ${VERSION} — security scanner for machine-learning Python code

Usage:
  mlsec scan [paths...] [options]   scan .py files, .ipynb notebooks and model files (default: .)
  mlsec lock [paths...]             record SHA-256 and size of model files in mlsec.lock
  mlsec baseline [paths...] [-o FILE]  record today's open findings (default: the configured
                                    baseline, else .mlsec/baseline.json)
  mlsec checklist [paths...] [--format markdown|json] [-o FILE] [--fail-on-risk]
                                    the security checklist with its evidence and review
  mlsec rules [--format text|json]  list the rule catalogue
  mlsec advisories [--advisories P] show the vulnerability advisories loaded (sources, count, date)
  mlsec explain <CODE|name>         print a rule's documentation
  mlsec --version | --help

Scan options:
  -f, --format FORMAT               text (default), json, sarif, github (workflow annotations),
                                    gitlab (Code Quality report) or junit (XML for test dashboards)
  -o, --output FILE                 write the report to FILE instead of stdout
      --select RULES                comma-separated codes, prefixes (MLS1) or names to run
      --ignore RULES                comma-separated codes, prefixes or names to skip
      --fail-on LEVEL               error|warning|info|never: lowest severity that fails (default: error)
      --config FILE                 use this .mlsec.toml / pyproject.toml for every file
      --no-gitignore                scan files that .gitignore excludes
      --max-file-size BYTES         skip larger files (default 2 MiB)
      --show-suppressed             list suppressed findings too (text format)
      --show-repeats                list every finding of a run of alike ones in a file (text format)
      --no-color                    plain text even on a terminal
  -j, --jobs N                      threads that analyse (default and most: number of CPUs; 1 = no workers)
      --files-from FILE             also scan the paths listed in FILE, one per line (- = stdin)
      --stats FILE                  write timings per phase and file counts as JSON (- = stderr)
      --advisories PATH             more OSV advisories: a folder of .json files or an osv.dev .zip
                                    (repeatable; added to the bundled set; never downloaded)
      --models-only                 scan only model files (.pt .pkl .joblib .npy .keras .gguf …);
                                    files named explicitly are read by content, any extension
      --no-models                   do not scan model files
      --models-gitignore            skip model files that .gitignore excludes (default: scan them)
      --verify-hashes               hash every locked model file, ignoring .mlsec's hash cache
      --fix                         apply the safe fixes, then report what remains
      --unsafe-fixes                with --fix or --diff: apply the unsafe fixes too (review them)
      --diff                        print the fixes as a unified diff, write nothing (exit 1 if any)
      --baseline FILE               report only findings not in FILE (see \`mlsec baseline\`)
      --statistics                  print the number of findings per rule instead of each finding
      --show-files                  list the files a scan reads and those it skips (and why); no scan

Lock options:
      --lock FILE                   the lock to write (default: the nearest mlsec.lock, else ./mlsec.lock)
      --models-gitignore            leave out model files that .gitignore excludes

Exit codes: 0 no open finding at or above --fail-on and every file analysed;
            1 findings, or files that could not be analysed (unless --fail-on never);
            2 usage error, or mlsec failed on a file (internal error).
`;

class UsageError extends Error {}

const OUTPUT_FORMATS: readonly string[] = ['text', 'json', 'sarif', 'github', 'gitlab', 'junit'];

function readVersion(): string {
  for (const candidate of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', '..', 'package.json')]) {
    try {
      const read = readTextFile(candidate, MAX_PROJECT_FILE_SIZE);
      if (!read.ok) continue;
      const data = JSON.parse(read.text) as { name?: string; version?: string };
      if (data.name === 'mlsec' && data.version) return data.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

const RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

function parseFailOn(value: string): FailOn {
  if (value === 'never') return 'never';
  const level = parseSeverity(value);
  if (!level) throw new UsageError(`--fail-on must be error, warning, info (note) or never, not "${value}"`);
  return level;
}

export function exitCodeFor(outcome: ScanOutcome, failOn: FailOn): number {
  const complete = completenessOf(outcome);
  // An empty rule selection in a configuration file: the scan looked for nothing.
  if (complete.internalErrors.length > 0 || outcome.configProblems.some((p) => p.fatal)) return 2;
  if (failOn === 'never') return 0;
  if (complete.notAnalysed.length > 0 || complete.missing.length > 0) return 1;
  const threshold = RANK[failOn];
  const failing = outcome.files.some((report) => report.findings.some((f) => !f.suppression && RANK[f.severity] >= threshold));
  return failing ? 1 : 0;
}

async function runScan(argv: string[], mode: 'scan' | 'baseline' = 'scan'): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f', default: 'text' },
      output: { type: 'string', short: 'o' },
      select: { type: 'string' },
      ignore: { type: 'string' },
      'fail-on': { type: 'string' },
      config: { type: 'string' },
      'no-gitignore': { type: 'boolean', default: false },
      'max-file-size': { type: 'string' },
      'show-suppressed': { type: 'boolean', default: false },
      'show-repeats': { type: 'boolean', default: false },
      'no-color': { type: 'boolean', default: false },
      jobs: { type: 'string', short: 'j' },
      'files-from': { type: 'string' },
      stats: { type: 'string' },
      'models-only': { type: 'boolean', default: false },
      'no-models': { type: 'boolean', default: false },
      'models-gitignore': { type: 'boolean', default: false },
      'verify-hashes': { type: 'boolean', default: false },
      advisories: { type: 'string', multiple: true },
      fix: { type: 'boolean', default: false },
      'unsafe-fixes': { type: 'boolean', default: false },
      diff: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      statistics: { type: 'boolean', default: false },
      'show-files': { type: 'boolean', default: false },
    },
  });
  // Paths are resolved against it: a deleted one is reported before anything else.
  workingDirectory();
  if (mode === 'baseline' && (values.fix || values.diff || values.baseline))
    throw new UsageError('`mlsec baseline` records findings; --fix, --diff and --baseline go with `mlsec scan`');
  if (values['unsafe-fixes'] && !values.fix && !values.diff) throw new UsageError('--unsafe-fixes goes with --fix or --diff');
  if (values['models-only'] && values['no-models']) throw new UsageError('--models-only and --no-models exclude each other');
  const format = values.format;
  if (!OUTPUT_FORMATS.includes(format)) throw new UsageError(`unknown format "${format}" (${OUTPUT_FORMATS.join(', ')})`);
  if (values.statistics && format !== 'text' && format !== 'json') throw new UsageError('--statistics prints text or json');
  const select = list(values.select);
  const ignore = list(values.ignore);
  for (const entry of [...(select ?? []), ...(ignore ?? [])]) {
    if (
      entry.toUpperCase() !== 'ALL' &&
      !findRule(RULE_CATALOGUE, entry) &&
      !(/^MLS\d{0,2}$/i.test(entry) && RULE_CATALOGUE.some((r) => r.code.startsWith(entry.toUpperCase())))
    ) {
      throw new UsageError(`unknown rule "${entry}" (see \`mlsec rules\`)`);
    }
  }
  if ((select || ignore) && selectsNothing(RULE_CATALOGUE, { select, ignore })) {
    throw new UsageError('--select and --ignore leave no rule to run');
  }
  if (values.config && !fs.existsSync(values.config)) throw new UsageError(`config file not found: ${values.config}`);
  let maxFileSize: number | undefined;
  if (values['max-file-size'] !== undefined) {
    maxFileSize = Number(values['max-file-size']);
    if (!Number.isFinite(maxFileSize) || maxFileSize <= 0) {
      throw new UsageError(
        '--max-file-size must be a positive number of bytes (0 or less does not mean "no limit": give a large number instead)',
      );
    }
  }
  const explicitFailOn = values['fail-on'] !== undefined ? parseFailOn(values['fail-on']) : undefined;
  let jobs = defaultJobs();
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('--jobs must be a whole number of at least 1');
    // More threads than CPUs only cost memory: the scanner uses at most maxJobs() (see workersFor).
    if (jobs > maxJobs())
      process.stderr.write(
        `mlsec: note: --jobs ${values.jobs} is more than the ${maxJobs()} CPUs available; analysing on at most ${maxJobs()} threads\n`,
      );
  }
  const listed = values['files-from'] !== undefined ? readFileList(values['files-from']) : [];
  const paths = positionals.length > 0 || values['files-from'] !== undefined ? [...positionals, ...listed] : ['.'];
  if (paths.length === 0) throw new UsageError(`nothing to scan: ${values['files-from']} lists no paths`);
  checkAdvisoryPaths(values.advisories);
  reportAdvisoryProblems(values.advisories, (text) => process.stderr.write(text));

  const scanOptions = {
    paths,
    select,
    ignore,
    configFile: values.config,
    respectGitignore: !values['no-gitignore'],
    maxFileSize,
    jobs,
    advisories: values.advisories,
  };
  if (values['show-files']) {
    process.stdout.write(formatFileListing(listFiles(scanOptions), process.cwd()));
    return 0;
  }
  // The model files are inspected on this thread while the workers analyse the Python files:
  // scanParallel returns once it has listed them and handed them out (it analyses batches of its
  // own afterwards), so the inspection is not a serial step after the scan.
  const scanStarted = performance.now();
  const scanning: Promise<ScanOutcome> = values['models-only']
    ? Promise.resolve({ files: [], configProblems: [], missing: [], durationMs: 0 })
    : scanParallel(() => Analyzer.create(ALL_RULES), scanOptions, __filename);
  // A failed scan is reported as it was, without the models' results.
  scanning.catch(() => undefined);
  let models: ReturnType<typeof inspectModels> | undefined;
  try {
    models = values['no-models']
      ? undefined
      : inspectModels({
          paths,
          select,
          ignore,
          configFile: values.config,
          respectGitignore: values['models-gitignore'],
          modelsOnly: values['models-only'],
          verifyHashes: values['verify-hashes'],
        });
  } catch (error) {
    // The scan's workers are let finish before the error is reported (and the scan's own error first).
    await scanning;
    throw error;
  }
  const outcome = await scanning;
  if (models) {
    outcome.files.push(...models.reports);
    outcome.configProblems.push(...models.problems);
    // Both ran at once: the time until both were done.
    outcome.durationMs = Math.max(outcome.durationMs, performance.now() - scanStarted);
    if (values['models-only']) outcome.missing.push(...models.missing);
    outcome.models = models.stats;
  }
  if (outcome.missing.length === paths.length) {
    throw new UsageError(`nothing to scan: ${outcome.missing.join(', ')} not found`);
  }
  const outputStarted = performance.now();
  const baseDir = workingDirectory();
  if (values.fix || values.diff) {
    const flags = {
      fix: values.fix ?? false,
      unsafeFixes: values['unsafe-fixes'] ?? false,
      diff: values.diff ?? false,
      output: values.output,
      advisories: values.advisories,
    };
    const ended = await runFixStep(() => Analyzer.create(ALL_RULES), outcome, makeResolver(scanOptions), flags, baseDir);
    if (ended !== undefined) return ended;
  }
  if (mode === 'baseline') {
    const target =
      values.output ??
      (outcome.configuredBaseline ? path.relative(baseDir, outcome.configuredBaseline) || outcome.configuredBaseline : DEFAULT_BASELINE);
    const entries = baselineEntries(outcome.files, target);
    try {
      writeBaseline(target, entries);
    } catch (error) {
      if (error instanceof BaselineError) {
        process.stderr.write(`mlsec: ${error.message}\n`);
        return 2;
      }
      throw error;
    }
    process.stderr.write(`mlsec: recorded ${entries.length} open finding${entries.length === 1 ? '' : 's'} in ${target}\n`);
    return 0;
  }
  const baselineFile = values.baseline ?? outcome.configuredBaseline;
  if (baselineFile !== undefined) {
    if (values.baseline !== undefined && !fs.existsSync(baselineFile)) throw new UsageError(`baseline file not found: ${baselineFile}`);
    process.stderr.write(applyBaselineFile(outcome, baselineFile, baseDir));
  }
  const exitCode = exitCodeFor(outcome, explicitFailOn ?? outcome.configuredFailOn ?? 'error');
  let output: string;
  const toTerminal = !values.output && process.stdout.isTTY === true;
  // Indented for a person at a terminal; compact for files and pipes (a tenth of the time and
  // half the size on a large tree, and what SARIF consumers read).
  const indent = toTerminal ? 2 : undefined;
  if (values.statistics)
    output = format === 'json' ? JSON.stringify(statistics(outcome), null, indent) + '\n' : formatStatistics(statistics(outcome));
  else if (format === 'sarif') output = JSON.stringify(toSarif(outcome, RULE_CATALOGUE, VERSION, baseDir, exitCode), null, indent) + '\n';
  else if (format === 'json') output = JSON.stringify(toJson(outcome, baseDir), null, indent) + '\n';
  else if (format === 'github') output = formatGithub(outcome, baseDir);
  else if (format === 'gitlab') output = JSON.stringify(toGitlab(outcome, baseDir), null, indent) + '\n';
  else if (format === 'junit') output = formatJunit(outcome, baseDir);
  else {
    output = formatText(outcome, {
      color: toTerminal && !values['no-color'] && !process.env.NO_COLOR,
      showSuppressed: values['show-suppressed'] ?? false,
      showRepeats: values['show-repeats'] ?? false,
      baseDir,
    });
  }
  if (values.output) {
    writeOutputFile(values.output, output, '--output');
    if (format !== 'text') process.stderr.write(summaryLine(outcome, values.output));
  } else {
    process.stdout.write(output);
  }
  if (values.stats !== undefined) writeStats(values.stats, outcome, performance.now() - outputStarted);
  if (values.statistics && outcome.skips) process.stderr.write(`mlsec: files ${outcome.skips.summary()}\n`);
  if (format !== 'text' || values.statistics) {
    for (const report of outcome.files) {
      for (const p of report.problems) {
        const label = p.internal ? 'internal error' : report.parsed === undefined ? 'not analysed' : 'note';
        process.stderr.write(
          printable(`${path.relative(baseDir, report.file)}: ${label}: ${p.message.replace(/^not analysed: /, '')}`) + '\n',
        );
      }
    }
    for (const file of outcome.missing) process.stderr.write(printable(`${file}: not analysed: no such file or folder`) + '\n');
    for (const p of outcome.configProblems) {
      process.stderr.write(
        printable(
          `${path.relative(baseDir, p.file)}${p.line !== undefined ? `:${p.line + 1}` : ''}: ${p.fatal ? 'config error' : 'config'}: ${p.message}${p.effect ? ` (${p.effect})` : ''}`,
        ) + '\n',
      );
    }
  }
  return exitCode;
}

/** The most `--files-from` reads (a million paths of 256 bytes). */
const MAX_FILE_LIST_SIZE = 256 * 1024 * 1024;
/** Drops the baseline's findings from the outcome; returns what to tell on stderr. */
function applyBaselineFile(outcome: ScanOutcome, file: string, baseDir: string): string {
  const shown = path.relative(baseDir, file) || file;
  if (!fs.existsSync(file))
    return `mlsec: the configured baseline ${shown} does not exist yet (\`mlsec baseline\` writes it); reporting every finding\n`;
  try {
    return baselineNotice(applyBaseline(outcome.files, readBaseline(file)), shown);
  } catch (error) {
    if (error instanceof BaselineError) throw new UsageError(error.message);
    throw error;
  }
}

/** Paths listed one per line in a file or on stdin (`-`); blank lines are skipped. */
function readFileList(source: string): string[] {
  let text: string;
  if (source === '-') {
    const bytes = readDescriptor(0, MAX_FILE_LIST_SIZE);
    if (bytes.length > MAX_FILE_LIST_SIZE) throw new UsageError(`--files-from -: more than ${MAX_FILE_LIST_SIZE} bytes on standard input`);
    text = bytes.toString('utf8');
  } else {
    // A pipe is accepted here (`--files-from <(git ls-files)`), unlike anywhere else.
    const read = readTextFile(source, MAX_FILE_LIST_SIZE, { allowPipe: true, lenient: true });
    if (!read.ok) throw new UsageError(`cannot read --files-from ${source}: ${read.message}`);
    text = read.text;
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * Where the time went: phases summed over files (on all workers, so they can exceed the wall
 * time), the prefilter's hit rate, and the wall time of the whole scan and of the output.
 */
function writeStats(target: string, outcome: ScanOutcome, outputMs: number): void {
  const phases = { read: 0, prefilter: 0, parse: 0, model: 0, rules: 0 };
  let lines = 0;
  let analysed = 0;
  let parsed = 0;
  let partial = 0;
  let parsedUnits = 0;
  let skippedUnits = 0;
  for (const report of outcome.files) {
    lines += report.lines;
    if (report.parsed !== undefined) analysed++;
    if (report.parsed) {
      parsed++;
      parsedUnits += (report.units ?? 0) - (report.skippedUnits ?? 0);
      skippedUnits += report.skippedUnits ?? 0;
      if (report.skippedUnits) partial++;
    }
    const t = report.timings;
    if (!t) continue;
    phases.read += t.read;
    phases.prefilter += t.prefilter ?? 0;
    phases.parse += t.parse;
    phases.model += t.model;
    phases.rules += t.rules;
  }
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const complete = completenessOf(outcome);
  const stats = {
    files: outcome.files.length,
    analysedFiles: analysed,
    // Files not analysed (with why in the report) and files mlsec failed on: see completeness.ts.
    notAnalysedFiles: new Set(complete.notAnalysed.map((p) => p.file)).size + complete.missing.length,
    internalErrors: complete.internalErrors.length,
    parsedFiles: parsed,
    skippedByPrefilter: analysed - parsed,
    prefilterSkipRate: analysed > 0 ? Math.round(((analysed - parsed) / analysed) * 1000) / 1000 : 0,
    // Of the files parsed, those where definitions no rule can fire in were left out (UTF-16 units).
    partiallyParsedFiles: partial,
    parsedUnits,
    skippedByPartialParse: skippedUnits,
    lines,
    workers: outcome.workers ?? 0,
    workerFiles: outcome.workerFiles ?? 0,
    // Peak resident memory of the process, workers and the parser's WebAssembly memory included.
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    wallMs: { scan: round(outcome.durationMs), walk: round(outcome.walkMs ?? 0), output: round(outputMs) },
    ...(outcome.models ? { models: { ...outcome.models, ms: round(outcome.models.ms) } } : {}),
    phaseMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round(v)])),
  };
  const json = JSON.stringify(stats) + '\n';
  if (target === '-') process.stderr.write(json);
  else writeOutputFile(target, json, '--stats');
}

function summaryLine(outcome: ScanOutcome, output: string): string {
  const open = outcome.files.reduce((n, r) => n + r.findings.filter((f) => !f.suppression).length, 0);
  const complete = completenessOf(outcome);
  const unread = complete.notAnalysed.length + complete.missing.length;
  const failed = complete.internalErrors.length;
  const extra = [failed > 0 ? `${failed} internal error${failed === 1 ? '' : 's'}` : '', unread > 0 ? `${unread} NOT analysed` : '']
    .filter(Boolean)
    .join(', ');
  return (
    printable(
      `mlsec: ${open} open finding${open === 1 ? '' : 's'} in ${complete.analysed} files${extra ? ` (${extra})` : ''} written to ${output}`,
    ) + '\n'
  );
}

function toJson(outcome: ScanOutcome, baseDir: string): object {
  const complete = completenessOf(outcome);
  return {
    version: VERSION,
    files: outcome.files.length,
    analysedFiles: complete.analysed,
    // False when a file was not analysed, a path was not found or mlsec failed (see `problems`).
    complete: isComplete(complete) && !outcome.configProblems.some((p) => p.fatal),
    findings: outcome.files.flatMap((report) =>
      report.findings.map((f) => ({
        file: path.relative(baseDir, report.file).split(path.sep).join('/'),
        ...(f.cell !== undefined ? { cell: f.cell } : {}),
        line: f.range.start.line + 1,
        column: f.range.start.character + 1,
        ...(f.byteOffset !== undefined ? { byteOffset: f.byteOffset } : {}),
        ...(f.member !== undefined ? { member: f.member } : {}),
        endLine: f.range.end.line + 1,
        endColumn: f.range.end.character + 1,
        code: f.code,
        name: f.name,
        severity: f.severity,
        message: f.message,
        cwe: f.cwe.map((id) => `CWE-${id}`),
        threats: f.threats,
        fingerprint: f.fingerprint,
        fixes: f.fixes.map((fix) => ({ title: fix.title, safe: fix.safe })),
        ...(f.suppression ? { suppressed: { kind: f.suppression.kind, justification: f.suppression.justification } } : {}),
        ...(f.testCode ? { testCode: f.testCode } : {}),
      })),
    ),
    // Files and folders left out, by mechanism, and how the git index was used (engine/skipReport.ts).
    ...(outcome.skips ? { skippedFiles: outcome.skips.toJson() } : {}),
    // Manifest lines recognised but not checked (a URL, a path, an editable install), with why.
    skipped: outcome.files.flatMap((r) =>
      (r.skipped ?? []).map((s) => ({ file: path.relative(baseDir, r.file), line: s.line + 1, reason: s.reason })),
    ),
    problems: [
      ...outcome.files.flatMap((r) =>
        r.problems.map((p) => ({
          file: path.relative(baseDir, r.file),
          line: p.line !== undefined ? p.line + 1 : undefined,
          kind: p.internal ? 'internal-error' : r.parsed === undefined ? 'not-analysed' : 'note',
          message: p.message,
        })),
      ),
      ...outcome.configProblems.map((p) => ({
        file: path.relative(baseDir, p.file),
        line: p.line !== undefined ? p.line + 1 : undefined,
        kind: 'config',
        message: `config: ${p.message}`,
      })),
      ...outcome.missing.map((file) => ({ file, kind: 'not-analysed', message: 'no such file or folder' })),
    ],
  };
}

function runLock(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { lock: { type: 'string' }, 'models-gitignore': { type: 'boolean', default: false } },
  });
  try {
    const result = writeLock(positionals.length > 0 ? positionals : ['.'], {
      lockFile: values.lock,
      respectGitignore: values['models-gitignore'],
      cwd: process.cwd(),
    });
    process.stdout.write(
      `mlsec: ${path.relative(process.cwd(), result.file) || result.file}: ${result.entries} model file${result.entries === 1 ? '' : 's'} locked (${result.added} added, ${result.changed} changed, ${result.removed} removed)\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof LockError) throw new UsageError(error.message);
    throw error;
  }
}

function runRules(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { format: { type: 'string', short: 'f', default: 'text' } } });
  if (values.format === 'json') {
    process.stdout.write(
      JSON.stringify(
        RULE_CATALOGUE.map(({ code, name, title, severity, cwe, threats, owasp, atlas }) => ({
          code,
          name,
          title,
          severity,
          cwe: cwe.map((c) => `CWE-${c}`),
          threats,
          owasp,
          atlas,
        })),
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  if (values.format !== 'text') throw new UsageError(`unknown format "${values.format}" (text or json)`);
  const width = Math.max(...RULE_CATALOGUE.map((r) => r.name.length));
  for (const rule of RULE_CATALOGUE) {
    process.stdout.write(
      `${rule.code}  ${rule.name.padEnd(width)}  ${rule.severity.padEnd(7)}  ${rule.cwe
        .map((c) => `CWE-${c}`)
        .join(',')
        .padEnd(8)}  ${rule.title.replace(/`/g, '')}\n`,
    );
  }
  process.stdout.write(`\n${RULE_CATALOGUE.length} rules. \`mlsec explain <code>\` shows one in full.\n`);
  return 0;
}

function runExplain(argv: string[]): number {
  const [key] = argv;
  if (!key) throw new UsageError('explain needs a rule code or name, e.g. `mlsec explain MLS102`');
  const rule = findRule(RULE_CATALOGUE, key);
  if (!rule) throw new UsageError(`unknown rule "${key}" (see \`mlsec rules\`)`);
  // The hand-written page ships in docs/rules next to the package; the metadata is the fallback.
  for (const dir of [path.join(__dirname, '..', 'docs', 'rules'), path.join(__dirname, '..', '..', '..', 'docs', 'rules')]) {
    const file = path.join(dir, `${rule.code}.md`);
    const read = readTextFile(file, MAX_PROJECT_FILE_SIZE);
    if (read.ok) {
      process.stdout.write(read.text);
      return 0;
    }
  }
  process.stdout.write(rulePageMarkdown(rule) + '\n');
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `mlsec scan --help` and friends print the usage rather than failing on an unknown option.
  if (command !== undefined && !command.startsWith('-') && rest.some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    switch (command) {
      case 'scan':
        tuneJitForScan();
        return await runScan(rest);
      case 'lock':
        return runLock(rest);
      case 'baseline':
        tuneJitForScan();
        return await runScan(rest, 'baseline');
      case 'checklist':
        tuneJitForScan();
        return await runChecklistCommand(rest, {
          version: VERSION,
          scan: (options) => scanParallel(() => Analyzer.create(ALL_RULES), options, __filename),
          usage: (message) => new UsageError(message),
          defaultJobs: defaultJobs(),
        });
      case 'rules':
        return runRules(rest);
      case 'explain':
        return runExplain(rest);
      case 'advisories':
        return runAdvisories(rest);
      case '--version':
      case '-V':
      case 'version':
        process.stdout.write(`mlsec ${VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof AdvisoriesUsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`mlsec: ${printable((error as Error).message)}\nRun \`mlsec --help\` for usage.\n`);
      return 2;
    }
    if (error instanceof EnvironmentError) {
      process.stderr.write(`mlsec: ${printable(error.message)}\n`);
      return 2;
    }
    process.stderr.write(
      `mlsec: internal error: ${String(error instanceof Error ? (error.stack ?? error.message) : error)
        .split('\n')
        .map(printable)
        .join('\n')}\n`,
    );
    return 2;
  }
}

if (!isMainThread && isScanWorker(workerData)) {
  // This bundle was started as a scan worker by scanParallel (see scanner.ts).
  void serveScanWorker(workerData, () => Analyzer.create(ALL_RULES));
} else if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 2;
    },
  );
}
