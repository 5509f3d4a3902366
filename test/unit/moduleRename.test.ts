/**
 * Edit reuse for an identifier typed into the name a module statement binds (perf/renamedBinding.ts,
 * perf/moduleStatement.ts): only the statements and definitions writing the old or the new name
 * are analysed again (and those reading a name such a definition binds in the module through
 * `global`), also when the statement's value makes a call. Every edit is compared with a fresh
 * analysis (and so is its undo); the renames that decide a finding check that the finding
 * changed, which moving the old reports would not do.
 */
import * as assert from 'node:assert/strict';
import type { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { analyzer } from '../support/engine';
import { EditorDocument, sameAsFresh } from '../support/editorDocument';
import { renamedBinding } from '../../server/src/engine/perf/renamedBinding';
import { changeBetween } from '../../server/src/engine/perf/editReuse';

/** Types `typed` after the first `after` (replacing `replaced` characters), then undoes it; both must equal fresh analyses. */
function typeAndUndo(engine: Analyzer, document: EditorDocument, after: string, typed: string, what: string, replaced = 0) {
  const at = document.text.indexOf(after);
  assert.ok(at >= 0, after);
  const start = at + after.length;
  const old = document.text.slice(start, start + replaced);
  const result = document.edit(start, start + replaced, typed);
  assert.equal(result.syntaxErrors, 0, what);
  const found = sameAsFresh(engine, document, what);
  sameDispatched(engine, document, what);
  const unit = result.reusedUnit;
  const undo = document.edit(start, start + typed.length, old);
  sameAsFresh(engine, document, `undoing ${what}`);
  sameDispatched(engine, document, `undoing ${what}`);
  return { found, unit, undoUnit: undo.reusedUnit };
}

/** The calls the memo says rules wanted (when it says) are those of a fresh analysis. */
function sameDispatched(engine: Analyzer, document: EditorDocument, what: string): void {
  const known = document.result.memo?.dispatched;
  if (!known) return;
  const fresh = engine.analyzePython(document.text, { keepTree: true });
  fresh.tree?.delete();
  assert.deepEqual(known, fresh.memo?.dispatched, `wanted calls after ${what}`);
}

const count = (codes: string[], code: string) => codes.filter((c) => c.startsWith(`${code}:`)).length;

describe('edit reuse for a binding renamed in a module statement', () => {
  it('analyses the calls through a renamed import again, and finds them again on undo', async () => {
    const engine = await analyzer();
    const text = [
      'import os',
      'import torch',
      'import json',
      'from torch import load',
      '',
      'def restore(path):',
      '    return torch.load(path)',
      '',
      'def restore_bare(path):',
      '    return load(path)',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const before = sameAsFresh(engine, document, 'opened');
    assert.equal(count(before, 'MLS102'), 2);
    // An unbound `torch` still stands for itself (semantic.ts): torch.load keeps its finding.
    const renamed = typeAndUndo(engine, document, 'import torch', 'x', 'torch renamed torchx');
    assert.equal(renamed.unit, 'statement');
    assert.equal(renamed.undoUnit, 'statement');
    assert.equal(count(renamed.found, 'MLS102'), 2);
    // `from torch import loadx`: the bare `load` is no longer torch's (a rule's word: the file is analysed whole).
    const imported = typeAndUndo(engine, document, 'from torch import load', 'x', 'the imported name renamed');
    assert.equal(imported.unit, undefined);
    assert.equal(count(imported.found, 'MLS102'), 1, 'load(path) no longer names torch.load');
    // json imported as torch: torch is json where restore reads it.
    const shadow = typeAndUndo(engine, document, 'import json', ' as torch', 'json imported as torch');
    assert.equal(count(shadow.found, 'MLS102'), 1, 'torch.load is json.load now');
    assert.deepEqual(sameAsFresh(engine, document, 'back'), before);
    document.dispose();
  });

  it('follows an alias renamed: `import pickle as pk`', async () => {
    const engine = await analyzer();
    const text = [
      'import pickle as pk',
      'import json',
      '',
      'def decode(blob):',
      '    return pk.loads(blob)',
      '',
      'def quiet(values):',
      '    return sorted(values)',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const before = sameAsFresh(engine, document, 'opened');
    assert.equal(count(before, 'MLS101'), 1, 'pickle.loads through the alias');
    const alias = typeAndUndo(engine, document, 'import pickle as pk', 'l', 'the alias renamed pkl');
    assert.equal(alias.unit, 'statement');
    assert.equal(count(alias.found, 'MLS101'), 0, 'pk is no longer pickle');
    const shortened = typeAndUndo(engine, document, 'import pickle as p', '', 'the alias shortened', 1);
    assert.equal(shortened.unit, 'statement');
    assert.equal(count(shortened.found, 'MLS101'), 0);
    // `json` renamed `pk`: json's binding now stands for pk, after pickle's.
    const other = typeAndUndo(engine, document, 'import json', ' as pk', 'json bound to pk');
    assert.equal(count(other.found, 'MLS101'), 0, 'pk is json now');
    assert.deepEqual(sameAsFresh(engine, document, 'back'), before);
    document.dispose();
  });

  it('finds again what a renamed module constant decides (trust_remote_code=FLAG)', async () => {
    const engine = await analyzer();
    const text = [
      'from transformers import AutoModel',
      'import os',
      '',
      'REMOTE = True',
      'LOCAL = False',
      'ROOT = os.path.join("/srv", "models")',
      '',
      'def load():',
      '    return AutoModel.from_pretrained("org/model", trust_remote_code=REMOTE, cache_dir=ROOT)',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const before = sameAsFresh(engine, document, 'opened');
    assert.equal(count(before, 'MLS201'), 1);
    const renamed = typeAndUndo(engine, document, 'REMOTE', 'X', 'the flag renamed');
    assert.equal(renamed.unit, 'statement');
    assert.equal(count(renamed.found, 'MLS201'), 0, 'REMOTE is no longer True');
    // A flag nothing reads renamed: the finding stays.
    const unread = typeAndUndo(engine, document, 'LOCAL', 'X', 'an unread flag renamed');
    assert.equal(unread.unit, 'statement');
    assert.equal(count(unread.found, 'MLS201'), 1);
    // LOCAL renamed REMOTE: the name now has two bindings, the later one False.
    const takes = typeAndUndo(engine, document, 'REMOTE = True\n', 'REMOTE', 'LOCAL renamed REMOTE', 'LOCAL'.length);
    assert.equal(takes.unit, 'statement');
    assert.equal(count(takes.found, 'MLS201'), 0, 'REMOTE is False where it is read');
    // A constant whose value makes a call, renamed: a unit too (its call is as it was).
    const call = typeAndUndo(engine, document, 'ROOT', '_DIR', 'a constant made by a call renamed');
    assert.equal(call.unit, 'statement');
    assert.deepEqual(sameAsFresh(engine, document, 'back'), before);
    document.dispose();
  });

  it('runs the regions using a renamed name again, and no other', async () => {
    const engine = await analyzer();
    const lines = ['import torch', 'import os', 'SAFE = bool(os.getenv("SAFE_LOAD"))', 'UNSAFE = False', ''];
    for (let i = 0; i < 12; i++)
      lines.push(`def restore_${i}(path):`, `    return torch.load(path, weights_only=${i % 2 ? 'SAFE' : 'UNSAFE'})`, '');
    const text = lines.join('\n');
    const document = new EditorDocument(engine, text);
    const before = sameAsFresh(engine, document, 'opened');
    assert.equal(count(before, 'MLS102'), 6, 'weights_only=UNSAFE');
    // SAFE (made by a call) renamed UNSAFE: both names now bound, the later binding wins.
    const edit = typeAndUndo(engine, document, '\nSAFE', 'UN', 'SAFE renamed UNSAFE');
    assert.equal(edit.unit, 'statement');
    // UNSAFE renamed: the six calls reading it are found again with an unbound name.
    const unbound = typeAndUndo(engine, document, 'UNSAFE', '_OFF', 'UNSAFE renamed');
    assert.equal(unbound.unit, 'statement');
    assert.deepEqual(sameAsFresh(engine, document, 'back'), before);
    document.dispose();
  });

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

  it('runs again the calls a renamed name resolves, directly or through names assigned from it', async () => {
    const engine = await analyzer();
    const text = [
      'import torch as T',
      'import json',
      'M = T',
      '',
      'def through_module(path):',
      '    return M.load(path)',
      '',
      'def through_local(path):',
      '    local = T',
      '    again = local',
      '    return again.load(path), json.load(path)',
      '',
      'def direct(path):',
      '    return T.load(path), json.load(path)',
      '',
      'def unrelated(path):',
      '    return json.load(path), T',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const before = sameAsFresh(engine, document, 'opened');
    assert.equal(count(before, 'MLS102'), 3);
    assert.ok(document.result.memo?.dispatched !== undefined, 'a whole analysis records the wanted calls');
    for (let i = 0; i < 3; i++) {
      // Twice over: the second rename starts from the wanted calls the first handed on.
      const renamed = typeAndUndo(engine, document, 'import torch as T', '2', `the alias renamed (${i})`);
      assert.equal(renamed.unit, 'statement');
      assert.equal(count(renamed.found, 'MLS102'), 0, 'T, M, local and again are no longer torch');
    }
    // `json` renamed: its calls are wanted by no rule, before or after.
    const quiet = typeAndUndo(engine, document, 'import json', '_x', 'json renamed');
    assert.equal(quiet.unit, 'statement');
    assert.deepEqual(quiet.found, before);
    // json imported as T: T.load is json.load where the later binding reaches.
    const shadow = typeAndUndo(engine, document, 'import json', ' as T', 'json imported as T');
    assert.equal(count(shadow.found, 'MLS102'), 0);
    assert.deepEqual(sameAsFresh(engine, document, 'back'), before);
    document.dispose();
  });

  it('analyses the whole file when a renamed statement makes a call and data flows are kept', async () => {
    const engine = await analyzer();
    const text = [
      'import os',
      'from openai import OpenAI',
      '',
      'client = OpenAI()',
      'LIMIT = 3',
      '',
      'def ask():',
      '    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "list files"}])',
      '    command = reply.choices[0].message.content',
      '    os.system(command)',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const before = sameAsFresh(engine, document, 'opened');
    assert.equal(count(before, 'MLS304'), 1, "the model's answer reaches the shell");
    // The client renamed: the answer is no longer a model's (its flow went with the client's name).
    const renamed = typeAndUndo(engine, document, 'client', 'q', 'the client renamed');
    assert.equal(count(renamed.found, 'MLS304'), 0);
    assert.equal(renamed.unit, undefined, 'the data flows are kept only over statements that make no call');
    // A constant making no call renamed: a unit, the flows kept.
    const constant = typeAndUndo(engine, document, 'LIMIT', 'S', 'a constant renamed');
    assert.equal(constant.unit, 'statement');
    assert.equal(count(constant.found, 'MLS304'), 1);
    document.dispose();
  });

  it('reads a binding renamed only where the statement binds the identifier', async () => {
    const parser = (await analyzer()).parser;
    const cases: Array<[string, string, string, string | undefined]> = [
      // [before, after, what, renamed (old>new) or undefined]
      ['X = 1\n', 'XY = 1\n', 'an assignment target', 'X>XY'],
      ['X: int = 1\n', 'Xs: int = 1\n', 'an annotated target', 'X>Xs'],
      ['X = f(a)\n', 'Xa = f(a)\n', 'a target whose value calls', 'X>Xa'],
      ['X = Y\n', 'X = YZ\n', 'a value', undefined],
      ['X = Y = 1\n', 'XZ = Y = 1\n', 'a chained assignment', undefined],
      ['X, Y = 1, 2\n', 'XZ, Y = 1, 2\n', 'a tuple target', undefined],
      ['X += 1\n', 'XZ += 1\n', 'an augmented assignment', undefined],
      ['X.a = 1\n', 'XZ.a = 1\n', 'an attribute target', undefined],
      ['import torch\n', 'import torchx\n', 'an import', 'torch>torchx'],
      ['import torch.hub\n', 'import torchx.hub\n', "a dotted import's first name", 'torch>torchx'],
      ['import torch.hub\n', 'import torch.hubx\n', "a dotted import's last name", undefined],
      ['import pickle as pk\n', 'import pickle as pkl\n', 'an alias', 'pk>pkl'],
      ['import pickle as pk\n', 'import pickles as pk\n', 'the module of an alias', undefined],
      ['from m import a\n', 'from m import ab\n', 'a name imported from a module', 'a>ab'],
      ['from m import a as b\n', 'from m import a as bc\n', 'an alias imported from a module', 'b>bc'],
      ['from m import a as b\n', 'from m import ax as b\n', 'the name behind an alias', undefined],
      ['from m import a\n', 'from mx import a\n', 'the module imported from', undefined],
      ['X = 1\n', 'X_ = 1\n', 'an underscore typed', 'X>X_'],
      ['ty = 1\n', 'type = 1\n', 'a soft keyword', undefined],
      ['X = 1\n', 'X2 = 1\n', 'a digit typed', 'X>X2'],
      ['print(X)\n', 'print(XY)\n', 'a call', undefined],
    ];
    let checked = 0;
    for (const [before, after, what, expected] of cases) {
      const tree = parser.parse(after);
      try {
        const change = changeBetween(before, after)!;
        const statement = tree.rootNode.namedChildren[0]!;
        const unit = { start: statement.startIndex, end: statement.endIndex };
        const found = renamedBinding(
          tree,
          unit,
          before.slice(unit.start, unit.end + before.length - after.length),
          after.slice(unit.start, unit.end),
          change,
        );
        assert.equal(found && `${found.before}>${found.after}`, expected, what);
        checked++;
      } finally {
        tree.delete();
      }
    }
    assert.equal(checked, cases.length);
  });
});
