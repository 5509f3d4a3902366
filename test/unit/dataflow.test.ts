/** The data-flow core: propagation, sanitisers, helpers, reaching assignments, sources. */
import * as assert from 'node:assert/strict';
import type { Node } from '../../server/src/engine/parser';
import { PythonParser } from '../../server/src/engine/parser';
import { SemanticModel } from '../../server/src/engine/semantic';
import { CONFIDENCE, Flow, UNTRUSTED, fileFlows } from '../../server/src/engine/dataflow/index';
import type { FlowSpec } from '../../server/src/engine/dataflow/index';

async function model(source: string): Promise<SemanticModel> {
  const parser = await PythonParser.get();
  return new SemanticModel(parser.parse(source));
}

/** The source kinds reaching each `sink(...)` call's first argument, in order. */
async function reaching(source: string, spec: FlowSpec = UNTRUSTED): Promise<string[]> {
  const m = await model(source);
  const flow = Flow.withSummaries(m, spec);
  return m.calls
    .filter((c) => c.childForFieldName('function')?.text === 'sink')
    .map((c) => {
      const arg = c.childForFieldName('arguments')?.namedChildren[0] as Node;
      return flow
        .sources(arg)
        .map((s) => s.kind)
        .join('+');
    });
}

const FLASK = 'from flask import request\n';

