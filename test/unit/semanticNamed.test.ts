/**
 * A function's bindings of one name are read lazily from the occurrences of the name in its text
 * (SemanticModel.bindingsNamed), skipping occurrences that cannot bind it (an attribute, a call
 * that is not a `def`/`class` header). That must give what reading the whole function gives.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SemanticModel } from '../../server/src/engine/semantic';
import type { Binding } from '../../server/src/engine/semantic';
import { analysisText } from '../../server/src/engine/text';
import { analyzer } from '../support/engine';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;
const shown = (list: readonly Binding[]) => list.map((b) => `${b.kind}@${b.offset}`).join(' ');

describe('semantic model: lazy bindings of a name', () => {
  it('equal the bindings read from the whole function, for every name of every function of the fixtures and corpus', async () => {
    const engine = await analyzer();
    const files = [...filesUnder(FIXTURES, ['.py']), ...filesUnder(CORPUS, ['.py'])];
    // A long function, whose words are indexed once many names are looked up in it.
    const long = [
      'import os',
      'def main(args, model=None, *rest, token=None, **kwargs):',
      ...Array.from({ length: 120 }, (_, i) =>
        [
          `    v${i % 7} = load(args.path_${i}, token=token)`,
          `    for k${i % 5}, w in enumerate(v${i % 7}):`,
          `        model = model(w) if model else os.path.join(k${i % 5}, w)`,
          `    with open(v${i % 3}) as fh${i % 4}: data = fh${i % 4}.read()`,
          `    if (n${i % 9} := len(data)) > 3: rest = [x${i % 2} for x${i % 2} in data]`,
        ].join('\n'),
      ),
      '    return model, v0, n0',
    ].join('\n');
    const inputs: Array<readonly [string, string]> = [
      ...files.map((file) => [file, analysisText(fs.readFileSync(file, 'utf8'))] as const),
      [path.join(REPO_ROOT, 'generated-long-function.py'), long],
    ];
    let compared = 0;
    for (const [file, text] of inputs) {
      const tree = engine.parser.parse(text);
      try {
        const lazy = new SemanticModel(tree, text);
        const whole = new SemanticModel(tree, text);
        for (const definition of tree.rootNode.descendantsOfType(['function_definition', 'lambda'])) {
          if (!definition) continue;
          const body = definition.childForFieldName('body');
          if (!body) continue;
          const at = body.startIndex;
          const lazyScope = lazy.scopeAt(at);
          const wholeScope = whole.scopeAt(at);
          const names = new Set(text.slice(definition.startIndex, definition.endIndex).match(IDENTIFIER) ?? []);
          for (const name of names) {
            const expected = wholeScope.bindings.get(name) ?? [];
            const got = lazyScope.named(name);
            assert.equal(
              shown(got),
              shown([...expected].sort((a, b) => a.offset - b.offset)),
              `${path.relative(REPO_ROOT, file)}: \`${name}\` in the function at offset ${definition.startIndex}`,
            );
            compared++;
          }
        }
      } finally {
        tree.delete();
      }
    }
    assert.ok(compared > 3000, `only ${compared} names compared`);
  });
});
