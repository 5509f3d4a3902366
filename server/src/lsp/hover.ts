/** Hover on a flagged range: what was found, why it matters, how to fix it, CWE and references. */
import type { Hover, HoverParams } from 'vscode-languageserver/node';
import { MarkupKind } from 'vscode-languageserver/node';
import type { Finding } from '../engine/findings';
import type { Rule } from '../engine/rule';
import { ruleSummaryMarkdown } from '../engine/ruleDocs';
import { findRule } from '../engine/selection';
import type { LiveAnalysis } from './analysis';
import { isOpen } from './diagnostics';
import type { RuleLinks } from './ruleDocs';

export async function provideHover(params: HoverParams, live: LiveAnalysis, rules: readonly Rule[], links: RuleLinks): Promise<Hover | null> {
  const uri = params.textDocument.uri;
  const document = live.find(uri);
  if (!document) return null;
  const snapshot = await live.current(document);
  if (!snapshot || snapshot.skipped) return null;
  const cell = document.kind === 'notebook' ? document.cellIndexOf(uri) : undefined;
  const at = params.position;
  const hits = snapshot.findings.filter((f) => isOpen(f) && (cell === undefined || f.cell === cell) && contains(f, at));
  if (hits.length === 0) return null;
  const sections: string[] = [];
  const seen = new Set<string>();
  for (const finding of hits) {
    const rule = findRule(rules, finding.code);
    const lines = [`**${finding.code}** (${finding.severity}): ${finding.message}`];
    if (rule && !seen.has(rule.code)) {
      seen.add(rule.code);
      lines.push('', ruleSummaryMarkdown(rule));
    }
    const safe = finding.fixes.filter((f) => f.safe).length;
    if (finding.fixes.length > 0) {
      lines.push('', `${finding.fixes.length} quick fix${finding.fixes.length > 1 ? 'es' : ''} available${safe > 0 ? ` (${safe} safe)` : ' (review before applying)'}.`);
    }
    lines.push('', `[Rule documentation](${links.href(finding.code)}) · suppress with \`# mlsec: ignore[${finding.code}] reason\``);
    sections.push(lines.join('\n'));
  }
  const first = hits[0].range;
  return { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') }, range: first };
}

function contains(finding: Finding, at: { line: number; character: number }): boolean {
  const { start, end } = finding.range;
  if (at.line < start.line || at.line > end.line) return false;
  if (at.line === start.line && at.character < start.character) return false;
  if (at.line === end.line && at.character > end.character) return false;
  return true;
}
