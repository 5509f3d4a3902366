/**
 * Broken code: tree-sitter's error recovery inserts zero-width (MISSING) identifiers, whose text
 * is empty. Searching for an empty name used to loop for ever (`indexOf('', i)` never passes the
 * end), so typing one wrong character could hang the language server.
 */
import * as assert from 'node:assert/strict';
import { containsBareName, containsIdentifier, identifierOccurrences } from '../../server/src/engine/textScan';
import { analyzer } from '../support/engine';

/** A random breaking edit of test/rules/fixtures/MLS301.py, reduced: `.compile(...)` on a MISSING object. */
const MISSING_OBJECT =
  '    eval()  # ok: nothingtorch.load(p) to run\ndef look_alikes(model, pattern, df):\n    re.compiif x:attern)  # ok: re.compile\n   \t del.compile(optimizer="adam")  # ok: Keras method';

describe('broken code', () => {
  it('finds no occurrence of an empty name, and stops', () => {
    const found: number[] = [];
    for (const at of identifierOccurrences('a b', '')) {
      found.push(at);
      if (found.length > 5) break;
    }
    assert.deepEqual(found, []);
    assert.equal(containsIdentifier('a b', ''), false);
    assert.equal(containsBareName('a b', ''), false);
  });

  it('analyses a call on an identifier that error recovery inserted', async () => {
    const engine = await analyzer();
    const tree = engine.parser.parse(MISSING_OBJECT);
    assert.ok(tree.rootNode.toString().includes('MISSING identifier'), 'the text still makes tree-sitter insert an identifier');
    tree.delete();
    // Unoptimised: no call of the text gives `eval` or `compile` code, so the prefilter would skip it.
    const result = engine.analyzePython(MISSING_OBJECT, { prefilter: false });
    assert.ok(result.parsed && result.syntaxErrors > 0);
    assert.deepEqual(
      result.findings.map((f) => f.code),
      [],
    );
  });
});
