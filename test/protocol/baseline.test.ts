/** The editor honours the project's baseline: recorded findings as hints, hidden, or shown. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import type { MlsecSettings } from '../../common/src/protocol';
import { REPO_ROOT } from '../support/paths';
import { codes, tempWorkspace, write } from './helpers';
import { fileUri, LspTestClient } from './lspClient';

describe('protocol: baseline', () => {
  let client: LspTestClient;
  let workspace: string;
  let current: Partial<MlsecSettings>;
  const old = 'import torch\n\ndef f(p):\n    return torch.load(p, weights_only=False)\n';
  // Lines added above the recorded finding and a new finding below it.
  const edited =
    'import torch\nimport os\n\ndef f(p):\n    return torch.load(p, weights_only = False)\n\nn = torch.load("n.pt", weights_only=False)\n';

  before(async () => {
    workspace = tempWorkspace();
    write(workspace, 'train.py', old);
    const recorded = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'mlsec.js'), 'baseline', '.'], {
      cwd: workspace,
      encoding: 'utf8',
    });
    assert.equal(recorded.status, 0, recorded.stderr);
    assert.ok(fs.existsSync(path.join(workspace, '.mlsec', 'baseline.json')));
    current = { debounceMs: 0 };
    client = await LspTestClient.start({ folders: [workspace], settings: () => current });
  });
  after(async () => {
    await client.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  async function reconfigure(settings: Partial<MlsecSettings>, uri: string) {
    current = { debounceMs: 0, ...settings };
    const next = client.nextDiagnostics(uri);
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    return next;
  }

  it('shows baseline findings as hints by default, hides or shows them as the setting says', async () => {
    const uri = fileUri(path.join(workspace, 'train.py'));
    const opened = await client.open(uri, edited);
    assert.deepEqual(codes(opened.diagnostics), ['4:25 MLS102', '6:23 MLS102']);
    const [known, fresh] = opened.diagnostics;
    assert.equal(known.severity, DiagnosticSeverity.Hint);
    assert.match(String(known.message), /\(in the baseline\)$/);
    assert.equal(fresh.severity, DiagnosticSeverity.Error);
    assert.deepEqual(codes((await reconfigure({ baselineFindings: 'hide' }, uri)).diagnostics), ['6:23 MLS102']);
    const shown = await reconfigure({ baselineFindings: 'show' }, uri);
    assert.deepEqual(
      shown.diagnostics.map((d) => d.severity),
      [DiagnosticSeverity.Error, DiagnosticSeverity.Error],
    );
    await client.close(uri);
  });
});
