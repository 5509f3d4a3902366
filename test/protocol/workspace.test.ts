/** Workspace scan with progress, checklist evidence, totals and files changing on disk. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import type { ChecklistEvidenceRequest, ScanWorkspaceRequest } from '../../common/src/protocol';
import { codes, tempWorkspace, write } from './helpers';
import { fileUri, LspTestClient } from './lspClient';

describe('protocol: workspace', () => {
  let client: LspTestClient;
  let workspace: string;
  const unsafe = 'import torch\nm = torch.load("x.pt")\n';

  before(async () => {
    workspace = tempWorkspace();
    write(workspace, 'a.py', unsafe);
    write(workspace, 'pkg/b.py', 'import torch\nm = torch.load("x.pt", weights_only=True)\n');
    write(workspace, '.gitignore', 'ignored/\n');
    write(workspace, 'ignored/c.py', unsafe);
    write(workspace, 'pyproject.toml', '[tool.mlsec]\nexclude = ["gen/"]\n');
    write(workspace, 'gen/d.py', unsafe);
    write(workspace, 'skipped/e.py', unsafe);
    write(workspace, 'bad_utf8.py', Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x22, 0xff, 0xfe, 0x22, 0x0a]));
    write(workspace, 'binary.py', Buffer.from([0x00, 0x01, 0x02, 0x00]));
    write(workspace, 'big.py', unsafe + '# padding\n'.repeat(500));
    write(workspace, 'broken.ipynb', '{"cells": [');
    // Over the parser's limits (brackets nested deeper than Python accepts): a problem, not a file.
    write(workspace, 'deep.py', 'import torch\ntorch.load(' + '('.repeat(300) + 'p' + ')'.repeat(300) + ')\n');
    const cell = (source: string) => ({ cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null });
    write(
      workspace,
      'nb.ipynb',
      JSON.stringify({ cells: [cell('import torch\n'), cell('torch.load(p)\n')], metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    );
    client = await LspTestClient.start({
      folders: [workspace],
      settings: () => ({ debounceMs: 0, maxFileSize: 2048, exclude: ['skipped/'] }),
    });
  });
  after(async () => {
    await client.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('scans the workspace with progress, honouring .gitignore, excludes and the size limit', async () => {
    const aUri = fileUri(path.join(workspace, 'a.py'));
    const published = client.nextDiagnostics(aUri);
    const result = (await client.connection.sendRequest('mlsec/scanWorkspace', { workDoneToken: 'scan-1' })) as ScanWorkspaceRequest.Result;
    const rel = (uri: string) => path.relative(workspace, new URL(uri).pathname);
    assert.deepEqual(result.findings.map((f) => `${rel(f.uri)}:${f.cell ?? '-'}:${f.range.start.line} ${f.code}`).sort(), [
      'a.py:-:1 MLS102',
      'nb.ipynb:1:0 MLS102',
    ]);
    assert.deepEqual(result.counts, { error: 0, warning: 2, info: 0 });
    assert.equal(result.files, 4, 'a.py, pkg/b.py, nb.ipynb and the pyproject.toml manifest; unreadable files are problems, not files');
    const problems = result.problems.map((p) => `${rel(p.uri)}: ${p.message.split(' ')[0]}`).sort();
    assert.deepEqual(problems, ['bad_utf8.py: invalid', 'big.py: file', 'binary.py: binary', 'broken.ipynb: not', 'deep.py: not']);
    assert.match(result.problems.find((p) => rel(p.uri) === 'deep.py')!.message, /^not analysed: brackets are nested 301 deep/);
    assert.deepEqual(codes((await published).diagnostics), ['1:4 MLS102'], 'diagnostics for files that are not open');
    const progress = client.progress.filter((p) => p.token === 'scan-1').map((p) => p.value);
    assert.equal(progress[0].kind, 'begin');
    assert.equal(progress[progress.length - 1].kind, 'end');
    const percentages = progress.filter((v) => v.kind === 'report').map((v) => v.percentage!);
    assert.ok(percentages.length >= 3 && percentages[percentages.length - 1] === 100, `percentages: ${percentages.join(',')}`);
    assert.deepEqual(
      [...percentages].sort((x, y) => x - y),
      percentages,
    );
  });

  it('reports totals with mlsec/findingsChanged and serves checklist evidence', async () => {
    const last = client.totals[client.totals.length - 1];
    assert.deepEqual(last.counts, { error: 0, warning: 2, info: 0 });
    assert.deepEqual(last.byThreat, { 'model-tampering': 2 });
    const evidence = (await client.connection.sendRequest('mlsec/checklistEvidence', {})) as ChecklistEvidenceRequest.Result;
    assert.ok(Array.isArray(evidence.items) && evidence.items.length > 0);
    assert.deepEqual(evidence.counts, { error: 0, warning: 2, info: 0 });
    const tampering = evidence.threats.find((t) => t.id === 'model-tampering');
    assert.equal(tampering?.findings.length, 2);
  });

  it('follows files changed, created and deleted on disk', async () => {
    const a = path.join(workspace, 'a.py');
    const aUri = fileUri(a);
    fs.writeFileSync(a, 'import torch\nm = torch.load("x.pt", weights_only=True)\n');
    const cleared = client.nextDiagnostics(aUri);
    const totals = client.nextTotals((t) => t.counts.warning === 1);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: aUri, type: 2 }] });
    assert.deepEqual((await cleared).diagnostics, []);
    await totals;

    const f = write(workspace, 'new/f.py', unsafe);
    const created = client.nextDiagnostics(fileUri(f));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(f), type: 1 }] });
    assert.deepEqual(codes((await created).diagnostics), ['1:4 MLS102']);

    fs.rmSync(f);
    const deleted = client.nextDiagnostics(fileUri(f));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(f), type: 3 }] });
    assert.deepEqual((await deleted).diagnostics, []);
  });

  it('prefers the editor’s text for open files and honours cancellation', async () => {
    const bUri = fileUri(path.join(workspace, 'pkg', 'b.py'));
    await client.open(bUri, unsafe);
    const result = (await client.connection.sendRequest('mlsec/scanWorkspace', {})) as ScanWorkspaceRequest.Result;
    assert.ok(
      result.findings.some((f) => f.uri === bUri),
      'the unsaved editor text is what counts',
    );

    for (let i = 0; i < 200; i++) write(workspace, `many/m${i}.py`, unsafe);
    const source = new CancellationTokenSource();
    const scan = client.connection.sendRequest('mlsec/scanWorkspace', {}, source.token);
    setTimeout(() => source.cancel(), 20);
    await assert.rejects(scan, (error: { code?: number }) => error.code === -32800);
    // The server is still fine afterwards.
    const again = (await client.connection.sendRequest('mlsec/scanWorkspace', {})) as ScanWorkspaceRequest.Result;
    assert.ok(again.files > 200);
  });

  it('serves an edit of an open document between two files of a workspace scan', async () => {
    for (let i = 0; i < 300; i++) write(workspace, `busy/f${i}.py`, unsafe + '# filler\n'.repeat(200));
    const uri = fileUri(path.join(workspace, 'a.py'));
    await client.open(uri, unsafe);
    let scanAnswered = false;
    const scan = client.connection.sendRequest('mlsec/scanWorkspace', {}).then((result) => {
      scanAnswered = true;
      return result as ScanWorkspaceRequest.Result;
    });
    // Sent after the scan request: a server that scanned without yielding would analyse the edit
    // only after the last of the 500-odd files.
    const edited = await client.change(uri, [{ text: unsafe + 'n = torch.load("y.pt")\n' }]);
    assert.equal(scanAnswered, false, 'the edit was analysed while the scan was still going');
    assert.equal(edited.diagnostics.length, 2);
    assert.ok((await scan).files > 500);
  });
});
