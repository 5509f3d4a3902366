/**
 * The finish stage (see ARCHITECTURE.md): what every analysis does with the rules' reports once
 * the rules have run, whether the whole file was analysed or an edit re-used the previous
 * analysis (perf/editReuse.ts). Called by pipeline/analyzer.ts.
 */
import type { Finding, RelatedInformation } from '../findings';
import { compareFindings } from '../findings';
import type { RuleReport } from '../pipeline/analyzer';
import type { Rule, Severity, TextEdit } from '../rule';
import type { RuleSelection } from '../config/selection';
import { findRule } from '../config/selection';
import type { SemanticModel } from '../semantic';
import { LineIndex, lineBreakAt, withLineBreaks } from '../text';
import { ScopePaths, assignFingerprints } from './fingerprints';
import { isPlaceholderReason, parseSuppressions } from './suppressions';
import { applyTestCodePolicy } from './testCode';
import { applyExternalSuppressions } from './externalSuppressions';
import { SUPPRESSION_TRIGGER } from '../pipeline/prefilter';

export const SUPPRESSION_RULE_CODE = 'MLS001';

/**
 * The finish of an analysis: the rules' reports made findings (severities from the
 * configuration, fixes that would delete a comment dropped, one finding per rule and span),
 * suppression comments applied (and MLS001 for bad or unused ones, Bandit and Ruff markers mapped),
 * the test-code policy, the order, and fingerprints.
 */
