/**
 * The semantic model binds a statement's names without walking it when the statement's text
 * shows what the walk would find (onlyBinding in semantic.ts: one plain assignment, a decorated
 * definition with plain decorators). On every statement of every block of the fixtures, the corpus
 * and the examples, where the shortcut answers, the walk must find that one node first and
 * nothing else outside the definitions it skips.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Node } from '../../server/src/engine/parser';
import { BINDING_TYPES, onlyBinding } from '../../server/src/engine/semantic';
import { analysisText } from '../../server/src/engine/text';
import { analyzer } from '../support/engine';
import * as path from 'node:path';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

const EXAMPLES = path.join(REPO_ROOT, 'examples');

const SCOPES = new Set(['function_definition', 'class_definition', 'lambda']);

/** What collect's walk binds from a statement: the binding nodes, minus those inside a definition found before. */
function walked(top: Node): Node[] {
  const found: Node[] = [];
  let skipUntil = -1;
  for (const node of top.descendantsOfType([...BINDING_TYPES])) {
    if (!node || node.startIndex < skipUntil) continue;
    found.push(node);
    if (SCOPES.has(node.type)) skipUntil = node.endIndex;
  }
  return found;
}

describe('semantic model: statements bound without a walk', () => {
  it('bind what the walk binds, on every statement of the fixtures, corpus and examples', async () => {
    const engine = await analyzer();
    const files = [...filesUnder(FIXTURES, ['.py']), ...filesUnder(CORPUS, ['.py']), ...filesUnder(EXAMPLES, ['.py'])];
    const extra = [
      'x = y = 1\nz = f(a=1)\nw: int = 2\nv += 3\nq = (n := 4)\nr = lambda s: s\nt = [u for u in range(3)]\n',
      '@dec(k=1)\ndef f(): pass\n@(g := dec)\ndef h(): pass\n@dec(lambda: 1)\nclass C: pass\n@pytest.mark.parametrize("a", [b for b in c])\ndef test(a): pass\n',
    ];
    const texts = [...files.map((file) => analysisText(fs.readFileSync(file, 'utf8'))), ...extra];
    let answered = 0;
    let declined = 0;
    for (const text of texts) {
      const tree = engine.parser.parse(text);
      try {
        for (const block of [tree.rootNode, ...tree.rootNode.descendantsOfType('block')]) {
          if (!block) continue;
          for (const top of block.namedChildren) {
            if (!top) continue;
            const only = onlyBinding(top, text.slice(top.startIndex, top.endIndex));
            if (!only) {
              declined++;
              continue;
            }
            answered++;
            const found = walked(top);
            assert.deepEqual(
              found.map((n) => `${n.type}@${n.startIndex}`),
              [`${only.type}@${only.startIndex}`],
              `statement at ${top.startIndex}: ${text.slice(top.startIndex, Math.min(top.endIndex, top.startIndex + 80))}`,
            );
          }
        }
      } finally {
        tree.delete();
      }
    }
    // Both answers occur (the look-alikes above are declined).
    assert.ok(answered > 500, `statements bound without a walk: ${answered}`);
    assert.ok(declined > 100, `statements walked: ${declined}`);
  });
});
