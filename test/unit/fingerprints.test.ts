/**
 * Fingerprints do not depend on how a text was parsed (engine/results/fingerprints.ts): the scope
 * path they hash is read from the text, and it is the semantic model's wherever the tree has no
 * error.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScopePaths } from '../../server/src/engine/results/fingerprints';
import { SemanticModel } from '../../server/src/engine/semantic';
import { analysisText } from '../../server/src/engine/text';
import { analyzer } from '../support/engine';
import { brokenOnlyWhenWhole } from '../support/brokenText';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

describe('fingerprints', () => {
  it('are the same from a partial parse and from a whole parse that has an error the partial one has not', async () => {
    const engine = await analyzer();
    const text = brokenOnlyWhenWhole();
    const partial = engine.analyzePython(text);
    const whole = engine.analyzePython(text, { keepTree: true });
    whole.tree?.delete();
    assert.ok((partial.skippedUnits ?? 0) > 0 && partial.syntaxErrors === 0, 'the partial parse leaves the broken function out');
    assert.ok(whole.syntaxErrors > 0, 'the whole parse has an error region');
    const tree = engine.parser.parse(text);
    try {
      // The broken tree puts the methods outside their class: a path read from it would differ.
      const model = new SemanticModel(tree, text);
      const paths = new ScopePaths(text);
      const at = partial.findings.map((f) => f.span.start);
      assert.deepEqual(
        at.map((offset) => paths.at(offset)),
        ['Loader.load', 'Loader.again'],
      );
      assert.ok(at.some((offset) => model.scopePathAt(offset) !== paths.at(offset)));
    } finally {
      tree.delete();
    }
    assert.deepEqual(
      whole.findings.map((f) => f.fingerprint),
      partial.findings.map((f) => f.fingerprint),
    );
  });

  it('read the same scope path from the text as the semantic model from a tree without errors, on every fixture and corpus file', async () => {
    const engine = await analyzer();
    const files = [
      ...filesUnder(FIXTURES, ['.py']),
      ...filesUnder(CORPUS, ['.py']),
      ...filesUnder(path.join(REPO_ROOT, 'examples'), ['.py']),
    ];
    assert.ok(files.length >= 20, `expected the fixtures and the corpus, found ${files.length} files`);
    let compared = 0;
    for (const file of files) {
      const text = analysisText(fs.readFileSync(file, 'utf8'));
      const tree = engine.parser.parse(text);
      try {
        assert.ok(!tree.rootNode.hasError, `${path.relative(REPO_ROOT, file)} parses without error`);
        const model = new SemanticModel(tree, text);
        const paths = new ScopePaths(text);
        // Everywhere a finding can start: calls, strings, comments (suppressions), names, lambdas.
        for (const node of tree.rootNode.descendantsOfType(['call', 'string', 'comment', 'identifier', 'lambda', 'decorator'])) {
          if (!node) continue;
          const offset = node.startIndex;
          const line = text.slice(0, offset).split('\n').length;
          assert.equal(paths.at(offset), model.scopePathAt(offset), `${path.relative(REPO_ROOT, file)}:${line}`);
          compared++;
        }
      } finally {
        tree.delete();
      }
    }
    assert.ok(compared > 1000, `compared ${compared} offsets`);
  });
});
