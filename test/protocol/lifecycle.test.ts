/**
 * The LSP lifecycle (issue 13): requests before `initialize` are refused with ServerNotInitialized,
 * requests after `shutdown` with InvalidRequest, and `exit` ends the process with 0 after
 * `shutdown` and 1 without it. Raw JSON-RPC against the built server.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createProtocolConnection, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import type { ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { SERVER } from './lspClient';

const SERVER_NOT_INITIALIZED = -32002;
const INVALID_REQUEST = -32600;

function startRaw(): { child: ChildProcess; connection: ProtocolConnection; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.listen();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, connection, exited };
}

async function errorCode(request: Promise<unknown>): Promise<number> {
  try {
    await request;
  } catch (error) {
    assert.ok(error instanceof ResponseError, String(error));
    return error.code;
  }
  assert.fail('the request was answered, not refused');
}

const initializeParams = { processId: process.pid, rootUri: null, capabilities: {} };
const hover = { textDocument: { uri: 'file:///ws/a.py' }, position: { line: 1, character: 2 } };

describe('protocol: lifecycle', function () {
  this.timeout(30_000);

  it('refuses requests before initialize and after shutdown, and exits 0 after shutdown', async () => {
    const { child, connection, exited } = startRaw();
    try {
      assert.equal(await errorCode(connection.sendRequest('textDocument/hover', hover)), SERVER_NOT_INITIALIZED);
      assert.equal(await errorCode(connection.sendRequest('mlsec/ruleDocumentation', { code: 'MLS102' })), SERVER_NOT_INITIALIZED);
      assert.equal(await errorCode(connection.sendRequest('shutdown')), SERVER_NOT_INITIALIZED);
      // A notification before initialize is dropped: the document is not open afterwards.
      await connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri: 'file:///ws/a.py', languageId: 'python', version: 1, text: 'import torch\ntorch.load(p)\n' },
      });

      const result = (await connection.sendRequest('initialize', initializeParams)) as { capabilities: object };
      assert.ok(result.capabilities);
      assert.equal(await errorCode(connection.sendRequest('initialize', initializeParams)), INVALID_REQUEST);
      await connection.sendNotification('initialized', {});
      assert.equal(await connection.sendRequest('textDocument/hover', hover), null, 'the dropped didOpen opened nothing');
      const docs = (await connection.sendRequest('mlsec/ruleDocumentation', { code: 'MLS102' })) as { code: string };
      assert.equal(docs.code, 'MLS102');

      assert.equal(await connection.sendRequest('shutdown'), null);
      assert.equal(await errorCode(connection.sendRequest('textDocument/hover', hover)), INVALID_REQUEST);
      assert.equal(await errorCode(connection.sendRequest('mlsec/ruleDocumentation', { code: 'MLS102' })), INVALID_REQUEST);
      assert.equal(await errorCode(connection.sendRequest('shutdown')), INVALID_REQUEST);
      await connection.sendNotification('exit');
      assert.equal(await exited, 0);
    } finally {
      connection.dispose();
      child.kill();
    }
  });

  it('exits 1 on exit without shutdown', async () => {
    const { child, connection, exited } = startRaw();
    try {
      await connection.sendRequest('initialize', initializeParams);
      await connection.sendNotification('initialized', {});
      await connection.sendNotification('exit');
      assert.equal(await exited, 1);
    } finally {
      connection.dispose();
      child.kill();
    }
  });

  it('exits 1 on exit before initialize', async () => {
    const { child, connection, exited } = startRaw();
    try {
      await connection.sendNotification('exit');
      assert.equal(await exited, 1);
    } finally {
      connection.dispose();
      child.kill();
    }
  });
});
