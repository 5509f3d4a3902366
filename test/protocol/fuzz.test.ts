/**
 * Fuzz test of the language server over generated hostile inputs (test/support/hostile.ts), with
 * a fixed seed (MLSEC_FUZZ_SEED to try another) and a bounded count: a workspace of hostile files
 * and odd project files is scanned, hostile documents are opened and edited, every file is
 * announced as changed on disk, and the server must answer each request within a time limit,
 * analyse or report every input file, stay under a memory bound and still answer `shutdown`.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScanWorkspaceRequest } from '../../common/src/protocol';
import { FUZZ_SEED, ODD_CONFIGS, seeded, writeHostileTree } from '../support/hostile';
import { tempWorkspace } from './helpers';
import { fileUri, LspTestClient } from './lspClient';

const LIMIT_MS = 15_000;
/** Peak resident memory the server may reach on this corpus (its files are at most a few hundred KB). */
const MAX_RSS_MB = 1024;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${LIMIT_MS} ms (seed ${FUZZ_SEED})`)), LIMIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Peak resident set size of a process in MB, where /proc tells it. */
function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

describe('fuzz: language server on hostile input', function () {
  this.timeout(120_000);
  let client: LspTestClient | undefined;
  let workspace: string;
  let inputs: string[];

  before(() => {
    workspace = tempWorkspace('mlsec-fuzz-lsp-');
    const next = seeded(FUZZ_SEED + 100);
    inputs = writeHostileTree(workspace, next, 40);
    ODD_CONFIGS.forEach((config, index) => {
      const sub = path.join(workspace, `c${index}`);
      fs.mkdirSync(sub);
      fs.writeFileSync(path.join(sub, config.name), config.text);
      fs.writeFileSync(path.join(sub, 'a.py'), 'import torch\nm = torch.load(p, weights_only=False)\n');
      inputs.push(`c${index}/a.py`);
      // A pyproject.toml is a dependency manifest too: read for advisories, so an input.
      if (config.name === 'pyproject.toml') inputs.push(`c${index}/${config.name}`);
    });
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('scans, opens, edits and follows hostile files, answering every request in time', async () => {
    client = await LspTestClient.start({ folders: [workspace], settings: () => ({ debounceMs: 0 }) });
    const rel = (uri: string) => path.relative(workspace, new URL(uri).pathname).split(path.sep).join('/');
    const checkScan = (result: ScanWorkspaceRequest.Result, what: string) => {
      // A project file's configuration problems say nothing of whether it was read as a manifest.
      // A manifest read with a problem on one of its lines was analysed (its other lines were checked).
      const notRead = (p: ScanWorkspaceRequest.Result['problems'][number]) =>
        !p.message.startsWith('config:') && !(p.uri.endsWith('pyproject.toml') && p.line !== undefined);
      const reported = new Set(
        result.problems
          .filter(notRead)
          .map((p) => rel(p.uri))
          .filter((f) => inputs.includes(f)),
      );
      assert.equal(
        result.files + reported.size,
        inputs.length,
        `${what}: ${result.files} analysed + ${reported.size} reported != ${inputs.length} inputs (seed ${FUZZ_SEED})`,
      );
      for (const finding of result.findings) assert.ok(inputs.includes(rel(finding.uri)), `${what}: finding in ${finding.uri}`);
    };
    const first = (await within(client.connection.sendRequest('mlsec/scanWorkspace', {}), 'workspace scan')) as ScanWorkspaceRequest.Result;
    checkScan(first, 'first scan');
    assert.ok(first.findings.length > 0 && first.problems.length > 0, 'the corpus has both findings and problems');

    // Open the readable Python inputs as documents, edit each with hostile text, ask for code actions.
    const next = seeded(FUZZ_SEED + 200);
    const sources = inputs.filter((f) => f.endsWith('.py') && f !== 'fifo.py').slice(0, 16);
    for (const name of sources) {
      const uri = fileUri(path.join(workspace, name));
      const text = fs.readFileSync(path.join(workspace, name)).toString('utf8');
      await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
      const insert = ['\r', '(((', '"""', '\0', 'torch.load(p)\n', '\ufeff', '\u2028', '#'][Math.floor(next() * 8)];
      const line = Math.floor(next() * 5);
      await client.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: 2 },
        contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: insert }],
      });
      await within(
        client.connection.sendRequest('textDocument/codeAction', {
          textDocument: { uri },
          range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } },
          context: { diagnostics: [] },
        }),
        `code actions for ${name}`,
      );
    }
    for (const name of sources)
      await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: fileUri(path.join(workspace, name)) } });

    // Every input and project file announced as changed on disk.
    const changed = [...inputs, ...ODD_CONFIGS.map((c, i) => `c${i}/${c.name}`), 'zero.py', 'loop.py'].map((name) => ({
      uri: fileUri(path.join(workspace, name)),
      type: 2,
    }));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: changed });
    const second = (await within(
      client.connection.sendRequest('mlsec/scanWorkspace', {}),
      'scan after changes',
    )) as ScanWorkspaceRequest.Result;
    checkScan(second, 'second scan');

    const peak = peakRssMb(client.child.pid);
    if (peak !== undefined)
      assert.ok(peak < MAX_RSS_MB, `the server peaked at ${Math.round(peak)} MB (bound ${MAX_RSS_MB} MB, seed ${FUZZ_SEED})`);
    await within(client.connection.sendRequest('shutdown'), 'shutdown');
    assert.equal(client.exited, false, 'the server did not crash');
  });
});
