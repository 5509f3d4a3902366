/**
 * The indexed pattern lists must answer exactly as the `ignore` package does over the same lines:
 * random patterns of every shape (literal names, prefixes, suffixes, anchored paths, `**`,
 * negations, folders only, escapes, upper case) against random paths, with a fixed seed.
 */
import * as assert from 'node:assert/strict';
import ignore from 'ignore';
import { GitignoreIndex, keyOfPattern, PatternTable } from '../../server/src/engine/config/patternIndex';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const NAMES = [
  'src',
  'Src',
  'build',
  'data',
  'a',
  'ab',
  'abc',
  'model.py',
  'train.py',
  'x.tmp',
  'cache_1',
  'test_a.py',
  'notes.ipynb',
  '.venv',
  'gen',
];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

function randomPattern(next: () => number): string {
  const name = pick(next, NAMES);
  const shapes = [
    () => name,
    () => `${name}/`,
    () => `/${name}`,
    () => `${name.slice(0, 2)}*`,
    () => `*${name.slice(-3)}`,
    () => `*.py`,
    () => `${pick(next, NAMES)}/${name}`,
    () => `${pick(next, NAMES)}/*/${name}`,
    () => `**/${name}`,
    () => `${pick(next, NAMES)}/**`,
    () => `!${name}`,
    () => `!${pick(next, NAMES)}/${name}`,
    () => name.toUpperCase(),
    () => `${name}?`,
    () => `[ab]*`,
    () => `\\${name}`,
    () => `# ${name}`,
    () => '',
    () => `${name}   `,
    () => `a*b*c`,
  ];
  return pick(next, shapes)();
}

function randomPath(next: () => number): string {
  const depth = 1 + Math.floor(next() * 4);
  const parts = Array.from({ length: depth }, () => pick(next, NAMES));
  return parts.join('/') + (next() < 0.3 ? '/' : '');
}

describe('pattern index', () => {
  it('answers as the ignore package does, with and without negations', () => {
    const next = random(13);
    let compared = 0;
    let ignored = 0;
    for (let round = 0; round < 300; round++) {
      const lines = Array.from({ length: 1 + Math.floor(next() * 30) }, () => randomPattern(next));
      const plain = ignore().add(lines);
      const indexed = new GitignoreIndex(lines.join('\n'));
      for (let k = 0; k < 40; k++) {
        const target = randomPath(next);
        const expected = plain.ignores(target);
        assert.equal(indexed.ignores(target), expected, `${JSON.stringify(lines)} on ${target}`);
        compared++;
        if (expected) ignored++;
      }
    }
    // The comparison means something only if both answers occur often.
    assert.ok(ignored > compared / 10 && ignored < compared - compared / 10, `${ignored} of ${compared} ignored`);
  });

  it('gives every matching per-file entry, in order, as one matcher per entry would', () => {
    const next = random(7);
    let matched = 0;
    for (let round = 0; round < 200; round++) {
      const entries = Array.from({ length: 1 + Math.floor(next() * 20) }, (_, i) => ({ pattern: randomPattern(next), value: i }));
      const table = new PatternTable(entries);
      const one = entries.map((e) => ignore().add(e.pattern));
      for (let k = 0; k < 30; k++) {
        const target = randomPath(next).replace(/\/$/, '');
        const expected = entries.filter((_, i) => one[i].ignores(target)).map((e) => e.value);
        assert.deepEqual(table.matching(target), expected, `${JSON.stringify(entries.map((e) => e.pattern))} on ${target}`);
        matched += expected.length;
      }
    }
    assert.ok(matched > 500, `only ${matched} matches: the comparison is too weak`);
  });

  it('files patterns under keys a matching path must show', () => {
    assert.equal(keyOfPattern('build/'), 'n:build');
    assert.equal(keyOfPattern('**/Build'), 'n:build');
    assert.equal(keyOfPattern('cache_*'), 'p:cac');
    assert.equal(keyOfPattern('*.tmp12'), 's:p12');
    assert.equal(keyOfPattern('/src/gen_1/*.py'), 'a:src/gen_1');
    assert.equal(keyOfPattern('!keep.py'), undefined);
    assert.equal(keyOfPattern('*'), undefined);
    assert.equal(keyOfPattern('\\#name'), undefined);
  });
});
