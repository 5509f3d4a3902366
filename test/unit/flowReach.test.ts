/**
 * Which sinks the data-flow analysis looks at (engine/dataflow/reach.ts): the selection must
 * never drop a flow. Checked two ways: on small files made for each way a flow crosses
 * definitions, the findings with the selection equal those of the unoptimised analysis (and are
 * there); and on every rule fixture, every expression the flow core finds a source in holds a
 * name the selection says may carry one.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from '../../server/src/engine/parser';
import { PythonParser } from '../../server/src/engine/parser';
import { SemanticModel } from '../../server/src/engine/semantic';
import { CONFIDENCE, Flow, SELECTION_LIMITS, UNTRUSTED, fileFlows } from '../../server/src/engine/dataflow/index';
import type { FlowSpec, SourceKind } from '../../server/src/engine/dataflow/index';
import { flowReach } from '../../server/src/engine/dataflow/reach';
import { edited, summary } from '../support/flowEdits';
import { analyzer } from '../support/engine';
import { FIXTURES as FIXTURES_DIR } from '../support/paths';

const REFERENCE = { prefilter: false, everyCall: true };

/** The findings of the data-flow rules, with reach.ts's selection and without it (they must agree). */
async function flowFindings(text: string): Promise<string[]> {
  const engine = await analyzer();
  const optimised = summary(engine.analyzePython(text));
  assert.deepEqual(optimised, summary(engine.analyzePython(text, REFERENCE)));
  return optimised.filter((f) => /^MLS(?:304|305|306|307|407|801)@/.test(f)).map((f) => f.split(' ')[0]);
}

/** The selection is made whatever the size of the file (small files skip it otherwise). */
function selectingAlways(): void {
  const limits = { ...SELECTION_LIMITS };
  before(() => Object.assign(SELECTION_LIMITS, { text: 0 }));
  after(() => Object.assign(SELECTION_LIMITS, limits));
}

