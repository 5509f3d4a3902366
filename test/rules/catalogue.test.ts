/** Lints the rule catalogue itself: metadata, documentation and fixtures for every rule. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { wordsOf } from '../../server/src/engine/perf/ruleWords';
import { ALL_RULES } from '../../server/src/rules/index';
import { FIXTURES, REPO_ROOT } from '../support/paths';

describe('rule catalogue', () => {
  it('has unique codes and names', () => {
    const codes = ALL_RULES.map((r) => r.code);
    const names = ALL_RULES.map((r) => r.name);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(new Set(names).size, names.length);
  });

  for (const rule of ALL_RULES) {
    describe(`${rule.code} ${rule.name}`, () => {
      it('has complete metadata', () => {
        assert.match(rule.code, /^MLS\d{3}$/);
        assert.match(rule.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
        assert.ok(rule.title.length > 10, 'title');
        assert.ok(rule.cwe.length > 0, 'at least one CWE');
        assert.ok(rule.rationale.length > 80, 'rationale paragraph');
        assert.ok(rule.remediation.length > 20, 'remediation');
        if (rule.code !== 'MLS001') assert.ok(rule.threats.length > 0, 'threat');
      });

      it('has a documentation page', () => {
        const doc = path.join(REPO_ROOT, 'docs', 'rules', `${rule.code}.md`);
        assert.ok(fs.existsSync(doc), `${doc} missing`);
        const text = fs.readFileSync(doc, 'utf8');
        for (const heading of ['## Why', '## Example', '## Fix']) assert.ok(text.includes(heading), `${rule.code}.md lacks "${heading}"`);
      });

      it('has positive and negative fixtures', () => {
        const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.startsWith(rule.code));
        assert.ok(fixtures.length > 0, `no fixture named ${rule.code}*.py`);
        const text = fixtures.map((f) => fs.readFileSync(path.join(FIXTURES, f), 'utf8')).join('\n');
        assert.ok(new RegExp(`expect:[^\\n]*${rule.code}`).test(text), 'no positive case');
        assert.ok(/#\s*ok\b/.test(text), 'no negative case marked "# ok"');
      });

      it('declares what it matches, and its derived triggers occur in its positive fixtures', function () {
        const words = wordsOf(rule);
        // A rule without a Python matcher (MLS7xx, judged on manifests) has none.
        if (words.never) this.skip();
        assert.ok(!words.always, 'declares nothing to look for: every file would be parsed for it');
        assert.ok(words.triggers.length > 0, 'derived triggers');
        const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.startsWith(rule.code) && !f.endsWith('.snap'));
        const text = fixtures.map((f) => fs.readFileSync(path.join(FIXTURES, f), 'utf8')).join('\n');
        assert.ok(words.triggers.some((t) => text.includes(t)));
      });
    });
  }
});
