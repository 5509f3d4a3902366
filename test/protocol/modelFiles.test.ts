/** Model files in the language server: background scan, diagnostics on the file, watched changes, lock command, checklist. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UpdateModelLockRequest } from '../../common/src/modelFiles';
import type { ChecklistEvidenceRequest, ScanWorkspaceRequest } from '../../common/src/protocol';
import { REPO_ROOT } from '../support/paths';
import { tempWorkspace, write } from './helpers';
import { fileUri, LspTestClient } from './lspClient';

const FIXTURES = path.join(REPO_ROOT, 'test', 'artifacts', 'fixtures');

describe('protocol: model files', () => {
  let client: LspTestClient;
  let workspace: string;
  let evil: string;
  let clean: string;

  before(async () => {
    workspace = tempWorkspace();
    write(workspace, 'train.py', 'import torch\nm = torch.load("models/evil.pt", weights_only=True)\n');
    write(workspace, '.gitignore', 'models/\n');
    evil = write(workspace, 'models/evil.pt', fs.readFileSync(path.join(FIXTURES, 'unusual_folder.pt')));
    clean = write(workspace, 'models/clean.safetensors', fs.readFileSync(path.join(FIXTURES, 'model.safetensors')));
    client = await LspTestClient.start({ folders: [workspace], settings: () => ({ debounceMs: 0 }) });
  });
  after(async () => {
    await client.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('scans model files after the source files and publishes diagnostics on the model file', async () => {
    const published = client.nextDiagnostics(fileUri(evil));
    const result = (await client.connection.sendRequest('mlsec/scanWorkspace', {})) as ScanWorkspaceRequest.Result;
    assert.equal(result.files, 1, 'the scan answers for the source files');
    const { diagnostics } = await published;
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].code, 'MLS601');
    assert.equal(diagnostics[0].severity, 1);
    assert.match(String(diagnostics[0].message), /posix\.system .* zz_weird-folder\.v2\/data\.pkl .*file byte 59/);
    assert.match(String(diagnostics[0].codeDescription?.href), /MLS601/);
  });

  it('shows model-file results as checklist evidence and against model tampering', async () => {
    const evidence = (await client.connection.sendRequest('mlsec/checklistEvidence', {})) as ChecklistEvidenceRequest.Result;
    const versioning = evidence.items.find((i) => i.id === 'model-versioning');
    assert.ok(
      versioning?.signals.some((s) => s.detail === '2 model files scanned: 1 runs code on load'),
      JSON.stringify(versioning?.signals),
    );
    assert.equal(versioning?.status, 'at-risk');
    const tampering = evidence.threats.find((t) => t.id === 'model-tampering');
    assert.ok(tampering?.findings.some((f) => f.code === 'MLS601' && f.uri === fileUri(evil)));
  });

  it('updates the lock on request and reports a locked file that changes on disk', async () => {
    const result = (await client.connection.sendRequest('mlsec/updateModelLock')) as UpdateModelLockRequest.Result;
    assert.equal(result.locks.length, 1);
    assert.equal(result.locks[0].entries, 2);
    assert.ok(fs.readFileSync(path.join(workspace, 'mlsec.lock'), 'utf8').includes('models/clean.safetensors'));
    let evidence = (await client.connection.sendRequest('mlsec/checklistEvidence', {})) as ChecklistEvidenceRequest.Result;
    assert.ok(
      evidence.items.find((i) => i.id === 'model-versioning')?.signals.some((s) => s.detail === 'all 2 model files locked and unchanged'),
    );

    fs.appendFileSync(clean, Buffer.from([0]));
    const changed = client.nextDiagnostics(fileUri(clean), (d) => d.diagnostics.some((x) => x.code === 'MLS608'));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(clean), type: 2 }] });
    const codes = (await changed).diagnostics.map((d) => d.code).sort();
    assert.deepEqual(codes, ['MLS607', 'MLS608'], 'a byte appended breaks the safetensors ranges and the lock');
    evidence = (await client.connection.sendRequest('mlsec/checklistEvidence', {})) as ChecklistEvidenceRequest.Result;
    assert.ok(evidence.items.find((i) => i.id === 'model-versioning')?.signals.some((s) => s.detail === 'model lock: 1 changed'));
  });

  it('clears the diagnostics of a model file that is deleted', async () => {
    fs.rmSync(evil);
    const cleared = client.nextDiagnostics(fileUri(evil));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(evil), type: 3 }] });
    assert.deepEqual((await cleared).diagnostics, []);
  });
});
