/** mlsec.lock: format, validation, the hash cache and the comparison with the files. */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkLock, findFirstLock, findLock, formatLock, HashCache, hashFile, LockError, readLock } from '../../server/src/artifacts/lock';

describe('model lock', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-lock-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  };
  const sha = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

  it('writes a sorted lock that reads back the same', () => {
    const entries = [
      { path: 'z/model.pt', sha256: sha('z'), size: 1 },
      { path: 'a b/weights.safetensors', sha256: sha('a'), size: 2 },
    ];
    const file = write('mlsec.lock', formatLock(entries));
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.indexOf('a b/weights') < text.indexOf('z/model.pt'));
    assert.deepEqual(
      [...readLock(file).entries.values()].sort((a, b) => a.path.localeCompare(b.path)),
      [...entries].sort((a, b) => a.path.localeCompare(b.path)),
    );
  });

  it('finds the lock of the first path that has one, not above the repository root, with shared answers', () => {
    fs.mkdirSync(path.join(dir, 'repo', '.git'), { recursive: true });
    const a = write('repo/a/x.py', '');
    const deeper = write('repo/a/d/z.py', '');
    const c = write('repo/b/c/y.py', '');
    const lock = write('repo/b/mlsec.lock', formatLock([]));
    write('mlsec.lock', formatLock([])); // above the repository root: never taken
    assert.equal(findLock(a), undefined);
    assert.equal(findLock(c), lock);
    assert.equal(findLock(path.join(dir, 'repo', 'b')), lock, 'a folder looks at itself first');
    // Every order and repetition gives what asking each path alone in turn gives.
    const paths = [a, deeper, c, path.join(dir, 'repo', 'b', 'c'), a];
    const alone = (list: string[]) => list.map((p) => findLock(p)).find((found) => found !== undefined);
    for (const list of [paths, [...paths].reverse(), [a, deeper, a], [deeper, c], [c, a], []])
      assert.equal(findFirstLock(list), alone(list), list.join(', '));
    assert.equal(findFirstLock([a, deeper]), undefined);
    assert.equal(findFirstLock([a, c]), lock);
    // A missing path is taken as a file in its folder.
    assert.equal(findFirstLock([path.join(dir, 'repo', 'b', 'gone.py')]), lock);
  });

  it('rejects broken locks with a message naming the file', () => {
    const cases: Array<[string, RegExp]> = [
      ['version = 2\n', /unsupported lock version/],
      ['version = 1\n[[model]]\npath = "m.pt"\nsha256 = "abc"\nsize = 1\n', /64-hex-digit/],
      [`version = 1\n[[model]]\npath = "../m.pt"\nsha256 = "${sha('x')}"\nsize = 1\n`, /inside the lock's folder/],
      ['version = 1\n[[model', /cannot read the lock/],
    ];
    for (const [text, message] of cases) {
      const file = write('mlsec.lock', text);
      assert.throws(
        () => readLock(file),
        (e: unknown) => e instanceof LockError && message.test(e.message) && e.message.includes(file),
      );
    }
  });

  it('hashes in chunks, sync and async alike, and reuses a hash while size, mtime and inode hold', async () => {
    const content = Buffer.alloc(9 * 1024 * 1024 + 7, 0x5a);
    const file = write('big.bin', content);
    assert.deepEqual(hashFile(file), { sha256: sha(content), size: content.length });
    const cache = new HashCache(dir);
    assert.equal((await cache.hashAsync(file)).sha256, sha(content));
    assert.equal(cache.hash(file).sha256, sha(content));
    assert.deepEqual([cache.hashed, cache.reused], [1, 1]);
    cache.save();
    const again = new HashCache(dir);
    again.hash(file);
    assert.deepEqual([again.hashed, again.reused], [0, 1], 'the cache is read back from .mlsec');
    const forced = new HashCache(dir, true);
    forced.hash(file);
    assert.deepEqual([forced.hashed, forced.reused], [1, 0]);
  });

  it('reports changed, missing (only under the scanned roots) and unlocked files', () => {
    const a = write('models/a.pt', 'A');
    const b = write('models/b.pt', 'B');
    const lock = write(
      'mlsec.lock',
      formatLock([
        { path: 'models/a.pt', sha256: sha('A'), size: 1 },
        { path: 'models/b.pt', sha256: sha('old'), size: 3 },
        { path: 'models/gone.pt', sha256: sha('G'), size: 1 },
        { path: 'elsewhere/gone.pt', sha256: sha('G'), size: 1 },
      ]),
    );
    const c = write('models/c.pt', 'C');
    const check = checkLock(readLock(lock), [a, b, c], [path.join(dir, 'models')], new HashCache(dir));
    assert.deepEqual([check.checked, check.changed, check.missing, check.unlocked], [2, 1, 1, 1]);
    assert.deepEqual(
      check.byFile.get(b)?.map((f) => f.code),
      ['MLS608'],
    );
    assert.deepEqual(
      check.byFile.get(c)?.map((f) => f.code),
      ['MLS610'],
    );
    assert.deepEqual(
      check.byFile.get(lock)?.map((f) => `${f.code} ${f.subject}`),
      ['MLS609 models/gone.pt'],
    );
    assert.equal(check.byFile.has(a), false);
  });
});
