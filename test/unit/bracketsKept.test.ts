/**
 * The editor does not count a text's brackets again after an edit that cannot change them
 * (bracketsKept in pipeline/parseLimits.ts): then the code's brackets, in order, must be those of
 * the text before. Random one-character edits of every fixture, corpus and example file, with the
 * characters that change strings (quotes, backslashes, prefixes) among them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bracketDepth, bracketsKept } from '../../server/src/engine/pipeline/parseLimits';
import { analysisText } from '../../server/src/engine/text';
import { SourceText } from '../../server/src/engine/textScan';
import { random } from '../support/differential';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

/** The brackets of the code (not in strings or comments), in order. */
function codeBrackets(text: string): string {
  const source = new SourceText(text);
  let found = '';
  for (const match of text.matchAll(/[()[\]{}]/g)) if (source.isCode(match.index)) found += match[0];
  return found;
}

describe('bracket depth kept over plain edits', () => {
  it('is kept only where the code brackets are unchanged', () => {
    const files = [FIXTURES, CORPUS, path.join(REPO_ROOT, 'examples')].flatMap((dir) => filesUnder(dir, ['.py']));
    const next = random(Number(process.env.MLSEC_FUZZ_SEED ?? 5));
    const pieces = ['_', 'a', 'r', 'b', 'f', ' ', '\t', '"', "'", '\\', '#', '(', '\n'];
    let kept = 0;
    let counted = 0;
    for (const file of files) {
      const text = analysisText(fs.readFileSync(file, 'utf8'));
      const brackets = codeBrackets(text);
      for (let i = 0; i < 12; i++) {
        const at = Math.floor(next() * text.length);
        // Half insertions, half deletions of one character.
        const change =
          next() < 0.5
            ? { start: at, oldEnd: at, newEnd: at + 1, inserted: pieces[Math.floor(next() * pieces.length)] }
            : { start: at, oldEnd: Math.min(at + 1, text.length), newEnd: at, inserted: '' };
        const after = text.slice(0, change.start) + change.inserted + text.slice(change.oldEnd);
        if (!bracketsKept(text, after, change)) {
          counted++;
          continue;
        }
        kept++;
        assert.equal(codeBrackets(after), brackets, `${file}: ${JSON.stringify(change)}`);
        assert.equal(bracketDepth(new SourceText(after)), bracketDepth(new SourceText(text)));
      }
    }
    assert.ok(kept > 200, `edits that kept the depth: ${kept}`);
    assert.ok(counted > 100, `edits that counted again: ${counted}`);
  });

  it('counts again after a letter typed into a string prefix or after a backslash', () => {
    const before = 'x = r"\\"(" + f(1)\n';
    const cases = [
      { start: 4, inserted: 'b' }, // rb"…": still a prefix, caught by the run ending at a quote
      { start: 5, inserted: 'x' }, // r x"…" — the quote follows the inserted letter
      { start: 7, inserted: 'a' }, // after the backslash: it escapes `a`, the quote closes the string
    ];
    for (const { start, inserted } of cases) {
      const after = before.slice(0, start) + inserted + before.slice(start);
      assert.equal(bracketsKept(before, after, { start, oldEnd: start, newEnd: start + 1 }), false, JSON.stringify(after));
    }
    assert.equal(bracketsKept(before, before.slice(0, 14) + 'g' + before.slice(14), { start: 14, oldEnd: 14, newEnd: 15 }), true);
  });
});
