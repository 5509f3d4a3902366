/**
 * The editor's notebook path (analyzeCells with an EditSession) over sequences of edits, each
 * result compared with a fresh analysis of the same cells through the same entry without a
 * session (the CLI's way: the joined cells, a broken cell analysed after the cells before it):
 * identifier characters typed and undone, a cell broken by a character typed after a keyword
 * (`def_ name():`), typed on while broken and repaired, cells added, removed and moved. The
 * notebooks have more than 256 top-level statements, so the module's bindings are found by name
 * (semantic.ts moduleBindingsNamed), and names defined in one cell are used in later ones.
 */
import * as assert from 'node:assert/strict';
import type { NotebookCell } from '../../server/src/engine/io/notebook';
import { EditSession } from '../../server/src/engine/pipeline/editSession';
import { analyzeCells } from '../../server/src/engine/pipeline/fileAnalysis';
import type { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { analyzer } from '../support/engine';

/** A training notebook of `count` cells: imports, helpers used later, loads with and without findings, shell lines, a `global`. */
function notebook(count: number): NotebookCell[] {
  const cells: string[] = [
    'import os\nimport pickle\nimport torch\nimport numpy as np\nfrom torch import nn\nstate = torch.load("pretrained.pt")',
    'SEEN = 0\ndef count():\n    global SEEN\n    SEEN = SEEN + 1\n    return SEEN',
  ];
  for (let k = cells.length; k < count; k++) {
    switch (k % 5) {
      case 0:
        cells.push(
          `def restore_${k}(path):\n    return torch.load(path)\nckpt_${k} = restore_${k}("a.pt")\nblob_${k} = pickle.loads(ckpt_${k})`,
        );
        break;
      case 1:
        cells.push(`!pip install -q datasets\nRUN_${k} = "exp-${k}"\nLR_${k} = 3e-4\nBATCH_${k} = 32\nloader_${k} = [RUN_${k}, LR_${k}]`);
        break;
      case 2:
        cells.push(
          `class Head${k}(nn.Module):\n    def __init__(self, width=256):\n        super().__init__()\n        self.fc = nn.Linear(width, 10)\n` +
            `head_${k} = Head${k}()\nweights_${k} = np.load("w.npy", allow_pickle=True)`,
        );
        break;
      case 3:
        cells.push(
          `losses_${k} = []\nfor epoch in range(3):\n    losses_${k}.append(count())\n    print(f"epoch {epoch}: {losses_${k}}")\nmodel_${k} = torch.load(os.path.join("runs", RUN_${k - 2}))`,
        );
        break;
      default:
        cells.push(`%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot(losses_${k - 1})\nplt.title("run ${k}")\nplt.show()`);
    }
  }
  return cells.map((text, index) => ({ index, text }));
}

const KEYWORD = /^(?:def|class|import|for|return|from)\b/;

/** Replays `steps` (each a new list of cells) through one session, comparing each analysis with a fresh one. */
function replay(engine: Analyzer, first: NotebookCell[], steps: Array<{ what: string; cells: NotebookCell[] }>): { reused: string[] } {
  const session = new EditSession();
  const selection = engine.defaultSelection;
  const fresh = (cells: NotebookCell[]) => JSON.stringify(analyzeCells(engine, { cells }, selection).findings);
  const reused: string[] = [];
  try {
    const opened = analyzeCells(engine, { cells: first, session }, selection);
    assert.equal(JSON.stringify(opened.findings), fresh(first), 'opening');
    assert.ok(opened.findings.length >= 10, `findings to move (${opened.findings.length})`);
    for (const step of steps) {
      const edited = analyzeCells(engine, { cells: step.cells, session }, selection);
      const expected = fresh(step.cells);
      assert.ok(JSON.stringify(edited.findings) === expected, `${step.what}: ${firstDifference(edited.findings, JSON.parse(expected))}`);
      reused.push(`${step.what}: ${edited.reused ?? 'whole'}${edited.syntaxErrors > 0 ? ' broken' : ''}`);
    }
  } finally {
    session.drop();
  }
  return { reused };
}

/** The first finding that differs between two lists (as JSON), for a readable failure. */
function firstDifference(actual: readonly unknown[], expected: readonly unknown[]): string {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    const a = JSON.stringify(actual[i]);
    const e = JSON.stringify(expected[i]);
    if (a !== e) return `finding ${i} of ${expected.length}: editor ${a}, fresh ${e}`;
  }
  return 'same findings';
}

/** `cells` with the text of cell `slot` changed by `change`. */
function withCell(cells: NotebookCell[], slot: number, change: (text: string) => string): NotebookCell[] {
  return cells.map((c, i) => (i === slot ? { index: c.index, text: change(c.text) } : c));
}

