/**
 * Dependency findings: each requirement of a manifest, lock or notebook is matched against the
 * advisories. A pinned or locked version inside an affected range is MLS701 at the advisory's
 * severity; a range admitting affected versions is MLS702, one level lower, and only where no
 * lock or constraint pins the package. Fixes raise the constraint to the first fixed release
 * and touch nothing else on the line (extras, markers, comments stay).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding, InputProblem } from '../engine/findings';
import type { Fix, Severity } from '../engine/rule';
import type { RuleSelection } from '../engine/config/selection';
import { SUPPRESSION_PATTERN } from '../engine/results/suppressions';
import { LineIndex } from '../engine/text';
import type { Span } from '../engine/text';
import { vulnerablePinnedRule } from '../rules/dependencies/MLS701';
import { vulnerableRangeRule } from '../rules/dependencies/MLS702';
import { isLockKind, manifestKindOf, readManifest } from './manifests';
import type { DeclaredRequirement, ManifestKind, ManifestReport, SkippedLine } from './model';
import { matchSpecifiers, matchVersion, targetVersion } from './match';
import type { AdvisoryMatch } from './match';
import type { AdvisoryDatabase, Advisory } from './osv';
import { describeInterval, majorOf, satisfies, splitClauses } from './pep440';
import type { ReadText } from './requirementsTxt';

/** Reads files from disk for includes and neighbouring locks; bounded like source files. */
export const readFromDisk: ReadText = (file) => {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return { error: 'not a file' };
    if (stat.size > 4 * 1024 * 1024) return { error: 'larger than 4 MiB' };
    return { text: fs.readFileSync(file, 'utf8') };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
};

export interface DependencyContext {
  db: AdvisoryDatabase;
  selection: RuleSelection;
  readText?: ReadText;
}

/** Lock files next to a manifest that decide its versions. */
function neighbouringLocks(file: string, kind: ManifestKind): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  if (kind === 'pyproject') return ['poetry.lock', 'uv.lock', 'pylock.toml'].map((f) => path.join(dir, f));
  if (kind === 'pipfile') return [path.join(dir, 'Pipfile.lock')];
  // pip-compile: requirements.in → requirements.txt
  if (kind === 'requirements' && base.toLowerCase().endsWith('.in')) return [path.join(dir, `${base.slice(0, -3)}.txt`)];
  return [];
}

/** What the locks next to the manifest pin, by normalised name. */
function lockedPins(file: string, kind: ManifestKind, readText: ReadText): Map<string, string> {
  const pins = new Map<string, string>();
  for (const lock of neighbouringLocks(file, kind)) {
    const read = readText(lock);
    if ('error' in read) continue;
    const lockKind = manifestKindOf(lock);
    if (!lockKind) continue;
    const report = readManifest(lockKind, read.text, lock, readText);
    for (const r of report.requirements) if (r.pinned) pins.set(r.normalized, r.pinned);
  }
  return pins;
}

export function analyzeManifestText(
  file: string,
  text: string,
  context: DependencyContext,
): { findings: Finding[]; problems: InputProblem[]; skipped: SkippedLine[] } {
  const kind = manifestKindOf(file);
  if (!kind) return { findings: [], problems: [], skipped: [] };
  const readText = context.readText ?? readFromDisk;
  const report = readManifest(kind, text, file, readText);
  const pins = isLockKind(kind) ? new Map<string, string>() : lockedPins(file, kind, readText);
  for (const [name, version] of report.constraints ?? []) if (!pins.has(name)) pins.set(name, version);
  const lines = new LineIndex(text);
  const findings = findingsFor(report, pins, context, (span) => lines.rangeOf(span), isLockKind(kind));
  applySuppressions(findings, lines);
  return { findings, problems: problemsOf(report), skipped: report.skipped };
}

/**
 * `# mlsec: ignore[MLS701] reason` on the requirement's line (or alone on the line above), and
 * `# mlsec: ignore-file[...]`, as in Python files: manifests that allow `#` comments (requirements,
 * TOML, setup.cfg, YAML) can record an accepted risk next to the pin.
 */
function applySuppressions(findings: Finding[], lines: LineIndex): void {
  if (findings.length === 0 || !lines.text.includes('mlsec')) return;
  const comments: { line: number; kind: 'line' | 'file'; rules: string[]; justification: string; standalone: boolean }[] = [];
  for (let line = 0; line < lines.lineCount; line++) {
    const text = lines.lineText(line);
    const match = SUPPRESSION_PATTERN.exec(text);
    if (!match) continue;
    const rules = (match[2] ?? '')
      .split(',')
      .map((r) => r.trim().toUpperCase())
      .filter(Boolean);
    comments.push({
      line,
      kind: match[1] === 'ignore-file' ? 'file' : 'line',
      rules,
      justification: match[3].trim(),
      standalone: text.slice(0, match.index).trim() === '',
    });
  }
  for (const finding of findings) {
    const line = finding.range.start.line;
    const names = [finding.code, finding.name.toUpperCase()];
    const comment = comments.find(
      (c) =>
        (c.kind === 'file' || c.line === line || (c.standalone && c.line === line - 1)) &&
        (c.rules.length === 0 || c.rules.some((r) => names.includes(r))),
    );
    if (comment) finding.suppression = { kind: comment.kind, justification: comment.justification, line: comment.line };
  }
}

