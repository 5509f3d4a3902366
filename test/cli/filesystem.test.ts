/**
 * The CLI against hostile file systems: FIFOs, links to devices, link loops, links out of the
 * tree and unreadable files. Each run has a hard time limit (a hang is killed and fails the test)
 * and a heap limit (unbounded growth fails it instead of filling the machine).
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/paths';

const BIN = path.join(REPO_ROOT, 'bin', 'mlsec.js');
const LIMIT_MS = 20_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string, extra: { uid?: number; gid?: number } = {}): Run {
  const result = spawnSync(process.execPath, ['--max-old-space-size=512', BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: LIMIT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    ...extra,
  });
  return { code: result.status, signal: result.signal, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** Fails with what the run printed when it was killed (hang) or crashed. */
function finished(run: Run, what: string): Run {
  assert.equal(
    run.signal,
    null,
    `${what}: killed by ${run.signal} (a hang past ${LIMIT_MS} ms or memory past the heap limit)\n${run.stderr.slice(0, 2000)}`,
  );
  assert.doesNotMatch(run.stderr, /internal error|at .+\.js:\d+/, `${what}: internal error\n${run.stderr.slice(0, 2000)}`);
  return run;
}

/** The JSON report's findings as `file CODE` and problems as `file: message`, sorted. */
function parse(run: Run): { files: number; findings: string[]; problems: string[] } {
  let report: { files: number; findings: Array<{ file: string; code: string }>; problems: Array<{ file: string; message: string }> };
  try {
    report = JSON.parse(run.stdout) as typeof report;
  } catch {
    throw new assert.AssertionError({ message: `not a JSON report:\n${run.stdout.slice(0, 1000)}\n${run.stderr.slice(0, 1000)}` });
  }
  return {
    files: report.files,
    findings: report.findings.map((f) => `${f.file} ${f.code}`).sort(),
    problems: report.problems.map((p) => `${p.file.split(path.sep).join('/')}: ${p.message}`).sort(),
  };
}

function canMakeFifo(): boolean {
  return process.platform !== 'win32' && fs.existsSync('/usr/bin/mkfifo');
}

export function mkfifo(file: string): void {
  execFileSync('mkfifo', [file]);
}

const UNSAFE = 'import torch\nm = torch.load("x.pt", weights_only=False)\n';

