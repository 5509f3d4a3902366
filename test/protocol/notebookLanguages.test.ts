/** Notebooks whose code cells are not Python: not analysed, and the log says which language. */
import * as assert from 'node:assert/strict';
import { codes } from './helpers';
import { LspTestClient, delay } from './lspClient';

describe('protocol: notebook languages', () => {
  let client: LspTestClient;

  before(async () => {
    client = await LspTestClient.start({ settings: () => ({ debounceMs: 0, trace: { server: 'messages' } }), trace: 'messages' });
  });
  after(() => client.stop());

  it('does not analyse an R notebook and logs the language; a Python one next to it is analysed', async () => {
    await client.openNotebook('file:///ws/analysis-r.ipynb', [{ kind: 'code', text: 'x <- eval(parse(text = input))\n', language: 'r' }]);
    let logged: string | undefined;
    for (let waited = 0; waited < 10_000 && !logged; waited += 50) {
      logged = client.logs.map((l) => l.message).find((m) => m.includes('analysis-r.ipynb'));
      if (!logged) await delay(50);
    }
    assert.ok(logged, 'a message names the notebook');
    assert.match(logged, /"r", not Python/);
    const python = client.nextDiagnostics('vscode-notebook-cell:/ws/analysis-py.ipynb#cell0');
    await client.openNotebook('file:///ws/analysis-py.ipynb', [{ kind: 'code', text: 'eval(input())\n' }]);
    assert.deepEqual(codes((await python).diagnostics), ['0:0 MLS301']);
    assert.ok(!client.published.some((p) => p.uri.includes('analysis-r') && p.diagnostics.length > 0));
  });
});
