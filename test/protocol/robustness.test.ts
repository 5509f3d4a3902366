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

  it('skips a file over the size limit and a binary-looking one, and says so on the file', async () => {
    const huge = 'import torch\ntorch.load(p)\n' + '#'.repeat(100) + '\n'.repeat(1) + 'x = 1\n'.repeat(400_000);
    const [big] = (await client.open('file:///ws/huge.py', huge)).diagnostics;
    assert.deepEqual([big.code, big.severity, big.source], ['not-analysed', 3, 'mlsec']);
    assert.match(String(big.message), /^mlsec did not analyse this file: \d+ bytes, over the \d+-byte limit/);
    const binary = (await client.open('file:///ws/binary.py', 'import torch\u0000\u0001\u0002torch.load(p)\n')).diagnostics;
    assert.deepEqual(
      binary.map((d) => [d.code, d.message]),
      [['not-analysed', 'mlsec did not analyse this file: binary content (NUL characters)']],
    );
    await alive();
  });

  it('says when code is over the parser limits, analyses other files, and clears it once fixed', async () => {
    const uri = 'file:///ws/nested.py';
    const deep = 'import torch\ntorch.load(' + '('.repeat(5000) + 'p' + ')'.repeat(5000) + ')\n';
    const [problem, ...rest] = (await client.open(uri, deep)).diagnostics;
    assert.deepEqual(rest, []);
    assert.equal(problem.code, 'not-analysed');
    assert.match(String(problem.message), /brackets are nested 5001 deep; Python itself refuses more than 200/);
    await alive();
    const fixed = await client.change(uri, [{ range: range(1, 0, 2, 0), text: 'torch.load(p)\n' }]);
    assert.deepEqual(codes(fixed.diagnostics), ['1:0 MLS102']);
  });

  it('replaces a parser runtime that grew on a large document, and the open documents stay right', async () => {
    const small = 'file:///ws/kept.py';
    assert.deepEqual(codes((await client.open(small, 'import torch\ntorch.load(p)\n')).diagnostics), ['1:0 MLS102']);
    // About 2 MB and 1.4 million nodes: the parser's memory grows past what it may keep.
    const [problem] = (await client.open('file:///ws/large.py', 'import torch\ntorch.load(p)\n' + 'x = [1, 2]\n'.repeat(180_000)))
      .diagnostics;
    assert.equal(problem.code, 'not-analysed');
    // The next analysis replaces the runtime; the kept document's tree (of the old one) is not reused.
    const edited = await client.change(small, [{ range: range(0, 0, 0, 0), text: '# header\n' }]);
    assert.deepEqual(codes(edited.diagnostics), ['2:0 MLS102']);
    assert.ok(
      client.logs.some((l) => /replaced the parser runtime \(it held \d+ MiB\)/.test(l.message)),
      'the replacement is logged',
    );
    const again = await client.change(small, [{ range: range(2, 0, 2, 0), text: 'torch.load(q)\n' }]);
    assert.deepEqual(codes(again.diagnostics), ['2:0 MLS102', '3:0 MLS102']);
    await alive();
  });

  it('analyses text with replacement characters and lone surrogates', async () => {
    const text = 'import torch\ns = "\ufffd\ufffd \ud800 \udc00"\nm = torch.load(p)  # \ud83d\n';
    assert.deepEqual(codes((await client.open('file:///ws/odd.py', text)).diagnostics), ['2:4 MLS102']);
  });

  it('survives invalid UTF-8 bytes inside a JSON-RPC message', async () => {
    const body = Buffer.concat([
      Buffer.from(
        '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///ws/bytes.py","languageId":"python","version":1,"text":"import torch\\nx = \\"',
      ),
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
    assert.equal(
      await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }),
      null,
    );
    assert.deepEqual(await codeActions(client, uri, range(0, 0, 0, 0)), []);
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: 'x' }],
    });
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    const result = await client.connection.sendRequest('workspace/executeCommand', { command: 'mlsec.applySafeFixes', arguments: [uri] });
    assert.deepEqual(result, { applied: false, fixes: 0 });
    await alive();
  });

  it('logs to the output channel without file contents', async () => {
    const secret = 'hf_' + 'S3cr3tT0kenValue1234567890';
    await client.open('file:///ws/secret.py', `import torch\nTOKEN = "${secret}"\ntorch.load(p)\n`);
    const messages = client.logs.map((l) => l.message);
    assert.ok(
      messages.some((m) => /analysed file:\/\/\/ws\/secret\.py v1 in [\d.]+ ms/.test(m)),
      'debug log level logs timings',
    );
    assert.ok(!messages.some((m) => m.includes(secret)), 'file contents never reach the log');
    assert.equal(client.exited, false);
  });
});
