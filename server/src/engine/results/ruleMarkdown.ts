/**
 * Rule documentation rendered from the rule metadata, so every front end (hover, SARIF `help`,
 * `mlsec explain` when the docs folder is not shipped) has the same text without reading files.
 */
import type { Rule } from '../rule';
import { threatTitle } from '../../../../common/src/checklist';

export function cweLabel(rule: Rule): string {
  return rule.cwe.map((id) => `CWE-${id}`).join(', ');
}

export function ruleSummaryMarkdown(rule: Rule): string {
  const lines = [`**${rule.code} ${rule.name}** — ${rule.title}`, '', rule.rationale, '', `**Fix:** ${rule.remediation}`, '', facts(rule)];
  const refs = (rule.references ?? []).map((r) => `[${r.title}](${r.url})`);
  if (refs.length > 0) lines.push('', `References: ${refs.join(' · ')}`);
  return lines.join('\n');
}

function facts(rule: Rule): string {
  const parts = [`Severity: ${rule.severity}`, cweLabel(rule)];
  if (rule.threats.length > 0) parts.push(`Threat: ${rule.threats.map(threatTitle).join(', ')}`);
  if (rule.owasp) parts.push(`OWASP ${rule.owasp}`);
  if (rule.atlas) parts.push(`MITRE ATLAS ${rule.atlas}`);
  return parts.join(' · ');
}

/** A full page, used when the hand-written docs/rules page is not available. */
export function rulePageMarkdown(rule: Rule): string {
  return [
    `# ${rule.code} ${rule.name}`,
    '',
    `**${rule.title}**`,
    '',
    facts(rule),
    '',
    '## Why',
    rule.rationale,
    '',
    '## Fix',
    rule.remediation,
    '',
    '## References',
    ...(rule.references ?? []).map((r) => `- ${r.title}: ${r.url}`),
  ].join('\n');
}
