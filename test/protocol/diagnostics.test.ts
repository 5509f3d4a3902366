/** Live diagnostics over stdio: exact contents on open, updates on change, incremental parsing. */
import * as assert from 'node:assert/strict';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import { codes, range } from './helpers';
import { delay, LspTestClient } from './lspClient';

describe('protocol: diagnostics', () => {
  let client: LspTestClient;

  before(async () => {
    client = await LspTestClient.start({
      initializationOptions: { extensionDocsUri: 'file:///ext/docs/rules/' },
      settings: () => ({ debounceMs: 0 }),
    });
  });
  after(() => client.stop());

  it('publishes the exact diagnostic for torch.load on open', async () => {
    const published = await client.open('file:///ws/train.py', 'import torch\n\nmodel = torch.load("model.pt")\n');
    assert.equal(published.version, 1);
    assert.deepEqual(published.diagnostics, [
      {
        range: range(2, 8, 2, 30),
        severity: DiagnosticSeverity.Warning,
        code: 'MLS102',
        codeDescription: { href: 'file:///ext/docs/rules/MLS102.md' },
        source: 'mlsec',
        message: '`torch.load` without `weights_only=True` can execute code embedded in the checkpoint (CWE-502).',
        data: {
          name: 'torch-load-unsafe',
          cwe: ['CWE-502'],
          threats: ['model-tampering'],
          fingerprint: published.diagnostics[0].data.fingerprint,
          fixes: 1,
          safeFixes: 0,
        },
      },
    ]);
    assert.match(published.diagnostics[0].data.fingerprint, /^[0-9a-f]{32}$/);
  });

  it('reports an explicit weights_only=False constant as an error, related to where it is defined', async () => {
    const uri = 'file:///ws/related.py';
    const published = await client.open(uri, 'import torch as T\nUNSAFE = False\nm = T.load("x.pt", weights_only=UNSAFE)\n');
    assert.equal(published.diagnostics.length, 1);
    const [d] = published.diagnostics;
    assert.equal(d.code, 'MLS102');
    assert.equal(d.severity, DiagnosticSeverity.Error);
    assert.deepEqual(d.range, range(2, 19, 2, 38));
    assert.equal(d.relatedInformation?.length, 1);
    assert.equal(d.relatedInformation![0].location.uri, uri);
    assert.equal(d.relatedInformation![0].location.range.start.line, 1);
  });

  it('analyses untitled documents', async () => {
    const published = await client.open('untitled:Untitled-1', 'from torch import load\nstate = load(path)\n');
    assert.deepEqual(codes(published.diagnostics), ['1:8 MLS102']);
  });

  it('updates diagnostics on change, carrying the document version', async () => {
    const uri = 'file:///ws/change.py';
    await client.open(uri, 'import torch\nm = torch.load("x.pt")\n');
    const fixed = await client.change(uri, [{ range: range(1, 21, 1, 21), text: ', weights_only=True' }]);
    assert.equal(fixed.version, 2);
    assert.deepEqual(fixed.diagnostics, []);
    const broken = await client.change(uri, [{ range: range(1, 36, 1, 40), text: 'False' }]);
    assert.equal(client.text(uri), 'import torch\nm = torch.load("x.pt", weights_only=False)\n');
    assert.deepEqual(codes(broken.diagnostics), ['1:23 MLS102']);
    assert.equal(broken.diagnostics[0].severity, DiagnosticSeverity.Error);
  });

  it('handles several content changes in one notification and whole-text replacements', async () => {
    const uri = 'file:///ws/multi.py';
    await client.open(uri, 'import os\nx = 1\n');
    const published = await client.change(uri, [
      { range: range(0, 7, 0, 9), text: 'torch' },
      { range: range(1, 0, 1, 5), text: 'a = torch.load("a.pt")\nb = torch.load("b.pt", weights_only=True)' },
      { range: range(2, 0, 2, 0), text: 'c = torch.load("c.pt")\n' },
    ]);
    assert.equal(
      client.text(uri),
      'import torch\na = torch.load("a.pt")\nc = torch.load("c.pt")\nb = torch.load("b.pt", weights_only=True)\n',
    );
    assert.deepEqual(codes(published.diagnostics), ['1:4 MLS102', '2:4 MLS102']);
    const replaced = await client.change(uri, [{ text: 'import torch\n\n\nz = torch.load(p)\n' }]);
    assert.deepEqual(codes(replaced.diagnostics), ['3:4 MLS102']);
  });

  it('gives the same diagnostics after many incremental edits as a fresh parse of the same text', async () => {
    const uri = 'file:///ws/random.py';
    const lines = ['import torch', 'import pickle', ''];
    for (let i = 0; i < 40; i++) lines.push(`def f${i}(p):`, i % 3 === 0 ? '    return torch.load(p)' : `    return p + ${i}`, '');
    await client.open(uri, lines.join('\n'));
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = ['x', '(', ')', '\n', '    ', 'torch.load(q)', ', weights_only=True', '"', '#', 'é😀', ''];
    for (let step = 0; step < 60; step++) {
      const text = client.text(uri);
      const start = random(text.length);
      const end = Math.min(text.length, start + random(6));
      const doc = client.documents.get(uri)!;
      const published = await client.change(uri, [
        { range: { start: doc.positionAt(start), end: doc.positionAt(end) }, text: pieces[random(pieces.length)] },
      ]);
      if (step % 10 !== 9) continue;
      const fresh = await client.open(`file:///ws/fresh${step}.py`, client.text(uri));
      assert.deepEqual(
        published.diagnostics.map((d) => [d.code, d.range, d.severity, d.message]),
        fresh.diagnostics.map((d) => [d.code, d.range, d.severity, d.message]),
        `incremental and fresh analyses differ after step ${step}`,
      );
      await client.close(`file:///ws/fresh${step}.py`);
    }
  });

  it('never publishes an older result after a newer one (debounced typing)', async () => {
    const slow = await LspTestClient.start({ settings: () => ({ debounceMs: 40 }) });
    try {
      const uri = 'file:///ws/typing.py';
      await slow.open(uri, 'import torch\n');
      const word = 'm = torch.load("x.pt")';
      const last = slow.nextDiagnostics(uri, (p) => p.version === word.length + 1);
      for (let i = 0; i < word.length; i++) {
        void slow.change(uri, [{ range: range(1, i, 1, i), text: word[i] }]).catch(() => undefined);
        if (i % 5 === 0) await delay(5);
      }
      const final = await last;
      assert.deepEqual(codes(final.diagnostics), ['1:4 MLS102']);
      await delay(100);
      const versions = slow.published.filter((p) => p.uri === uri).map((p) => p.version ?? 0);
      assert.deepEqual(
        [...versions].sort((a, b) => a - b),
        versions,
        'versions must only increase',
      );
      assert.ok(versions.length < word.length, `debouncing should skip intermediate versions (published ${versions.length})`);
      assert.equal(versions[versions.length - 1], word.length + 1);
    } finally {
      await slow.stop();
    }
  });

  it('clears diagnostics when a document is closed', async () => {
    const uri = 'file:///ws/closing.py';
    await client.open(uri, 'import torch\ntorch.load(p)\n');
    const cleared = client.nextDiagnostics(uri);
    await client.close(uri);
    assert.deepEqual((await cleared).diagnostics, []);
  });
});