describe('data flow: which sinks are looked at', () => {
  selectingAlways();
  it('keeps a source at module level reaching a sink in a function', async () => {
    const text = ['import sys', 'import pickle', 'PAYLOAD = sys.argv[1]', '', 'def load():', '    return pickle.loads(PAYLOAD)', ''].join(
      '\n',
    );
    assert.deepEqual(await flowFindings(text), ['MLS305@5:11']);
  });

  it('keeps a sink inside a helper called from another function with request data', async () => {
    const text = [
      'from flask import Flask, request',
      'import pickle',
      'app = Flask(__name__)',
      '',
      'def run(blob):',
      '    pickle.loads(blob)',
      '',
      '@app.post("/x")',
      'def handler():',
      '    data = request.get_json()',
      '    cmd = data["cmd"]',
      '    run(cmd)',
      '    return "ok"',
      '',
    ].join('\n');
    // Reported where the helper is called.
    assert.deepEqual(await flowFindings(text), ['MLS305@11:4']);
  });

  it('keeps a helper whose return carries the source into a sink of another function', async () => {
    const text = [
      'from openai import OpenAI',
      'client = OpenAI()',
      '',
      'def ask(question):',
      '    answer = client.chat.completions.create(model="m", messages=[{"role": "user", "content": question}])',
      '    return answer.choices[0].message.content',
      '',
      'def unrelated(x):',
      '    return x + 1',
      '',
      'def main():',
      '    code = ask("write code")',
      '    exec(code)',
      '    exec(str(unrelated(2)))',
      '',
    ].join('\n');
    assert.deepEqual(await flowFindings(text), ['MLS304@12:4']);
  });

  it('keeps a source passed on through module-level names', async () => {
    const text = [
      'from flask import request as rq',
      'import sqlite3',
      'ALIAS = rq',
      'FIELD = "name"',
      '',
      'def query(db: sqlite3.Connection):',
      '    name = ALIAS.args[FIELD]',
      '    db.execute(f"select * from t where n = \'{name}\'")',
      '',
    ].join('\n');
    const found = await flowFindings(text);
    assert.ok(found.includes('MLS305@7:4'), found.join(', '));
  });

  it('keeps Gradio callbacks registered elsewhere and request-typed parameters', async () => {
    const text = [
      'import gradio as gr',
      'import pickle',
      'from fastapi import FastAPI, Request as R',
      'app = FastAPI()',
      '',
      'def on_upload(blob):',
      '    return pickle.loads(blob)',
      '',
      'async def endpoint(req: R):',
      '    body = await req.body()',
      '    return pickle.loads(body)',
      '',
      'with gr.Blocks() as demo:',
      '    box = gr.File()',
      '    btn = gr.Button()',
      '    btn.click(on_upload, inputs=[box], outputs=[])',
      '',
    ].join('\n');
    const found = await flowFindings(text);
    assert.ok(found.includes('MLS305@10:11'), found.join(', '));
  });

  it('leaves out sinks no source can reach, with the same findings', async () => {
    const text = [
      'import os, pickle',
      'from flask import request',
      '',
      'def cleanup(path):',
      '    os.remove(path)',
      '',
      'def restore(blob):',
      '    return pickle.loads(blob)',
      '',
      'def handler():',
      '    return pickle.loads(request.data)',
      '',
    ].join('\n');
    assert.deepEqual(await flowFindings(text), ['MLS305@10:11']);
    const parser = await PythonParser.get();
    const model = new SemanticModel(parser.parse(text), text);
    const sinks = fileFlows(model).reachableSinks(UNTRUSTED, new Set(['path', 'deserialize']), new Set(['request']));
    assert.deepEqual(
      sinks.map((s) => s.spelled),
      ['pickle.loads'],
      'only the sink in the handler is looked at',
    );
  });

  it('keeps a comprehension variable bound after a comment inside the statement', async () => {
    const text = [
      'import pickle',
      '',
      'def load_all():',
      '    loaded = [pickle.loads(c)  # one object per chunk',
      '              for c in input().split(";")]',
      '    print(len(loaded))',
      '',
    ].join('\n');
    assert.deepEqual(await flowFindings(text), ['MLS305@3:14']);
  });

  it('keeps names written in f-strings, also after a nested quote of the same kind', async () => {
    const text = [
      'import pickle',
      '',
      'def load(opts):',
      '    name = input()',
      '    blob = f"{opts["k"]} {name}"',
      '    return pickle.loads(blob)',
      '',
      'def load_other():',
      '    name = input()',
      '    return pickle.loads(f"{name!r:>10}")',
      '',
    ].join('\n');
    assert.deepEqual(await flowFindings(text), ['MLS305@5:11', 'MLS305@9:11']);
  });

  it("follows a keyword argument's value when its name is a carrying name", async () => {
    const text = [
      'import pickle',
      '',
      'def run(name):',
      '    pickle.loads(name)',
      '',
      'def main():',
      '    name = input()',
      '    run(name=name)',
      '',
    ].join('\n');
    assert.deepEqual(await flowFindings(text), ['MLS305@7:4']);
  });

  it('passes nothing on from a carrying name in a comment, a string, or as a keyword or parameter name', () => {
    const text = [
      'import sys',
      '',
      'def main(input=None):',
      '    """Reads the input and argv."""',
      '    a = compute()  # input',
      '    b = compute(input=3)',
      '    c = "input"',
      "    d = ('argv'  # argv",
      '         )',
      '    e, input = compute(), 1',
      '    f = input',
      '    return f"{input}"',
      '',
    ].join('\n');
    const reach = flowReach(text, UNTRUSTED, new Set(['cli']))!;
    for (const name of ['a', 'b', 'c', 'd', 'e']) assert.equal(reach.carries(name), false, name);
    // Written as code, the name passes its data on (the closure does not tell a parameter named
    // `input` from the builtin).
    assert.equal(reach.carries('f'), true);
    assert.equal(reach.carries('main'), true, 'the f-string returned holds the name');
  });

  it('passes nothing on from inside a call whose result drops its arguments, or a subscript index', () => {
    const text = [
      'import json',
      'import numpy as np',
      'from numpy import asarray as arr',
      'from flask import request',
      '',
      'def clean(v):',
      '    return v',
      '',
      'class Box:',
      '    def wrap(self, v):',
      '        return v',
      '',
      'def handler(box, table, btn):',
      '    q = request.args["q"]',
      '    a = len(q)',
      '    b = table[q]',
      '    c = btn.click(fn=None, inputs=[q])',
      '    d = isinstance(q, str) and q',
      '    e = str(q)',
      '    f = " ".join([q])',
      '    g = clean(q)',
      '    h = box.wrap(q)',
      '    i = json.loads(q)',
      '    j = np.asarray(q)',
      '    k = arr(q)',
      '    m = len([n for n in q])',
      '    o = f"{len(q)}"',
      '    p = len(q) + len(q if q else 0)',
      '    r = table[0](q)',
      '    s = (q)',
      '    t = q[0:len(q)]',
      '    return len(q)',
      '',
    ].join('\n');
    const reach = flowReach(text, UNTRUSTED, new Set(['request']))!;
    for (const name of ['a', 'b', 'c', 'p', 'r', 'handler'])
      assert.equal(reach.carries(name), false, `${name}: its value drops what it is made from`);
    // `d`: the line holds `q` outside the call too. `m`'s comprehension variable `n` takes the data
    // inside the call; `o`: calls inside an f-string are not read (kept). `t`: `q` is the subscript's value.
    for (const name of ['q', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'n', 'm', 'o', 's', 't'])
      assert.equal(reach.carries(name), true, `${name}: may carry the request`);
  });

  it('keeps a path method whose receiver carries the source (its call arguments hold none)', async () => {
    const text = [
      'from pathlib import Path',
      'from flask import request',
      '',
      'def handler():',
      '    p = Path(request.args["f"])',
      '    p.unlink()',
      '    return "gone"',
      '',
    ].join('\n');
    assert.deepEqual(await flowFindings(text), ['MLS305@5:4']);
  });

  it('keeps model inference reached directly and through a helper, found from the carrying names', async () => {
    const text = [
      'import joblib',
      'from flask import Flask, request',
      'app = Flask(__name__)',
      'model = joblib.load("m.pkl")',
      '',
      'def score(features):',
      '    return model.predict(features)',
      '',
      'def unrelated(rows):',
      '    return model.predict(rows)',
      '',
      '@app.post("/score")',
      'def handler():',
      '    direct = model.predict_proba(request.get_json()["x"])',
      '    return {"y": score(request.get_json()["x"]).tolist(), "p": direct.tolist()}',
      '',
    ].join('\n');
    const found = await flowFindings(text);
    assert.ok(found.includes('MLS801@13:13') && found.includes('MLS801@14:17'), found.join(', '));
  });

  it('keeps flows across notebook cells', async () => {
    const engine = await analyzer();
    const cell = (source: string[]) => ({ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source });
    const notebook = JSON.stringify({
      cells: [
        cell(['import sqlite3\n', 'db = sqlite3.connect("x.db")\n']),
        cell(['name = input("name? ")\n']),
        cell(['def lookup(n):\n', '    return db.execute("select * from t where n = \'" + n + "\'")\n']),
        cell(['lookup(name)\n']),
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    });
    const optimised = summary(engine.analyzeNotebookJson(notebook));
    assert.deepEqual(optimised, summary(engine.analyzeNotebookJson(notebook, REFERENCE)));
    assert.ok(
      optimised.some((f) => f.startsWith('MLS305')),
      optimised.join('\n'),
    );
  });

  it('finds a flow an edit creates in a function that had none', async () => {
    const engine = await analyzer();
    const before = [
      'import subprocess',
      'from flask import request',
      '',
      'def handler():',
      '    return request.args["q"]',
      '',
      'def other(cmd):',
      '    subprocess.run("ls", shell=True)',
      '',
    ].join('\n');
    const after = before.replace('subprocess.run("ls", shell=True)', 'subprocess.run(request.args["q"], shell=True)');
    const first = engine.analyzePython(before, { keepTree: true });
    const edited = engine.analyzePython(after, { keepTree: true, previous: first.memo, previousTree: first.tree });
    const fresh = engine.analyzePython(after);
    assert.deepEqual(summary(edited), summary(fresh));
    assert.ok(summary(fresh).some((f) => f.startsWith('MLS302')));
    first.tree?.delete();
    edited.tree?.delete();
  });
});

const SERVICE = [
  'import pickle',
  'from flask import Flask, request',
  'app = Flask(__name__)',
  '',
  'def decode(blob):',
  '    return blob',
  '',
  'def unrelated(n):',
  '    total = 0',
  '    for i in range(n):',
  '        total += i',
  '    return total',
  '',
  '@app.post("/load")',
  'def load():',
  '    return pickle.loads(decode(request.data))',
  '',
].join('\n');

describe('data flow: edits', () => {
  selectingAlways();
  it('keeps the flow findings over an edit of a function no flow goes through', async () => {
    const after = SERVICE.replace('total += i', 'total += i * 2');
    const result = await edited(SERVICE, after);
    assert.deepEqual(result.edited, result.fresh);
    assert.ok(result.fresh.some((f) => f.startsWith('MLS305')));
    assert.ok(result.reused !== undefined, 'the edit reuses the previous analysis');
  });

  it('analyses again when the edit changes a helper a flow goes through', async () => {
    const after = SERVICE.replace('    return blob\n', '    return b"constant"\n');
    const result = await edited(SERVICE, after);
    assert.deepEqual(result.edited, result.fresh);
    assert.ok(!result.fresh.some((f) => f.startsWith('MLS305')), 'the helper no longer passes the request on');
    assert.ok(summary((await analyzer()).analyzePython(SERVICE)).some((f) => f.startsWith('MLS305')));
  });

  it('analyses again when the edit makes a flow in a function that had none', async () => {
    const after = SERVICE.replace('    total = 0', '    total = pickle.loads(request.data)');
    const result = await edited(SERVICE, after);
    assert.deepEqual(result.edited, result.fresh);
    assert.equal(result.fresh.filter((f) => f.startsWith('MLS305')).length, 2);
  });

  it('keeps an import statement of the edited function out of reuse only when the edit touches it', async () => {
    const withImport = SERVICE.replace('    total = 0', '    import math\n    total = 0');
    const body = await edited(withImport, withImport.replace('total += i', 'total += i * 3'));
    assert.deepEqual(body.edited, body.fresh);
    const statement = await edited(withImport, withImport.replace('import math', 'import pickle as math'));
    assert.deepEqual(statement.edited, statement.fresh);
    assert.equal(statement.reused, undefined, 'an edited import statement means a full analysis');
  });
});

/** Every call argument of a text, with its node. */
function callArguments(model: SemanticModel): Node[] {
  return model.calls.flatMap((call) => (call.childForFieldName('arguments')?.namedChildren ?? []).filter((n): n is Node => !!n));
}

describe('data flow: the selection holds on every rule fixture', () => {
  const files = readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.py'));
  const kinds: Array<[FlowSpec, SourceKind[]]> = [
    [UNTRUSTED, ['request', 'ui', 'cli', 'llm']],
    [CONFIDENCE, ['confidence']],
  ];
  for (const file of files) {
    it(`every argument a source reaches holds a carrying name: ${file}`, async () => {
      const text = readFileSync(join(FIXTURES_DIR, file), 'utf8');
      const parser = await PythonParser.get();
      const model = new SemanticModel(parser.parse(text), text);
      let checked = 0;
      for (const [spec, list] of kinds) {
        const flow = Flow.withSummaries(model, spec);
        for (const argument of callArguments(model)) {
          for (const kind of list) {
            if (!flow.sources(argument).some((s) => s.kind === kind)) continue;
            checked++;
            const reach = flowReach(text, spec, new Set([kind]))!;
            assert.ok(
              reach.holds(argument.startIndex, argument.endIndex),
              `${file}:${argument.startPosition.row + 1}: ${kind} reaches \`${argument.text}\` but no carrying name is in it`,
            );
          }
        }
      }
      // Sinks reached through a helper's parameter: the helper's function is named on a carrying line.
      for (const hit of fileFlows(model).hitsOf(UNTRUSTED, new Set(['code', 'shell', 'sql', 'deserialize', 'path', 'html', 'model']))) {
        if (!hit.through) continue;
        checked++;
        for (const kind of new Set(hit.sources.map((s) => s.kind)))
          assert.ok(flowReach(text, UNTRUSTED, new Set([kind]))!.throughAt(hit.sink.call.startIndex), `${file}: ${hit.sink.spelled}`);
      }
      if (/^MLS(?:304|305|801)/.test(file)) assert.ok(checked > 0, 'a flow fixture has flows');
    });
  }
});
