/** Quick fixes, suppression comments, fix-all and hovers, applied the way an editor applies them. */
import * as assert from 'node:assert/strict';
import type { Hover, MarkupContent, WorkspaceEdit } from 'vscode-languageserver-protocol/node';
import { action, assertValidPython, codeActions, codes, range } from './helpers';
import { LspTestClient } from './lspClient';

describe('protocol: code actions and hover', () => {
  let client: LspTestClient;
  let counter = 0;
  const nextUri = () => `file:///ws/actions${counter++}.py`;

  before(async () => {
    client = await LspTestClient.start({ settings: () => ({ debounceMs: 0 }) });
  });
  after(() => client.stop());

  it('offers the rule fix (not preferred when unsafe) and applies it keeping the formatting', async () => {
    const uri = nextUri();
    const text = 'import torch\n\nmodel = torch.load(\n    "model.pt",\n    map_location="cpu",\n)\n';
    const opened = await client.open(uri, text);
    const actions = await codeActions(client, uri, opened.diagnostics[0].range, opened.diagnostics);
    const fix = action(actions, /weights_only=True/);
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, false);
    assert.deepEqual(fix.diagnostics, opened.diagnostics);
    const after = await client.applyEdit(fix.edit!, uri);
    assert.equal(
      client.text(uri),
      'import torch\n\nmodel = torch.load(\n    "model.pt",\n    map_location="cpu",\n    weights_only=True,\n)\n',
    );
    await assertValidPython(client.text(uri));
    assert.deepEqual(after!.diagnostics, []);
  });

  it('round-trips a line suppression: ignore, then stale-suppression report, then its safe removal', async () => {
    const uri = nextUri();
    const opened = await client.open(uri, 'import torch\nm = torch.load("x.pt")\nprint(m)\n');
    const ignore = action(
      await codeActions(client, uri, opened.diagnostics[0].range, opened.diagnostics),
      /^mlsec \(MLS102\): Ignore on this line/,
    );
    const suppressed = await client.applyEdit(ignore.edit!, uri);
    assert.equal(client.text(uri), 'import torch\nm = torch.load("x.pt")  # mlsec: ignore[MLS102] reason\nprint(m)\n');
    await assertValidPython(client.text(uri));
    assert.deepEqual(codes(suppressed!.diagnostics), ['1:24 MLS001'], 'suppressed; the placeholder reason counts as none');
    assert.match(String(suppressed!.diagnostics[0].message), /placeholder/);
    const explained = await client.change(uri, [{ range: range(1, 48, 1, 54), text: 'our own trainer wrote it' }]);
    assert.equal(client.text(uri), 'import torch\nm = torch.load("x.pt")  # mlsec: ignore[MLS102] our own trainer wrote it\nprint(m)\n');
    assert.deepEqual(explained.diagnostics, [], 'a real reason: MLS001 stays quiet');

    // The code becomes safe: the suppression is now stale and MLS001 says so, with a safe fix.
    const safe = await client.change(uri, [{ range: range(1, 21, 1, 21), text: ', weights_only=True' }]);
    assert.deepEqual(codes(safe.diagnostics), ['1:43 MLS001']);
    assert.match(String(safe.diagnostics[0].message), /Unused suppression/);
    const remove = action(await codeActions(client, uri, safe.diagnostics[0].range, safe.diagnostics), /Remove the suppression/);
    assert.equal(remove.isPreferred, true);
    const clean = await client.applyEdit(remove.edit!, uri);
    assert.equal(client.text(uri), 'import torch\nm = torch.load("x.pt", weights_only=True)\nprint(m)\n');
    assert.deepEqual(clean!.diagnostics, []);
  });

  it('puts the suppression on its own line where a trailing comment would break the code', async () => {
    const uri = nextUri();
    const opened = await client.open(uri, 'import torch\nif True:\n    m = torch.load("x.pt") + \\\n        1\n');
    const ignore = action(
      await codeActions(client, uri, opened.diagnostics[0].range, opened.diagnostics),
      /^mlsec \(MLS102\): Ignore on this line/,
    );
    const after = await client.applyEdit(ignore.edit!, uri);
    assert.equal(
      client.text(uri),
      'import torch\nif True:\n    # mlsec: ignore[MLS102] reason\n    m = torch.load("x.pt") + \\\n        1\n',
    );
    await assertValidPython(client.text(uri));
    assert.deepEqual(codes(after!.diagnostics), ['2:4 MLS001'], 'only the placeholder reason is left to write');
  });

  it('adds a second rule to an existing suppression on the same line', async () => {
    const uri = nextUri();
    const opened = await client.open(
      uri,
      'import pickle, torch\nm = torch.load(pickle.load(f))  # mlsec: ignore[MLS102] our own checkpoints\n',
    );
    const pickleFinding = opened.diagnostics.find((d) => d.code === 'MLS101');
    if (!pickleFinding) return; // MLS101 not registered in this build
    const ignore = action(await codeActions(client, uri, pickleFinding.range, [pickleFinding]), /^mlsec \(MLS101\): Ignore on this line/);
    const after = await client.applyEdit(ignore.edit!, uri);
    assert.equal(
      client.text(uri),
      'import pickle, torch\nm = torch.load(pickle.load(f))  # mlsec: ignore[MLS102, MLS101] our own checkpoints\n',
    );
    assert.deepEqual(after!.diagnostics, []);
  });

  it('ignores a rule in the whole file below a shebang and an encoding line', async () => {
    const uri = nextUri();
    const opened = await client.open(
      uri,
      '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n"""Doc."""\nimport torch\na = torch.load(p)\nb = torch.load(q)\n',
    );
    assert.equal(opened.diagnostics.length, 2);
    const ignore = action(
      await codeActions(client, uri, opened.diagnostics[1].range, opened.diagnostics),
      /^mlsec \(MLS102\): Ignore in this file/,
    );
    const after = await client.applyEdit(ignore.edit!, uri);
    assert.equal(
      client.text(uri),
      '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# mlsec: ignore-file[MLS102] reason\n"""Doc."""\nimport torch\na = torch.load(p)\nb = torch.load(q)\n',
    );
    await assertValidPython(client.text(uri));
    assert.deepEqual(codes(after!.diagnostics), ['2:0 MLS001'], 'only the placeholder reason is left to write');
  });

  it('applies every safe fix with source.fixAll.mlsec and leaves unsafe ones alone', async () => {
    const uri = nextUri();
    const text = [
      'import torch',
      'x = 1  # mlsec: ignore[MLS102] stale',
      '# mlsec: ignore[MLS102] also stale',
      'y = 2',
      'm = torch.load("x.pt")',
      '',
    ].join('\n');
    const opened = await client.open(uri, text);
    assert.deepEqual(codes(opened.diagnostics), ['1:7 MLS001', '2:0 MLS001', '4:4 MLS102']);
    const actions = await codeActions(client, uri, range(0, 0, 0, 0), [], ['source.fixAll']);
    assert.equal(actions.length, 1);
    assert.equal(actions[0].kind, 'source.fixAll.mlsec');
    const after = await client.applyEdit(actions[0].edit!, uri);
    assert.equal(client.text(uri), 'import torch\nx = 1\ny = 2\nm = torch.load("x.pt")\n');
    await assertValidPython(client.text(uri));
    assert.deepEqual(codes(after!.diagnostics), ['3:4 MLS102']);
    // Nothing safe left: an explicit fix-all request returns nothing.
    assert.deepEqual(await codeActions(client, uri, range(0, 0, 0, 0), [], ['source.fixAll.mlsec']), []);
  });

  it('applies all safe fixes through workspace/executeCommand and workspace/applyEdit', async () => {
    const uri = nextUri();
    await client.open(uri, 'import torch\n# mlsec: ignore[MLS102] nothing here\nz = 3\n');
    const updated = client.nextDiagnostics(uri, (p) => p.version === 2);
    const result = await client.connection.sendRequest('workspace/executeCommand', { command: 'mlsec.applySafeFixes', arguments: [uri] });
    assert.deepEqual(result, { applied: true });
    assert.deepEqual((await updated).diagnostics, []);
    assert.equal(client.text(uri), 'import torch\nz = 3\n');
  });

  it('only offers quick fixes for the requested range and kinds', async () => {
    const uri = nextUri();
    await client.open(uri, 'import torch\na = 1\nm = torch.load("x.pt")\n');
    assert.deepEqual(await codeActions(client, uri, range(1, 0, 1, 1)), []);
    assert.deepEqual(await codeActions(client, uri, range(2, 6, 2, 6), [], ['refactor']), []);
    const fixes = await codeActions(client, uri, range(2, 6, 2, 6), [], ['quickfix']);
    assert.deepEqual(
      fixes.map((a) => a.title),
      [
        'mlsec (MLS102): Add weights_only=True (review: may change behaviour)',
        'mlsec (MLS102): Ignore on this line (with a reason)',
        'mlsec (MLS102): Ignore in this file (with a reason)',
      ],
    );
  });

  it('uses plain `changes` for clients without documentChanges support', async () => {
    const plain = await LspTestClient.start({ capabilities: { workspace: { configuration: true } } });
    try {
      const uri = 'file:///ws/plain.py';
      const opened = await plain.open(uri, 'import torch\nm = torch.load("x.pt")\n');
      const ignore = action(
        await codeActions(plain, uri, opened.diagnostics[0].range, opened.diagnostics),
        /^mlsec \(MLS102\): Ignore on this line/,
      );
      const edit = ignore.edit as WorkspaceEdit;
      assert.equal(edit.documentChanges, undefined);
      assert.deepEqual(edit.changes, { [uri]: [{ range: range(1, 22, 1, 22), newText: '  # mlsec: ignore[MLS102] reason' }] });
    } finally {
      await plain.stop();
    }
  });

  it('explains a finding on hover in one short block, the rule page behind a link', async () => {
    const uri = nextUri();
    await client.open(uri, 'import torch\nm = torch.load("x.pt")\n');
    const hover = (await client.connection.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line: 1, character: 10 },
    })) as Hover;
    const content = hover.contents as MarkupContent;
    assert.equal(content.kind, 'markdown');
    assert.match(content.value, /^\*\*mlsec MLS102\*\* `torch-load-unsafe` · warning · CWE-502\n/);
    assert.match(
      content.value,
      /\nPass `weights_only=True` \(and register any custom classes with `torch\.serialization\.add_safe_globals`\), or store weights as safetensors and load them with `safetensors\.torch\.load_file`\.\n/,
    );
    assert.match(content.value, /\[Rule documentation\]\([^)]+MLS102\.md\) · 1 quick fix \(review before applying\)/);
    assert.doesNotMatch(content.value, /without `weights_only=True` can execute/, 'the diagnostic message is not repeated');
    assert.doesNotMatch(content.value, /unpickles the checkpoint/, 'the rationale is on the rule page');
    assert.deepEqual(hover.range, range(1, 4, 1, 22));
    const nothing = await client.connection.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line: 0, character: 3 },
    });
    assert.equal(nothing, null);
  });

  it('offers "Fix all MLS### in this file" and applies a fix the code implies is safe with source.fixAll', async () => {
    const uri = nextUri();
    const text =
      'import torch\nnet.load_state_dict(torch.load("w.pt"))\nother = torch.load("o.pt")\nnet.load_state_dict(torch.load("v.pt", weights_only=False))\n';
    const opened = await client.open(uri, text);
    assert.deepEqual(codes(opened.diagnostics), ['1:20 MLS102', '2:8 MLS102', '3:39 MLS102']);
    const first = await codeActions(client, uri, opened.diagnostics[0].range, opened.diagnostics);
    const single = action(first, /^mlsec \(MLS102\): Add weights_only=True$/);
    assert.equal(single.isPreferred, true, 'the loaded object goes into load_state_dict: a safe fix');
    const all = action(first, /^mlsec \(MLS102\): Fix all MLS102 in this file \(3\) \(review: may change behaviour\)$/);
    assert.equal(all.kind, 'quickfix');

    const fixAll = await codeActions(client, uri, range(0, 0, 0, 0), [], ['source.fixAll.mlsec']);
    assert.equal(fixAll.length, 1);
    const afterSafe = await client.applyEdit(fixAll[0].edit!, uri);
    assert.equal(
      client.text(uri),
      'import torch\nnet.load_state_dict(torch.load("w.pt", weights_only=True))\nother = torch.load("o.pt")\nnet.load_state_dict(torch.load("v.pt", weights_only=True))\n',
    );
    assert.deepEqual(codes(afterSafe!.diagnostics), ['2:8 MLS102'], 'the unsafe one is left for a person');
    await assertValidPython(client.text(uri));
  });

  it('applies "Fix all" of one rule to every finding of that rule only', async () => {
    const uri = nextUri();
    const opened = await client.open(uri, 'import torch, pickle\na = torch.load("a.pt")\nb = torch.load("b.pt")\nc = pickle.load(f)\n');
    const all = action(
      await codeActions(client, uri, opened.diagnostics[0].range, opened.diagnostics),
      /^mlsec \(MLS102\): Fix all MLS102 in this file \(2\)/,
    );
    const after = await client.applyEdit(all.edit!, uri);
    assert.equal(
      client.text(uri),
      'import torch, pickle\na = torch.load("a.pt", weights_only=True)\nb = torch.load("b.pt", weights_only=True)\nc = pickle.load(f)\n',
    );
    assert.deepEqual(
      after!.diagnostics.map((d) => d.code),
      ['MLS101'],
    );
  });

  it('leaves out the suppression actions when mlsec.suppressionActions is off', async () => {
    const strict = await LspTestClient.start({ settings: () => ({ debounceMs: 0, suppressionActions: false }) });
    try {
      const uri = 'file:///ws/strict.py';
      const opened = await strict.open(uri, 'import torch\nm = torch.load("x.pt")\n');
      const titles = (await codeActions(strict, uri, opened.diagnostics[0].range, opened.diagnostics)).map((a) => a.title);
      assert.deepEqual(titles, ['mlsec (MLS102): Add weights_only=True (review: may change behaviour)']);
    } finally {
      await strict.stop();
    }
  });

  it('serves rule documentation from the bundle', async () => {
    const doc = (await client.connection.sendRequest('mlsec/ruleDocumentation', { code: 'mls102' })) as {
      code: string;
      name: string;
      markdown: string;
    };
    assert.equal(doc.code, 'MLS102');
    assert.equal(doc.name, 'torch-load-unsafe');
    assert.match(doc.markdown, /^# MLS102 torch-load-unsafe/);
    assert.match(doc.markdown, /## Why/);
    await assert.rejects(client.connection.sendRequest('mlsec/ruleDocumentation', { code: 'MLS999' }), /unknown rule/);
  });
});
