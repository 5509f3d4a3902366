/**
 * Dependency fixtures (requirements files named after their rule) are analysed like the Python
 * fixtures: every `# expect:` present, nothing else reported.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { manifestKindOf } from '../../server/src/deps/manifests';
import { analyzer } from '../support/engine';
import { compareWithExpectations } from '../support/expectations';
import { FIXTURES } from '../support/paths';

describe('dependency fixtures', () => {
  const files = fs
    .readdirSync(FIXTURES)
    .filter((f) => manifestKindOf(path.join(FIXTURES, f)) !== undefined)
    .sort();

  it('has fixtures', () => assert.ok(files.length >= 2));

  for (const name of files) {
    it(name, async () => {
      const result = compareWithExpectations(await analyzer(), path.join(FIXTURES, name));
      assert.ok(result.truePositives.length > 0, 'no finding expected: the fixture tests nothing');
      assert.deepEqual(
        { unexpected: result.falsePositives, missing: result.falseNegatives },
        { unexpected: [], missing: [] },
        `${name}: findings differ from the inline expectations`,
      );
    });
  }
});
