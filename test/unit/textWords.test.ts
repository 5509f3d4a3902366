/**
 * The data-flow analysis's name index (engine/dataflow/textWords.ts `Occurrences`) files names by
 * a hash instead of a string per occurrence: it must answer every name as a search of the text
 * for the whole identifier does (textScan.identifierOccurrences), for names that share a bucket,
 * a prefix or a length, and say nothing for what no name is.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Occurrences } from '../../server/src/engine/dataflow/textWords';
import { identifierOccurrences } from '../../server/src/engine/textScan';
import { FIXTURES } from '../support/paths';

/** A name as the index reads one: identifier characters (textScan.isIdentifierChar), not a digit first. */
const NAME = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*$/;

/** Every whole identifier of a text that does not start with a digit, with its offsets, read by a regular expression. */
function reference(text: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const match of text.matchAll(/(?<![A-Za-z0-9_\u0080-\uffff])[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*/g)) {
    const list = found.get(match[0]);
    if (list) list.push(match.index);
    else found.set(match[0], [match.index]);
  }
  return found;
}

/** Checks the index against the regular expression's names (and, for a small text, a search for each). */
function check(text: string, extra: readonly string[] = []): number {
  const index = new Occurrences(text);
  const expected = reference(text);
  const small = text.length < 100_000;
  let checked = 0;
  for (const name of [...expected.keys(), ...extra]) {
    const offsets = NAME.test(name) ? (expected.get(name) ?? []) : [];
    if (small) assert.deepEqual(NAME.test(name) ? [...identifierOccurrences(text, name)] : [], offsets, name);
    assert.deepEqual(index.of(name), offsets, name);
    checked++;
  }
  return checked;
}

describe('data flow: the name index of a text', () => {
  it('finds every name where a search of the text does, in every fixture', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.py'));
    assert.ok(files.length > 20);
    let checked = 0;
    for (const file of files) checked += check(readFileSync(join(FIXTURES, file), 'utf8'));
    assert.ok(checked > 5000, `${checked} names checked`);
  });

  it('tells apart names sharing buckets, prefixes and lengths, and finds nothing for other words', () => {
    // 40,000 names: the 16,384 buckets each hold several.
    const many = Array.from({ length: 40_000 }, (_, i) => `n${i.toString(36)}`);
    const text = [
      ...many.map((name, i) => `${name} = ${name.slice(0, -1) || 'x'}${i % 7}  # ${name}x`),
      'request = request.json["request"]',
      'é_name = "é_name" + 1e5 + 0x1f + _private + __dunder__ + Request',
      'def f(a, b=request):',
      '    return ab + a_b + a.b',
    ].join('\n');
    const absent = ['', '1e5', '0x1f', 'a.b', 'os system', 'request.json', 'n0 ', 'zzzz', 'Requests', 'reques'];
    assert.ok(check(text, absent) > 40_000);
    const index = new Occurrences(text);
    for (const word of absent) assert.deepEqual(index.of(word), [], word);
    assert.equal(index.of('request').length, 4);
    // Asked again: the same answer.
    assert.equal(index.of('request'), index.of('request'));
  });
});
