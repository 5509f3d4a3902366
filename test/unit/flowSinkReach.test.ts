/**
 * Whether a flow can reach a sink at all, read from the text (engine/dataflow/sinkReach.ts): the
 * partial-parse plan keeps nothing for a flow declaration it says no, and the analysis follows
 * nothing for it. It must never say no where the unoptimised analysis finds a flow: checked on
 * small files made for each way a sink is written (renamed, imported under another name, called
 * through a name bound to a model, a system prompt built earlier, a route's return), and on every
 * rule fixture (each flow rule with a finding in the unoptimised analysis has a plan keeping
 * something for it).
 */
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SELECTION_LIMITS } from '../../server/src/engine/dataflow/index';
import { flowParsePlan } from '../../server/src/engine/dataflow/parsePlan';
import { flowReach } from '../../server/src/engine/dataflow/reach';
import { CONFIDENCE, UNTRUSTED } from '../../server/src/engine/dataflow/sources';
import type { SourceKind } from '../../server/src/engine/dataflow/flow';
import type { AnalysisResult } from '../../server/src/engine/pipeline/analyzer';
import type { FlowDeclaration } from '../../server/src/engine/rule';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';
import { FIXTURES as FIXTURES_DIR } from '../support/paths';

const REFERENCE = { prefilter: false, everyCall: true };
/** Partial parsing whatever it saves (small files are otherwise parsed whole). */
const PARTIAL = { minSkipped: 1 };
const FLOW_RULES = ALL_RULES.filter((rule) => (rule.flows ?? []).length > 0);

function summary(result: AnalysisResult): string[] {
  return result.findings.map((f) => `${f.code}@${f.range.start.line}:${f.range.start.character} ${f.message}`);
}

function flowsOf(code: string): readonly FlowDeclaration[] {
  const rule = FLOW_RULES.find((r) => r.code === code);
  assert.ok(rule, code);
  return rule.flows!;
}

/**
 * The flow findings of a text, the same with the optimisations (partial parse, sinks selected)
 * as without them; and whether the plan of `code`'s flows keeps something (null: the whole file).
 */
async function check(lines: string[], code: string): Promise<{ found: string[]; keeps: boolean }> {
  const text = lines.join('\n');
  const engine = await analyzer();
  const reference = summary(engine.analyzePython(text, REFERENCE));
  assert.deepEqual(summary(engine.analyzePython(text, PARTIAL)), reference);
  assert.deepEqual(summary(engine.analyzePython(text)), reference);
  const kept = flowParsePlan(flowsOf(code)).keptOffsets(text);
  return {
    found: reference.filter((f) => /^MLS(?:304|305|306|307|407|801)@/.test(f)).map((f) => f.split(' ')[0]),
    keeps: kept === null || kept.length > 0,
  };
}

const LLM_ANSWER = [
  'import os',
  'from openai import OpenAI',
  'client = OpenAI()',
  'answer = client.chat.completions.create(model="m", messages=[]).choices[0].message.content',
];