/** The text with `inserted` typed at column `column` of line `line`. */
function typed(text: string, line: number, column: number, inserted: string): string {
  const lines = text.split('\n');
  lines[line] = lines[line].slice(0, column) + inserted + lines[line].slice(column);
  return lines.join('\n');
}

describe('notebook edits in the editor', () => {
  it('finds after each identifier edit and its undo what a fresh analysis finds', async () => {
    const engine = await analyzer();
    const cells = notebook(70);
    const steps: Array<{ what: string; cells: NotebookCell[] }> = [];
    for (let pair = 0; pair < 24; pair++) {
      const slot = 1 + ((pair * 13) % (cells.length - 1));
      const lines = cells[slot].text.split('\n');
      const line = (pair * 3) % lines.length;
      // After the line's first name that is not a keyword (a definition's name, a target, a callee).
      const name = [...lines[line].matchAll(/[A-Za-z_]\w*/g)].find((m) => !KEYWORD.test(m[0]) && m[0] !== 'in');
      if (!name) continue;
      const column = name.index + name[0].length;
      const what = `cell ${slot} line ${line} after ${name[0]}`;
      steps.push({ what, cells: withCell(cells, slot, (t) => typed(t, line, column, 'q')) });
      steps.push({ what: `undoing ${what}`, cells });
    }
    assert.ok(steps.length >= 40, `${steps.length} steps`);
    const { reused } = replay(engine, cells, steps);
    // The undo of an edit returns to a text analysed before: at least some edits re-use.
    assert.ok(reused.filter((r) => !r.endsWith('whole')).length > 0, reused.join('\n'));
  });

  it('breaks a cell with a character after a keyword, types on in it and repairs it as a fresh analysis finds', async () => {
    const engine = await analyzer();
    const cells = notebook(60);
    const steps: Array<{ what: string; cells: NotebookCell[] }> = [];
    // A helper's `def` (its name is used in the same cell), a class, an import, a loop, a return.
    const targets: Array<[number, number]> = [
      [10, 0],
      [12, 0],
      [14, 1],
      [13, 1],
      [20, 1],
      [1, 1],
    ];
    for (const [slot, line] of targets) {
      const keyword = KEYWORD.exec(cells[slot].text.split('\n')[line].trimStart());
      assert.ok(keyword, `cell ${slot} line ${line} starts with a keyword`);
      const column = cells[slot].text.split('\n')[line].indexOf(keyword[0]) + keyword[0].length;
      const broken = withCell(cells, slot, (t) => typed(t, line, column, '_'));
      const more = withCell(cells, slot, (t) => typed(t, line, column, '_x'));
      const what = `cell ${slot} line ${line} after ${keyword[0]}`;
      steps.push({ what, cells: broken }, { what: `${what}, typing on`, cells: more }, { what: `${what}, repaired`, cells });
      // Broken, then repaired differently (a name typed where the keyword was completed).
      steps.push({ what: `${what} again`, cells: broken });
      steps.push({ what: `${what}, repaired with a new name`, cells: withCell(cells, slot, (t) => typed(t, line, column, ' ')) });
      steps.push({ what: `${what}, back`, cells });
    }
    const { reused } = replay(engine, cells, steps);
    const broken = reused.filter((r) => r.endsWith(' broken'));
    assert.ok(broken.length >= 12, reused.join('\n'));
    // The undo back to the text analysed before the break takes that analysis's findings.
    for (const line of reused.filter((r) => r.includes(', repaired:'))) assert.ok(line.includes('moved'), line);
  });

  it('finds what a fresh analysis finds when cells are added, removed and moved', async () => {
    const engine = await analyzer();
    const cells = notebook(64);
    const renumber = (list: NotebookCell[]) => list.map((c, index) => ({ index, text: c.text }));
    const added = renumber([
      ...cells.slice(0, 30),
      { index: -1, text: 'extra = torch.load("x.pt")\nRUN_29 = "changed"' },
      ...cells.slice(30),
    ]);
    const removed = renumber([...cells.slice(0, 5), ...cells.slice(6)]);
    const moved = renumber([...cells.slice(0, 20), cells[40], ...cells.slice(20, 40), ...cells.slice(41)]);
    const emptied = withCell(cells, 33, () => '');
    const { reused } = replay(engine, cells, [
      { what: 'a cell added', cells: added },
      { what: 'back', cells },
      { what: 'a cell removed', cells: removed },
      { what: 'a cell moved up', cells: moved },
      { what: 'back again', cells },
      { what: 'a cell emptied', cells: emptied },
      { what: 'the first cell removed', cells: renumber(cells.slice(1)) },
      { what: 'all back', cells },
    ]);
    assert.equal(reused.length, 8);
  });
});
