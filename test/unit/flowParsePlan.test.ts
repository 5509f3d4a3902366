/**
 * Partial parsing of files where a data flow can be (engine/dataflow/parsePlan.ts): the
 * definitions left out must hold nothing a flow goes through. Each case is a small file with a
 * flow crossing definitions in one way, plus a definition no flow touches; the partial parse must
 * leave that one out (so the plan is exercised) and give the findings of the unoptimised analysis
 * (whole parse, every sink), which must hold the flow.
 */
import * as assert from 'node:assert/strict';
import { SELECTION_LIMITS } from '../../server/src/engine/dataflow/index';
import type { AnalysisResult } from '../../server/src/engine/pipeline/analyzer';
import { analyzer } from '../support/engine';

const REFERENCE = { prefilter: false, everyCall: true };
/** Partial parsing whatever it saves (small files are otherwise parsed whole). */
const PARTIAL = { minSkipped: 1 };

/** A definition no flow goes through: the plan must leave it out. */
const UNRELATED = [
  '',
  'def unrelated_total(values):',
  '    total = 0',
  '    for value in values:',
  '        total += value',
  '    return total',
  '',
];

function summary(result: AnalysisResult): string[] {
  return result.findings.map((f) => `${f.code}@${f.range.start.line}:${f.range.start.character} ${f.message}`);
}

function flowCodes(found: string[]): string[] {
  return found.filter((f) => /^MLS(?:304|305|306|307|407|801)@/.test(f)).map((f) => f.split(' ')[0]);
}

/** The flow findings of the partial parse, checked against the unoptimised analysis. */
async function partialFlows(lines: string[]): Promise<string[]> {
  const text = [...lines, ...UNRELATED].join('\n');
  const engine = await analyzer();
  const partial = engine.analyzePython(text, PARTIAL);
  assert.ok((partial.skippedUnits ?? 0) > 0, 'the partial parse left nothing out');
  const found = summary(partial);
  assert.deepEqual(found, summary(engine.analyzePython(text, REFERENCE)));
  return flowCodes(found);
}

