/**
 * `mlsec`: the command-line scanner. Same engine and rules as the language server.
 *
 *   mlsec scan [paths…] [--format text|json|sarif] [--output FILE] [--select …] [--ignore …]
 *              [--fail-on error|warning|info|never] [--config FILE] [--no-gitignore]
 *              [--show-suppressed] [--no-color] [--jobs N] [--files-from FILE] [--stats FILE]
 *   mlsec rules [--format text|json]
 *   mlsec explain MLS102
 *
 * Exit codes: 0 no open finding at or above --fail-on, 1 findings, 2 usage or internal error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, workerData } from 'node:worker_threads';
import { Analyzer } from '../engine/analyzer';
import { applyBaseline, baselineEntries, BaselineError, baselineNotice, DEFAULT_BASELINE, readBaseline, writeBaseline } from '../engine/baseline';
import type { FailOn } from '../engine/config';
import type { Severity } from '../engine/rule';
import { rulePageMarkdown } from '../engine/ruleDocs';
import { findRule, parseSeverity } from '../engine/selection';
import { ALL_RULES } from '../rules/index';
import { runChecklistCommand } from './checklist';
import { runFixStep } from './fix';
import { formatGithub } from './formats/github';
import { toGitlab } from './formats/gitlab';
import { formatJunit } from './formats/junit';
import { tuneJitForScan } from './jitTuning';
import { formatFileListing, listFiles } from './showFiles';
import { formatStatistics, statistics } from './statistics';
import { toSarif } from './sarif';
import { defaultJobs, isScanWorker, makeResolver, scanParallel, serveScanWorker } from './scanner';
import type { ScanOutcome } from './scanner';
import { formatText } from './textReport';

declare const MLSEC_VERSION: string | undefined;

const VERSION = typeof MLSEC_VERSION === 'string' ? MLSEC_VERSION : readVersion();

const USAGE = `mlsec ${VERSION} — security scanner for machine-learning Python code

Usage:
  mlsec scan [paths...] [options]   scan .py files and .ipynb notebooks (default: .)
  mlsec baseline [paths...] [-o FILE]  record today's open findings (default: the configured
                                    baseline, else .mlsec/baseline.json)
  mlsec checklist [paths...] [--format markdown|json] [-o FILE] [--fail-on-risk]
                                    the security checklist with its evidence and review
  mlsec rules [--format text|json]  list the rule catalogue
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
      --no-color                    plain text even on a terminal
  -j, --jobs N                      worker threads (default: number of CPUs; 1 = no workers)
      --files-from FILE             also scan the paths listed in FILE, one per line (- = stdin)
      --stats FILE                  write timings per phase and file counts as JSON (- = stderr)
      --fix                         apply the safe fixes, then report what remains
      --unsafe-fixes                with --fix or --diff: apply the unsafe fixes too (review them)
      --diff                        print the fixes as a unified diff, write nothing (exit 1 if any)
      --baseline FILE               report only findings not in FILE (see \`mlsec baseline\`)
      --statistics                  print the number of findings per rule instead of each finding
      --show-files                  list the files a scan reads and those it skips (and why); no scan

Exit codes: 0 no open finding at or above --fail-on, 1 findings, 2 usage or internal error.
`;

class UsageError extends Error {}

const OUTPUT_FORMATS: readonly string[] = ['text', 'json', 'sarif', 'github', 'gitlab', 'junit'];

function readVersion(): string {
  for (const candidate of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', '..', 'package.json')]) {
    try {
      const data = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
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
  if (failOn === 'never') return 0;
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
      'no-color': { type: 'boolean', default: false },
      jobs: { type: 'string', short: 'j' },
      'files-from': { type: 'string' },
      stats: { type: 'string' },
      fix: { type: 'boolean', default: false },
      'unsafe-fixes': { type: 'boolean', default: false },
      diff: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      statistics: { type: 'boolean', default: false },
      'show-files': { type: 'boolean', default: false },
    },
  });
  if (mode === 'baseline' && (values.fix || values.diff || values.baseline)) throw new UsageError('`mlsec baseline` records findings; --fix, --diff and --baseline go with `mlsec scan`');
  if (values['unsafe-fixes'] && !values.fix && !values.diff) throw new UsageError('--unsafe-fixes goes with --fix or --diff');
  const format = values.format;
  if (!OUTPUT_FORMATS.includes(format)) throw new UsageError(`unknown format "${format}" (${OUTPUT_FORMATS.join(', ')})`);
  if (values.statistics && format !== 'text' && format !== 'json') throw new UsageError('--statistics prints text or json');
  const select = list(values.select);
  const ignore = list(values.ignore);
  for (const entry of [...(select ?? []), ...(ignore ?? [])]) {
    if (entry.toUpperCase() !== 'ALL' && !findRule(ALL_RULES, entry) && !(/^MLS\d{0,2}$/i.test(entry) && ALL_RULES.some((r) => r.code.startsWith(entry.toUpperCase())))) {
      throw new UsageError(`unknown rule "${entry}" (see \`mlsec rules\`)`);
    }
  }
  if (values.config && !fs.existsSync(values.config)) throw new UsageError(`config file not found: ${values.config}`);
  let maxFileSize: number | undefined;
  if (values['max-file-size'] !== undefined) {
    maxFileSize = Number(values['max-file-size']);
    if (!Number.isFinite(maxFileSize) || maxFileSize <= 0) throw new UsageError('--max-file-size must be a positive number of bytes');
  }
  const explicitFailOn = values['fail-on'] !== undefined ? parseFailOn(values['fail-on']) : undefined;
  let jobs = defaultJobs();
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError('--jobs must be a whole number of at least 1');
  }
  const listed = values['files-from'] !== undefined ? readFileList(values['files-from']) : [];
  const paths = positionals.length > 0 || values['files-from'] !== undefined ? [...positionals, ...listed] : ['.'];
  if (paths.length === 0) throw new UsageError(`nothing to scan: ${values['files-from']} lists no paths`);

  const scanOptions = { paths, select, ignore, configFile: values.config, respectGitignore: !values['no-gitignore'], maxFileSize, jobs };
  if (values['show-files']) {
    process.stdout.write(formatFileListing(listFiles(scanOptions), process.cwd()));
    return 0;
  }
  const outcome = await scanParallel(() => Analyzer.create(ALL_RULES), scanOptions, __filename);
  if (outcome.missing.length === paths.length) {
    throw new UsageError(`nothing to scan: ${outcome.missing.join(', ')} not found`);
  }
  const outputStarted = performance.now();
  const baseDir = process.cwd();
  if (values.fix || values.diff) {
    const flags = { fix: values.fix ?? false, unsafeFixes: values['unsafe-fixes'] ?? false, diff: values.diff ?? false, output: values.output };
    const ended = await runFixStep(() => Analyzer.create(ALL_RULES), outcome, makeResolver(scanOptions), flags, baseDir);
    if (ended !== undefined) return ended;
  }
  if (mode === 'baseline') {
    const target = values.output ?? (outcome.configuredBaseline ? path.relative(baseDir, outcome.configuredBaseline) || outcome.configuredBaseline : DEFAULT_BASELINE);
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
  let output: string;
  const toTerminal = !values.output && process.stdout.isTTY === true;
  // Indented for a person at a terminal; compact for files and pipes (a tenth of the time and
  // half the size on a large tree, and what SARIF consumers read).
  const indent = toTerminal ? 2 : undefined;
  if (values.statistics) output = format === 'json' ? JSON.stringify(statistics(outcome), null, indent) + '\n' : formatStatistics(statistics(outcome));
  else if (format === 'sarif') output = JSON.stringify(toSarif(outcome, ALL_RULES, VERSION, baseDir), null, indent) + '\n';
  else if (format === 'json') output = JSON.stringify(toJson(outcome, baseDir), null, indent) + '\n';
  else if (format === 'github') output = formatGithub(outcome, baseDir);
  else if (format === 'gitlab') output = JSON.stringify(toGitlab(outcome, baseDir), null, indent) + '\n';
  else if (format === 'junit') output = formatJunit(outcome, baseDir);
  else {
    output = formatText(outcome, {
      color: toTerminal && !values['no-color'] && !process.env.NO_COLOR,
      showSuppressed: values['show-suppressed'] ?? false,
      baseDir,
    });
  }
  if (values.output) {
    fs.mkdirSync(path.dirname(path.resolve(values.output)), { recursive: true });
    fs.writeFileSync(values.output, output);
    if (format !== 'text') process.stderr.write(summaryLine(outcome, values.output));
  } else {
    process.stdout.write(output);
  }
  if (values.stats !== undefined) writeStats(values.stats, outcome, performance.now() - outputStarted);
  if (format !== 'text' || values.statistics) {
    for (const report of outcome.files) for (const p of report.problems) process.stderr.write(`${path.relative(baseDir, report.file)}: skipped: ${p.message}\n`);
    for (const p of outcome.configProblems) process.stderr.write(`${path.relative(baseDir, p.file)}${p.line !== undefined ? `:${p.line + 1}` : ''}: config: ${p.message}\n`);
  }
  return exitCodeFor(outcome, explicitFailOn ?? outcome.configuredFailOn ?? 'error');
}

/** Drops the baseline's findings from the outcome; returns what to tell on stderr. */
function applyBaselineFile(outcome: ScanOutcome, file: string, baseDir: string): string {
  const shown = path.relative(baseDir, file) || file;
  if (!fs.existsSync(file)) return `mlsec: the configured baseline ${shown} does not exist yet (\`mlsec baseline\` writes it); reporting every finding\n`;
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
  try {
    text = fs.readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --files-from ${source}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
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
  const stats = {
    files: outcome.files.length,
    analysedFiles: analysed,
    parsedFiles: parsed,
    skippedByPrefilter: analysed - parsed,
    prefilterSkipRate: analysed > 0 ? Math.round(((analysed - parsed) / analysed) * 1000) / 1000 : 0,
    // Of the files parsed, those where definitions no rule can fire in were left out (UTF-16 units).
    partiallyParsedFiles: partial,
    parsedUnits,
    skippedByPartialParse: skippedUnits,
    lines,
    workers: outcome.workers ?? 0,
    wallMs: { scan: round(outcome.durationMs), walk: round(outcome.walkMs ?? 0), output: round(outputMs) },
    phaseMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round(v)])),
  };
  const json = JSON.stringify(stats) + '\n';
  if (target === '-') process.stderr.write(json);
  else fs.writeFileSync(target, json);
}

