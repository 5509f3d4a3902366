/**
 * Edit reuse for one statement of a long function's body (perf/functionStatement.ts): every edit
 * here is compared with a fresh analysis of the edited text, and the cases where the statement's
 * names or flows decide a finding elsewhere in the function check that the finding changed (so a
 * unit that moved the old report instead of analysing its statement again fails).
 */
import * as assert from 'node:assert/strict';
import { analyzer } from '../support/engine';
import { EditorDocument as Document, padding, sameAsFresh } from '../support/editorDocument';

const SOURCE = [
  'import os',
  'import joblib',
  'from flask import Flask, request',
  '',
  'app = Flask(__name__)',
  'model = joblib.load("model.joblib")',
  '',
  '',
  'def train_step(user_text, steps):',
  '    """Runs a step."""',
  '    code = "1 + 1"',
  '    mode = user_text',
  '    if mode not in ("fast", "slow"):',
  '        raise ValueError(mode)',
  ...padding('total'),
  '    value = eval(code)',
  '    os.system("train --mode " + mode)',
  '    return value',
  '',
  '',
  '@app.post("/q")',
  'def query():',
  '    steps = 2',
  '    query_text = request.args.get("q")',
  '    cleaned = query_text',
  ...padding('count'),
  '    model.predict(cleaned)',
  '    return eval(cleaned)',
  '',
].join('\n');

