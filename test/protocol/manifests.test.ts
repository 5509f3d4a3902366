/** Editor diagnostics and quick fixes in dependency manifests (requirements, pyproject). */
import * as assert from 'node:assert/strict';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChecklistEvidenceRequest, ScanWorkspaceRequest } from '../../common/src/protocol';
import { action, codeActions, tempWorkspace, write } from './helpers';
import { fileUri, LspTestClient } from './lspClient';

describe('protocol: dependency manifests', () => {
  let client: LspTestClient;

  before(async () => {
    client = await LspTestClient.start({
      initializationOptions: { extensionDocsUri: 'file:///ext/docs/rules/' },
      settings: () => ({ debounceMs: 0 }),
    });
  });
  after(() => client.stop());

  it('underlines a vulnerable pin in requirements.txt and raises it with the quick fix', async () => {
    const uri = 'file:///ws/requirements.txt';
    const opened = await client.open(uri, '# serving\nkeras==3.7.0  # the model format\nnumpy>=2.0\n', 'pip-requirements');
    assert.equal(opened.diagnostics.length, 1);
    const [d] = opened.diagnostics;
    assert.equal(d.code, 'MLS701');
    assert.equal(d.severity, DiagnosticSeverity.Error);
    assert.deepEqual(d.range, { start: { line: 1, character: 0 }, end: { line: 1, character: 12 } });
    assert.match(
      String(d.message),
      /keras pinned to 3\.7\.0 is affected by PYSEC-2025-122 \(CVE-2025-1550, critical\).*Fixed in 3\.8\.0\./,
    );
    assert.equal(d.codeDescription?.href, 'file:///ext/docs/rules/MLS701.md');
    const fix = action(await codeActions(client, uri, d.range, opened.diagnostics), /Raise keras to 3\.8\.0/);
    const after = await client.applyEdit(fix.edit!, uri);
    assert.equal(client.text(uri), '# serving\nkeras==3.8.0  # the model format\nnumpy>=2.0\n');
    assert.deepEqual(after!.diagnostics, []);
  });

  it('reports ranges in pyproject.toml and honours a suppression comment', async () => {
    const uri = 'file:///ws/svc/pyproject.toml';
    const text =
      '[project]\nname = "svc"\ndependencies = [\n  "vllm==0.9.*",\n  "ray>=2.0",  # mlsec: ignore[MLS702] dashboard not exposed\n]\n';
    const opened = await client.open(uri, text, 'toml');
    assert.deepEqual(
      opened.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.character} ${String(d.code)}`),
      ['3:3 MLS702'],
    );
    assert.equal(opened.diagnostics[0].severity, DiagnosticSeverity.Warning);
    assert.match(String(opened.diagnostics[0].message), /vllm ==0\.9\.\* admits releases affected by PYSEC-2026-2300/);
  });

  it('shows a line it cannot read as a diagnostic there and still judges the rest', async () => {
    const opened = await client.open('file:///ws/broken/requirements.txt', 'torch[==2.5.1\nkeras==3.7.0\n', 'pip-requirements');
    assert.deepEqual(
      opened.diagnostics.map((d) => `${d.range.start.line} ${String(d.code)}`),
      ['1 MLS701', '0 input'],
    );
    assert.match(String(opened.diagnostics[1].message), /unclosed "\["/);
  });

  it('underlines a vulnerable %pip install in a notebook cell', async () => {
    const pending = client.nextDiagnostics('vscode-notebook-cell:/ws/setup.ipynb#cell1', (p) => p.diagnostics.length > 0);
    const cells = await client.openNotebook('file:///ws/setup.ipynb', [
      { kind: 'code', text: 'import os\n' },
      { kind: 'code', text: '%pip install -q "keras==3.7.0" numpy>=2\nimport keras\n' },
    ]);
    const published = await pending;
    assert.equal(published.uri, cells[1]);
    assert.deepEqual(
      published.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.character} ${String(d.code)}`),
      ['0:17-29 MLS701'],
    );
  });

  it('counts the vulnerable pins of a workspace as model-tampering evidence in the checklist', async () => {
    const workspace = tempWorkspace();
    write(workspace, 'requirements.txt', 'torch==2.5.1\n');
    write(workspace, 'train.py', 'import torch\nprint(torch.__version__)\n');
    const scanClient = await LspTestClient.start({ folders: [workspace], settings: () => ({ debounceMs: 0 }) });
    try {
      const requirements = fileUri(path.join(workspace, 'requirements.txt'));
      const published = scanClient.nextDiagnostics(requirements);
      const result = (await scanClient.connection.sendRequest('mlsec/scanWorkspace', {})) as ScanWorkspaceRequest.Result;
      assert.deepEqual(
        [...new Set(result.findings.map((f) => `${path.basename(new URL(f.uri).pathname)} ${f.code}`))],
        ['requirements.txt MLS701'],
      );
      assert.ok((await published).diagnostics.every((d) => d.code === 'MLS701'));
      const evidence = (await scanClient.connection.sendRequest('mlsec/checklistEvidence', {})) as ChecklistEvidenceRequest.Result;
      const tampering = evidence.threats.find((t) => t.id === 'model-tampering');
      assert.equal(tampering?.findings.length, result.findings.length);
      assert.equal(result.findings.length, 1, 'one finding for the pinned line');
    } finally {
      await scanClient.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('re-analyses open Python files when a lock changes the torch they run on', async () => {
    const workspace = tempWorkspace();
    write(workspace, 'requirements.txt', 'torch==2.5.1\n');
    const train = write(workspace, 'train.py', 'import torch\nstate = torch.load("m.pt")\n');
    const versionClient = await LspTestClient.start({ folders: [workspace], settings: () => ({ debounceMs: 0 }) });
    try {
      const uri = fileUri(train);
      const before = await versionClient.open(uri, fs.readFileSync(train, 'utf8'));
      assert.equal(before.diagnostics[0].severity, DiagnosticSeverity.Warning);
      assert.match(String(before.diagnostics[0].message), /torch 2\.5\.1 \(requirements\.txt:1\) still defaults/);
      const lock = write(workspace, 'uv.lock', '[[package]]\nname = "torch"\nversion = "2.6.0"\n');
      const after = versionClient.nextDiagnostics(uri, (p) => p.diagnostics[0]?.severity === DiagnosticSeverity.Information);
      await versionClient.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(lock), type: 1 }] });
      assert.match(String((await after).diagnostics[0].message), /torch 2\.6\.0 \(uv\.lock:3\) already defaults to `weights_only=True`/);
    } finally {
      await versionClient.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});
