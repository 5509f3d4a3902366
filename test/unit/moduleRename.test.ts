/**
 * Edit reuse for an identifier typed into the name a module statement binds (perf/moduleStatement.ts):
 * the statements and definitions writing the old or the new name are analysed again, and so are
 * those reading a name such a definition binds in the module through `global`. Every edit is
 * compared with a fresh analysis (and so is its undo); the renames that decide a finding check
 * that the finding changed, which moving the old reports would not do.
 */
import * as assert from 'node:assert/strict';
import type { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { analyzer } from '../support/engine';
import { EditorDocument, sameAsFresh } from '../support/editorDocument';

/** Types `typed` after the first `after` (replacing `replaced` characters), then undoes it; both must equal fresh analyses. */
function typeAndUndo(engine: Analyzer, document: EditorDocument, after: string, typed: string, what: string, replaced = 0) {
  const at = document.text.indexOf(after);
  assert.ok(at >= 0, after);
  const start = at + after.length;
  const old = document.text.slice(start, start + replaced);
  const result = document.edit(start, start + replaced, typed);
  assert.equal(result.syntaxErrors, 0, what);
  const found = sameAsFresh(engine, document, what);
  const unit = result.reusedUnit;
  const undo = document.edit(start, start + typed.length, old);
  sameAsFresh(engine, document, `undoing ${what}`);
  return { found, unit, undoUnit: undo.reusedUnit };
}

const count = (codes: string[], code: string) => codes.filter((c) => c.startsWith(`${code}:`)).length;

describe('edit reuse for a binding renamed in a module statement', () => {
  it('follows a name a function binds in the module through `global`', async () => {
    const engine = await analyzer();
    const text = [
      'import torch as T',
      'import json',
      '',
      'def setup():',
      '    global L',
      '    L = T',
      '',
      'def restore(path):',
      '    return L.load(path)',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const before = sameAsFresh(engine, document, 'opened');
    assert.equal(count(before, 'MLS102'), 1, 'L is torch, set in setup');
    // T renamed: setup writes T and binds L in the module, which restore reads.
    const renamed = typeAndUndo(engine, document, 'import torch as T', '2', 'the alias renamed');
    assert.equal(renamed.unit, 'statement');
    assert.equal(count(renamed.found, 'MLS102'), 0, 'L is no longer torch');
    assert.deepEqual(sameAsFresh(engine, document, 'back'), before);
    document.dispose();
  });
});
