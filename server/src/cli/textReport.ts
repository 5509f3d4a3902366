/**
 * Human-readable terminal output: one line per finding, problems, and a summary line. Text from
 * the scanned tree (file names, messages quoting code, suppression reasons) is escaped with
 * `printable`: only mlsec's own colours reach the terminal as control sequences.
 */
import * as path from 'node:path';
import type { Severity } from '../engine/rule';
import { REPEATS_COLLAPSED_FROM, REPEATS_SHOWN, repeatGroups } from '../engine/results/repetition';
import { wasAnalysed } from '../engine/pipeline/fileAnalysis';
import { completenessOf } from './completeness';
import type { ScanOutcome } from './scanner';
import { printable } from './terminal';

export interface TextOptions {
  color: boolean;
  showSuppressed: boolean;
  baseDir: string;
  /** List every finding of a group of repeats (engine/repetition.ts); default: the first few and a count. */
  showRepeats?: boolean;
}

const COLORS = { red: 31, yellow: 33, cyan: 36, gray: 90, bold: 1 } as const;

export function formatText(outcome: ScanOutcome, options: TextOptions): string {
  const paint = (text: string, color: keyof typeof COLORS) => (options.color ? `\u001b[${COLORS[color]}m${text}\u001b[0m` : text);
  const severityColor: Record<Severity, keyof typeof COLORS> = { error: 'red', warning: 'yellow', info: 'cyan' };
  const display = (file: string) => {
    const relative = path.relative(options.baseDir, file);
    return printable(relative && !relative.startsWith('..') ? relative : file);
  };
  const lines: string[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  let suppressed = 0;
  let inTestCode = 0;
  const filesWithFindings = new Set<string>();
  const sorted = [...outcome.files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const report of sorted) {
    const repeats = options.showRepeats ? undefined : repeatGroups(report.findings);
    for (const finding of report.findings) {
      const repeat = repeats?.get(finding);
      const collapsed = repeat !== undefined && repeat.total >= REPEATS_COLLAPSED_FROM;
      if (collapsed && repeat.index >= REPEATS_SHOWN) {
        counts[finding.severity]++;
        if (finding.testCode) inTestCode++;
        continue;
      }
      if (finding.suppression) {
        suppressed++;
        if (!options.showSuppressed) continue;
      } else {
        counts[finding.severity]++;
        if (finding.testCode) inTestCode++;
        filesWithFindings.add(report.file);
      }
      const where =
        finding.byteOffset !== undefined || finding.code.startsWith('MLS6')
          ? `${display(report.file)}${finding.byteOffset !== undefined ? `@${finding.byteOffset}` : ''}`
          : `${display(report.file)}:${finding.cell !== undefined ? `cell ${finding.cell + 1}:` : ''}${finding.range.start.line + 1}:${finding.range.start.character + 1}`;
      const tag = paint(finding.severity.padEnd(7), severityColor[finding.severity]);
      const note = finding.suppression
        ? paint(` [suppressed: ${printable(finding.suppression.justification) || 'no reason'}]`, 'gray')
        : '';
      const fixable = finding.fixes.length > 0 ? paint(' [fix available]', 'gray') : '';
      lines.push(`${paint(where, 'bold')}: ${tag} ${paint(finding.code, 'bold')} ${printable(finding.message)}${fixable}${note}`);
      if (collapsed && repeat.index === REPEATS_SHOWN - 1)
        lines.push(
          paint(
            `${display(report.file)}: … and ${repeat.total - REPEATS_SHOWN} more like this (${finding.code}; --show-repeats lists them, docs/noise.md)`,
            'gray',
          ),
        );
    }
  }
  const problems: string[] = [];
  for (const report of sorted) {
    const analysed = wasAnalysed(report);
    for (const problem of report.problems) {
      const label = problem.internal ? paint('internal error', 'red') : analysed ? paint('note', 'gray') : paint('not analysed', 'yellow');
      const message = problem.message.replace(/^not analysed: /, '');
      problems.push(`${display(report.file)}${problem.line !== undefined ? `:${problem.line + 1}` : ''}: ${label}: ${printable(message)}`);
    }
  }
  for (const problem of outcome.configProblems) {
    const label = problem.fatal ? paint('config error', 'red') : paint('config', 'yellow');
    problems.push(
      `${display(problem.file)}${problem.line !== undefined ? `:${problem.line + 1}` : ''}: ${label}: ${printable(problem.message)}${problem.effect ? ` (${printable(problem.effect)})` : ''}`,
    );
  }
  for (const file of outcome.missing) problems.push(`${printable(file)}: ${paint('not analysed', 'yellow')}: no such file or folder`);
  const total = counts.error + counts.warning + counts.info;
  const complete = completenessOf(outcome);
  const analysed = complete.analysed;
  const unread = new Set(complete.notAnalysed.map((p) => p.file)).size + complete.missing.length;
  const failed = new Set(complete.internalErrors.map((p) => p.file)).size;
  const summary =
    total === 0
      ? `No open findings in ${analysed} file${analysed === 1 ? '' : 's'}`
      : `Found ${total} open finding${total === 1 ? '' : 's'} (${paint(`${counts.error} error`, 'red')}, ${paint(`${counts.warning} warning`, 'yellow')}, ${paint(`${counts.info} info`, 'cyan')}) in ${filesWithFindings.size} of ${analysed} file${analysed === 1 ? '' : 's'}`;
  const extras = [
    failed > 0 ? paint(`internal error on ${failed} file${failed === 1 ? '' : 's'}`, 'red') : '',
    unread > 0 ? paint(`${unread} file${unread === 1 ? '' : 's'} NOT analysed`, 'yellow') : '',
    inTestCode > 0 ? `${inTestCode} in test code` : '',
    suppressed > 0 ? `${suppressed} suppressed` : '',
    outcome.configProblems.length > 0
      ? `${outcome.configProblems.length} configuration problem${outcome.configProblems.length === 1 ? '' : 's'}`
      : '',
    `${(outcome.durationMs / 1000).toFixed(2)}s`,
  ].filter(Boolean);
  const skipped =
    outcome.skips &&
    outcome.skips.total.files + outcome.skips.total.folders + outcome.skips.git.unreadable.length + outcome.skips.git.trackedKept > 0;
  const skipLine = skipped ? [paint(`Files ${outcome.skips!.summary()}.`, 'gray')] : [];
  return (
    [...lines, ...(problems.length > 0 ? ['', ...problems] : []), '', `${summary}; ${extras.join(', ')}.`, ...skipLine].join('\n') + '\n'
  );
}
