/**
 * Suppression comments of other tools: Bandit's `# nosec B301` and Ruff's (flake8-bandit's)
 * `# noqa: S301`. A project moving to mlsec has already reviewed those lines; where the tool's
 * check is the same judgement as an mlsec rule, the comment suppresses that rule's findings on
 * its line too. The table below is the whole mapping (docs/noise.md lists it); a check that
 * mlsec has no rule for maps to nothing.
 *
 * A `# nosec` or `# noqa` that names no check would silence everything that tool reports on the
 * line; it suppresses nothing here, and where it sits on a line with an mlsec finding it is
 * reported as MLS001, as a blanket `# mlsec: ignore` is, so the reader learns why the finding
 * still shows. `external-suppressions = false` in `[tool.mlsec]` turns all of this off.
 */
import type { Finding } from '../findings';
import type { Rule, Severity } from '../rule';
import type { RuleSelection } from '../config/selection';
import type { SemanticModel } from '../semantic';
import type { LineIndex } from '../text';

/** Bandit test ids and Ruff rule codes → the mlsec rules that make the same judgement. */
export const EXTERNAL_SUPPRESSIONS: Readonly<Record<string, readonly string[]>> = {
  // Unpickling (pickle, shelve, dill, jsonpickle, pandas.read_pickle).
  B301: ['MLS101', 'MLS105'],
  S301: ['MLS101', 'MLS105'],
  // torch.load without weights_only (Bandit 1.8).
  B614: ['MLS102'],
  // Hugging Face downloads without a pinned revision (Bandit 1.8).
  B615: ['MLS202'],
  // yaml.load with an unsafe loader.
  B506: ['MLS106'],
  S506: ['MLS106'],
  // eval and exec.
  B102: ['MLS301'],
  B307: ['MLS301'],
  S102: ['MLS301'],
  S307: ['MLS301'],
  // Shell commands.
  B602: ['MLS302'],
  B604: ['MLS302'],
  B605: ['MLS302'],
  S602: ['MLS302'],
  S604: ['MLS302'],
  S605: ['MLS302'],
  // Flask debug mode; binding every interface.
  B201: ['MLS403'],
  S201: ['MLS403'],
  B104: ['MLS404'],
  S104: ['MLS404'],
  // Hard-coded passwords.
  B105: ['MLS501'],
  B106: ['MLS501'],
  B107: ['MLS501'],
  S105: ['MLS501'],
  S106: ['MLS501'],
  S107: ['MLS501'],
  // TLS verification off.
  B501: ['MLS205'],
  B323: ['MLS205'],
  S501: ['MLS205'],
  S323: ['MLS205'],
};

interface ExternalComment {
  tool: 'nosec' | 'noqa';
  line: number;
  /** Check ids named (upper case); empty for a blanket comment. */
  ids: string[];
  /** What follows the ids (a reason, if one was written). */
  rest: string;
  start: number;
  end: number;
}

// `# nosec`, `# nosec B301`, `# nosec: B301, B403`, `#nosec B301 - reviewed`.
const NOSEC = /#\s*nosec\b:?\s*((?:[A-Za-z]\d{3}\b[\s,]*)*)/i;
// `# noqa`, `# noqa: S301`, `# noqa:S301,E501` (codes need the colon, as in Ruff).
const NOQA = /#\s*noqa\b(?::\s*((?:[A-Za-z]+\d+\b[\s,]*)+))?/i;