export function problemsOf(report: ManifestReport): InputProblem[] {
  return report.problems.map((p) => ({ message: p.file ? `${p.file}: ${p.message}` : p.message, line: p.line }));
}

/** Findings for the requirements of a report; `rangeOf` maps a span (of the file or cell) to a range. */
export function findingsFor(
  report: ManifestReport,
  pins: ReadonlyMap<string, string>,
  context: DependencyContext,
  rangeOf: (span: Span, requirement: DeclaredRequirement) => Finding['range'],
  lock: boolean,
): Finding[] {
  const findings: Finding[] = [];
  const { selection } = context;
  const pinnedOn = selection.enabled.has(vulnerablePinnedRule.code);
  const rangeOn = selection.enabled.has(vulnerableRangeRule.code);
  for (const requirement of report.requirements) {
    const version = requirement.pinned;
    if (version !== undefined) {
      if (!pinnedOn) continue;
      const matches = matchVersion(context.db, requirement.normalized, version);
      if (matches.length > 0)
        findings.push(
          makeFinding(requirement, matches, 'pinned', pinnedMessage(requirement, version, matches, lock), lock, context, rangeOf),
        );
      continue;
    }
    if (!rangeOn || pins.has(requirement.normalized)) continue;
    const specifiers = requirement.alternatives ?? [requirement.specifier];
    const matches = matchSpecifiers(context.db, requirement.normalized, specifiers);
    if (matches.length > 0)
      findings.push(makeFinding(requirement, matches, 'range', rangeMessage(requirement, matches), lock, context, rangeOf));
  }
  assignFingerprints(findings);
  return findings;
}

function label(advisory: Advisory): string {
  const others = advisory.aliases.filter((a) => a.startsWith('CVE-')).slice(0, 2);
  const parts = [...others, advisory.severityLabel].filter(Boolean);
  return parts.length > 0 ? `${advisory.id} (${parts.join(', ')})` : advisory.id;
}

/**
 * One finding per requirement line, however many advisories it matches (a line with four torch
 * advisories is one thing to fix): the message leads with the most severe advisory and names the
 * others, and the fix raises to the release that leaves all of them.
 */
function bySeverity(matches: readonly AdvisoryMatch[]): AdvisoryMatch[] {
  const rank = (m: AdvisoryMatch) =>
    SEVERITY_RANK[m.advisory.severity] * 10 + (LABEL_RANK[m.advisory.severityLabel?.toLowerCase() ?? ''] ?? 0);
  return [...matches].sort((a, b) => rank(b) - rank(a) || a.advisory.id.localeCompare(b.advisory.id));
}

function alsoText(others: readonly AdvisoryMatch[]): string {
  return others.length === 0 ? '' : ` Also affected by ${others.map((m) => label(m.advisory)).join(', ')}.`;
}

function pinnedMessage(requirement: DeclaredRequirement, version: string, matches: readonly AdvisoryMatch[], lock: boolean): string {
  const [top, ...others] = bySeverity(matches);
  const where = lock ? 'locked at' : 'pinned to';
  const target = targetVersion(matches);
  const unfixed = matches.some((m) => m.fixed === undefined);
  const fix = target
    ? `${others.length > 0 ? 'All fixed' : 'Fixed'} in ${target}${unfixed ? ' (one has no fixed release)' : ''}.`
    : 'No fixed release is known: consider another package or a mitigation.';
  return `${requirement.name} ${where} ${version} is affected by ${label(top.advisory)}: ${ensureStop(top.advisory.summary)}${alsoText(others)} ${fix}`;
}

function rangeMessage(requirement: DeclaredRequirement, matches: readonly AdvisoryMatch[]): string {
  const [top, ...others] = bySeverity(matches);
  const written = requirement.constraintText
    ? `${requirement.name} ${requirement.constraintText.trim()}`
    : `${requirement.name} (no version constraint)`;
  const affected = top.ranges.map(describeInterval).join(' or ') || 'listed releases';
  const target = targetVersion(matches);
  const fix = target ? `Require >=${target}.` : 'No fixed release is known.';
  return `${written} admits releases affected by ${label(top.advisory)} (affected: ${affected}): ${ensureStop(top.advisory.summary)}${alsoText(others)} ${fix}`;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };
const LABEL_RANK: Record<string, number> = { critical: 4, high: 3, moderate: 2, medium: 2, low: 1 };

