/**
 * Every fixture under test/rules/fixtures is analysed and its findings must match its inline
 * expectations exactly: each expected finding present, nothing else reported.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzer } from '../support/engine';
import { compareWithExpectations } from '../support/expectations';
import { FIXTURES } from '../support/paths';

describe('rule fixtures', () => {
  const files = fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.py') || f.endsWith('.ipynb'))
    .sort();

  it('has fixtures', () => assert.ok(files.length > 0, `no fixture found in ${FIXTURES}`));

  for (const name of files) {
    it(name, async () => {
      const result = compareWithExpectations(await analyzer(), path.join(FIXTURES, name));
      assert.ok(result.truePositives.length > 0, `${name}: no \`# expect:\` line found, so the fixture tests nothing`);
      const describe = (f: string) => {
        const [cell, line, code] = f.split(':');
        const finding = result.findings.find(
          (x) => x.code === code && x.range.start.line + 1 === Number(line) && String(x.cell ?? '-') === cell,
        );
        return finding ? `${f} ${finding.message}` : f;
      };
      assert.deepEqual(
        { unexpected: result.falsePositives.map(describe), missing: result.falseNegatives },
        { unexpected: [], missing: [] },
        `${name}: findings differ from the inline expectations (cell:line:code)`,
      );
    });
  }
});
