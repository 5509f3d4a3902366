/**
 * `mlsec checklist [paths] [--format markdown|json] [--output FILE] [--fail-on-risk]`: the
 * security checklist with its evidence, for CI logs and pull-request comments. It is the editor's
 * export made from the command line: the same evidence gathering (server/src/checklist/evidence.ts),
 * the same status rules (common/src/checklist.ts), the same review file (.mlsec/review.json) and
 * the same Markdown renderer (common/src/checklistReport.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CHECKLIST } from '../../../common/src/checklist';
import { renderReport } from '../../../common/src/checklistReport';
import { displayStatus } from '../../../common/src/checklistStatus';
import type { ChecklistEvidenceRequest, FindingSummary, ThreatId } from '../../../common/src/protocol';
import { loadReview } from '../../../common/src/reviewFile';
import { gatherChecklistEvidence } from '../checklist/evidence';
import type { ScanOptions, ScanOutcome } from './scanner';
import { makeResolver } from './scanner';

export interface ChecklistCommandContext {
  version: string;
  /** Runs the scan (on workers when it pays). */
  scan(options: ScanOptions): Promise<ScanOutcome>;
  /** Makes the error the CLI reports as a usage error (exit 2). */
  usage(message: string): Error;
  defaultJobs: number;
}

/** The folder the checklist is about: the first path when it is a folder, else the current one. */
function checklistFolder(paths: readonly string[]): string {
  const first = paths[0];
  if (first !== undefined) {
    try {
      if (fs.statSync(first).isDirectory()) return path.resolve(first);
    } catch {
      // reported by the scan as missing
    }
  }
  return process.cwd();
}

export async function runChecklistCommand(argv: string[], context: ChecklistCommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f', default: 'markdown' },
      output: { type: 'string', short: 'o' },
      'fail-on-risk': { type: 'boolean', default: false },
      config: { type: 'string' },
      'no-gitignore': { type: 'boolean', default: false },
      jobs: { type: 'string', short: 'j' },
    },
  });
  if (values.format !== 'markdown' && values.format !== 'json')
    throw context.usage(`unknown checklist format "${values.format}" (markdown or json)`);
  if (values.config && !fs.existsSync(values.config)) throw context.usage(`config file not found: ${values.config}`);
  let jobs = context.defaultJobs;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw context.usage('--jobs must be a whole number of at least 1');
  }
  const paths = positionals.length > 0 ? positionals : ['.'];
  const folder = checklistFolder(paths);
  const options: ScanOptions = { paths, configFile: values.config, respectGitignore: !values['no-gitignore'], jobs, force: true };
  const outcome = await context.scan(options);
  if (outcome.missing.length === paths.length) throw context.usage(`nothing to scan: ${outcome.missing.join(', ')} not found`);

  const findings: FindingSummary[] = outcome.files.flatMap((report) =>
    report.findings
      .filter((f) => !f.suppression)
      .map((f) => ({
        uri: pathToFileURL(report.file).href,
        range: f.range,
        cell: f.cell,
        code: f.code,
        name: f.name,
        severity: f.severity,
        message: f.message,
        threats: f.threats as ThreatId[],
        // The review records findings by fingerprint (common/src/staleness.ts), as the editor does.
        fingerprint: f.fingerprint,
      })),
  );
  const scannedAt = new Date().toISOString();
  const evidence = gatherChecklistEvidence(
    {
      folders: [folder],
      sourceFiles: outcome.files.filter((r) => r.problems.length === 0).map((r) => ({ path: r.file, imports: r.imports ?? [] })),
      findings,
      scannedAt,
    },
    { resolver: makeResolver(options) },
  );
  const review = loadReview(folder);
  for (const problem of review.problems)
    process.stderr.write(
      `${path.relative(process.cwd(), review.file)}${problem.line !== undefined ? `:${problem.line + 1}` : ''}: ${problem.message}\n`,
    );
  for (const report of outcome.files)
    for (const p of report.problems) process.stderr.write(`${path.relative(process.cwd(), report.file)}: skipped: ${p.message}\n`);

  const statuses = CHECKLIST.map((item) => ({
    item,
    status: displayStatus(
      evidence.items.find((e) => e.id === item.id),
      review.document.entries.get(item.id),
    ),
  }));
  const generator = `mlsec ${context.version}`;
  const text =
    values.format === 'json'
      ? JSON.stringify(checklistJson(evidence, statuses, review.document.entries, folder, generator), null, 2) + '\n'
      : renderReport({
          workspaceName: path.basename(folder),
          evidence,
          review: review.document.entries,
          folders: [pathToFileURL(folder).href],
          generatedAt: new Date(scannedAt),
          generator,
        });
  if (values.output) {
    fs.mkdirSync(path.dirname(path.resolve(values.output)), { recursive: true });
    fs.writeFileSync(values.output, text);
  } else {
    process.stdout.write(text);
  }
  const atRisk = statuses.filter((s) => s.status === 'at-risk');
  if (values['fail-on-risk'] && atRisk.length > 0) {
    process.stderr.write(
      `mlsec: ${atRisk.length} checklist item${atRisk.length === 1 ? '' : 's'} at risk: ${atRisk.map((s) => s.item.id).join(', ')}\n`,
    );
    return 1;
  }
  return 0;
}

/** The same data as the Markdown report, for tools: per item the shown status, the review and the evidence. */
function checklistJson(
  evidence: ChecklistEvidenceRequest.Result,
  statuses: ReadonlyArray<{ item: (typeof CHECKLIST)[number]; status: string }>,
  review: ReadonlyMap<string, unknown>,
  folder: string,
  generator: string,
): object {
  const relative = (uri: string) => {
    try {
      return path.relative(folder, new URL(uri).pathname).split(path.sep).join('/');
    } catch {
      return uri;
    }
  };
  const finding = (f: FindingSummary) => ({
    file: relative(f.uri),
    ...(f.cell !== undefined ? { cell: f.cell } : {}),
    line: f.range.start.line + 1,
    column: f.range.start.character + 1,
    code: f.code,
    name: f.name,
    severity: f.severity,
    message: f.message,
    threats: f.threats,
    ...(f.fingerprint !== undefined ? { fingerprint: f.fingerprint } : {}),
  });
  return {
    generator,
    generatedAt: evidence.scannedAt,
    scannedFiles: evidence.scannedFiles,
    counts: evidence.counts,
    items: statuses.map(({ item, status }) => {
      const found = evidence.items.find((e) => e.id === item.id);
      return {
        id: item.id,
        title: item.title,
        status,
        automaticStatus: found?.status,
        summary: found?.summary,
        review: review.get(item.id) ?? null,
        signals: found?.signals ?? [],
        findings: (found?.findings ?? []).map(finding),
      };
    }),
    threats: evidence.threats.map((t) => ({ id: t.id, findings: t.findings.length })),
  };
}
