/** Settings per document, project files over editor settings, and reloading on change. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import type { MlsecSettings } from '../../common/src/protocol';
import { codes, range, tempWorkspace, write } from './helpers';
import { delay, fileUri, LspTestClient } from './lspClient';

describe('protocol: settings', () => {
  let client: LspTestClient;
  let workspace: string;
  let current: Partial<MlsecSettings>;
  const source = 'import torch\nm = torch.load("x.pt")\n';

  before(async () => {
    workspace = tempWorkspace();
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

  it('applies ignore, select and severity from editor settings, re-reading them on change', async () => {
    const uri = fileUri(path.join(workspace, 'editor.py'));
    assert.deepEqual(codes((await client.open(uri, source)).diagnostics), ['1:4 MLS102']);
    assert.deepEqual((await reconfigure({ ignore: ['torch-load-unsafe'] }, uri)).diagnostics, []);
    assert.deepEqual((await reconfigure({ select: ['MLS2'] }, uri)).diagnostics, []);
    const severe = await reconfigure({ severity: { MLS102: 'error' } }, uri);
    assert.equal(severe.diagnostics[0].severity, DiagnosticSeverity.Error);
    assert.deepEqual((await reconfigure({ enable: false }, uri)).diagnostics, []);
    assert.deepEqual(codes((await reconfigure({}, uri)).diagnostics), ['1:4 MLS102']);
    await client.close(uri);
  });

  it('lets the project file win over editor settings and reloads it when it changes on disk', async () => {
    const project = path.join(workspace, 'proj');
    const pyproject = write(project, 'pyproject.toml', '[project]\nname = "x"\n\n[tool.mlsec.severity]\nMLS102 = "info"\n');
    current = { debounceMs: 0, severity: { MLS102: 'error' } };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const uri = fileUri(path.join(project, 'train.py'));
    const opened = await client.open(uri, source);
    assert.equal(opened.diagnostics[0].severity, DiagnosticSeverity.Information, 'pyproject [tool.mlsec.severity] wins');

    fs.writeFileSync(pyproject, '[tool.mlsec]\nignore = ["MLS102"]\n');
    const reloaded = client.nextDiagnostics(uri);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(pyproject), type: 2 }] });
    assert.deepEqual((await reloaded).diagnostics, []);

    write(project, '.mlsec.toml', 'select = ["MLS102"]\n');
    const overridden = client.nextDiagnostics(uri);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: fileUri(path.join(project, '.mlsec.toml')), type: 1 }],
    });
    const result = await overridden;
    assert.deepEqual(codes(result.diagnostics), ['1:4 MLS102'], '.mlsec.toml wins over pyproject.toml in the same folder');
    assert.equal(result.diagnostics[0].severity, DiagnosticSeverity.Error, 'no project severity now: the editor setting applies');
    await client.close(uri);
    current = { debounceMs: 0 };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  });

  it('shows a broken project file as a diagnostic on that file until it is fixed', async () => {
    const project = path.join(workspace, 'broken');
    const config = write(project, '.mlsec.toml', 'select = ["MLS102"]\nfail-on = "sometimes"\n');
    const configUri = fileUri(config);
    const problem = client.nextDiagnostics(configUri);
    const uri = fileUri(path.join(project, 'train.py'));
    assert.deepEqual(codes((await client.open(uri, source)).diagnostics), ['1:4 MLS102'], 'the valid settings still apply');
    const shown = await problem;
    assert.equal(shown.diagnostics.length, 1);
    assert.equal(shown.diagnostics[0].range.start.line, 1, 'on the line of the bad setting');
    assert.equal(shown.diagnostics[0].source, 'mlsec');
    assert.match(String(shown.diagnostics[0].message), /fail-on/);

    fs.writeFileSync(config, 'select = ["MLS102"]\nfail-on = "warning"\n');
    const cleared = client.nextDiagnostics(configUri);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: configUri, type: 2 }] });
    assert.deepEqual((await cleared).diagnostics, []);
    await client.close(uri);
  });

  it('reports unknown rule names of a project file at their lines, and an empty selection as an error', async () => {
    const project = path.join(workspace, 'typo');
    const config = write(project, 'pyproject.toml', '[tool.mlsec]\nselect = ["MLS3O1"]\nignore = ["pickel"]\n');
    const problem = client.nextDiagnostics(fileUri(config));
    const uri = fileUri(path.join(project, 'train.py'));
    assert.deepEqual((await client.open(uri, source)).diagnostics, [], 'no rule is selected');
    const shown = (await problem).diagnostics.map((d) => [
      d.range.start.line,
      d.severity,
      String(d.message).replace(/: not a rule code.*$/, ''),
    ]);
    assert.deepEqual(shown, [
      [1, DiagnosticSeverity.Warning, 'mlsec configuration: unknown rule "MLS3O1" in select'],
      [2, DiagnosticSeverity.Warning, 'mlsec configuration: unknown rule "pickel" in ignore'],
      [
        1,
        DiagnosticSeverity.Error,
        'mlsec configuration: the rule selection is empty: select and ignore leave no rule to run; no rule runs on the files it governs.',
      ],
    ]);
    await client.close(uri);
  });

  it('shows unknown rule names and an empty selection in the editor settings as window messages', async () => {
    const uri = fileUri(path.join(workspace, 'settings-typo.py'));
    await client.open(uri, source);
    const before = client.messages.length;
    const analysed = await reconfigure(
      {
        select: ['MLS3O1'],
        ignore: ['torch-lod-unsafe'],
        severity: { MLS999: 'error', MLS102: 'loud' } as unknown as Record<string, never>,
        maxFileSize: 0,
      },
      uri,
    );
    assert.deepEqual(analysed.diagnostics, []);
    const messages = client.messages
      .slice(before)
      .map((m) => `${m.type} ${m.message.replace(/: not a rule code.*$/, '')}`)
      .sort();
    assert.deepEqual(messages, [
      '1 mlsec settings: mlsec.select and mlsec.ignore leave no rule to run: mlsec finds nothing until they are fixed',
      '2 mlsec settings: mlsec.maxFileSize must be a positive number of bytes (0 or less does not mean "no limit"); the default of 2097152 applies',
      '2 mlsec settings: mlsec.severity: the level of "MLS102" must be "error", "warning" or "info", not "loud"; the rule keeps its own',
      '2 mlsec settings: unknown rule "MLS3O1" in mlsec.select',
      '2 mlsec settings: unknown rule "MLS999" in mlsec.severity',
      '2 mlsec settings: unknown rule "torch-lod-unsafe" in mlsec.ignore',
    ]);
    const fixed = await reconfigure({}, uri);
    assert.deepEqual(codes(fixed.diagnostics), ['1:4 MLS102']);
    await client.close(uri);
  });

  it('does not analyse open files matched by mlsec.exclude', async () => {
    current = { debounceMs: 0, exclude: ['generated/'] };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const excluded = await client.open(fileUri(path.join(workspace, 'generated', 'model.py')), source);
    assert.deepEqual(excluded.diagnostics, []);
    const other = await client.open(fileUri(path.join(workspace, 'src', 'model.py')), source);
    assert.deepEqual(codes(other.diagnostics), ['1:4 MLS102']);
    current = { debounceMs: 0 };
  });

  it('with run = onSave, analyses on open and save but not while typing', async () => {
    current = { debounceMs: 0, run: 'onSave' };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const uri = fileUri(path.join(workspace, 'saved.py'));
    assert.deepEqual(codes((await client.open(uri, source)).diagnostics), ['1:4 MLS102']);
    const before = client.published.length;
    const unpublished = client.change(uri, [{ range: range(1, 21, 1, 21), text: ', weights_only=True' }]);
    await delay(150);
    assert.equal(
      client.published.filter((p) => p.uri === uri).length,
      client.published.slice(0, before).filter((p) => p.uri === uri).length,
      'nothing published while typing',
    );
    void unpublished.catch(() => undefined);
    const saved = client.nextDiagnostics(uri);
    await client.connection.sendNotification('textDocument/didSave', { textDocument: { uri } });
    assert.deepEqual((await saved).diagnostics, []);
    current = { debounceMs: 0 };
  });
});
