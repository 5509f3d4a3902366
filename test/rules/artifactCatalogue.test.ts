/** The model-file rules (MLS6xx): metadata, documentation, fixtures, and their place in the catalogue. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACT_RULES } from '../../server/src/artifacts/rules';
import { RULE_CATALOGUE } from '../../server/src/rules/catalogue';
import { ALL_RULES } from '../../server/src/rules/index';
import { REPO_ROOT } from '../support/paths';

const EXPECTED = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'artifacts', 'fixtures', 'expected.json'), 'utf8')) as Record<
  string,
  Array<[string, string]>
>;
/** Rules about the lock are exercised by test/cli/models.test.ts, not by file fixtures. */
const LOCK_RULES = new Set(['MLS608', 'MLS609', 'MLS610']);

describe('model-file rule catalogue', () => {
  it('keeps model-file rules out of the Python analyzer and in the full catalogue, codes unique', () => {
    assert.ok(ALL_RULES.every((r) => !r.code.startsWith('MLS6')));
    const codes = RULE_CATALOGUE.map((r) => r.code);
    const names = RULE_CATALOGUE.map((r) => r.name);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(new Set(names).size, names.length);
    assert.equal(RULE_CATALOGUE.length, ALL_RULES.length + ARTIFACT_RULES.length);
  });

  for (const rule of ARTIFACT_RULES) {
    describe(`${rule.code} ${rule.name}`, () => {
      it('has complete metadata', () => {
        assert.match(rule.code, /^MLS6\d\d$/);
        assert.match(rule.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
        assert.ok(rule.title.length > 10);
        assert.ok(rule.cwe.length > 0);
        assert.ok(rule.rationale.length > 80);
        assert.ok(rule.remediation.length > 20);
        assert.deepEqual(rule.threats, ['model-tampering']);
        assert.ok(rule.owasp?.startsWith('ML06'));
        assert.ok(rule.atlas?.startsWith('AML.'));
      });

      it('has a documentation page', () => {
        const text = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'rules', `${rule.code}.md`), 'utf8');
        for (const heading of ['## What it flags', '## Why', '## Example', '## Fix', '## References'])
          assert.ok(text.includes(heading), `${rule.code}.md lacks "${heading}"`);
      });

      if (!LOCK_RULES.has(rule.code)) {
        it('has fixtures that raise it', () => {
          assert.ok(Object.values(EXPECTED).some((e) => e.some(([code]) => code === rule.code)));
        });
      }
    });
  }

  it('has clean fixtures of every format (no finding)', () => {
    const clean = Object.entries(EXPECTED)
      .filter(([, e]) => e.length === 0)
      .map(([name]) => path.extname(name));
    for (const ext of ['.pt', '.pth', '.joblib', '.pkl', '.npy', '.keras', '.h5', '.safetensors', '.gguf', '.onnx'])
      assert.ok(clean.includes(ext), ext);
  });
});
