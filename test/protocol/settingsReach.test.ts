/** A settings change reaches closed files too: diagnostics, totals and checklist evidence. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChecklistEvidenceRequest, MlsecSettings, ScanWorkspaceRequest } from '../../common/src/protocol';
import { codes, tempWorkspace, write } from './helpers';
import { fileUri, LspTestClient } from './lspClient';

describe('protocol: settings changes reach closed files', () => {
  let client: LspTestClient;
  let workspace: string;
  let current: Partial<MlsecSettings>;

  before(async () => {
    workspace = tempWorkspace();
    write(workspace, 'closed.py', 'import torch\nm = torch.load("x.pt")\n');
    write(workspace, 'other.py', 'import yaml\nc = yaml.load(open("c.yml"))\n');
    current = { debounceMs: 0 };
    client = await LspTestClient.start({ folders: [workspace], settings: () => current, trace: 'messages' });
    await client.connection.sendRequest('mlsec/scanWorkspace', {});
  });
  after(async () => {
    await client.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  async function reconfigure(settings: Partial<MlsecSettings>): Promise<void> {
    current = { debounceMs: 0, ...settings };
    // VS Code may send more than one notification for one change; they count as one.
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  }

  const evidenceCodes = async () =>
    ((await client.connection.sendRequest('mlsec/checklistEvidence', {})) as ChecklistEvidenceRequest.Result).threats
      .flatMap((t) => t.findings.map((f) => f.code))
      .filter((c, i, all) => all.indexOf(c) === i)
      .sort();

  it('clears closed files on mlsec.enable = false and restores them when it is on again', async () => {
    const closed = fileUri(path.join(workspace, 'closed.py'));
    assert.deepEqual(await evidenceCodes(), ['MLS102', 'MLS106']);
    const settingsLogs = () => client.logs.filter((l) => /settings changed/.test(l.message)).length;
    const logsBefore = settingsLogs();

    const cleared = client.nextDiagnostics(closed, (p) => p.diagnostics.length === 0);
    const zero = client.nextTotals((t) => t.counts.error + t.counts.warning + t.counts.info === 0);
    await reconfigure({ enable: false });
    await cleared;
    await zero;
    assert.deepEqual(await evidenceCodes(), [], 'the checklist has no findings while disabled');
    assert.equal(settingsLogs() - logsBefore, 1, 'one log line for one change');
    assert.match(client.logs.filter((l) => /settings changed/.test(l.message)).pop()!.message, /mlsec\.enable/);

    const restored = client.nextDiagnostics(closed, (p) => p.diagnostics.length > 0);
    await reconfigure({});
    assert.deepEqual(codes((await restored).diagnostics), ['1:4 MLS102']);
    assert.deepEqual(await evidenceCodes(), ['MLS102', 'MLS106']);
  });

  it('drops closed files’ findings of a rule added to mlsec.ignore', async () => {
    const closed = fileUri(path.join(workspace, 'closed.py'));
    const cleared = client.nextDiagnostics(closed, (p) => p.diagnostics.length === 0);
    await reconfigure({ ignore: ['MLS102'] });
    await cleared;
    const scan = (await client.connection.sendRequest('mlsec/scanWorkspace', {})) as ScanWorkspaceRequest.Result;
    assert.deepEqual(
      scan.findings.map((f) => f.code),
      ['MLS106'],
    );
    assert.deepEqual(await evidenceCodes(), ['MLS106']);
    const back = client.nextDiagnostics(closed, (p) => p.diagnostics.length > 0);
    await reconfigure({});
    await back;
  });
});
