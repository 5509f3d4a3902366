/**
 * The server's workspace scan and watched-file events against hostile file systems: FIFOs, links
 * to /dev/zero, link loops and links out of the workspace. The server must keep answering
 * (a request after each step, and `shutdown` at the end, within a time limit).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScanWorkspaceRequest } from '../../common/src/protocol';
import { tempWorkspace, write } from './helpers';
import { fileUri, LspTestClient } from './lspClient';

const LIMIT_MS = 15_000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${LIMIT_MS} ms (the server hangs)`)), LIMIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('protocol: hostile file systems', function () {
  this.timeout(60_000);
  let client: LspTestClient | undefined;
  let workspace: string;
  let outside: string;
  const unsafe = 'import torch\nm = torch.load("x.pt")\n';

  before(function () {
    if (process.platform === 'win32' || !fs.existsSync('/dev/zero')) this.skip();
    workspace = tempWorkspace();
    outside = tempWorkspace('mlsec-outside-');
    write(outside, 'secret.py', unsafe);
    write(workspace, 'a.py', unsafe);
    execFileSync('mkfifo', [path.join(workspace, 'fifo.py')]);
    fs.mkdirSync(path.join(workspace, 'cfg'));
    execFileSync('mkfifo', [path.join(workspace, 'cfg', 'pyproject.toml')]);
    write(workspace, 'cfg/c.py', unsafe);
    fs.mkdirSync(path.join(workspace, 'zero'));
    fs.symlinkSync('/dev/zero', path.join(workspace, 'zero', 'pyproject.toml'));
    fs.symlinkSync('/dev/zero', path.join(workspace, 'zero', '.gitignore'));
    write(workspace, 'zero/z.py', unsafe);
    fs.symlinkSync('loop.py', path.join(workspace, 'loop.py'));
    fs.symlinkSync(outside, path.join(workspace, 'out'));
    fs.symlinkSync(path.join(outside, 'secret.py'), path.join(workspace, 'secret.py'));
  });
  after(async () => {
    await client?.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    if (outside) fs.rmSync(outside, { recursive: true, force: true });
  });

  it('scans the workspace, reporting special files and not following links out of it', async () => {
    client = await LspTestClient.start({ folders: [workspace], settings: () => ({ debounceMs: 0 }) });
    const result = (await within(
      client.connection.sendRequest('mlsec/scanWorkspace', {}),
      'workspace scan',
    )) as ScanWorkspaceRequest.Result;
    const rel = (uri: string) => path.relative(workspace, new URL(uri).pathname);
    assert.deepEqual(result.findings.map((f) => `${rel(f.uri)} ${f.code}`).sort(), ['a.py MLS102', 'cfg/c.py MLS102', 'zero/z.py MLS102']);
    const problems = result.problems.map((p) => `${rel(p.uri)}: ${p.message}`).sort();
    assert.ok(problems.includes('fifo.py: not a regular file (FIFO); not read'), problems.join('\n'));
    assert.ok(
      problems.includes('zero/.gitignore: .gitignore not applied: a symbolic link, not followed (as git does not)'),
      problems.join('\n'),
    );
    assert.ok(!problems.some((p) => p.startsWith('out/') || p.startsWith('secret.py')), 'links out of the workspace are not followed');
  });

  it('answers after a watched-file event for a FIFO, a link to /dev/zero and a link loop', async () => {
    assert.ok(client);
    const changes = ['fifo.py', 'loop.py', 'zero/pyproject.toml', 'cfg/pyproject.toml'].map((name) => ({
      uri: fileUri(path.join(workspace, name)),
      type: 2,
    }));
    fs.symlinkSync('/dev/zero', path.join(workspace, 'dev.py'));
    changes.push({ uri: fileUri(path.join(workspace, 'dev.py')), type: 1 });
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes });
    const result = (await within(
      client.connection.sendRequest('mlsec/scanWorkspace', {}),
      'scan after watched-file events',
    )) as ScanWorkspaceRequest.Result;
    assert.equal(result.findings.length, 3);
    await within(client.connection.sendRequest('shutdown'), 'shutdown');
  });

  it('reports a file it may not read in the workspace scan', async function () {
    const locked = tempWorkspace('mlsec-locked-');
    let server: LspTestClient | undefined;
    try {
      write(locked, 'a.py', unsafe);
      write(locked, 'locked.py', unsafe);
      fs.chmodSync(path.join(locked, 'locked.py'), 0o000);
      // root reads any file whatever its mode: run the server as an unprivileged user then.
      const asRoot = process.getuid?.() === 0;
      if (asRoot) for (const dir of [locked, path.join(locked, '.git')]) fs.chmodSync(dir, 0o755);
      try {
        server = await LspTestClient.start({
          folders: [locked],
          settings: () => ({ debounceMs: 0 }),
          ...(asRoot ? { user: { uid: 65534, gid: 65534 } } : {}),
        });
      } catch (error) {
        if (asRoot) this.skip(); // cannot start a process as another user here
        throw error;
      }
      const result = (await within(
        server.connection.sendRequest('mlsec/scanWorkspace', {}),
        'workspace scan',
      )) as ScanWorkspaceRequest.Result;
      const rel = (uri: string) => path.relative(locked, new URL(uri).pathname);
      assert.deepEqual(
        result.problems.map((p) => `${rel(p.uri)}: ${p.message}`),
        ['locked.py: cannot read: EACCES'],
      );
      assert.deepEqual(
        result.findings.map((f) => `${rel(f.uri)} ${f.code}`),
        ['a.py MLS102'],
      );
    } finally {
      await server?.stop();
      fs.rmSync(locked, { recursive: true, force: true });
    }
  });
});