describe('data flow: a sink is reached wherever the analysis finds a flow', () => {
  const limits = { ...SELECTION_LIMITS };
  before(() => Object.assign(SELECTION_LIMITS, { text: 0 }));
  after(() => Object.assign(SELECTION_LIMITS, limits));

  it('a sink renamed by an assignment, whose name is another sink kind’s', async () => {
    const { found, keeps } = await check([...LLM_ANSWER, 'run = os.system', 'run(answer)', ''], 'MLS304');
    assert.deepEqual(found, ['MLS304@5:0']);
    assert.ok(keeps);
  });

  it('a sink imported under another name', async () => {
    const { found, keeps } = await check([...LLM_ANSWER, 'from pickle import loads as read_blob', 'read_blob(answer)', ''], 'MLS304');
    assert.deepEqual(found, ['MLS304@5:0']);
    assert.ok(keeps);
  });

  it('a sink imported under another name inside parentheses, over several lines', async () => {
    const { found, keeps } = await check(
      [...LLM_ANSWER, 'from pickle import (', '    dumps,', '    loads as read_blob,', ')', 'read_blob(answer)', ''],
      'MLS304',
    );
    assert.deepEqual(found, ['MLS304@8:0']);
    assert.ok(keeps);
  });

  it('a module imported under another name', async () => {
    const { found, keeps } = await check([...LLM_ANSWER, 'import pickle as json', 'json.loads(answer)', ''], 'MLS304');
    assert.deepEqual(found, ['MLS304@5:0']);
    assert.ok(keeps);
  });

  it('a module named through an assignment of its name, not an object made by a call or read from a list', async () => {
    const { found, keeps } = await check([...LLM_ANSWER, 'import pickle', 'codec = pickle', 'codec.loads(answer)', ''], 'MLS304');
    assert.deepEqual(found, ['MLS304@6:0']);
    assert.ok(keeps);
    const objects = await check(
      [...LLM_ANSWER, 'import pickle', 'store = make_store()', 'stores = [store]', 'store.loads(answer)', 'stores[0].loads(answer)', ''],
      'MLS304',
    );
    assert.deepEqual(objects.found, []);
    assert.ok(!objects.keeps);
  });

  it('a shell asked for on another line of the call', async () => {
    const { found, keeps } = await check([...LLM_ANSWER, 'import subprocess', 'subprocess.run(answer,', '    shell=True)', ''], 'MLS304');
    assert.deepEqual(found, ['MLS304@5:0']);
    assert.ok(keeps);
  });

  it('no sink where the name is not one: json.loads, subprocess.run without a shell', async () => {
    const { found, keeps } = await check(
      [...LLM_ANSWER, 'import json', 'import subprocess', 'json.loads(answer)', 'subprocess.run([answer])', ''],
      'MLS304',
    );
    assert.deepEqual(found, []);
    assert.ok(!keeps, 'the plan keeps nothing for a flow that reaches no sink');
  });

  it('a sink in a helper reached through a parameter passed on inside it, not one given other data', async () => {
    const { found, keeps } = await check(
      [
        'from flask import Flask, request',
        'import pickle',
        'app = Flask(__name__)',
        '',
        'def restore(blob, path):',
        '    data = blob.strip()',
        '    pickle.loads(data)',
        '',
        '@app.post("/x")',
        'def handler():',
        '    restore(request.get_data(), "state.pkl")',
        '    return "ok"',
        '',
      ],
      'MLS305',
    );
    assert.deepEqual(found, ['MLS305@10:4']);
    assert.ok(keeps);
    const other = await check(
      [
        'from flask import Flask, request',
        'import pickle',
        'app = Flask(__name__)',
        'STATE = "state.pkl"',
        '',
        'def restore(blob):',
        '    with open(STATE, "rb") as f:',
        '        state = pickle.load(f)',
        '    return state, len(blob)',
        '',
        '@app.post("/x")',
        'def handler():',
        '    return str(restore(request.get_data()))',
        '',
      ],
      'MLS305',
    );
    assert.deepEqual(other.found, []);
    assert.ok(!other.keeps, 'a sink in the helper given none of its parameters is not reached');
  });

  it('a sink in a helper reached only through the parameters its calls pass request data to', async () => {
    const head = ['from flask import Flask, request', 'import pickle', 'app = Flask(__name__)', ''];
    const handler = (call: string) => ['@app.post("/x")', 'def handler():', `    ${call}`, '    return "ok"', ''];
    const helper = ['def restore(blob, note):', '    pickle.loads(blob)', '    return note', ''];
    // Request data passed to the other parameter: the sink is not reached.
    for (const call of [
      'restore(b"state", request.get_data())',
      'restore(note=request.get_data(), blob=b"state")',
      'restore(*request.get_data())',
    ]) {
      const { found, keeps } = await check([...head, ...helper, ...handler(call)], 'MLS305');
      assert.deepEqual(found, [], call);
      assert.ok(!keeps, `${call}: no parameter reaching the sink is given request data`);
    }
    // To the parameter reaching it, by position or keyword (the call over several lines).
    for (const call of [
      'restore(request.get_data(), "x")',
      'restore(note="x", blob=request.get_data())',
      'restore(\n        request.get_data(),  # the state, as sent\n        "x")',
    ]) {
      const { found, keeps } = await check([...head, ...helper, ...handler(call)], 'MLS305');
      assert.deepEqual(found, ['MLS305@10:4'], call);
      assert.ok(keeps, call);
    }
    // A header with a comma in a comment still numbers its parameters as flow.ts does.
    const commented = await check(
      [
        ...head,
        'def restore(note,  # a note, from the client',
        '            blob):',
        '    pickle.loads(blob)',
        '',
        ...handler('restore("x", request.get_data())'),
      ],
      'MLS305',
    );
    assert.deepEqual(commented.found, ['MLS305@10:4']);
    assert.ok(commented.keeps);
    // A method called on the object: its first argument is its second parameter.
    const method = await check(
      [
        ...head,
        'class Store:',
        '    def restore(self, blob, note):',
        '        pickle.loads(blob)',
        '',
        '    def handle(self):',
        '        self.restore(request.get_data(), "x")',
        '',
        'store = Store()',
        '',
        '@app.post("/x")',
        'def handler():',
        '    store.handle()',
        '    return "ok"',
        '',
      ],
      'MLS305',
    );
    assert.deepEqual(method.found, ['MLS305@9:8']);
    assert.ok(method.keeps);
    // Arguments the text cannot number (a lambda's commas): every parameter is followed.
    const lambda = await check([...head, ...helper, ...handler('restore(lambda a, b: a, request.get_data())')], 'MLS305');
    assert.deepEqual(lambda.found, []);
    assert.ok(lambda.keeps, 'a call whose arguments cannot be read seeds every parameter');
  });

  it('reads the prose of a helper’s lines only where its name is called', () => {
    const text = [
      'from flask import Flask, request',
      'import pickle',
      'app = Flask(__name__)',
      '',
      'def restore(blob, note):',
      '    pickle.loads(blob)',
      '',
      `HELPERS = [${Array.from({ length: 60 }, () => 'restore').join(', ')}]`,
      ...Array.from({ length: 60 }, (_, i) => `DOC_${i} = """restore ${i}: see restore"""`),
      '',
      '@app.post("/x")',
      'def handler():',
      '    restore(b"state", request.get_data())',
      '    return "ok"',
      '',
    ].join('\n');
    const reach = flowReach(text, UNTRUSTED, new Set(['request', 'ui']))!;
    // The closures first: what is counted is the sink check's own reading.
    assert.ok(reach.closures.length > 0);
    const facts = (reach as unknown as { facts: { inProse(at: number): boolean } }).facts;
    const own = facts.inProse.bind(facts);
    let read = 0;
    facts.inProse = (at) => {
      read++;
      return own(at);
    };
    assert.equal(reach.reachesSink(new Set(['deserialize'])), false);
    assert.ok(read < 10, `prose read for ${read} occurrences`);
  });

  it('reads no sink where no name carries', () => {
    // An LLM client imported and never called, sinks of every kind written: nothing carries.
    const text = [
      'import os, pickle, subprocess',
      'from openai import OpenAI',
      'client = OpenAI()',
      ...Array.from({ length: 30 }, (_, i) => `eval(code_${i}); os.system(cmd_${i}); pickle.loads(blob_${i})`),
      '',
    ].join('\n');
    const reach = flowReach(text, UNTRUSTED, new Set(['llm']))!;
    assert.ok(reach.closures.every((closure) => closure.at.length === 0 && !closure.dense));
    const facts = (reach as unknown as { facts: { occurrences: { of(name: string): readonly number[] } } }).facts;
    const own = facts.occurrences.of.bind(facts.occurrences);
    const read: string[] = [];
    facts.occurrences.of = (name) => {
      read.push(name);
      return own(name);
    };
    assert.equal(reach.reachesSink(new Set(['code', 'shell', 'deserialize', 'model', 'system-prompt', 'response'])), false);
    assert.deepEqual(read, []);
  });

  it('a path method called with nothing in its parentheses, and no loader called so', async () => {
    const { found, keeps } = await check(
      [
        'from flask import Flask, request',
        'from pathlib import Path',
        'app = Flask(__name__)',
        '',
        '@app.post("/x")',
        'def handler():',
        '    Path(request.args["name"]).unlink()',
        '    return "ok"',
        '',
      ],
      'MLS305',
    );
    assert.deepEqual(found, ['MLS305@6:4']);
    assert.ok(keeps);
    const loader = await check(
      [
        'from flask import Flask, request',
        'import pickle',
        'app = Flask(__name__)',
        '',
        '@app.post("/x")',
        'def handler():',
        '    pickle.load(request.files["f"])',
        '    return "ok"',
        '',
      ],
      'MLS305',
    );
    assert.deepEqual(loader.found, ['MLS305@6:4']);
    assert.ok(loader.keeps);
  });

  it('model inference through a name bound to a pipeline, inside a helper called with request data', async () => {
    const { found, keeps } = await check(
      [
        'from flask import Flask, request',
        'from transformers import pipeline',
        'app = Flask(__name__)',
        'classify = pipeline("text-classification")',
        '',
        'def run(payload):',
        '    return classify(payload)',
        '',
        '@app.post("/x")',
        'def handler():',
        '    return run(request.get_json())',
        '',
      ],
      'MLS801',
    );
    assert.deepEqual(found, ['MLS801@10:11']);
    assert.ok(keeps);
  });

  it("BentoML's runners and a dependency's methods, inside a helper method called with request data", async () => {
    const { found, keeps } = await check(
      [
        'import bentoml',
        'from bentoml.io import JSON',
        'runner = bentoml.sklearn.get("iris:latest").to_runner()',
        'svc = bentoml.Service("iris", runners=[runner])',
        '',
        '@svc.api(input=JSON(), output=JSON())',
        'def classify(payload):',
        '    rows = payload["rows"]',
        '    return {"label": runner.predict.run(rows)}',
        '',
        '@bentoml.service',
        'class Other:',
        '    @bentoml.api',
        '    def embed(self, rows: list) -> list:',
        '        return rows',
        '',
        '@bentoml.service',
        'class Gateway:',
        '    other = bentoml.depends(Other)',
        '',
        '    def _embed(self, rows):',
        '        return self.other.to_async.embed(rows)',
        '',
        '    @bentoml.api',
        '    async def route(self, rows: dict) -> list:',
        '        return await self._embed(rows["rows"])',
        '',
      ],
      'MLS801',
    );
    assert.deepEqual(found, ['MLS801@8:21', 'MLS801@25:21']);
    assert.ok(keeps);
  });

  it('a system prompt built on another line from UI text', async () => {
    const { found, keeps } = await check(
      [
        'import gradio as gr',
        'from openai import OpenAI',
        'client = OpenAI()',
        '',
        'def answer(persona, question):',
        '    prompt = f"You are {persona}."',
        '    messages = [{"role": "system", "content": prompt}, {"role": "user", "content": question}]',
        '    return client.chat.completions.create(model="m", messages=messages).choices[0].message.content',
        '',
        'gr.Interface(fn=answer, inputs=["text", "text"], outputs="text").launch()',
        '',
      ],
      'MLS307',
    );
    assert.deepEqual(found, ['MLS307@6:46']);
    assert.ok(keeps);
  });

  it('no system prompt in os.system or platform.system() on a line with UI text', async () => {
    const { found, keeps } = await check(
      [
        'import os',
        'import platform',
        'import gradio as gr',
        '',
        'def answer(question):',
        '    os.system("clear") if platform.system() == question else None',
        '    return question',
        '',
        'gr.Interface(fn=answer, inputs="text", outputs="text").launch()',
        '',
      ],
      'MLS307',
    );
    assert.deepEqual(found, []);
    assert.ok(!keeps);
  });

  it("a route's return holding scores computed on another line", async () => {
    const { found, keeps } = await check(
      [
        'from flask import Flask, jsonify, request',
        'app = Flask(__name__)',
        '',
        '@app.post("/predict")',
        'def predict():',
        '    scores = model.predict_proba([request.json["x"]])',
        '    out = scores.tolist()',
        '    return jsonify(out)',
        '',
      ],
      'MLS407',
    );
    assert.deepEqual(found, ['MLS801@5:13', 'MLS407@7:11']);
    assert.ok(keeps);
  });
});

