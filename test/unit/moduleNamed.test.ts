/**
 * The module's bindings of a name are found two ways (semantic.ts): by binding every top-level
 * statement (populateModule), and, in a module of many statements, from the name's occurrences
 * (moduleBindingsNamed, as in a function's body). Both must give the same list, in the same
 * order, for every name of the fixtures, the corpus, the examples, the notebooks' joined cells
 * and texts written for each way Python binds a name at module level.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Binding } from '../../server/src/engine/semantic';
import { SemanticModel } from '../../server/src/engine/semantic';
import { NotebookLayout, readNotebookCells } from '../../server/src/engine/io/notebook';
import { analysisText } from '../../server/src/engine/text';
import { analyzer } from '../support/engine';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

const EXAMPLES = path.join(REPO_ROOT, 'examples');

/** Module-level bindings of every kind the model knows, and look-alikes that bind nothing. */
const WRITTEN = [
  'import os.path\nimport a.b.c as d, e\nfrom f import (g,\n  h as i)\nfrom . import j\nfrom .k import l\nfrom m import *\n',
  'x = y = 1\nz: int = 2\nw: str\nv += 3\nq = (n := 4)\nr = lambda s: s\nt = [u for u in range(3)]\n(o, (p, *rest)) = f()\n',
  'for (a, b) in c:\n    pass\nasync def g():\n    async for k in x:\n        pass\nwith open(f) as (fa, fb), open(g) as gg:\n    pass\n',
  'try:\n    import yaml\nexcept ImportError as error:\n    yaml = None\nyaml.load(s)\nx[0] = 1\nx.y = 2\nprint(x := 5)\ndel x\n',
  'def f():\n    global G, H\n    G = 1\nG = 0\nclass C(Base):\n    attr = 1\n    def m(self):\n        attr = 2\n@dec(k := 1)\ndef h(): pass\n',
  'def \\\n  cont(): pass\nclass K (object): pass\nif ok:\n    from torch import load\nelse:\n    load = None\nwhile w:\n    w = w - 1\n',
  'match cmd:\n    case [first, *others]:\n        pass\n    case {"k": value}:\n        pass\n    case Point(x=px) as pt:\n        pass\n',
  'def outer():\n    def inner():\n        nonlocal N\n        N = 2\n    N = 1\nN = 0\nf(name=1)\nname = 2\nf(name)\n',
];

function shown(list: readonly Binding[]): string[] {
  return list.map(
    (b) =>
      `${b.name}:${b.kind}@${b.offset}/${b.node.startIndex}` +
      `${b.qualifiedName ? `=${b.qualifiedName}` : ''}${b.value ? `<-${b.value.startIndex}` : ''}${b.viaGlobal ? ' global' : ''}`,
  );
}

describe('semantic model: module bindings by name', () => {
  it('finds by name what binding the whole module finds, for every name', async () => {
    const engine = await analyzer();
    const files = [...filesUnder(FIXTURES, ['.py']), ...filesUnder(CORPUS, ['.py']), ...filesUnder(EXAMPLES, ['.py'])];
    const notebooks = [...filesUnder(FIXTURES, ['.ipynb']), ...filesUnder(CORPUS, ['.ipynb'])].map(
      (file) => new NotebookLayout(readNotebookCells(fs.readFileSync(file, 'utf8'))).text,
    );
    assert.ok(files.length > 50 && notebooks.length > 0, 'the fixtures, corpus and notebooks are found');
    const texts = [...files.map((file) => analysisText(fs.readFileSync(file, 'utf8'))), ...notebooks, ...WRITTEN];
    let names = 0;
    let bound = 0;
    for (const text of texts) {
      const tree = engine.parser.parse(text);
      try {
        const byName = new SemanticModel(tree, text, [], 0);
        const whole = new SemanticModel(tree, text, [], Number.MAX_SAFE_INTEGER);
        for (const name of new Set(text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])) {
          const expected = shown(whole.module.named(name));
          assert.deepEqual(shown(byName.module.named(name)), expected, `${name} in ${text.slice(0, 80)}`);
          names++;
          bound += expected.length;
        }
      } finally {
        tree.delete();
      }
    }
    assert.ok(names > 1000 && bound > 500, `${names} names, ${bound} bindings`);
  });
});