function parse(model: SemanticModel, lines: LineIndex): ExternalComment[] {
  const nodes = new Map<number, { startIndex: number; text: string }>();
  for (const word of ['nosec', 'noqa', 'NOQA', 'NOSEC'])
    for (const node of model.commentsContaining(word)) nodes.set(node.startIndex, node);
  const found: ExternalComment[] = [];
  for (const comment of nodes.values()) {
    for (const [tool, pattern] of [
      ['nosec', NOSEC],
      ['noqa', NOQA],
    ] as const) {
      const match = pattern.exec(comment.text);
      if (!match) continue;
      const ids = (match[1] ?? '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((id) => id.toUpperCase());
      found.push({
        tool,
        line: lines.positionAt(comment.startIndex).line,
        ids,
        rest: comment.text
          .slice(match.index + match[0].length)
          .replace(/(^|\s)#.*$/, '')
          .replace(/^[\s:,-]+/, '')
          .trim(),
        start: comment.startIndex + match.index,
        end: comment.startIndex + match.index + match[0].trimEnd().replace(/[\s,]+$/, '').length,
      });
    }
  }
  return found;
}

/**
 * Marks the findings a mapped `# nosec` / `# noqa` covers as suppressed, and returns MLS001
 * findings for blanket ones on lines with an mlsec finding. Off when the selection says so.
 */
export function applyExternalSuppressions(
  findings: readonly Finding[],
  model: SemanticModel,
  lines: LineIndex,
  selection: RuleSelection,
  problemRule: Rule | undefined,
): Finding[] {
  if (selection.externalSuppressions === false || findings.length === 0) return [];
  if (!/nosec|noqa/i.test(model.text)) return [];
  const comments = parse(model, lines);
  if (comments.length === 0) return [];
  // By line: each finding looks at the lines it spans, so hostile files with many findings and
  // many comments cost the sum of both, not their product.
  const byLine = new Map<number, ExternalComment[]>();
  for (const comment of comments) {
    const list = byLine.get(comment.line);
    if (list) list.push(comment);
    else byLine.set(comment.line, [comment]);
  }
  const commentLines = [...byLine.keys()].sort((a, b) => a - b);
  const onLines = (from: number, to: number): ExternalComment[] => {
    if (to - from < 64) {
      const found: ExternalComment[] = [];
      for (let line = from; line <= to; line++) found.push(...(byLine.get(line) ?? []));
      return found;
    }
    return commentLines.filter((line) => line >= from && line <= to).flatMap((line) => byLine.get(line)!);
  };
  const problems: Finding[] = [];
  const blanketReported = new Set<ExternalComment>();
  for (const finding of findings) {
    if (finding.suppression) continue;
    for (const comment of onLines(finding.range.start.line, finding.range.end.line)) {
      if (comment.ids.length === 0) {
        if (blanketReported.has(comment) || !problemRule || !selection.enabled.has(problemRule.code)) continue;
        blanketReported.add(comment);
        problems.push(blanketProblem(comment, finding, lines, selection, problemRule));
        continue;
      }
      const by = comment.ids.find((id) => EXTERNAL_SUPPRESSIONS[id]?.includes(finding.code));
      if (!by) continue;
      finding.suppression = {
        kind: 'line',
        justification: `reviewed for ${comment.tool === 'nosec' ? 'Bandit' : 'Ruff'} (# ${comment.tool}${comment.tool === 'noqa' ? ':' : ''} ${by})${comment.rest ? `: ${comment.rest}` : ''}`,
        line: comment.line,
      };
      break;
    }
  }
  return problems;
}

function blanketProblem(comment: ExternalComment, finding: Finding, lines: LineIndex, selection: RuleSelection, rule: Rule): Finding {
  const span = { start: comment.start, end: comment.end };
  const example = comment.tool === 'nosec' ? '# nosec B301' : '# noqa: S301';
  const severity: Severity = selection.severity.get(rule.code) ?? rule.severity;
  return {
    code: rule.code,
    name: rule.name,
    severity,
    message: `Blanket "# ${comment.tool}" does not suppress ${finding.code}: name the check it reviewed (e.g. "${example}", see docs/noise.md) or write "# mlsec: ignore[${finding.code}] reason".`,
    range: lines.rangeOf(span),
    span,
    fixes: [],
    related: [],
    cwe: rule.cwe,
    threats: rule.threats,
    fingerprint: '',
  };
}