describe('data flow: a batch scan leaves unparsed a file whose flows reach no sink', () => {
  it('parses a file only flow rules can fire in when a flow reaches a sink, and not otherwise', async () => {
    const engine = await analyzer();
    const database = ['import sqlite3', 'db = sqlite3.connect("app.db")'];
    const reached = [...LLM_ANSWER, ...database, 'db.execute(answer)', ''].join('\n');
    const result = engine.analyzePython(reached);
    assert.equal(result.parsed, true);
    assert.deepEqual(summary(result), summary(engine.analyzePython(reached, REFERENCE)));
    assert.ok(result.findings.some((f) => f.code === 'MLS304'));
    const unreached = [...LLM_ANSWER, ...database, 'db.execute(os.environ["QUERY"])', 'print(answer)', ''].join('\n');
    const skipped = engine.analyzePython(unreached);
    assert.equal(skipped.parsed, false, 'no flow reaches a sink: nothing to parse');
    assert.deepEqual(summary(skipped), summary(engine.analyzePython(unreached, REFERENCE)));
    // A suppression comment is read (and judged) only in a parse.
    assert.equal(engine.analyzePython(unreached + '# mlsec: ignore[MLS304]\n').parsed, true);
  });
});

describe('data flow: the sink check holds on every rule fixture', () => {
  const files = readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.py'));
  it('keeps something for every flow rule with a finding in the unoptimised analysis', async () => {
    const engine = await analyzer();
    let checked = 0;
    for (const file of files) {
      const text = readFileSync(join(FIXTURES_DIR, file), 'utf8');
      const codes = new Set(engine.analyzePython(text, REFERENCE).findings.map((f) => f.code));
      for (const rule of FLOW_RULES) {
        if (!codes.has(rule.code)) continue;
        checked++;
        const kept = flowParsePlan(rule.flows!).keptOffsets(text);
        assert.ok(kept === null || kept.length > 0, `${file}: ${rule.code} has findings but its plan keeps nothing`);
      }
    }
    assert.ok(checked >= 8, `flow rules with findings in the fixtures: ${checked}`);
  });
});

