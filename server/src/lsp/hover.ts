/** Hover on a flagged range: the rule, what to do, and links to its page and the quick fixes. */
import type { Hover, HoverParams } from 'vscode-languageserver/node';
import { MarkupKind } from 'vscode-languageserver/node';
import type { Finding } from '../engine/findings';
import type { Rule } from '../engine/rule';
import { REPEATS_COLLAPSED_FROM, repeatGroups } from '../engine/results/repetition';
import { findRule } from '../engine/config/selection';
import type { LiveAnalysis } from './analysis';
import { isOpen } from './diagnostics';
import type { RuleLinks } from './rulePages';

export async function provideHover(
  params: HoverParams,
  live: LiveAnalysis,
  rules: readonly Rule[],
  links_: RuleLinks,
): Promise<Hover | null> {
  const uri = params.textDocument.uri;
  const document = live.find(uri);
  if (!document) return null;
  const snapshot = await live.current(document);
  if (!snapshot || snapshot.skipped) return null;
  const cell = document.kind === 'notebook' ? document.cellIndexOf(uri) : undefined;
  const at = params.position;
  const hits = snapshot.findings.filter((f) => isOpen(f) && (cell === undefined || f.cell === cell) && contains(f, at));
  if (hits.length === 0) return null;
  // VS Code shows the diagnostic's message above this hover already: one short block per
  // finding (rule, what to do, links), the full page behind the link, nothing repeated.
  const sections: string[] = [];
  const seen = new Set<string>();
  // A run of alike findings in the file (engine/repetition.ts): say so, and how to take the file out at once.
  const repeats = repeatGroups(snapshot.findings.filter(isOpen));
  for (const finding of hits) {
    const key = `${finding.code}:${finding.span.start}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const rule = findRule(rules, finding.code);
    const cwe = finding.cwe.map((id) => `CWE-${id}`).join(', ');
    const head = `**mlsec ${finding.code}** ${rule ? `\`${rule.name}\`` : finding.name} · ${finding.severity}${cwe ? ` · ${cwe}` : ''}`;
    const lines = [head];
    if (rule) lines.push('', `${firstSentence(rule.remediation)}`);
    const safe = finding.fixes.filter((f) => f.safe).length;
    const links = [`[Rule documentation](${links_.href(finding.code)})`];
    if (finding.fixes.length > 0)
      links.push(
        `${finding.fixes.length} quick fix${finding.fixes.length > 1 ? 'es' : ''}${safe > 0 ? ` (${safe} safe)` : ' (review before applying)'}`,
      );
    links.push(`suppress: \`# mlsec: ignore[${finding.code}] <why>\``);
    lines.push('', links.join(' · '));
    const repeat = repeats.get(finding);
    if (repeat && repeat.total >= REPEATS_COLLAPSED_FROM)
      lines.push(
        '',
        `One of ${repeat.total} ${finding.code} findings like this in this file; if all are reviewed, one \`# mlsec: ignore-file[${finding.code}] <why>\` takes the file out.`,
      );
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

/** The first sentence of a text (up to the first `. ` outside backticks), for a one-line hint. */
export function firstSentence(text: string): string {
  let inCode = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '`') inCode = !inCode;
    else if (!inCode && text[i] === '.' && (i + 1 === text.length || text[i + 1] === ' ')) return text.slice(0, i + 1);
  }
  return text;
}