function summaryLine(outcome: ScanOutcome, output: string): string {
  const open = outcome.files.reduce((n, r) => n + r.findings.filter((f) => !f.suppression).length, 0);
  return `mlsec: ${open} open finding${open === 1 ? '' : 's'} in ${outcome.files.length} files written to ${output}\n`;
}

function toJson(outcome: ScanOutcome, baseDir: string): object {
  return {
    version: VERSION,
    files: outcome.files.length,
    findings: outcome.files.flatMap((report) =>
      report.findings.map((f) => ({
        file: path.relative(baseDir, report.file).split(path.sep).join('/'),
        ...(f.cell !== undefined ? { cell: f.cell } : {}),
        line: f.range.start.line + 1,
        column: f.range.start.character + 1,
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
      })),
    ),
    problems: [
      ...outcome.files.flatMap((r) => r.problems.map((p) => ({ file: path.relative(baseDir, r.file), line: p.line !== undefined ? p.line + 1 : undefined, message: p.message }))),
      ...outcome.configProblems.map((p) => ({ file: path.relative(baseDir, p.file), line: p.line !== undefined ? p.line + 1 : undefined, message: `config: ${p.message}` })),
      ...outcome.missing.map((file) => ({ file, message: 'no such file or folder' })),
    ],
  };
}