export function finishReports(
  raw: readonly RuleReport[],
  model: SemanticModel,
  lines: LineIndex,
  selection: RuleSelection,
  rules: readonly Rule[],
): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const { rule, report } of raw) {
    const span = report.span;
    if (!span) continue;
    const key = `${rule.code}:${span.start}:${span.end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const related: RelatedInformation[] = (report.related ?? []).map((r) => ({
      range: lines.rangeOf(r.span),
      span: r.span,
      message: r.message,
    }));
    findings.push({
      code: rule.code,
      name: rule.name,
      severity: pickSeverity(rule, report.severity, selection),
      message: report.message,
      range: lines.rangeOf(span),
      span,
      fixes: (report.fixes ?? []).filter((fix) => !fix.edits.some((edit) => deletesComment(edit, model))),
      related,
      cwe: rule.cwe,
      threats: rule.threats,
      fingerprint: '',
    });
  }
  findings.push(...applySuppressions(findings, model, lines, selection, rules));
  findings.push(...applyExternalSuppressions(findings, model, lines, selection, findRule(rules, SUPPRESSION_RULE_CODE)));
  // One reading of the definitions around the findings serves the test-code policy and the fingerprints.
  const paths = new ScopePaths(lines.text);
  const kept = applyTestCodePolicy(findings, paths, selection);
  kept.sort(compareFindings);
  assignFingerprints(kept, lines.text, paths);
  return kept;
}

/** Marks suppressed findings and returns MLS001 findings for bad or unused suppressions. */
function applySuppressions(
  findings: Finding[],
  model: SemanticModel,
  lines: LineIndex,
  selection: RuleSelection,
  rules: readonly Rule[],
): Finding[] {
  const comments = parseSuppressions(model.commentsContaining(SUPPRESSION_TRIGGER), lines);
  if (comments.length === 0) return [];
  const matches = (entry: string, code: string) => findRule(rules, entry)?.code === code;
  for (const finding of findings) {
    for (const comment of comments) {
      const applies =
        comment.kind === 'file' ||
        comment.coversLines.some((line) => line >= finding.range.start.line && line <= finding.range.end.line) ||
        (comment.coversLines.length === 2 && comment.coversLines[1] === finding.range.start.line);
      if (!applies) continue;
      const which = comment.rules.findIndex((entry) => matches(entry, finding.code));
      if (which < 0) continue;
      comment.used[which] = true;
      if (!finding.suppression || (finding.suppression.kind === 'file' && comment.kind === 'line')) {
        finding.suppression = { kind: comment.kind, justification: comment.justification, line: comment.line };
      }
    }
  }
  if (!selection.enabled.has(SUPPRESSION_RULE_CODE)) return [];
  const rule = findRule(rules, SUPPRESSION_RULE_CODE);
  if (!rule) return [];
  const problems: Finding[] = [];
  const make = (comment: (typeof comments)[number], message: string): Finding => {
    const span = { start: comment.startOffset, end: comment.endOffset };
    return {
      code: rule.code,
      name: rule.name,
      severity: pickSeverity(rule, undefined, selection),
      message,
      range: lines.rangeOf(span),
      span,
      fixes: [
        {
          title: 'Remove the suppression comment',
          safe: true,
          edits: [removeCommentEdit(lines, comment.startOffset, comment.endOffset)],
        },
      ],
      related: [],
      cwe: rule.cwe,
      threats: rule.threats,
      fingerprint: '',
    };
  };
  for (const comment of comments) {
    const label = comment.kind === 'file' ? 'ignore-file' : 'ignore';
    if (comment.rules.length === 0) {
      problems.push(make(comment, `Blanket suppression: name the rule, e.g. "# mlsec: ${label}[MLS102] reason".`));
      continue;
    }
    const unknown = comment.rules.filter((entry) => !findRule(rules, entry));
    if (unknown.length > 0) {
      problems.push(make(comment, `Suppression names unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}.`));
      continue;
    }
    // Only rules that ran can prove a suppression stale; a disabled rule suppresses nothing by design.
    const unused = comment.rules.filter((entry, i) => !comment.used[i] && selection.enabled.has(findRule(rules, entry)!.code));
    if (unused.length > 0) {
      problems.push(
        make(comment, `Unused suppression: ${unused.join(', ')} reports nothing ${comment.kind === 'file' ? 'in this file' : 'here'}.`),
      );
      continue;
    }
    if (!comment.justification) {
      problems.push(make(comment, 'Suppression without a reason: say why the finding is acceptable after the brackets.'));
    } else if (isPlaceholderReason(comment.justification)) {
      problems.push(make(comment, 'Suppression reason is still the placeholder "reason": replace it with why the finding is acceptable.'));
    }
  }
  return problems;
}

function pickSeverity(rule: Rule, reported: Severity | undefined, selection: RuleSelection): Severity {
  const configured = selection.severity.get(rule.code);
  // A configured severity replaces the default; an occurrence that the rule escalates (an explicit
  // `weights_only=False`) keeps its escalation unless the user configured the rule explicitly.
  if (configured && configured !== rule.severity) return configured;
  return reported ?? configured ?? rule.severity;
}

function removeCommentEdit(lines: LineIndex, start: number, end: number): TextEdit {
  const line = lines.positionAt(start).line;
  const lineStart = lines.lineStart(line);
  const before = lines.text.slice(lineStart, start);
  if (before.trim() === '') {
    // The comment is alone on its line: remove the whole line.
    const nextLine = line + 1 < lines.lineCount ? lines.lineStart(line + 1) : lines.lineEnd(line);
    return { start: lineStart, end: nextLine, newText: '' };
  }
  const trimmedStart = lineStart + before.replace(/\s+$/, '').length;
  return { start: trimmedStart, end, newText: '' };
}

/**
 * True when an edit replaces text holding a comment that its new text does not keep. Fixes must
 * keep comments (a reason, a licence note, a suppression); a rule's fix that would not is a bug,
 * and this net drops that fix rather than offer it.
 */
function deletesComment(edit: TextEdit, model: SemanticModel): boolean {
  if (edit.end <= edit.start) return false;
  const replaced = model.text.slice(edit.start, edit.end);
  for (let at = replaced.indexOf('#'); at >= 0; at = replaced.indexOf('#', at + 1)) {
    const node = model.tree.rootNode.descendantForIndex(edit.start + at, edit.start + at + 1);
    if (node?.type === 'comment' && node.startIndex === edit.start + at && !edit.newText.includes(node.text.trimEnd())) return true;
  }
  return false;
}

/** Writes the line breaks of a finding's fix edits as `text` (the text they apply to) has them. */
export function keepLineBreaks(finding: Finding, text: string): void {
  for (const fix of finding.fixes) {
    fix.edits = fix.edits.map((edit) =>
      /[\r\n]/.test(edit.newText) ? { ...edit, newText: withLineBreaks(edit.newText, lineBreakAt(text, edit.start)) } : edit,
    );
  }
}