describe('data flow: partial parsing keeps every definition a flow goes through', () => {
  const limits = { ...SELECTION_LIMITS };
  before(() => Object.assign(SELECTION_LIMITS, { text: 0 }));
  after(() => Object.assign(SELECTION_LIMITS, limits));

  it('a source in module scope reaching a sink in a function', async () => {
    const found = await partialFlows([
      'import sys',
      'import pickle',
      'PAYLOAD = sys.argv[1]',
      '',
      'def load():',
      '    return pickle.loads(PAYLOAD)',
    ]);
    assert.deepEqual(found, ['MLS305@5:11']);
  });

  it('a helper whose parameter reaches a sink, called from another function', async () => {
    const found = await partialFlows([
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
      '    run(data["cmd"])',
      '    return "ok"',
    ]);
    assert.deepEqual(found, ['MLS305@10:4']);
  });

  it('a helper whose parameter reaches its return, and a helper returning a source', async () => {
    const found = await partialFlows([
      'from openai import OpenAI',
      'client = OpenAI()',
      '',
      'def tidy(text):',
      '    return text.strip()',
      '',
      'def ask(question):',
      '    answer = client.chat.completions.create(model="m", messages=[{"role": "user", "content": question}])',
      '    return answer.choices[0].message.content',
      '',
      'def main():',
      '    exec(tidy(ask("write code")))',
    ]);
    assert.deepEqual(found, ['MLS304@11:4']);
  });

  it("methods called on `self`: a parameter reaching a sink, and a method's return carrying a source", async () => {
    const found = await partialFlows([
      'import pickle',
      'import litserve as ls',
      'from openai import OpenAI',
      'client = OpenAI()',
      '',
      'class API(ls.LitAPI):',
      '    def _load(self, blob):',
      '        return pickle.loads(blob)',
      '',
      '    def _ask(self, question):',
      '        answer = client.chat.completions.create(model="m", messages=[{"role": "user", "content": question}])',
      '        return answer.choices[0].message.content',
      '',
      '    def unrelated_method(self, values):',
      '        return sum(values)',
      '',
      '    def decode_request(self, request):',
      '        exec(self._ask("write code"))',
      '        return self._load(request["blob"])',
    ]);
    assert.deepEqual(found, ['MLS304@17:8', 'MLS305@18:15']);
  });

  it('a source reaching a sink through module-level names and a class body', async () => {
    const found = await partialFlows([
      'from flask import request as rq',
      'import pickle',
      'ALIAS = rq',
      'FIELD = "blob"',
      '',
      'class Job:',
      '    payload = input("payload? ")',
      '    pickle.loads(payload)',
      '',
      'def query():',
      '    blob = ALIAS.files[FIELD].read()',
      '    return pickle.loads(blob)',
    ]);
    assert.deepEqual(found, ['MLS305@7:4', 'MLS305@11:11']);
  });

  it('a handler registered by a decorator, and a Gradio callback registered in another function', async () => {
    const found = await partialFlows([
      'import pickle',
      'import gradio as gr',
      'from fastapi import FastAPI',
      'app = FastAPI()',
      '',
      '@app.post("/load")',
      'def load(body: dict):',
      '    return pickle.loads(body["blob"])',
      '',
      'def on_upload(blob):',
      '    pickle.loads(blob)',
      '    return "loaded"',
      '',
      'def build():',
      '    with gr.Blocks() as demo:',
      '        box = gr.Textbox()',
      '        btn = gr.Button()',
      '        btn.click(on_upload, inputs=[box], outputs=[])',
      '    return demo',
    ]);
    assert.deepEqual(found, ['MLS305@7:11', 'MLS305@10:4']);
  });

  it('a Gradio component stored under a key in a function the flow does not go through', async () => {
    const found = await partialFlows([
      'import gradio as gr',
      'ui = {}',
      '',
      'def make_components():',
      '    ui["mode"] = gr.Dropdown(["a", "b"])',
      '    ui["note"] = gr.Textbox()',
      '',
      'def on_pick(choice, free):',
      '    open("data/" + choice).read()',
      '    open("data/" + free).read()',
      '    return "done"',
      '',
      'def build():',
      '    with gr.Blocks() as demo:',
      '        btn = gr.Button()',
      '        btn.click(on_pick, inputs=[ui["mode"], ui["note"]], outputs=[])',
      '    return demo',
    ]);
    // The dropdown's value is one of its choices: only the text box's reaches the path.
    assert.deepEqual(found, ['MLS305@9:4']);
  });

  it('a notebook whose source and sink are in different cells', async () => {
    const engine = await analyzer();
    const cell = (source: string[]) => ({ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source });
    const notebook = JSON.stringify({
      cells: [
        cell(['import pickle\n']),
        cell(['blob = input("blob? ")\n']),
        cell(UNRELATED.map((line) => line + '\n')),
        cell(['def restore(b):\n', '    return pickle.loads(b)\n']),
        cell(['restore(blob)\n']),
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    });
    const partial = engine.analyzeNotebookJson(notebook, PARTIAL);
    assert.ok((partial.skippedUnits ?? 0) > 0, 'the partial parse left nothing out');
    const found = summary(partial);
    assert.deepEqual(found, summary(engine.analyzeNotebookJson(notebook, REFERENCE)));
    assert.ok(flowCodes(found).includes('MLS305@0:0'), found.join('\n'));
  });

  it("a serving class's stages: the request through decode_request into predict, scores through encode_response", async () => {
    const found = await partialFlows([
      'import litserve as ls',
      'import joblib',
      '',
      'class Base(ls.LitAPI):',
      '    def decode_request(self, request):',
      '        return request["rows"]',
      '',
      'class Api(Base):',
      '    def setup(self, device):',
      '        self.model = joblib.load("m.joblib")',
      '',
      '    def predict(self, x):',
      '        return self.model.predict_proba(x)',
      '',
      '    def encode_response(self, output):',
      '        return {"p": output.tolist()}',
    ]);
    assert.deepEqual(found, ['MLS801@12:15', 'MLS407@15:15']);
  });
});

describe('data flow: a small file is parsed for the flows only where a name carries a source', () => {
  const SERVICE = [
    'from flask import Flask',
    'app = Flask(__name__)',
    '',
    '@app.get("/health")',
    'def health():',
    '    """Answers without reading the request."""',
    '    return "ok"  # no request data here',
    '',
    'def show(path):',
    '    with open(path) as f:',
    '        return f.read()',
  ];

  it('leaves every definition out when nothing carries (or the file unparsed), with the findings of the whole parse', async () => {
    const text = [...SERVICE, ...UNRELATED].join('\n');
    const engine = await analyzer();
    const partial = engine.analyzePython(text, PARTIAL);
    // Only flow rules can fire here, and no flow reaches a sink: the file is not parsed at all.
    assert.ok(!partial.parsed || (partial.skippedUnits ?? 0) > 0, 'the partial parse left nothing out');
    assert.deepEqual(summary(partial), summary(engine.analyzePython(text, REFERENCE)));
  });

  it('parses the file whole when a name carries, and finds the flow', async () => {
    const text = [...SERVICE, '', '@app.get("/file/<name>")', 'def file(name):', '    return show(name)', ...UNRELATED].join('\n');
    const engine = await analyzer();
    const partial = engine.analyzePython(text, PARTIAL);
    assert.equal(partial.skippedUnits ?? 0, 0, 'a small file with a flow is parsed whole');
    const found = summary(partial);
    assert.deepEqual(found, summary(engine.analyzePython(text, REFERENCE)));
    assert.deepEqual(flowCodes(found), ['MLS305@14:11']);
  });
});
