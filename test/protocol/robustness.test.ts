/** Bad input never crashes or blocks the server. */
import * as assert from 'node:assert/strict';
import { codes, codeActions, range } from './helpers';
import { LspTestClient } from './lspClient';

describe('protocol: robustness', () => {
  let client: LspTestClient;

  before(async () => {
    client = await LspTestClient.start({ settings: () => ({ debounceMs: 0, logLevel: 'debug' }), trace: 'verbose' });
  });
  after(() => client.stop());

  async function alive(): Promise<void> {
    const published = await client.open(`file:///ws/alive${Date.now()}.py`, 'import torch\ntorch.load(p)\n');
    assert.deepEqual(codes(published.diagnostics), ['1:0 MLS102']);
  }

  it('skips a file over the size limit and a binary-looking one', async () => {
    const huge = 'import torch\ntorch.load(p)\n' + '#'.repeat(100) + '\n'.repeat(1) + 'x = 1\n'.repeat(400_000);
    assert.deepEqual((await client.open('file:///ws/huge.py', huge)).diagnostics, []);
    assert.deepEqual((await client.open('file:///ws/binary.py', 'import torch\u0000\u0001\u0002torch.load(p)\n')).diagnostics, []);
    await alive();
  });

  it('analyses text with replacement characters and lone surrogates', async () => {
    const text = 'import torch\ns = "\ufffd\ufffd \ud800 \udc00"\nm = torch.load(p)  # \ud83d\n';
    assert.deepEqual(codes((await client.open('file:///ws/odd.py', text)).diagnostics), ['2:4 MLS102']);
  });

  it('survives invalid UTF-8 bytes inside a JSON-RPC message', async () => {
    const body = Buffer.concat([
      Buffer.from('{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///ws/bytes.py","languageId":"python","version":1,"text":"import torch\\nx = \\"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('\\"\\ntorch.load(p)\\n"}}}'),
    ]);
    const published = client.nextDiagnostics('file:///ws/bytes.py');
    client.child.stdin!.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
    assert.deepEqual(codes((await published).diagnostics), ['2:0 MLS102']);
    await alive();
  });

  it('still reports findings in a file riddled with syntax errors', async () => {
    const text = ['import torch', 'x = = 3', 'y = ]]', 'class', '    pass', 'm = torch.load(p)', 'if if if:', '"""unterminated'].join('\n');
    assert.deepEqual(codes((await client.open('file:///ws/broken.py', text)).diagnostics), ['5:4 MLS102']);
    const edited = await client.change('file:///ws/broken.py', [{ range: range(1, 0, 1, 0), text: '((((' }]);
    assert.deepEqual(codes(edited.diagnostics), ['5:4 MLS102']);
  });

  it('answers requests for closed or unknown documents without failing', async () => {
    const uri = 'file:///ws/never-opened.py';
    assert.equal(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }), null);
    assert.deepEqual(await codeActions(client, uri, range(0, 0, 0, 0)), []);
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: 'x' }] });
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    const result = await client.connection.sendRequest('workspace/executeCommand', { command: 'mlsec.applySafeFixes', arguments: [uri] });
    assert.deepEqual(result, { applied: false, fixes: 0 });
    await alive();
  });

  it('logs to the output channel without file contents', async () => {
    const secret = 'hf_' + 'S3cr3tT0kenValue1234567890';
    await client.open('file:///ws/secret.py', `import torch\nTOKEN = "${secret}"\ntorch.load(p)\n`);
    const messages = client.logs.map((l) => l.message);
    assert.ok(messages.some((m) => /analysed file:\/\/\/ws\/secret\.py v1 in [\d.]+ ms/.test(m)), 'debug log level logs timings');
    assert.ok(!messages.some((m) => m.includes(secret)), 'file contents never reach the log');
    assert.equal(client.exited, false);
  });
});