function ensureStop(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function lower(severity: Severity): Severity {
  return severity === 'error' ? 'warning' : 'info';
}

function makeFinding(
  requirement: DeclaredRequirement,
  matches: readonly AdvisoryMatch[],
  kind: 'pinned' | 'range',
  message: string,
  lock: boolean,
  context: DependencyContext,
  rangeOf: (span: Span, requirement: DeclaredRequirement) => Finding['range'],
): Finding {
  const rule = kind === 'pinned' ? vulnerablePinnedRule : vulnerableRangeRule;
  const top = bySeverity(matches)[0];
  // As for code rules: a severity configured for the rule (other than its default) wins over
  // the advisories'.
  const configured = context.selection.severity.get(rule.code);
  const severity =
    configured && configured !== rule.severity ? configured : kind === 'pinned' ? top.advisory.severity : lower(top.advisory.severity);
  const target = targetVersion(matches);
  const fix = lock || requirement.hashed || !target ? undefined : raiseFix(requirement, target);
  const cwe = [...new Set(matches.flatMap((m) => m.advisory.cwe))];
  const finding: Finding = {
    code: rule.code,
    name: rule.name,
    severity,
    message,
    range: rangeOf(requirement.span, requirement),
    span: requirement.span,
    fixes: fix ? [fix] : [],
    related: [],
    cwe: cwe.length > 0 ? cwe : rule.cwe,
    threats: rule.threats,
    // The package, not the advisories: a new advisory for the same line keeps the finding's identity.
    fingerprint: `${rule.code}\u0000${requirement.normalized}`,
  };
  if (requirement.cell !== undefined) finding.cell = requirement.cell;
  return finding;
}

function assignFingerprints(findings: Finding[]): void {
  const counts = new Map<string, number>();
  for (const finding of findings) {
    const base = finding.fingerprint;
    const occurrence = counts.get(base) ?? 0;
    counts.set(base, occurrence + 1);
    finding.fingerprint = createHash('sha256').update(`${base}\u0000${occurrence}`).digest('hex').slice(0, 32);
  }
}

/**
 * The edit raising a requirement to `target`. A pin is moved to the target; a range gets its
 * lower bound replaced (or one added) and keeps its other clauses when they still admit the
 * target, else it becomes `>=target`. Poetry's `^`/`~` forms keep their operator. Safe when the
 * result stays within the major version the line already allowed (or only adds a lower bound).
 */
export function raiseFix(requirement: DeclaredRequirement, target: string): Fix | undefined {
  const span = requirement.constraintSpan;
  const written = requirement.constraintText?.trim() ?? '';
  const cell = requirement.cell;
  const edit = (start: number, end: number, newText: string) =>
    cell !== undefined ? { start, end, newText, cell } : { start, end, newText };
  if (!span || written === '' || written === '*') {
    if (span && written === '*')
      return { title: `Require ${requirement.name}>=${target}`, safe: true, edits: [edit(span.start, span.end, `>=${target}`)] };
    if (requirement.insertAt === undefined) return undefined;
    return {
      title: `Require ${requirement.name}>=${target}`,
      safe: true,
      edits: [edit(requirement.insertAt, requirement.insertAt, `>=${target}`)],
    };
  }
  const fromMajor = majorOf(requirement.pinned ?? lowerBoundOf(requirement.specifier) ?? target);
  const sameMajor = fromMajor !== undefined && fromMajor === majorOf(target);
  if (requirement.style === 'poetry') {
    const op = /^(\^|~(?!=))/.exec(written)?.[1];
    if (op)
      return {
        title: `Raise ${requirement.name} to ${op}${target}`,
        safe: sameMajor,
        edits: [edit(span.start, span.end, `${op}${target}`)],
      };
    if (/^\d/.test(written))
      return { title: `Raise ${requirement.name} to ${target}`, safe: sameMajor, edits: [edit(span.start, span.end, target)] };
  }
  if (requirement.pinned !== undefined) {
    return { title: `Raise ${requirement.name} to ${target}`, safe: sameMajor, edits: [edit(span.start, span.end, `==${target}`)] };
  }
  const kept = splitClauses(requirement.specifier).filter((c) => !/^(>=|>|==|===)/.test(c) || /^==.*\*$/.test(c));
  const candidate = [`>=${target}`, ...kept].join(',');
  if (satisfies(target, candidate)) {
    return {
      title: `Require ${requirement.name}${candidate}`,
      safe: sameMajor || fromMajor === undefined,
      edits: [edit(span.start, span.end, candidate)],
    };
  }
  return { title: `Require ${requirement.name}>=${target}`, safe: false, edits: [edit(span.start, span.end, `>=${target}`)] };
}

function lowerBoundOf(specifier: string): string | undefined {
  for (const clause of splitClauses(specifier)) {
    const match = /^(?:>=|>|~=|==)\s*([^*\s]+?)(?:\.\*)?$/.exec(clause);
    if (match) return match[1];
  }
  return undefined;
}
