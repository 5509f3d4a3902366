/**
 * Edit reuse for a statement of the module (perf/moduleStatement.ts) with file rules that declare
 * what they read (perf/fileReads.ts): their reports are kept, moved, over an edit of a statement
 * they read nothing of, and run again when the statement binds a name a statement they read
 * writes. Every edit is compared with a fresh analysis; the cases where the statement decides a
 * file rule's finding check that the finding changed (a rule whose old reports were kept would
 * leave it as it was).
 */
import * as assert from 'node:assert/strict';
import { analyzer } from '../support/engine';
import { EditorDocument as Document, sameAsFresh } from '../support/editorDocument';

const SOURCE = [
  'import os',
  'import openai',
  'from transformers import AutoModel',
  '',
  'REMOTE = False',
  'TOKEN_VALUE = "placeholder"',
  'COUNT = 3',
  'LABELS = ["a", "b"]',
  '',
  'openai.api_key = TOKEN_VALUE',
  '',
  '',
  'def load():',
  '    return AutoModel.from_pretrained("org/model", trust_remote_code=REMOTE)',
  '',
  '',
  'def report():',
  '    return COUNT * 2',
  '',
  '',
  'HF_TOKEN = "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567"',
  '',
].join('\n');

describe('edit reuse for a statement of the module with file rules', () => {
  it('keeps the file rules reading nothing of the statement, moved', async () => {
    const engine = await analyzer();
    const document = new Document(engine, SOURCE);
    const before = sameAsFresh(engine, document, 'opened');
    assert.ok(
      before.some((f) => f.startsWith('MLS501')),
      'the token written at the end',
    );
    // The statement grows by a character: the credential after it moves.
    const result = document.replace('COUNT', 'COUNT = 3', 'COUNT = 30');
    assert.equal(result.reusedUnit, 'statement');
    assert.deepEqual(sameAsFresh(engine, document, 'a constant nothing reads changed'), before);
    document.replace('COUNT', 'COUNT = 30', 'COUNT = 3');
    assert.deepEqual(sameAsFresh(engine, document, 'and back'), before);
    document.dispose();
  });

  it('runs a file rule again when the statement binds a name a statement it reads writes', async () => {
    const engine = await analyzer();
    const document = new Document(engine, SOURCE);
    const before = sameAsFresh(engine, document, 'opened');
    const remote = (codes: string[]) => codes.filter((f) => f.startsWith('MLS201')).length;
    // trust_remote_code=REMOTE: MLS201 reads what REMOTE stands for, bound by the edited statement.
    const result = document.replace('REMOTE', 'REMOTE = False', 'REMOTE = True');
    assert.equal(result.reusedUnit, 'statement');
    const after = sameAsFresh(engine, document, 'the flag made true');
    assert.equal(remote(after), remote(before) + 1, 'trust_remote_code=REMOTE is found');
    document.replace('REMOTE', 'REMOTE = True', 'REMOTE = False');
    assert.deepEqual(sameAsFresh(engine, document, 'and back'), before);
    document.dispose();
  });

  it('runs a file rule again when the value a sink it reads is given becomes a credential', async () => {
    const engine = await analyzer();
    const document = new Document(engine, SOURCE);
    const before = sameAsFresh(engine, document, 'opened');
    const secrets = (codes: string[]) => codes.filter((f) => f.startsWith('MLS501')).length;
    // openai.api_key = TOKEN_VALUE: MLS501 judges the literal the name stands for.
    const result = document.replace('TOKEN_VALUE', '"placeholder"', '"Xk3pq9Lm2Vb7Tn4Rw8Yz1Hc6Jd"');
    assert.equal(result.reusedUnit, 'statement');
    const after = sameAsFresh(engine, document, 'a plausible key assigned');
    assert.equal(secrets(after), secrets(before) + 1, 'the key given to openai.api_key is found');
    document.dispose();
  });
});

const FLOWS = [
  'import sys',
  'from flask import Flask, request',
  '',
  'app = Flask(__name__)',
  'LIMIT = 3',
  'SCRIPT = "1 + 1"',
  'ARGS = sys.argv',
  'COUNTING = "SELECT count(*) FROM runs"',
  'QUERY = COUNTING',
  '',
  '',
  '@app.post("/q")',
  'def query():',
  '    text = request.args.get("q")',
  '    return eval(text)',
  '',
  '',
  'def run():',
  '    return eval(SCRIPT)',
  '',
  '',
  'def count(cursor):',
  '    cursor.execute(QUERY)',
  '',
].join('\n');

describe('edit reuse for a statement of the module with data-flow rules', () => {
  it('keeps the flows over a statement holding no carrying name, moved', async () => {
    const engine = await analyzer();
    const document = new Document(engine, FLOWS);
    const before = sameAsFresh(engine, document, 'opened');
    assert.ok(
      before.some((f) => f.startsWith('MLS301')),
      'request data into eval',
    );
    const result = document.replace('LIMIT', 'LIMIT = 3', 'LIMIT = 30');
    assert.equal(result.reusedUnit, 'statement');
    assert.deepEqual(sameAsFresh(engine, document, 'a constant no flow carries changed'), before);
    document.dispose();
  });

  it('runs the flows again when the statement makes a source reach a sink', async () => {
    const engine = await analyzer();
    const document = new Document(engine, FLOWS);
    const before = sameAsFresh(engine, document, 'opened');
    const sql = (codes: string[]) => codes.filter((f) => f.startsWith('MLS305')).length;
    // QUERY, executed by count(), now holds the command line: a data-flow rule's finding only.
    document.replace('QUERY', 'QUERY = COUNTING', 'QUERY = ARGS');
    const after = sameAsFresh(engine, document, 'the command line into SQL');
    assert.equal(sql(after), sql(before) + 1, 'cursor.execute(QUERY) is found');
    document.replace('QUERY', 'QUERY = ARGS', 'QUERY = COUNTING');
    assert.deepEqual(sameAsFresh(engine, document, 'and back'), before);
    document.dispose();
  });
});