describe('data flow', () => {
  it('follows assignments, tuple unpacking, augmented assignment and walrus', async () => {
    assert.deepEqual(
      await reaching(
        FLASK +
          [
            'a = request.json',
            'sink(a)',
            'b, c = request.args["x"], 1',
            'sink(b)',
            'd = "x"',
            'd += request.form["y"]',
            'sink(d)',
            'if (e := request.get_json()):',
            '    sink(e)',
            'sink("constant")',
          ].join('\n'),
      ),
      ['request', 'request', 'request', 'request', ''],
    );
  });

  it('follows attribute and subscript reads, strings, containers and comprehensions', async () => {
    assert.deepEqual(
      await reaching(
        FLASK +
          [
            'data = request.get_json()',
            'sink(data["text"].strip().lower())',
            'sink(f"hello {data}")',
            'sink("%s" % data)',
            'sink("{}".format(data))',
            'sink("a" + data)',
            'sink(" ".join(data))',
            'sink([data, 1])',
            'sink({"k": data})',
            'sink([x for x in data])',
            'sink(len(data))',
            'sink(data.startswith("x"))',
          ].join('\n'),
      ),
      ['request', 'request', 'request', 'request', 'request', 'request', 'request', 'request', 'request', '', ''],
    );
  });

  it('follows pass-through calls and ends at unknown calls and sanitisers', async () => {
    assert.deepEqual(
      await reaching(
        FLASK +
          [
            'import numpy as np',
            'import json, shlex, ast',
            'x = request.json',
            'sink(np.asarray(x))',
            'sink(json.loads(x))',
            'sink(str(x))',
            'sink(np.clip(x, 0, 1))',
            'sink(shlex.quote(x))',
            'sink(ast.literal_eval(x))',
            'sink(Schema.model_validate(x))',
            'sink(int(x))',
          ].join('\n'),
      ),
      ['request', 'request', 'request', '', '', '', '', ''],
    );
  });

  it('takes every assignment that may reach a use, and only those', async () => {
    assert.deepEqual(
      await reaching(
        FLASK +
          [
            'def f(flag):',
            '    x = "safe"',
            '    if flag:',
            '        x = request.json',
            '    sink(x)',
            '    y = request.json',
            '    y = "safe"',
            '    sink(y)',
          ].join('\n'),
      ),
      ['request', ''],
    );
  });

  it('finds a check far above the use, past statements that mention the name or not', async () => {
    const filler = (n: number, line: string) => Array.from({ length: n }, (_, i) => `    ${line.replace('#', String(i))}`);
    assert.deepEqual(
      await reaching(
        FLASK +
          [
            'def f():',
            '    x = request.json',
            '    if not isinstance(x, dict):',
            '        raise ValueError("bad")',
            ...filler(40, 'y# = len(x) + #'),
            ...filler(40, 'z# = #'),
            '    for k in range(3):',
            '        if k:',
            '            sink(x)',
            'def g():',
            '    x = request.json',
            ...filler(40, 'y# = len(x) + #'),
            '    log(x)',
            '    sink(x)',
          ].join('\n'),
      ),
      ['', 'request'],
    );
  });

  it('ends a flow at checks that raise or return and at allow-list membership', async () => {
    assert.deepEqual(
      await reaching(
        FLASK +
          [
            'ALLOWED = {"a", "b"}',
            'def f():',
            '    x = request.json',
            '    if not isinstance(x, list):',
            '        raise ValueError("bad")',
            '    sink(x)',
            'def g():',
            '    x = request.args["m"]',
            '    if x in ALLOWED:',
            '        sink(x)',
            '    sink(x)',
            'def h():',
            '    x = request.json',
            '    if not x:',
            '        return None',
            '    sink(x)',
            'def k():',
            '    x = request.json',
            '    jsonschema.validate(x, SCHEMA)',
            '    sink(x)',
          ].join('\n'),
      ),
      ['', '', 'request', 'request', ''],
    );
  });

  it('follows one level of same-file helpers, through their returns', async () => {
    assert.deepEqual(
      await reaching(
        FLASK +
          [
            'def passthrough(text):',
            '    return text.strip()',
            'def validated(text):',
            '    return int(text)',
            'def fetch():',
            '    return request.get_json()',
            'sink(passthrough(request.json))',
            'sink(validated(request.json))',
            'sink(fetch())',
            'sink(passthrough("constant"))',
          ].join('\n'),
      ),
      ['request', '', 'request', ''],
    );
  });

  it('resolves sources through aliases and ignores shadowed names', async () => {
    assert.deepEqual(
      await reaching(
        [
          'import flask as fl',
          'from flask import request as rq',
          'import sys',
          'sink(fl.request.json)',
          'sink(rq.form)',
          'sink(sys.argv[1])',
          'sink(input())',
          'def f(request):',
          '    sink(request.json)',
          'def g():',
          '    def input():',
          '        return "x"',
          '    sink(input())',
        ].join('\n'),
      ),
      ['request', 'request', 'cli', 'cli', '', ''],
    );
  });

  it('treats route and Gradio handler parameters as sources unless typed by a model or a number', async () => {
    assert.deepEqual(
      await reaching(
        [
          'from fastapi import FastAPI',
          'from pydantic import BaseModel',
          'import gradio as gr',
          'app = FastAPI()',
          'class Item(BaseModel):',
          '    x: float',
          '@app.post("/a")',
          'def a(payload: dict, item: Item, n: int):',
          '    sink(payload)',
          '    sink(item)',
          '    sink(n)',
          'def classify(text, progress=gr.Progress()):',
          '    sink(text)',
          '    sink(progress)',
          'def not_registered(text):',
          '    sink(text)',
          'gr.Interface(fn=classify, inputs="text", outputs="label")',
        ].join('\n'),
      ),
      ['request', '', '', 'ui', '', ''],
    );
  });

  it('recognises LLM answers', async () => {
    assert.deepEqual(
      await reaching(
        [
          'from openai import OpenAI',
          'import anthropic',
          'from langchain_openai import ChatOpenAI',
          'client = OpenAI()',
          'r = client.chat.completions.create(model="m", messages=[])',
          'sink(r.choices[0].message.content)',
          'a = anthropic.Anthropic().messages.create(model="m", messages=[])',
          'sink(a.content[0].text)',
          'llm = ChatOpenAI()',
          'sink(llm.invoke("q").content)',
          'sink(other.invoke("q"))',
        ].join('\n'),
      ),
      ['llm', 'llm', 'llm', ''],
    );
  });

  it('follows notebook-style module code in order and module values read in functions', async () => {
    assert.deepEqual(await reaching(FLASK + 'x = request.json\ndef f():\n    sink(x)\n'), ['request']);
  });

  it('follows confidences and ends them at labels and rounding', async () => {
    assert.deepEqual(
      await reaching(
        [
          'import numpy as np',
          'p = clf.predict_proba(X)',
          'sink(p.tolist())',
          'sink(p.argmax())',
          'sink(np.round(p, 2))',
          'sink({"probs": p[0]})',
        ].join('\n'),
        CONFIDENCE,
      ),
      ['confidence', '', '', 'confidence'],
    );
  });

  it('reports sinks reached through a helper parameter at the helper call', async () => {
    const m = await model(FLASK + 'import os\ndef run(cmd):\n    os.system(cmd)\nrun(request.args["c"])\nrun("ls")\n');
    const hits = fileFlows(m).hitsOf(UNTRUSTED, new Set(['shell', 'code']));
    assert.equal(hits.length, 1);
    assert.equal(hits[0].sink.kind, 'shell');
    assert.equal(hits[0].through?.text, 'run(request.args["c"])');
  });

  it('stays bounded on self-feeding loops', async () => {
    assert.deepEqual(await reaching(FLASK + 'x = request.json\nwhile True:\n    x = x + x\n    sink(x)\n'), ['request']);
  });
});
