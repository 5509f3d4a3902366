/** Rule documentation links when the client shows pages itself (initializationOptions.ruleDocsCommand). */
import * as assert from 'node:assert/strict';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { action, codeActions } from './helpers';
import { LspTestClient } from './lspClient';

describe('protocol: rule documentation links', () => {
  const command = 'mlsec.openRuleDocumentation';
  const expected = `command:${command}?${encodeURIComponent(JSON.stringify(['MLS102']))}`;

  it('links diagnostics and hovers to the client command and offers "Show documentation"', async () => {
    const client = await LspTestClient.start({ settings: () => ({ debounceMs: 0 }), initializationOptions: { ruleDocsCommand: command } });
    try {
      const uri = 'file:///ws/docs_links.py';
      const opened = await client.open(uri, 'import torch\nm = torch.load("a.pt")\nn = torch.load("b.pt")\n');
      assert.equal(opened.diagnostics.length, 2);
      for (const d of opened.diagnostics) assert.equal(d.codeDescription?.href, expected);
      const hover = (await client.connection.sendRequest('textDocument/hover', {
        textDocument: { uri },
        position: { line: 1, character: 10 },
      })) as Hover;
      assert.ok((hover.contents as MarkupContent).value.includes(`](${expected})`), 'the hover links the same page');
      const actions = await codeActions(client, uri, opened.diagnostics[0].range, opened.diagnostics);
      const docs = action(actions, /^mlsec: Show documentation for MLS102$/);
      assert.equal(docs.command?.command, command);
      assert.deepEqual(docs.command?.arguments, ['MLS102']);
      assert.equal(docs.edit, undefined, 'showing documentation changes nothing');
      const all = await codeActions(client, uri, { start: { line: 1, character: 0 }, end: { line: 2, character: 30 } }, opened.diagnostics);
      assert.equal(all.filter((a) => /Show documentation/.test(a.title)).length, 1, 'one per rule, not per finding');
    } finally {
      await client.stop();
    }
  });

  it('links the shipped page and offers no command to a client that names none', async () => {
    const client = await LspTestClient.start({
      settings: () => ({ debounceMs: 0 }),
      initializationOptions: { extensionDocsUri: 'file:///ext/docs/rules' },
    });
    try {
      const uri = 'file:///ws/docs_plain.py';
      const opened = await client.open(uri, 'import torch\nm = torch.load("a.pt")\n');
      assert.equal(opened.diagnostics[0].codeDescription?.href, 'file:///ext/docs/rules/MLS102.md');
      const actions = await codeActions(client, uri, opened.diagnostics[0].range, opened.diagnostics);
      assert.ok(!actions.some((a) => /Show documentation/.test(a.title)));
    } finally {
      await client.stop();
    }
  });
});
