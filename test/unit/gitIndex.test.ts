/** The git index reader (engine/gitIndex.ts) and `.gitignore` following git in a walk (engine/files.ts). */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigResolver } from '../../server/src/engine/config/projectConfig';
import { collectSourceFiles } from '../../server/src/engine/io/sourceFiles';
import { MAX_INDEX_ENTRIES, parseGitIndex, readGitIndexOf, TrackedFiles } from '../../server/src/engine/io/gitIndex';
import { SkipReport } from '../../server/src/engine/io/skipReport';
import { buildGitIndex as buildIndex } from '../support/gitIndexFixture';

function hasGit(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('git index', () => {
  const names = ['README.md', 'build/gen.py', 'build/tools/util.py', 'src/model.py', 'src/tests/test_model.py'];

  it('reads the paths of versions 2, 3 and 4', () => {
    for (const version of [2, 3, 4] as const) {
      const parsed = parseGitIndex(buildIndex(version, names, version === 2 ? -1 : 2));
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
      assert.equal(parsed.version, version);
      assert.deepEqual(parsed.paths, names);
    }
  });

  it('refuses damaged, truncated and oversized indexes with a message', () => {
    const good = buildIndex(2, names);
    const flipped = Buffer.from(good);
    flipped[20] ^= 1;
    const cases: Array<[Buffer, RegExp]> = [
      [flipped, /checksum does not match/],
      [good.subarray(0, 40), /checksum does not match/],
      [Buffer.from('not an index at all, just text padding padding'), /no DIRC signature/],
      [buildIndex(2, names.slice(0, 1), 0), /extended flags in a version 2 index/],
    ];
    const many = buildIndex(2, []);
    many.writeUInt32BE(MAX_INDEX_ENTRIES + 1, 8);
    const body = many.subarray(0, many.length - 20);
    cases.push([Buffer.concat([body, createHash('sha1').update(body).digest()]), /over the limit/]);
    // An entry count larger than the entries present: the reader stops at the end, it does not read past it.
    const short = buildIndex(2, names);
    short.writeUInt32BE(names.length + 3, 8);
    const shortBody = short.subarray(0, short.length - 20);
    cases.push([Buffer.concat([shortBody, createHash('sha1').update(shortBody).digest()]), /runs past the end|unterminated path/]);
    for (const [bytes, message] of cases) {
      const parsed = parseGitIndex(bytes);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.message, message);
    }
  });

  it('answers whether a file or folder is tracked', () => {
    const tracked = new TrackedFiles('/r', { paths: names, folders: ['docs/'] });
    assert.ok(tracked.tracks('build/gen.py', false));
    assert.ok(tracked.tracks('build', true));
    assert.ok(tracked.tracks('build/tools', true));
    assert.ok(!tracked.tracks('build/other.py', false));
    assert.ok(!tracked.tracks('dist', true));
    // Under a sparse-index folder entry everything is tracked.
    assert.ok(tracked.tracks('docs/a/b.py', false));
  });

  it('reads what git itself wrote (v2, v3, v4, SHA-256, a worktree whose .git is a file)', function () {
    if (!hasGit()) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-gitindex-'));
    try {
      const git = (cwd: string, ...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd, stdio: 'pipe' });
      const repo = path.join(dir, 'repo');
      fs.mkdirSync(path.join(repo, 'build'), { recursive: true });
      for (const name of ['a.py', 'build/gen.py']) fs.writeFileSync(path.join(repo, name), 'x = 1\n');
      git(repo, 'init', '-q');
      git(repo, 'add', 'a.py', 'build/gen.py');
      for (const version of ['2', '4']) {
        git(repo, 'update-index', '--index-version', version);
        const read = readGitIndexOf(repo);
        assert.ok(read.ok, read.ok ? '' : read.message);
        assert.equal(read.version, Number(version));
        assert.deepEqual(read.paths, ['a.py', 'build/gen.py']);
      }
      // Version 3 is written when an entry needs extended flags: an intent-to-add file (`add -N`).
      git(repo, 'update-index', '--index-version', '3');
      fs.writeFileSync(path.join(repo, 'new.py'), 'z = 3\n');
      git(repo, 'add', '-N', 'new.py');
      const three = readGitIndexOf(repo);
      assert.ok(three.ok && three.version === 3, JSON.stringify(three));
      assert.deepEqual(three.paths, ['a.py', 'build/gen.py', 'new.py']);
      git(repo, 'rm', '-q', '--cached', 'new.py');
      git(repo, 'commit', '-q', '-m', 'init');
      git(repo, 'worktree', 'add', '-q', path.join(dir, 'wt'));
      assert.ok(fs.statSync(path.join(dir, 'wt', '.git')).isFile());
      const worktree = readGitIndexOf(path.join(dir, 'wt'));
      assert.deepEqual(worktree.ok && worktree.paths, ['a.py', 'build/gen.py']);
      const sha256 = path.join(dir, 'sha256');
      fs.mkdirSync(sha256);
      fs.writeFileSync(path.join(sha256, 'b.py'), 'y = 2\n');
      try {
        git(sha256, 'init', '-q', '--object-format=sha256');
      } catch {
        return; // a git without SHA-256 repositories
      }
      git(sha256, 'add', 'b.py');
      const read = readGitIndexOf(sha256);
      assert.deepEqual(read.ok && read.paths, ['b.py']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('.gitignore follows git', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-follow-git-'));
    for (const name of ['src/model.py', 'build/gen.py', 'build/tools/util.py', 'build/scratch.py', 'out.py']) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), 'import pickle\n');
    }
    fs.writeFileSync(path.join(dir, '.gitignore'), 'build/\nout.py\n');
    fs.mkdirSync(path.join(dir, '.git'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const walk = () => {
    const skips = new SkipReport();
    const files = collectSourceFiles([dir], { resolver: new ConfigResolver(), skips }).map((f) =>
      path.relative(dir, f).split(path.sep).join('/'),
    );
    return { files, skips };
  };

  it('scans tracked files that a .gitignore matches, and skips untracked ones', () => {
    fs.writeFileSync(path.join(dir, '.git', 'index'), buildIndex(4, ['.gitignore', 'build/gen.py', 'build/tools/util.py', 'src/model.py']));
    const { files, skips } = walk();
    assert.deepEqual(files, ['build/gen.py', 'build/tools/util.py', 'src/model.py']);
    assert.deepEqual(skips.toJson(), {
      byMechanism: { gitignore: { files: 2, folders: 0 } },
      gitIndex: { read: 1, trackedKept: 2, unreadable: [] },
    });
    assert.match(skips.summary(), /^skipped 2 files \(\.gitignore: 2 files\); 2 tracked files scanned although \.gitignore matches$/);
  });

  it('falls back to applying .gitignore to every file when the index cannot be read, and says so', () => {
    const damaged = buildIndex(2, ['build/gen.py']);
    damaged[15] ^= 0xff;
    fs.writeFileSync(path.join(dir, '.git', 'index'), damaged);
    const { files, skips } = walk();
    assert.deepEqual(files, ['src/model.py']);
    assert.deepEqual(skips.toJson().byMechanism, { gitignore: { files: 1, folders: 1 } });
    assert.equal(skips.git.unreadable.length, 1);
    assert.match(skips.summary(), /git index not read, \.gitignore applied to every file: .*index: checksum does not match/);
  });

  it('applies .gitignore to every file outside a git working tree', () => {
    fs.rmSync(path.join(dir, '.git'), { recursive: true });
    const { files, skips } = walk();
    assert.deepEqual(files, ['src/model.py']);
    assert.deepEqual(skips.toJson().gitIndex, { read: 0, trackedKept: 0, unreadable: [] });
  });
});
