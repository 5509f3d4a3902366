/**
 * Building ahead what an edit's reuse needs (perf/editWarmup.ts, EditSession.prepare): a document
 * prepared after opening must analyse every edit exactly as one that was not, through the same
 * unit, with the findings of a fresh analysis, and the names it prepared must be those the first
 * edit of the other document found on its own.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalysisResult, EditMemo } from '../../server/src/engine/pipeline/analyzer';
import { EditSession } from '../../server/src/engine/pipeline/editSession';
import { prepareForEdits } from '../../server/src/engine/perf/editWarmup';
import { analyzer } from '../support/engine';
import { EditorDocument, padding, sameAsFresh } from '../support/editorDocument';
import { random } from '../support/differential';
import { FIXTURES } from '../support/paths';

/** A long handler (a request flow into eval and a model), a long training function, module constants and a file rule's words. */
const LONG = [
  'import os',
  'import joblib',
  'from joblib import load as joblib_load',
  'from flask import Flask, request',
  '',
  'app = Flask(__name__)',
  'model = joblib.load("model.joblib")',
  'API_KEY = "sk-live-0123456789abcdef0123"',
  'MODES = ("fast", "slow")',
  '',
  '',
  'def train_step(user_text, steps):',
  '    """Runs a step."""',
  '    code = "1 + 1"',
  '    mode = user_text',
  '    if mode not in MODES:',
  '        raise ValueError(mode)',
  ...padding('total'),
  '    state = joblib_load(mode)',
  '    value = eval(code)',
  '    os.system("train --mode " + mode)',
  '    return value',
  '',
  '',
  '@app.post("/q")',
  'def query():',
  '    query_text = request.args.get("q")',
  '    cleaned = query_text',
  ...padding('count'),
  '    model.predict(cleaned)',
  '    return eval(cleaned)',
  '',
].join('\n');

/** Edits spread over the text: a space at a line's end, or a letter typed after a line's first word; each undone by the next. */
function editsOf(text: string, seed: number, count: number): Array<{ at: number; inserted: string }> {
  const next = random(seed);
  const lines = text.split('\n');
  const edits: Array<{ at: number; inserted: string }> = [];
  // First a line using a name that carries a rule's value (an alias of joblib.load), where there is one.
  const carrying = lines.findIndex((l) => l.includes('state = joblib_load'));
  for (let k = 0; k < count; k++) {
    const line = k === 0 && carrying >= 0 ? carrying : Math.floor(next() * lines.length);
    const start = lines.slice(0, line).reduce((sum, l) => sum + l.length + 1, 0);
    const word = /[A-Za-z_]\w*/.exec(lines[line]);
    edits.push(
      next() < 0.5 || !word
        ? { at: start + lines[line].length, inserted: ' ' }
        : { at: start + word.index + word[0].length, inserted: 'q' },
    );
  }
  return edits;
}

function outcome(result: AnalysisResult): string {
  return JSON.stringify({ findings: result.findings, reused: result.reused, unit: result.reusedUnit });
}

describe('preparing an open document for its first edits', () => {
  const sources = (): Array<[string, string]> => [
    ['a long handler and a long training function', LONG],
    ...fs
      .readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.py'))
      .map((f): [string, string] => [f, fs.readFileSync(path.join(FIXTURES, f), 'utf8')]),
  ];

  it('analyses every edit as an unprepared document does, and prepares the names the first edit finds', async () => {
    const engine = await analyzer();
    let comparedNames = 0;
    let prepared = 0;
    for (const [name, text] of sources()) {
      const plain = new EditorDocument(engine, text);
      const ready = new EditorDocument(engine, text);
      const opened: EditMemo | undefined = plain.result.memo;
      try {
        if (ready.result.memo && prepareForEdits(ready.result.memo)) prepared++;
        const preparedNames = ready.result.memo?.carried;
        let k = 0;
        for (const { at, inserted } of editsOf(text, text.length, 8)) {
          for (const [start, end, now] of [
            [at, at, inserted],
            [at, at + inserted.length, ''],
          ] as const) {
            const where = `${name}, edit ${k++} at ${at}`;
            const before = plain.result.memo;
            const lazy = before?.carried === undefined;
            const a = plain.edit(start, end, now);
            // The edit found the names over the text before it: preparing that text finds the same.
            if (before?.carried && lazy) {
              const copy = { ...before, carried: undefined };
              assert.ok(prepareForEdits(copy), where);
              assert.deepEqual([...(copy.carried ?? [])].sort(), [...before.carried].sort(), `${where}: the names carried`);
              if (before.carried.size > 0) comparedNames++;
            }
            const b = ready.edit(start, end, now);
            assert.equal(outcome(b), outcome(a), where);
            sameAsFresh(engine, ready, where);
          }
        }
        if (opened?.carried) assert.deepEqual([...(preparedNames ?? [])].sort(), [...opened.carried].sort(), `${name}: the names carried`);
      } finally {
        plain.dispose();
        ready.dispose();
      }
    }
    assert.ok(prepared >= 20, `documents prepared: ${prepared}`);
    assert.ok(comparedNames >= 2, `texts whose carried names (some) were compared: ${comparedNames}`);
  });

  it('finds the calls the rules want as a whole analysis records them, with the tree of the text only', async () => {
    const engine = await analyzer();
    let compared = 0;
    for (const [name, text] of sources()) {
      const document = new EditorDocument(engine, text);
      try {
        const memo = document.result.memo;
        if (!memo?.dispatched || !document.result.tree) continue;
        const copy = { ...memo, dispatched: undefined };
        prepareForEdits(copy);
        assert.equal(copy.dispatched, undefined, `${name}: not without the tree`);
        if (!prepareForEdits(copy, document.result.tree)) continue;
        assert.deepEqual(copy.dispatched, memo.dispatched, `${name}: the calls wanted`);
        if (memo.dispatched.length > 0) compared++;
      } finally {
        document.dispose();
      }
    }
    assert.ok(compared >= 20, `documents whose wanted calls were compared: ${compared}`);
    // Through the session: after an edit is reported, the tree no longer stands for the memo's text.
    const session = new EditSession();
    try {
      const result = engine.analyzePython(LONG, session.optionsFor(LONG, engine.parser));
      session.keep(LONG, result);
      const recorded = result.memo!.dispatched;
      assert.ok(recorded && recorded.length > 0);
      result.memo!.dispatched = undefined;
      session.prepare();
      assert.deepEqual(result.memo!.dispatched, recorded, 'prepared with the kept tree');
      result.memo!.dispatched = undefined;
      session.edit(LONG, 0, 0, '#');
      session.prepare();
      assert.equal(result.memo!.dispatched, undefined, 'not from an edited tree');
    } finally {
      session.drop();
    }
  });

  it('prepares through the edit session, and has nothing to prepare for broken text', async () => {
    const engine = await analyzer();
    const session = new EditSession();
    const analyse = (text: string) => {
      const result = engine.analyzePython(text, session.optionsFor(text, engine.parser));
      session.keep(text, result);
      return result;
    };
    try {
      analyse(LONG);
      assert.equal(session.prepare(), true);
      const broken = LONG.replace('def query():', 'def query(:');
      analyse(broken);
      assert.equal(session.prepare(), false, 'a text with a syntax error is analysed whole after an edit');
      session.drop();
      assert.equal(session.prepare(), false, 'nothing kept');
    } finally {
      session.drop();
    }
  });
});
