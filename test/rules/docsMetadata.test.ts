/**
 * Each rule's documentation page must agree with the rule's metadata, the way ESLint's
 * `checkRuleFiles` checks its rule pages: the heading names the code and the name, and the summary
 * line under it states the title, the severity, the CWEs, the threats and the OWASP and ATLAS
 * entries the rule declares. A page that says its quick fix is **safe** or **unsafe** must match
 * the fixes the rule offers on its fixtures, and a rule offering a fix must say which it is.
 *
 * The summary line reads `**Title** · severity: warning (…) · CWE-502, CWE-94 · threats: model
 * tampering, data poisoning · OWASP ML06:2023 · MITRE ATLAS AML.T0011.000`.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Rule } from '../../server/src/engine/rule';
import { analyzeText } from '../../server/src/engine/pipeline/fileAnalysis';
import { RULE_CATALOGUE } from '../../server/src/rules/catalogue';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';
import { FIXTURES, REPO_ROOT } from '../support/paths';

interface Summary {
  title?: string;
  severity?: string;
  cwe: number[];
  threats: string[];
  owasp?: string;
  atlas?: string;
}

/** The parts of a page's summary line (the first line after the heading that is not blank). */
function summaryOf(text: string): Summary {
  const line =
    text
      .split('\n')
      .slice(1)
      .find((l) => l.trim().length > 0) ?? '';
  const summary: Summary = { cwe: [], threats: [] };
  for (const part of line.split(' · ').map((p) => p.trim())) {
    const title = /^\*\*(.+)\*\*$/.exec(part);
    if (title) summary.title = title[1];
    else if (part.startsWith('severity: ')) summary.severity = part.slice('severity: '.length);
    else if (part.startsWith('CWE-')) summary.cwe = [...part.matchAll(/CWE-(\d+)/g)].map((m) => Number(m[1]));
    else if (/^threats?: /.test(part)) summary.threats = part.replace(/^threats?: /, '').split(/,\s*/);
    else if (part.startsWith('OWASP ')) summary.owasp = part.slice('OWASP '.length);
    else if (part.startsWith('MITRE ATLAS ')) summary.atlas = part.slice('MITRE ATLAS '.length);
  }
  return summary;
}

/** `model-tampering` as the pages write it: `model tampering`. */
const threatWords = (threat: string) => threat.replace(/-/g, ' ');

/** The first word of an OWASP or ATLAS entry: its id (`ML06:2023`, `AML.T0010.003`). */
const entryId = (entry: string | undefined) => entry?.split(' ')[0];

function pageOf(rule: Rule): string {
  return fs.readFileSync(path.join(REPO_ROOT, 'docs', 'rules', `${rule.code}.md`), 'utf8');
}

describe('rule documentation agrees with the metadata', () => {
  for (const rule of RULE_CATALOGUE) {
    it(`${rule.code} ${rule.name}`, () => {
      const page = pageOf(rule);
      assert.equal(page.split('\n')[0], `# ${rule.code} ${rule.name}`, 'heading');
      const summary = summaryOf(page);
      assert.equal(summary.title, rule.title, 'title');
      // A severity that depends on the finding is explained after the default, or (dependency
      // advisories) derived from the advisory, whose scale the page gives.
      const severity = summary.severity ?? '';
      assert.ok(
        severity.startsWith(rule.severity) || (severity.includes('advisory') && severity.includes(rule.severity)),
        `severity "${severity}" does not state the rule's ${rule.severity}`,
      );
      assert.deepEqual(summary.cwe, rule.cwe, 'CWEs');
      assert.deepEqual(summary.threats, rule.threats.map(threatWords), 'threats');
      assert.equal(summary.owasp, entryId(rule.owasp), 'OWASP entry');
      assert.equal(summary.atlas, entryId(rule.atlas), 'MITRE ATLAS entry');
    });
  }
});

describe('rule documentation states the kind of each quick fix', () => {
  for (const rule of ALL_RULES) {
    it(`${rule.code} ${rule.name}`, async () => {
      const engine = await analyzer();
      const kinds = new Set<'safe' | 'unsafe'>();
      const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.startsWith(rule.code) && !f.endsWith('.snap'));
      assert.ok(fixtures.length > 0, `no fixture for ${rule.code}`);
      for (const name of fixtures) {
        const file = path.join(FIXTURES, name);
        const { findings } = analyzeText(engine, file, fs.readFileSync(file, 'utf8'), engine.defaultSelection);
        for (const finding of findings.filter((f) => f.code === rule.code))
          for (const fix of finding.fixes) kinds.add(fix.safe ? 'safe' : 'unsafe');
      }
      const page = pageOf(rule);
      const stated = new Set((['safe', 'unsafe'] as const).filter((kind) => page.includes(`**${kind}**`)));
      assert.deepEqual(
        [...stated].sort(),
        [...kinds].sort(),
        `${rule.code}.md marks its fixes ${[...stated].join(' and ') || 'neither safe nor unsafe'}, the fixtures show ${[...kinds].join(' and ') || 'no fix'}`,
      );
    });
  }
});
