/** The editor with CRLF and lone-CR documents: diagnostics, suppression quick fixes and rule fixes. */
import * as assert from 'node:assert/strict';
import { action, codeActions, codes } from './helpers';
import { LspTestClient } from './lspClient';

describe('protocol: line endings', () => {
  let client: LspTestClient;
  let counter = 0;
  const nextUri = () => `file:///ws/eol${counter++}.py`;

  before(async () => {
    client = await LspTestClient.start({ settings: () => ({ debounceMs: 0 }) });
  });
  after(() => client.stop());

  for (const [name, eol] of [
    ['CRLF', '\r\n'],
    ['lone CR', '\r'],
  ] as const) {
    it(`${name}: reports after a comment, and the ignore quick fixes suppress`, async () => {
      const uri = nextUri();
      const text = ['import torch', '# load the model', 'm = torch.load("x.pt")', 'eval(input())', ''].join(eol);
      const opened = await client.open(uri, text);
      assert.deepEqual(codes(opened.diagnostics), ['2:4 MLS102', '3:0 MLS301']);

      const load = opened.diagnostics[0];
      const ignore = action(await codeActions(client, uri, load.range, [load]), /Ignore on this line/);
      const suppressed = await client.applyEdit(ignore.edit!, uri);
      assert.equal(
        client.text(uri),
        ['import torch', '# load the model', 'm = torch.load("x.pt")  # mlsec: ignore[MLS102] reason', 'eval(input())', ''].join(eol),
      );
      // The load is suppressed; the placeholder `reason` still asks for a real one (MLS001).
      assert.deepEqual(codes(suppressed!.diagnostics), ['2:24 MLS001', '3:0 MLS301']);

      const evalFinding = suppressed!.diagnostics.find((d) => d.code === 'MLS301')!;
      const ignoreFile = action(await codeActions(client, uri, evalFinding.range, [evalFinding]), /Ignore in this file/);
      const clean = await client.applyEdit(ignoreFile.edit!, uri);
      assert.ok(
        client.text(uri).startsWith(`# mlsec: ignore-file[MLS301] reason${eol}import torch${eol}`),
        JSON.stringify(client.text(uri)),
      );
      assert.deepEqual(codes(clean!.diagnostics), ['0:0 MLS001', '3:24 MLS001']);
    });

    it(`${name}: the weights_only fix writes the document's line breaks`, async () => {
      const uri = nextUri();
      const text = ['import torch', 'model = torch.load(', '    "model.pt",', '    map_location="cpu",', ')', ''].join(eol);
      const opened = await client.open(uri, text);
      const fix = action(await codeActions(client, uri, opened.diagnostics[0].range, opened.diagnostics), /weights_only=True/);
      const after = await client.applyEdit(fix.edit!, uri);
      assert.equal(
        client.text(uri),
        ['import torch', 'model = torch.load(', '    "model.pt",', '    map_location="cpu",', '    weights_only=True,', ')', ''].join(eol),
      );
      assert.deepEqual(after!.diagnostics, []);
    });
  }
});
