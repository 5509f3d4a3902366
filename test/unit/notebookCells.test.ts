/**
 * Notebooks as Jupyter runs them: each cell compiled on its own (one cell's open string or
 * bracket cannot swallow the next), Python kernels by any of their names, and the statements
 * that `%time`-style magics run.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/paths';
import { NotebookError, isPythonLanguage, leavesOpen, maskIPython, readNotebookCells } from '../../server/src/engine/io/notebook';
import type { NotebookCell } from '../../server/src/engine/io/notebook';
import { analyzer } from '../support/engine';
import { EditSession } from '../../server/src/engine/pipeline/editSession';
import { analyzeCells } from '../../server/src/engine/pipeline/fileAnalysis';

function summary(findings: Array<{ cell?: number; code: string; range: { start: { line: number; character: number } } }>): string[] {
  return findings.map((f) => `${f.cell}:${f.code}@${f.range.start.line}:${f.range.start.character}`);
}

function notebook(metadata: object, sources: string[]): string {
  return JSON.stringify({
    metadata,
    nbformat: 4,
    nbformat_minor: 5,
    cells: sources.map((source) => ({ cell_type: 'code', source, metadata: {}, outputs: [] })),
  });
}

describe('notebook cells', () => {
  it('keeps a cell with an open string, bracket or continuation from hiding the next cells', async () => {
    const engine = await analyzer();
    const after: NotebookCell = { index: 2, text: 'state = T.load("b.pt")\neval(input())\n' };
    const expected = ['1:MLS102@0:0', '2:MLS102@0:8', '2:MLS301@1:0'];
    for (const open of ['msg = """never closed\n', "msg = '''never closed", 'f(1,\n', 'x = [1, 2\n', 'y = 1 + \\\n']) {
      assert.ok(leavesOpen(open), open);
      const cells = [{ index: 0, text: 'import torch as T\n' }, { index: 1, text: `T.load("a.pt")\n${open}` }, after];
      assert.deepEqual(summary(engine.analyzeNotebookCells(cells).findings), expected, JSON.stringify(open));
    }
    // Errors that tree-sitter's recovery carries over the next cell, though nothing is left open.
    for (const error of ['class C\n', 'import\n', 'x = f"{\n', 'for x in y:\n']) {
      const cells = [{ index: 0, text: 'import torch as T\n' }, { index: 1, text: `T.load("a.pt")\n${error}` }, after];
      assert.deepEqual(summary(engine.analyzeNotebookCells(cells).findings), expected, JSON.stringify(error));
    }
    // A name from an earlier cell still resolves in the open cell and after it.
    const fromEarlier = engine.analyzeNotebookCells([
      { index: 0, text: 'from torch import load as L\n' },
      { index: 1, text: 'L("a.pt")\ns = """\n' },
      { index: 2, text: 'L("b.pt")\n' },
    ]);
    assert.deepEqual(summary(fromEarlier.findings), ['1:MLS102@0:0', '2:MLS102@0:0']);
    for (const closed of ['x = """a"""', "s = 'it' 's'\n", '# (\n', 's = "(["\n', 'f(a)[b]{c}\n', 'import torch  # C:\\\n', '# C:\\'])
      assert.equal(leavesOpen(closed), false, closed);
  });

  it('analyses notebooks of every Python kernel and reports other languages as not analysed', () => {
    for (const name of [
      'python',
      'python3',
      'Python 3',
      'ipython',
      'ipython3',
      'pyspark',
      'Python 3 (ipykernel)',
      'python3.11',
      'PySpark',
    ]) {
      assert.ok(isPythonLanguage(name), name);
      const cells = readNotebookCells(notebook({ kernelspec: { language: name, name: 'k' }, language_info: { name } }, ['x = 1\n']));
      assert.equal(cells.length, 1, name);
    }
    assert.equal(
      readNotebookCells(notebook({ kernelspec: { name: 'conda-env-ml-py', display_name: 'ml' } }, ['x = 1\n'])).length,
      1,
      'a kernel name alone says nothing',
    );
    assert.equal(readNotebookCells(notebook({}, ['x = 1\n'])).length, 1);
    for (const name of ['R', 'julia', 'scala', 'javascript']) {
      assert.equal(isPythonLanguage(name), false, name);
      assert.throws(
        () => readNotebookCells(notebook({ language_info: { name } }, ['x <- 1\n'])),
        (e: unknown) => e instanceof NotebookError && e.message.includes(`"${name}"`) && e.message.includes('not analysed'),
      );
    }
  });

  it('analyses the statements of %time, %timeit and %prun, and the setup of %%timeit', async () => {
    const engine = await analyzer();
    for (const [line, column] of [
      ['%time m = T.load(p)', 10],
      ['%timeit -n 3 -r 2 m = T.load(p)', 22],
      ['%timeit -n3 -q m = T.load(p)', 19],
      ['%prun -s cumulative m = T.load(p)', 24],
      ['    %time m = T.load(p)', 14],
    ] as const) {
      const cell = line.startsWith(' ') ? `for p in ps:\n${line}\n` : `${line}\n`;
      const masked = maskIPython(cell);
      assert.equal(masked.length, cell.length);
      const row = line.startsWith(' ') ? 1 : 0;
      const findings = engine.analyzeNotebookCells([
        { index: 0, text: 'import torch as T\np = "x.pt"\n' },
        { index: 1, text: cell },
      ]).findings;
      assert.deepEqual(summary(findings), [`1:MLS102@${row}:${column}`], line);
    }
    const cellMagic = engine.analyzeNotebookCells([{ index: 0, text: '%%timeit -n 2 m = T.load(p)\neval(input())\n' }]).findings;
    assert.deepEqual(summary(cellMagic), ['0:MLS301@1:0'], 'T is not imported: only the eval');
    // Magics that take no statement stay masked; `%timeitx` is not %timeit.
    assert.equal(maskIPython('%matplotlib inline\n').trim(), '_');
    assert.equal(maskIPython('%timeitx eval(s)\n').trim(), '_');
    assert.equal(maskIPython('%time\n').trim(), '_');
  });

  it('re-uses the previous analysis of the joined cells after an edit in a cell, as a fresh analysis finds', async () => {
    const engine = await analyzer();
    let cells: NotebookCell[] = [
      { index: 0, text: 'import pickle\nimport torch\n' },
      { index: 1, text: '# Helpers.\ndef quiet(values):\n    return sorted(values)\n' },
      { index: 2, text: 'def restore(path):\n    return torch.load(path)\n' },
      { index: 3, text: 'state = restore("a.pt")\nblob = pickle.loads(state)\n' },
    ];
    const session = new EditSession();
    const selection = engine.defaultSelection;
    const fresh = () => JSON.stringify(engine.analyzeNotebookCells(cells).findings);
    const first = analyzeCells(engine, { cells, session }, selection);
    assert.equal(JSON.stringify(first.findings), fresh());
    assert.ok(first.findings.length >= 2, 'findings to move');
    const edits: Array<[number, string, string, boolean]> = [
      // [cell, text, replacement, reused]
      [1, 'return sorted(values)', 'return sorted(values, reverse=True)', true],
      [2, 'torch.load(path)', 'torch.load(path, map_location="cpu")', true],
      [1, '# Helpers.', '# Helpers for sorting.', true],
      [1, 'def quiet(values):', 'def quiet(values):  ', true],
      [3, 'blob = pickle.loads(state)', 'blob = pickle.loads(state) or None', false],
    ];
    for (const [cell, text, replacement, reused] of edits) {
      cells = cells.map((c) => (c.index === cell ? { ...c, text: c.text.replace(text, replacement) } : c));
      const result = analyzeCells(engine, { cells, session }, selection);
      assert.equal(Boolean(result.reused), reused, replacement);
      assert.equal(JSON.stringify(result.findings), fresh(), replacement);
    }
    session.drop();
  });

  it('finds in the editor what the CLI finds when a cell parses only with its neighbours, or breaks on its own', async () => {
    const engine = await analyzer();
    let cells: NotebookCell[] = [
      { index: 0, text: 'import pickle\nimport torch\nif torch.cuda.is_available():\n    device = "cuda"\n' },
      { index: 1, text: 'else:\n    device = "cpu"\n' },
      { index: 2, text: 'blob = pickle.loads(open("x.pkl", "rb").read())\n' },
      { index: 3, text: 'state = torch.load("a.pt")\n' },
    ];
    const session = new EditSession();
    const selection = engine.defaultSelection;
    // The CLI's analysis: no kept tree.
    const cli = () => summary(engine.analyzeNotebookCells(cells).findings);
    assert.deepEqual(summary(analyzeCells(engine, { cells, session }, selection).findings), cli(), 'an `else:` cell');
    const edits: Array<[number, string, string]> = [
      // An import broken on its own line: the cell is compiled (and fails) alone in Jupyter.
      [0, 'import pickle', 'importq pickle'],
      [0, 'importq pickle', 'import pickle'],
      [3, 'torch.load("a.pt")', 'torch.load("a.pt", weights_only=True)'],
    ];
    let compared = 0;
    for (const [cell, text, replacement] of edits) {
      cells = cells.map((c) => (c.index === cell ? { ...c, text: c.text.replace(text, replacement) } : c));
      assert.deepEqual(summary(analyzeCells(engine, { cells, session }, selection).findings), cli(), replacement);
      compared++;
    }
    assert.equal(compared, edits.length);
    session.drop();
    // Found by the differential's cell edits: a letter typed into `import` in the corpus notebooks.
    for (const [file, line] of [
      ['test/corpus/research_notebook.ipynb', 'import pickle'],
      ['test/rules/fixtures/MLS801_notebook.ipynb', 'from skops.io import load'],
    ]) {
      let real = readNotebookCells(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'));
      const own = new EditSession();
      analyzeCells(engine, { cells: real, session: own }, selection);
      const slot = real.findIndex((c) => c.text.includes(line));
      assert.ok(slot >= 0, file);
      real = real.map((c, i) => (i === slot ? { ...c, text: c.text.replace(line, line.replace(/^(\w+)/, '$1q')) } : c));
      const edited = summary(analyzeCells(engine, { cells: real, session: own }, selection).findings);
      // The CLI's analysis through the same entry (with the cells' `!pip install` findings), no session.
      assert.deepEqual(edited, summary(analyzeCells(engine, { cells: real }, selection).findings), file);
      own.drop();
    }
  });
});
