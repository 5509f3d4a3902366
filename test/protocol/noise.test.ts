/** The editor agrees with the CLI on test code (engine/testCode.ts) and says when a finding is one of many alike (engine/repetition.ts). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import type { ScanWorkspaceRequest } from '../../common/src/protocol';
import { tempWorkspace, write } from './helpers';
import { fileUri, LspTestClient } from './lspClient';

describe('protocol: test code and repeated findings', () => {
  let client: LspTestClient;
  let workspace: string;
  const load = 'import torch\n\ndef test_restore(path):\n    return torch.load(path, weights_only=False)\n';
  const catalog =
    'from transformers import AutoModel\n' +
    [1, 2, 3, 4, 5, 6]
      .map((i) => `m${i} = AutoModel.from_pretrained("org/m${i}", revision="${i}" * 40, trust_remote_code=True)\n`)
      .join('');

  before(async () => {
    workspace = tempWorkspace();
    write(workspace, 'tests/test_restore.py', load);
    write(workspace, 'src/restore.py', load.replace('test_restore', 'restore'));
    write(workspace, 'src/catalog.py', catalog);
    client = await LspTestClient.start({ folders: [workspace], settings: () => ({ debounceMs: 0 }) });
  });
  after(async () => {
    await client.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('shows findings in test code demoted, in open documents and in the workspace scan alike', async () => {
    const scan = (await client.connection.sendRequest('mlsec/scanWorkspace', {})) as ScanWorkspaceRequest.Result;
    const scanned = scan.findings
      .filter((f) => f.code === 'MLS102')
      .map((f) => `${path.relative(workspace, new URL(f.uri).pathname)} ${f.severity}`)
      .sort();
    assert.deepEqual(scanned, ['src/restore.py error', 'tests/test_restore.py info']);
    const opened = await client.open(fileUri(path.join(workspace, 'tests', 'test_restore.py')), load);
    assert.equal(opened.diagnostics.length, 1);
    assert.equal(opened.diagnostics[0].severity, DiagnosticSeverity.Information);
    assert.match(String(opened.diagnostics[0].message), /\(in test code\)$/);
    // Untitled code has no path: a test function still counts.
    const untitled = await client.open('untitled:Untitled-1', load);
    assert.equal(untitled.diagnostics[0]?.severity, DiagnosticSeverity.Information);
  });

  it('says on hover that a finding is one of many alike in the file', async () => {
    const uri = fileUri(path.join(workspace, 'src', 'catalog.py'));
    const opened = await client.open(uri, catalog);
    assert.equal(opened.diagnostics.length, 6);
    const hover = (await client.connection.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: opened.diagnostics[2].range.start,
    })) as Hover;
    assert.match(
      (hover.contents as MarkupContent).value,
      /\nOne of 6 MLS201 findings like this in this file; if all are reviewed, one `# mlsec: ignore-file\[MLS201\] <why>` takes the file out\.$/,
    );
  });
});