function runRules(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { format: { type: 'string', short: 'f', default: 'text' } } });
  if (values.format === 'json') {
    process.stdout.write(
      JSON.stringify(
        ALL_RULES.map(({ code, name, title, severity, cwe, threats, owasp, atlas }) => ({ code, name, title, severity, cwe: cwe.map((c) => `CWE-${c}`), threats, owasp, atlas })),
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  if (values.format !== 'text') throw new UsageError(`unknown format "${values.format}" (text or json)`);
  const width = Math.max(...ALL_RULES.map((r) => r.name.length));
  for (const rule of ALL_RULES) {
    process.stdout.write(`${rule.code}  ${rule.name.padEnd(width)}  ${rule.severity.padEnd(7)}  ${rule.cwe.map((c) => `CWE-${c}`).join(',').padEnd(8)}  ${rule.title.replace(/`/g, '')}\n`);
  }
  process.stdout.write(`\n${ALL_RULES.length} rules. \`mlsec explain <code>\` shows one in full.\n`);
  return 0;
}

function runExplain(argv: string[]): number {
  const [key] = argv;
  if (!key) throw new UsageError('explain needs a rule code or name, e.g. `mlsec explain MLS102`');
  const rule = findRule(ALL_RULES, key);
  if (!rule) throw new UsageError(`unknown rule "${key}" (see \`mlsec rules\`)`);
  // The hand-written page ships in docs/rules next to the package; the metadata is the fallback.
  for (const dir of [path.join(__dirname, '..', 'docs', 'rules'), path.join(__dirname, '..', '..', '..', 'docs', 'rules')]) {
    const file = path.join(dir, `${rule.code}.md`);
    if (fs.existsSync(file)) {
      process.stdout.write(fs.readFileSync(file, 'utf8'));
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
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`mlsec: ${(error as Error).message}\nRun \`mlsec --help\` for usage.\n`);
      return 2;
    }
    process.stderr.write(`mlsec: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
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
