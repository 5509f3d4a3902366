/**
 * `.mlsec/review.json` against hostile content and file systems: keys named like Object's own
 * properties, links out of the workspace (the file, its folder, a backup name), FIFOs, links to
 * devices, unreadable files, and atomic replacement.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadReview, parseReview, reviewFilePath, serializeReview, updateReview } from '../../client/src/checklist/reviewFile';
import { REPO_ROOT } from '../support/paths';

const at = new Date('2025-03-04T05:06:07.000Z');
const ODD = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

describe('review file safety', () => {
  let root: string;
  let workspace: string;
  let outside: string;
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-review-safety-')));
    workspace = path.join(root, 'ws');
    outside = path.join(root, 'outside');
    fs.mkdirSync(workspace);
    fs.mkdirSync(outside);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const listing = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

  it('keeps items and fields named like Object properties through a rewrite', () => {
    // Null-prototype objects, so that `__proto__` becomes a key of the JSON text.
    const items = Object.create(null) as Record<string, unknown>;
    for (const id of ODD) {
      const entry = Object.assign(Object.create(null) as Record<string, unknown>, { state: 'reviewed', by: 'Ana' });
      for (const field of ODD) entry[field] = `${id}.${field}`;
      items[id] = entry;
    }
    // JSON text with the odd keys as own properties (an object literal would set a prototype).
    const text = JSON.stringify({ version: 1, items }).replace('"version":1', '"version":1,"__proto__":{"kept":true},"constructor":"top"');
    const parsed = parseReview(text);
    assert.deepEqual(parsed.problems, []);
    for (const id of ODD) {
      const entry = parsed.document.entries.get(id);
      assert.ok(entry, `item ${id} read`);
      for (const field of ODD) assert.equal(entry.extra?.[field], `${id}.${field}`, `${id}.${field} read`);
    }
    const again = JSON.parse(serializeReview(parsed.document)) as Record<string, unknown>;
    const written = again.items as Record<string, Record<string, unknown>>;
    for (const id of ODD) {
      assert.ok(Object.prototype.hasOwnProperty.call(written, id), `item ${id} written`);
      for (const field of ODD)
        assert.equal(Object.getOwnPropertyDescriptor(written[id], field)?.value, `${id}.${field}`, `${id}.${field} written`);
    }
    assert.deepEqual(Object.getOwnPropertyDescriptor(again, '__proto__')?.value, { kept: true });
    assert.equal(Object.getOwnPropertyDescriptor(again, 'constructor')?.value, 'top');
    // And through the file on disk, with a review of one of them.
    fs.mkdirSync(path.join(workspace, '.mlsec'));
    fs.writeFileSync(reviewFilePath(workspace), text);
    updateReview(workspace, 'constructor', { kind: 'not-applicable', note: 'n/a' }, 'Bo', at);
    const reread = loadReview(workspace);
    assert.equal(reread.document.entries.get('constructor')?.state, 'not-applicable');
    assert.equal(reread.document.entries.get('constructor')?.extra?.toString, 'constructor.toString');
    assert.equal(reread.document.entries.get('__proto__')?.extra?.__proto__, '__proto__.__proto__');
  });

  it('does not read or copy a review.json that links out of the workspace', () => {
    const secret = path.join(outside, 'secret.txt');
    fs.writeFileSync(secret, 'not for the repository');
    fs.mkdirSync(path.join(workspace, '.mlsec'));
    fs.symlinkSync(secret, reviewFilePath(workspace));
    const loaded = loadReview(workspace);
    assert.equal(loaded.text, undefined);
    assert.match(loaded.problems[0].message, /symbolic link/);
    assert.throws(() => updateReview(workspace, 'explainability', { kind: 'reviewed' }, 'Ana', at), /symbolic link/);
    assert.deepEqual(listing(path.join(workspace, '.mlsec')), ['review.json'], 'no backup, no temporary file');
    assert.equal(fs.readFileSync(secret, 'utf8'), 'not for the repository');
    assert.ok(fs.lstatSync(reviewFilePath(workspace)).isSymbolicLink(), 'the link is left alone');
  });

  it('does not write through a .mlsec folder that links out of the workspace', () => {
    fs.symlinkSync(outside, path.join(workspace, '.mlsec'));
    assert.match(loadReview(workspace).problems[0]?.message ?? '', /\.mlsec is a symbolic link/);
    assert.throws(() => updateReview(workspace, 'explainability', { kind: 'reviewed' }, 'Ana', at), /\.mlsec is a symbolic link/);
    assert.deepEqual(listing(outside), [], 'nothing written outside the workspace');
  });

  it('does not create a file at the target of a dangling review.json link', () => {
    fs.mkdirSync(path.join(workspace, '.mlsec'));
    fs.symlinkSync(path.join(outside, 'planted.json'), reviewFilePath(workspace));
    assert.throws(() => updateReview(workspace, 'explainability', { kind: 'reviewed' }, 'Ana', at));
    assert.deepEqual(listing(outside), []);
  });

  it('does not follow a link planted under the backup name', () => {
    fs.mkdirSync(path.join(workspace, '.mlsec'));
    fs.writeFileSync(reviewFilePath(workspace), '{ not json');
    const stamp = at.toISOString().replace(/[:.]/g, '-');
    fs.symlinkSync(path.join(outside, 'stolen.bak'), `${reviewFilePath(workspace)}.${stamp}.bak`);
    const result = updateReview(workspace, 'explainability', { kind: 'reviewed' }, 'Ana', at);
    assert.ok(result.backup && !result.backup.endsWith(`${stamp}.bak`), result.backup);
    assert.equal(fs.readFileSync(result.backup, 'utf8'), '{ not json');
    assert.deepEqual(listing(outside), []);
  });

  it('reports a FIFO or a link to a device as review.json without blocking', function () {
    if (process.platform === 'win32') this.skip();
    fs.mkdirSync(path.join(workspace, '.mlsec'));
    execFileSync('mkfifo', [reviewFilePath(workspace)]);
    assert.match(loadReview(workspace).problems[0].message, /is a FIFO, not a regular file/);
    assert.throws(() => updateReview(workspace, 'explainability', { kind: 'reviewed' }, 'Ana', at), /FIFO/);
    fs.rmSync(reviewFilePath(workspace));
    fs.symlinkSync('/dev/zero', reviewFilePath(workspace));
    assert.match(loadReview(workspace).problems[0].message, /symbolic link/);
  });

  it('replaces the file atomically and leaves no temporary file', () => {
    updateReview(workspace, 'explainability', { kind: 'reviewed' }, 'Ana', at);
    const before = fs.statSync(reviewFilePath(workspace)).ino;
    updateReview(workspace, 'model-versioning', { kind: 'reviewed' }, 'Ana', at);
    assert.notEqual(fs.statSync(reviewFilePath(workspace)).ino, before, 'a new file renamed over the old one');
    assert.deepEqual(listing(path.join(workspace, '.mlsec')), ['review.json']);
    assert.equal(loadReview(workspace).document.entries.get('explainability')?.state, 'reviewed');
  });

  it('reports a review.json it may not read and does not overwrite it', function () {
    fs.mkdirSync(path.join(workspace, '.mlsec'));
    fs.writeFileSync(reviewFilePath(workspace), '{}');
    fs.chmodSync(reviewFilePath(workspace), 0o000);
    if (process.getuid?.() !== 0) {
      const loaded = loadReview(workspace);
      assert.match(loaded.problems[0].message, /cannot be read \(EACCES\)/);
      assert.throws(() => updateReview(workspace, 'explainability', { kind: 'reviewed' }, 'Ana', at), /EACCES/);
      return;
    }
    // root reads any file whatever its mode: ask an unprivileged user (uid 65534) instead.
    for (const dir of [root, workspace, path.join(workspace, '.mlsec')]) fs.chmodSync(dir, 0o777);
    const module = path.join(REPO_ROOT, 'out', 'client', 'src', 'checklist', 'reviewFile.js');
    const script = `const r = require(${JSON.stringify(module)}); const l = r.loadReview(${JSON.stringify(workspace)});
      let thrown = ''; try { r.updateReview(${JSON.stringify(workspace)}, 'explainability', { kind: 'reviewed' }, 'Ana'); } catch (e) { thrown = e.message; }
      process.stdout.write(JSON.stringify({ problem: l.problems[0] && l.problems[0].message, thrown }));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', uid: 65534, gid: 65534, timeout: 20_000 });
    if (run.error) this.skip(); // cannot start as another user here
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { problem?: string; thrown: string };
    assert.match(result.problem ?? '', /cannot be read \(EACCES\)/);
    assert.match(result.thrown, /EACCES/);
    assert.equal(fs.readFileSync(reviewFilePath(workspace), 'utf8'), '{}', 'not overwritten');
  });
});