describe('edit reuse for a statement of a long function', () => {
  it('analyses again the statements a binding leads to (a constant made data)', async () => {
    const engine = await analyzer();
    const document = new Document(engine, SOURCE);
    const before = sameAsFresh(engine, document, 'opened');
    const result = document.replace('def train_step', 'code = "1 + 1"', 'code = user_text');
    assert.equal(result.reusedUnit, 'function-statement');
    const after = sameAsFresh(engine, document, 'a constant made data');
    assert.equal(
      after.filter((f) => f.startsWith('MLS301')).length,
      before.filter((f) => f.startsWith('MLS301')).length + 1,
      'eval(code) is found',
    );
    document.replace('def train_step', 'code = user_text', 'code = "1 + 1"');
    assert.deepEqual(sameAsFresh(engine, document, 'and back'), before);
    document.dispose();
  });

  it('analyses again the statements a guard restricts, though the guard binds nothing', async () => {
    const engine = await analyzer();
    const document = new Document(engine, SOURCE);
    const before = sameAsFresh(engine, document, 'opened');
    // The guard no longer leaves the function: `mode` is data at os.system.
    const result = document.replace('def train_step', 'raise ValueError(mode)', 'print(mode)');
    assert.equal(result.reusedUnit, 'function-statement');
    const after = sameAsFresh(engine, document, 'a guard that no longer raises');
    assert.ok(after.length > before.length, 'os.system(... + mode) is found');
    document.dispose();
  });

  it('runs the data flows again when the statement holds a source, and moves them when it holds none', async () => {
    const engine = await analyzer();
    const document = new Document(engine, SOURCE);
    const before = sameAsFresh(engine, document, 'opened');
    assert.ok(before.includes(`MLS301:${SOURCE.split('\n').indexOf('    return eval(cleaned)') + 1}`), 'the flow from request.args');
    // The flow's source edited away: the finding at eval(cleaned) goes.
    const edited = document.replace('def query', 'cleaned = query_text', 'cleaned = "constant"');
    assert.equal(edited.reusedUnit, 'function-statement');
    const cut = sameAsFresh(engine, document, 'the flow cut');
    assert.ok(cut.length < before.length, 'the flow into eval is gone');
    // A data-flow rule's own finding (MLS801, a file rule): request data into the model.
    assert.ok(
      before.some((f) => f.startsWith('MLS801')),
      'request data reaches model.predict',
    );
    assert.ok(!cut.some((f) => f.startsWith('MLS801')), 'and no longer does');
    document.replace('def query', 'cleaned = "constant"', 'cleaned = query_text');
    assert.deepEqual(sameAsFresh(engine, document, 'the flow back'), before);
    // A statement of the handler without a carrying name: the flows are kept.
    const quiet = document.replace('def query', 'count_3 = 3 * 2', 'count_3 = 3 * 4');
    assert.equal(quiet.reusedUnit, 'function-statement');
    assert.deepEqual(sameAsFresh(engine, document, 'a quiet statement of the handler'), before);
    document.dispose();
  });

  it('leaves a statement holding a finding, a docstring and blanks to the right unit', async () => {
    const engine = await analyzer();
    const document = new Document(engine, SOURCE);
    const before = sameAsFresh(engine, document, 'opened');
    // The statement with the rule's words: the whole function runs again.
    const hot = document.replace('def train_step', 'os.system("train --mode " + mode)', 'os.system("train --fast " + mode)');
    assert.notEqual(hot.reusedUnit, 'function-statement');
    sameAsFresh(engine, document, 'a statement with a finding edited');
    document.replace('def train_step', 'os.system("train --fast " + mode)', 'os.system("train --mode " + mode)');
    assert.deepEqual(sameAsFresh(engine, document, 'and back'), before);
    // A docstring and blanks: the statement alone.
    const docstring = document.replace('def train_step', 'Runs a step.', 'Runs one eval step.');
    assert.equal(docstring.reusedUnit, 'function-statement');
    sameAsFresh(engine, document, 'a docstring edited');
    for (const line of ['    mode = user_text', '    if mode not in ("fast", "slow"):', '    total_2 = 2 * 2']) {
      const at = document.text.indexOf(line) + line.length;
      const blank = document.edit(at, at, '  ');
      assert.equal(blank.reusedUnit, 'function-statement', line);
      sameAsFresh(engine, document, `blanks after ${line}`);
      document.edit(at, at + 2, '');
      sameAsFresh(engine, document, `blanks after ${line} removed`);
    }
    document.dispose();
  });

  it('judges the flows over a docstring by the lines an edit is on', async () => {
    const engine = await analyzer();
    const text = SOURCE.replace(
      'def query():\n',
      'def query():\n    """Answers a query.\n\n    Reads query_text from the request.\n    Nothing else here.\n    """\n',
    );
    const document = new Document(engine, text);
    const before = sameAsFresh(engine, document, 'opened');
    // A line naming no carrying name nor package, one naming a carrying name, one naming a package.
    for (const [old, now] of [
      ['Nothing else here.', 'Nothing more here.'],
      ['Reads query_text from', 'Reads the query_text from'],
      ['Nothing more here.', 'Uses openai here.'],
    ]) {
      const result = document.replace('def query', old, now);
      assert.equal(result.reusedUnit, 'function-statement', now);
      assert.deepEqual(sameAsFresh(engine, document, now), before);
    }
    // Blanks typed at the end of the line naming a package, then a word changed on it.
    const end = document.text.indexOf('Uses openai here.') + 'Uses openai here.'.length;
    assert.equal(document.edit(end, end, '  ').reusedUnit, 'function-statement');
    assert.deepEqual(sameAsFresh(engine, document, 'blanks after openai'), before);
    document.replace('def query', 'Uses openai', 'Used openai');
    assert.deepEqual(sameAsFresh(engine, document, 'a word changed next to openai'), before);
    document.dispose();
  });
  it('keeps the flows over blanks typed after a comment naming a carrying name and a package', async () => {
    const engine = await analyzer();
    const comment = '    # cleaned is the request text; openai never sees it';
    const text = SOURCE.replace('    cleaned = query_text\n', `    cleaned = query_text\n${comment}\n`);
    const document = new Document(engine, text);
    const before = sameAsFresh(engine, document, 'opened');
    assert.ok(before.length > 0, 'the file has flow findings to keep');
    const end = document.text.indexOf(comment) + comment.length;
    // The closures read a comment as prose: blanks leave its words, so the flows are kept.
    assert.equal(document.edit(end, end, ' ').reusedUnit, 'comment');
    assert.deepEqual(sameAsFresh(engine, document, 'a space after the comment'), before);
    assert.ok(document.edit(end, end + 1, '').reused, 'the undo reuses too');
    // A word typed in it may name a source: judged as code, the file is analysed again.
    document.replace('def query', 'cleaned is', 'cleaned_text is');
    assert.deepEqual(sameAsFresh(engine, document, 'a word changed in the comment'), before);
    document.dispose();
  });
});