describe('mlsec CLI on hostile file systems', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-fs-')));
    fs.mkdirSync(path.join(dir, 'repo', '.git'), { recursive: true });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  };

  it('reports a FIFO named on the command line instead of waiting for a writer', function () {
    if (!canMakeFifo()) this.skip();
    write('repo/ok.py', UNSAFE);
    mkfifo(path.join(dir, 'repo', 'x.py'));
    const run = finished(runCli(['scan', 'x.py', 'ok.py', '--format', 'json'], path.join(dir, 'repo')), 'FIFO path');
    const report = parse(run);
    assert.deepEqual(report.problems, ['x.py: not a regular file (FIFO); not read']);
    assert.deepEqual(report.findings, ['ok.py MLS102'], 'the other file is still analysed');
    assert.equal(run.code, 1);
  });

  it('reports a FIFO named like a model file instead of waiting for a writer', function () {
    if (!canMakeFifo()) this.skip();
    mkfifo(path.join(dir, 'repo', 'weights.pt'));
    const run = finished(runCli(['scan', 'weights.pt', '--models-only', '--format', 'json'], path.join(dir, 'repo')), 'FIFO model file');
    assert.deepEqual(parse(run).findings, ['weights.pt MLS607']);
    assert.match(run.stdout, /not a regular file \(FIFO\)/);
  });

  it('skips FIFOs in a tree and reports FIFOs named like project files', function () {
    if (!canMakeFifo()) this.skip();
    write('repo/pkg/a.py', UNSAFE);
    mkfifo(path.join(dir, 'repo', 'pkg', 'b.py'));
    mkfifo(path.join(dir, 'repo', 'pkg', 'pyproject.toml'));
    mkfifo(path.join(dir, 'repo', 'pkg', '.mlsec.toml'));
    mkfifo(path.join(dir, 'repo', 'pkg', '.gitignore'));
    const run = finished(runCli(['scan', '.', '--format', 'json'], path.join(dir, 'repo')), 'FIFO project files');
    const report = parse(run);
    assert.deepEqual(report.findings, ['pkg/a.py MLS102']);
    assert.deepEqual(report.problems, [
      'pkg/.gitignore: .gitignore not applied: not a regular file (FIFO)',
      'pkg/.mlsec.toml: config: not used: not a regular file (FIFO); not read',
      'pkg/b.py: not a regular file (FIFO); not read',
      'pkg/pyproject.toml: config: not used: not a regular file (FIFO); not read',
      // read twice: as the configuration and as a dependency manifest
      'pkg/pyproject.toml: not a regular file (FIFO); not read',
    ]);
    assert.equal(run.code, 1);
  });

  it('reports a FIFO named .gitignore above the scanned folder', function () {
    if (!canMakeFifo()) this.skip();
    write('repo/sub/a.py', UNSAFE);
    mkfifo(path.join(dir, 'repo', '.gitignore'));
    const run = finished(runCli(['scan', 'sub', '--format', 'json'], path.join(dir, 'repo')), 'FIFO .gitignore above');
    const report = parse(run);
    assert.deepEqual(report.problems, ['.gitignore: .gitignore not applied: not a regular file (FIFO)']);
    assert.deepEqual(report.findings, ['sub/a.py MLS102']);
  });

  it('does not read links to /dev/zero named pyproject.toml, .gitignore or a source file', function () {
    if (!fs.existsSync('/dev/zero')) this.skip();
    write('repo/sub/a.py', UNSAFE);
    fs.symlinkSync('/dev/zero', path.join(dir, 'repo', 'sub', 'pyproject.toml'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'repo', '.gitignore'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'repo', 'sub', 'zero.py'));
    const run = finished(runCli(['scan', 'sub', 'sub/zero.py', '--format', 'json'], path.join(dir, 'repo')), '/dev/zero links');
    const report = parse(run);
    assert.deepEqual(report.findings, ['sub/a.py MLS102']);
    assert.deepEqual(report.problems, [
      '.gitignore: .gitignore not applied: a symbolic link, not followed (as git does not)',
      'sub/pyproject.toml: config: not used: not a regular file (character device); not read',
      'sub/zero.py: not a regular file (character device); not read',
    ]);
  });

  it('reports an oversized pyproject.toml and .gitignore and goes on', () => {
    write('repo/a.py', UNSAFE);
    write('repo/pyproject.toml', '# padding\n'.repeat(450_000));
    write('repo/.gitignore', '# padding\n'.repeat(450_000));
    const run = finished(runCli(['scan', '.', '--format', 'json'], path.join(dir, 'repo')), 'oversized project files');
    const report = parse(run);
    assert.deepEqual(report.problems, [
      '.gitignore: .gitignore not applied: file is 4500000 bytes, over the 4194304-byte limit (the limit for project files)',
      'pyproject.toml: config: not used: file is 4500000 bytes, over the 4194304-byte limit (the limit for project files)',
      // and as a dependency manifest, under the sources' size limit
      'pyproject.toml: file is 4500000 bytes, over the 2097152-byte limit (max-file-size)',
    ]);
    assert.deepEqual(report.findings, ['a.py MLS102']);
  });

  it('reports symbolic link loops and does not follow links out of the tree', () => {
    write('outside/secret.py', UNSAFE);
    write('repo/a.py', 'x = 1\n');
    fs.symlinkSync('loop.py', path.join(dir, 'repo', 'loop.py'));
    fs.symlinkSync(path.join(dir, 'outside'), path.join(dir, 'repo', 'linked'));
    fs.symlinkSync(path.join(dir, 'outside', 'secret.py'), path.join(dir, 'repo', 'link.py'));
    fs.symlinkSync('.', path.join(dir, 'repo', 'self'));
    const tree = finished(runCli(['scan', '.', '--format', 'json'], path.join(dir, 'repo')), 'links in a tree');
    const report = parse(tree);
    assert.equal(report.files, 1, 'only a.py: links are not followed in a walk');
    assert.deepEqual(report.findings, []);
    const loop = finished(runCli(['scan', 'loop.py', 'a.py', '--format', 'json'], path.join(dir, 'repo')), 'link loop named');
    assert.deepEqual(parse(loop).problems, ['loop.py: cannot read: ELOOP']);
  });

  it('reads --files-from from a pipe, but not from a device', function () {
    if (!canMakeFifo() || !fs.existsSync('/dev/zero')) this.skip();
    write('repo/a.py', UNSAFE);
    const list = path.join(dir, 'list');
    mkfifo(list);
    // The writer waits for the reader, as with `--files-from <(git ls-files)`.
    const writer = spawn('sh', ['-c', `printf 'a.py\\n' > "${list}"`], { stdio: 'ignore' });
    try {
      const run = finished(runCli(['scan', '--files-from', list, '--format', 'json'], path.join(dir, 'repo')), '--files-from a pipe');
      assert.deepEqual(parse(run).findings, ['a.py MLS102']);
    } finally {
      writer.kill();
    }
    const zero = finished(runCli(['scan', '--files-from', '/dev/zero'], path.join(dir, 'repo')), '--files-from /dev/zero');
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /cannot read --files-from \/dev\/zero: not a regular file \(character device\)/);
  });

  it('reports a file it may not read', function () {
    write('repo/a.py', UNSAFE);
    const locked = write('repo/locked.py', UNSAFE);
    fs.chmodSync(locked, 0o000);
    // root reads any file whatever its mode: run the CLI as an unprivileged user then (the
    // temporary folder and the product are readable by everyone), or skip where that is impossible.
    const extra: { uid?: number; gid?: number } = {};
    if (process.getuid?.() === 0) {
      extra.uid = 65534;
      extra.gid = 65534;
      fs.chmodSync(dir, 0o755);
      for (const d of ['repo', 'repo/.git']) fs.chmodSync(path.join(dir, d), 0o755);
      fs.chmodSync(path.join(dir, 'repo', 'a.py'), 0o644);
    } else if (process.platform === 'win32') {
      this.skip();
    }
    const run = runCli(['scan', '.', '--format', 'json'], path.join(dir, 'repo'), extra);
    if (run.code === null && /EACCES|EPERM/.test(run.stderr)) this.skip(); // cannot start as another user here
    finished(run, 'unreadable file');
    const report = parse(run);
    assert.deepEqual(report.problems, ['locked.py: cannot read: EACCES']);
    assert.deepEqual(report.findings, ['a.py MLS102']);
    assert.equal(run.code, 1);
  });
});
