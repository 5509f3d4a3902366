/** Jupyter notebooks through LSP notebook document sync. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScanWorkspaceRequest } from '../../common/src/protocol';
import { action, assertValidPython, codeActions, codes, range, tempWorkspace, write } from './helpers';
import { fileUri, LspTestClient } from './lspClient';

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
    assert.deepEqual(
      codes(third.diagnostics),
      ['1:24 MLS102', '2:19 MLS102'],
      'the statement %time runs is analysed, and the Python line after it',
    );
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
    const ignore = action(
      await codeActions(client, cells[1], afterFix!.diagnostics[0].range, afterFix!.diagnostics),
      /^mlsec \(MLS102\): Ignore on this line/,
    );
    const afterIgnore = await client.applyEdit(ignore.edit!, cells[1]);
    assert.equal(
      client.text(cells[1]),
      'a = torch.load("a.pt", weights_only=True)\nb = torch.load("b.pt")  # mlsec: ignore[MLS102] reason\n',
    );
    await assertValidPython(client.text(cells[0]) + client.text(cells[1]));
    assert.deepEqual(codes(afterIgnore!.diagnostics), ['1:24 MLS001'], 'only the placeholder reason is left to write');
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
    const hover = await client.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: lastWithFinding },
      position: { line: 9, character: 10 },
    });
    assert.ok(hover, 'hover works in a large notebook');
    await client.closeNotebook(uri);
  });

  it('numbers cells by their position in the notebook, markdown included, before and after it is opened', async () => {
    const workspace = tempWorkspace();
    const sources = [
      { kind: 'markdown' as const, text: '# Model loading\nNotes.' },
      { kind: 'code' as const, text: 'import torch\n' },
      { kind: 'markdown' as const, text: 'Load the checkpoint:' },
      { kind: 'code' as const, text: 'x = 1\nstate = torch.load("ckpt.pt")\n' },
    ];
    const cellJson = (c: { kind: 'code' | 'markdown'; text: string }) =>
      c.kind === 'code'
        ? { cell_type: 'code', source: c.text, metadata: {}, outputs: [], execution_count: null }
        : { cell_type: 'markdown', source: c.text, metadata: {} };
    const file = write(
      workspace,
      'nb.ipynb',
      JSON.stringify({ cells: sources.map(cellJson), metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    );
    const uri = fileUri(file);
    const scanner = await LspTestClient.start({ folders: [workspace], settings: () => ({ debounceMs: 0 }) });
    try {
      const where = (r: ScanWorkspaceRequest.Result) =>
        r.findings.map((f) => `${path.basename(f.uri)} cell ${f.cell} line ${f.range.start.line}:${f.range.start.character}`);
      const closed = (await scanner.connection.sendRequest('mlsec/scanWorkspace', {})) as ScanWorkspaceRequest.Result;
      assert.deepEqual(where(closed), ['nb.ipynb cell 3 line 1:8']);
      const cellUri = `vscode-notebook-cell:${new URL(uri).pathname}#cell3`;
      const published = scanner.nextDiagnostics(cellUri);
      const cells = await scanner.openNotebook(uri, sources);
      assert.equal(cells[3], cellUri);
      assert.deepEqual(codes((await published).diagnostics), ['1:8 MLS102'], 'the diagnostic lands on the fourth cell');
      const opened = (await scanner.connection.sendRequest('mlsec/scanWorkspace', {})) as ScanWorkspaceRequest.Result;
      assert.deepEqual(where(opened), ['nb.ipynb cell 3 line 1:8'], 'the open notebook numbers its cells as the file on disk does');
    } finally {
      await scanner.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});