describe('data flow: the sink check makes closures only as it needs them', () => {
  // reachesSink lets sinkReached make the closures when it meets a sink they might reach; closures
  // made before (by another question about the same text) answer first. Both orders must agree.
  const UNTRUSTED_KINDS: SourceKind[] = ['request', 'ui', 'cli', 'llm'];
  const questions = FLOW_RULES.flatMap((rule) =>
    rule.flows!.flatMap((flow) => {
      const sinks = new Set(flow.sinks);
      const kinds = new Set(flow.sources.filter((kind): kind is SourceKind => UNTRUSTED_KINDS.includes(kind as SourceKind)));
      return [
        ...(kinds.size > 0 ? [{ spec: UNTRUSTED, kinds, sinks }] : []),
        ...(flow.sources.includes('confidence') ? [{ spec: CONFIDENCE, kinds: undefined, sinks }] : []),
      ];
    }),
  );
  const texts = [
    ...readdirSync(FIXTURES_DIR)
      .filter((f) => f.endsWith('.py'))
      .map((f) => readFileSync(join(FIXTURES_DIR, f), 'utf8')),
    // A seed and no sink; a sink and no seed (an LLM client named, never called); both.
    [...LLM_ANSWER, 'print(answer)'].join('\n'),
    ['import os', 'from openai import OpenAI', 'os.system(cmd)'].join('\n'),
    [...LLM_ANSWER, 'os.system(answer)'].join('\n'),
  ];
  it('answers alike whether the closures were made before or not', () => {
    let yes = 0;
    texts.forEach((text, t) => {
      for (const [q, { spec, kinds, sinks }] of questions.entries()) {
        // A comment makes a text of its own (closures and answers are kept per text).
        const lazy = flowReach(`${text}\n# lazy ${t} ${q}`, spec, kinds);
        const made = flowReach(`${text}\n# made ${t} ${q}`, spec, kinds);
        if (!lazy || !made) continue;
        assert.ok(made.closures.length > 0);
        const answer = lazy.reachesSink(sinks);
        assert.equal(made.reachesSink(sinks), answer, `text ${t}, ${[...(kinds ?? ['confidence'])].join(',')} > ${[...sinks].join(',')}`);
        if (answer) yes++;
      }
    });
    assert.ok(yes >= 10, `questions answered yes: ${yes}`);
  });
});
