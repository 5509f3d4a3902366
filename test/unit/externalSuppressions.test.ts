/** Bandit `# nosec` and Ruff `# noqa` comments that map to mlsec rules (engine/externalSuppressions.ts). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConfigProblem } from '../../server/src/engine/config/projectConfig';
import { parseConfig } from '../../server/src/engine/config/projectConfig';
import { EXTERNAL_SUPPRESSIONS } from '../../server/src/engine/results/externalSuppressions';
import { resolveSelection } from '../../server/src/engine/config/selection';
import { withTestCode } from '../../server/src/engine/results/testCode';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';
import { REPO_ROOT } from '../support/paths';

const SOURCE = [
  'import pickle, yaml',
  'a = pickle.load(open("a", "rb"))  # nosec B301',
  'b = pickle.load(open("b", "rb"))  # noqa: S301',
  'c = pickle.load(open("c", "rb"))  # nosec',
  'd = pickle.load(open("d", "rb"))  # noqa',
  'e = pickle.load(open("e", "rb"))  # nosec B506',
  'f = yaml.load(open("f"), Loader=yaml.Loader)  # noqa: E501, S506',
  'g = pickle.load(open("g", "rb"))  # NOSEC: B403,B301 - reviewed by the security team',
  'h = pickle.load(open("h", "rb"))',
  '# nosec B301',
  'i = 1  # noqa',
  '',
].join('\n');

describe('external suppressions (# nosec, # noqa)', () => {
  const selection = (externalSuppressions?: boolean) =>
    withTestCode(resolveSelection(ALL_RULES), { root: '/p', externalSuppressions }, '/p/src/m.py');

  it('suppress the mlsec rules their check maps to, on their line, and report blanket ones on a finding’s line', async () => {
    const engine = await analyzer();
    const findings = engine.analyzePython(SOURCE, { selection: selection() }).findings;
    const summary = findings.map((f) => `${f.range.start.line + 1}:${f.code}:${f.suppression ? f.suppression.justification : 'open'}`);
    assert.deepEqual(summary, [
      '2:MLS101:reviewed for Bandit (# nosec B301)',
      '3:MLS101:reviewed for Ruff (# noqa: S301)',
      '4:MLS101:open',
      '4:MLS001:open',
      '5:MLS101:open',
      '5:MLS001:open',
      '6:MLS101:open',
      '7:MLS106:reviewed for Ruff (# noqa: S506)',
      '8:MLS101:reviewed for Bandit (# nosec B301): reviewed by the security team',
      '9:MLS101:open',
    ]);
    const blanket = findings.find((f) => f.code === 'MLS001');
    assert.match(blanket?.message ?? '', /^Blanket "# nosec" does not suppress MLS101: name the check/);
    // The span is the comment, for the editor's squiggle.
    assert.equal(SOURCE.slice(blanket!.span.start, blanket!.span.end), '# nosec');
  });

  it('are off with external-suppressions = false', async () => {
    const engine = await analyzer();
    const findings = engine.analyzePython(SOURCE, { selection: selection(false) }).findings;
    assert.equal(findings.filter((f) => f.suppression).length, 0);
    assert.equal(findings.filter((f) => f.code === 'MLS001').length, 0);
    const problems: ConfigProblem[] = [];
    assert.equal(parseConfig('[tool.mlsec]\nexternal-suppressions = false\n', '/p/pyproject.toml', problems)?.externalSuppressions, false);
    parseConfig('[tool.mlsec]\nexternal-suppressions = "no"\n', '/p/pyproject.toml', problems);
    assert.deepEqual(
      problems.map((p) => `${p.line}: ${p.message}`),
      ['1: "external-suppressions" must be true or false'],
    );
  });

  it('map only to rules that exist, and the docs list every mapping', () => {
    const page = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'noise.md'), 'utf8');
    for (const [id, codes] of Object.entries(EXTERNAL_SUPPRESSIONS)) {
      assert.match(id, /^[BS]\d{3}$/);
      for (const code of codes)
        assert.ok(
          ALL_RULES.some((r) => r.code === code),
          `${id} → ${code}`,
        );
      const row = page.split('\n').find((line) => line.startsWith('|') && new RegExp(`\\b${id}\\b`).test(line));
      assert.ok(row, `docs/noise.md lists ${id}`);
      for (const code of codes) assert.ok(row.includes(code), `docs/noise.md maps ${id} to ${code}`);
    }
  });
});
