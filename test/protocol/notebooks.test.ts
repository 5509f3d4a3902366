/** Jupyter notebooks through LSP notebook document sync. */
import * as assert from 'node:assert/strict';
import { action, assertValidPython, codeActions, codes, range } from './helpers';
import { LspTestClient } from './lspClient';

describe('protocol: notebooks', () => {
  let client: LspTestClient;

  before(async () => {
    client = await LspTestClient.start({ settings: () => ({ debounceMs: 0 }) });
  });
  after(() => client.stop());

  it('analyses the cells together, masks magics and lands each diagnostic on its cell and line', async () => {
    const uri = 'file:///ws/explore.ipynb';
    const pending = [
      client.nextDiagnostics(`vscode-notebook-cell:/ws/explore.ipynb#cell2`),
      client.nextDiagnostics(`vscode-notebook-cell:/ws/explore.ipynb#cell3`),
    ];
    const cells = await client.openNotebook(uri, [
      { kind: 'code', text: '%matplotlib inline\nimport torch as T\n' },
      { kind: 'markdown', text: '# Loading\n`torch.load(x)` in markdown is not code' },
      { kind: 'code', text: '!pip install safetensors\nfiles = !ls\nstate = T.load("ckpt.pt")' },
      { kind: 'code', text: 'for p in files:\n    %time w = T.load(p, weights_only=False)\n    w2 = T.load(p, weights_only=False)\n' },
    ]);
    const [second, third] = await Promise.all(pending);
    assert.equal(second.uri, cells[2]);
    assert.deepEqual(codes(second.diagnostics), ['2:8 MLS102']);
    assert.deepEqual(second.diagnostics[0].range, range(2, 8, 2, 25));
    assert.deepEqual(codes(third.diagnostics), ['1:24 MLS102', '2:19 MLS102'], 'the statement %time runs is analysed, and the Python line after it');
    assert.ok(!client.published.some((p) => p.uri === cells[1] && p.diagnostics.length > 0), 'markdown cells get nothing');
  });

  it('re-analyses a cell edit and follows cells when one is inserted above', async () => {
    const uri = 'file:///ws/edit.ipynb';
    const first = client.nextDiagnostics('vscode-notebook-cell:/ws/edit.ipynb#cell1');
    const cells = await client.openNotebook(uri, [
      { kind: 'code', text: 'import torch\n' },
      { kind: 'code', text: 'x = torch.load("a.pt")\n' },
    ]);
    assert.deepEqual(codes((await first).diagnostics), ['0:4 MLS102']);

    const fixed = await client.change(cells[1], [{ range: range(0, 21, 0, 21), text: ', weights_only=True' }]);
    assert.deepEqual(fixed.diagnostics, []);

    const newCell = 'vscode-notebook-cell:/ws/edit.ipynb#inserted';
    const onNew = client.nextDiagnostics(newCell);
    await client.insertCell(uri, 1, 'y = torch.load("b.pt")\n', newCell);
    assert.deepEqual(codes((await onNew).diagnostics), ['0:4 MLS102']);
    const fixedCell = [...client.published].reverse().find((p) => p.uri === cells[1]);
    assert.deepEqual(fixedCell?.diagnostics, [], 'the moved cell keeps its (empty) diagnostics');
  });

  it('applies a quick fix inside a cell and suppresses per line in the cell', async () => {
    const uri = 'file:///ws/fix.ipynb';
    const first = client.nextDiagnostics('vscode-notebook-cell:/ws/fix.ipynb#cell1');
    const cells = await client.openNotebook(uri, [
      { kind: 'code', text: 'import torch\n' },
      { kind: 'code', text: 'a = torch.load("a.pt")\nb = torch.load("b.pt")\n' },
    ]);
    const opened = await first;
    const fix = action(await codeActions(client, cells[1], opened.diagnostics[0].range, opened.diagnostics), /weights_only=True/);
    const afterFix = await client.applyEdit(fix.edit!, cells[1]);
    assert.equal(client.text(cells[1]), 'a = torch.load("a.pt", weights_only=True)\nb = torch.load("b.pt")\n');
    assert.deepEqual(codes(afterFix!.diagnostics), ['1:4 MLS102']);
    const ignore = action(await codeActions(client, cells[1], afterFix!.diagnostics[0].range, afterFix!.diagnostics), /^Ignore MLS102 on this line/);
    const afterIgnore = await client.applyEdit(ignore.edit!, cells[1]);
    assert.equal(client.text(cells[1]), 'a = torch.load("a.pt", weights_only=True)\nb = torch.load("b.pt")  # mlsec: ignore[MLS102] reason\n');
    await assertValidPython(client.text(cells[0]) + client.text(cells[1]));
    assert.deepEqual(afterIgnore!.diagnostics, []);
  });

  it('clears the cells’ diagnostics when the notebook closes', async () => {
    const uri = 'file:///ws/close.ipynb';
    const first = client.nextDiagnostics('vscode-notebook-cell:/ws/close.ipynb#cell0');
    const cells = await client.openNotebook(uri, [{ kind: 'code', text: 'import torch\ntorch.load(p)\n' }]);
    assert.equal((await first).diagnostics.length, 1);
    const cleared = client.nextDiagnostics(cells[0]);
    await client.closeNotebook(uri);
    assert.deepEqual((await cleared).diagnostics, []);
  });

  it('analyses a 20,000-line notebook without blocking other requests for long', async () => {
    const uri = 'file:///ws/huge.ipynb';
    const cells = [{ kind: 'code' as const, text: 'import torch\n' }];
    for (let i = 0; i < 1000; i++) {
      const body: string[] = [];
      for (let j = 0; j < 19; j++) body.push(j === 9 && i % 100 === 0 ? `m${i} = torch.load("c${i}.pt")` : `v${i}_${j} = ${j} * ${i}`);
      cells.push({ kind: 'code', text: body.join('\n') + '\n' });
    }
    const lastWithFinding = `vscode-notebook-cell:/ws/huge.ipynb#cell${1 + 900}`;
    const published = client.nextDiagnostics(lastWithFinding, () => true, 20000);
    await client.openNotebook(uri, cells);
    assert.deepEqual(codes((await published).diagnostics), ['9:7 MLS102']);
    const hover = await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: lastWithFinding }, position: { line: 9, character: 10 } });
    assert.ok(hover, 'hover works in a large notebook');
    await client.closeNotebook(uri);
  });
});
