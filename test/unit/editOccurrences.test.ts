/**
 * The occurrences of the prefilter's words handed over an edit (perf/editOccurrences.ts) are
 * those a search of the edited text finds: random edits of the fixtures (typing and deleting
 * identifier characters, blanks, dots, quotes and line breaks next to the words), each compared
 * word by word with SourceText's own search.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { changeBetween } from '../../server/src/engine/perf/editReuse';
import { noteEditOccurrences } from '../../server/src/engine/perf/editOccurrences';
import { buildIndex, wordFinderOf } from '../../server/src/engine/pipeline/prefilter';
import { ALL_RULES } from '../../server/src/rules/index';
import { seeded as random } from '../support/hostile';
import { SourceText } from '../../server/src/engine/textScan';
import { FIXTURES, filesUnder } from '../support/paths';

const INSERTED = ['x', '_', ' ', '.', '"', '\n', 'load', 'eval', 'os', 'token', '#', '('];

describe('occurrences of the prefilter words moved over edits', () => {
  it('equal a search of the edited text, word by word', () => {
    const full = buildIndex(ALL_RULES);
    const { slots } = wordFinderOf(full);
    const words = [...slots.keys()];
    assert.ok(words.length > 20, `${words.length} words`);
    const files = filesUnder(FIXTURES, ['.py']);
    assert.ok(files.length > 20);
    const next = random(Number(process.env.MLSEC_FUZZ_SEED ?? 21));
    let compared = 0;
    for (const file of files) {
      let text = fs.readFileSync(file, 'utf8');
      noteEditOccurrences(new SourceText(text), full, undefined, undefined);
      for (let step = 0; step < 25; step++) {
        // Next to a word's occurrence half of the time, anywhere else otherwise.
        const word = words[Math.floor(next() * words.length)];
        const near = text.indexOf(word, Math.floor(next() * text.length));
        const at = near >= 0 && next() < 0.5 ? near + Math.floor(next() * (word.length + 2)) - 1 : Math.floor(next() * text.length);
        const start = Math.max(0, Math.min(text.length, at));
        const end = Math.min(text.length, start + (next() < 0.5 ? 0 : Math.floor(next() * 4)));
        const inserted = next() < 0.3 ? '' : INSERTED[Math.floor(next() * INSERTED.length)];
        const after = text.slice(0, start) + inserted + text.slice(end);
        const change = changeBetween(text, after);
        const moved = new SourceText(after);
        noteEditOccurrences(moved, full, text, change);
        const searched = new SourceText(after);
        for (const w of words) {
          assert.deepEqual([...moved.identifiers(w)], [...searched.identifiers(w)], `${file}, step ${step}: ${w}`);
          compared++;
        }
        text = after;
      }
    }
    assert.ok(compared > 10_000, `${compared} comparisons`);
  });
});
