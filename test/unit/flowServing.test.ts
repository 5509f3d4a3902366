/**
 * Which functions an ML serving framework calls with a request, and which returns reach the
 * caller (engine/dataflow/serving.ts, sources.ts): each case pins what a parameter is (a source
 * or not, weak, a path the framework stored) and which definitions are responders, so that a
 * resolution the module misses (an alias, a fallback import, an inherited stage) fails here.
 */
import * as assert from 'node:assert/strict';
import type { Node } from '../../server/src/engine/parser';
import { PythonParser } from '../../server/src/engine/parser';
import { SemanticModel } from '../../server/src/engine/semantic';
import { CONFIDENCE, Flow, UNTRUSTED, servingResponders } from '../../server/src/engine/dataflow/index';
import { analyzer } from '../support/engine';
import { EditorDocument } from '../support/editorDocument';

async function model(source: string): Promise<SemanticModel> {
  const parser = await PythonParser.get();
  return new SemanticModel(parser.parse(source), source);
}

/** For each `sink(...)` call, in order: the sources of its argument (`kind`, `:weak`, `:path`), or `-`. */
async function sinks(lines: string[], spec = UNTRUSTED): Promise<string[]> {
  const m = await model(lines.join('\n'));
  const flow = Flow.withSummaries(m, spec);
  const calls = m.calls.filter((c) => c.childForFieldName('function')?.text === 'sink');
  assert.ok(calls.length > 0, 'the case has sinks');
  return calls.map((c) => {
    const found = flow.sources(c.childForFieldName('arguments')?.namedChildren[0] as Node);
    return found.map((s) => s.kind + (s.weak ? ':weak' : '') + (s.madePath ? ':path' : '')).join('+') || '-';
  });
}

async function responders(lines: string[]): Promise<string[]> {
  const m = await model(lines.join('\n'));
  return servingResponders(m).map((d) => `${d.childForFieldName('name')?.text}@${d.startPosition.row}`);
}

describe('data flow: ML serving frameworks', () => {
  it("follows a LitServe request through decode_request into predict, and a parent class's stage", async () => {
    const found = await sinks([
      'try:',
      '    from litserve import LitAPI',
      'except ImportError:',
      '    LitAPI = object',
      '',
      'class Base(LitAPI):',
      '    def decode_request(self, request):',
      '        sink(request)',
      '        return request["input"]',
      '',
      'class Child(Base):',
      '    def predict(self, x):',
      '        sink(x)',
      '',
      'class Typed(LitAPI):',
      '    def decode_request(self, request: str):',
      '        return request',
      '',
      '    def predict(self, x):',
      '        sink(x)',
      '',
      'class Constant(LitAPI):',
      '    def decode_request(self, request):',
      '        return 1',
      '',
      '    def predict(self, x):',
      '        sink(x)',
    ]);
    assert.deepEqual(found, ['request', 'request', 'request:weak', '-']);
  });

  it('reads BentoML parameters by annotation and legacy APIs by descriptor', async () => {
    const found = await sinks([
      'from pathlib import Path',
      'import bentoml as bm',
      'from bentoml.io import JSON, Text',
      '',
      '@bm.service',
      'class S:',
      '    @bm.api',
      '    def a(self, body: dict, ctx: bm.Context, path: Path, n: int):',
      '        sink(body)',
      '        sink(ctx)',
      '        sink(path)',
      '        sink(n)',
      '',
      'svc = bm.Service("s")',
      '',
      '@svc.api(input=Text(), output=JSON())',
      'def legacy(text):',
      '    sink(text)',
      '',
      '@svc.api(input=JSON(pydantic_model=M), output=JSON())',
      'def checked(body):',
      '    sink(body)',
    ]);
    assert.deepEqual(found, ['request', '-', 'request:weak:path', '-', 'request:weak', '-']);
  });

  it("takes Ray Serve's __call__ and KServe's stages only on their framework's classes", async () => {
    const found = await sinks([
      'from ray import serve',
      'import kserve',
      '',
      '@serve.deployment(num_replicas=1)',
      'class R:',
      '    def __call__(self, request):',
      '        sink(request)',
      '',
      'class K(kserve.Model):',
      '    def preprocess(self, payload, headers=None):',
      '        return payload["instances"]',
      '',
      '    def predict(self, inputs, headers=None):',
      '        sink(inputs)',
      '',
      'class Plain:',
      '    def __call__(self, request):',
      '        sink(request)',
      '',
      '    def predict(self, payload):',
      '        sink(payload)',
    ]);
    assert.deepEqual(found, ['request', 'request', '-', '-']);
  });

  it("carries predict's scores into the encoding stage's output parameter", async () => {
    const found = await sinks(
      [
        'import litserve as ls',
        '',
        'class A(ls.LitAPI):',
        '    def predict(self, x):',
        '        return self.model.predict_proba(x)',
        '',
        '    def encode_response(self, output):',
        '        sink(output)',
        '',
        'class B(ls.LitAPI):',
        '    def predict(self, x):',
        '        return self.model.predict_proba(x).argmax()',
        '',
        '    def encode_response(self, output):',
        '        sink(output)',
      ],
      CONFIDENCE,
    );
    assert.deepEqual(found, ['confidence', '-']);
  });

  it('runs the flows again in the editor when a decoding stage or a class decorator changes', async () => {
    const engine = await analyzer();
    const text = [
      'import litserve as ls',
      'from ray import serve',
      '',
      'class Api(ls.LitAPI):',
      '    def decode_request(self, request):',
      '        return request["rows"]',
      '',
      '    def predict(self, x):',
      '        return self.model.predict(x)',
      '',
      '@serve.deployment',
      'class Deployed:',
      '    def __call__(self, request):',
      '        return self.model.predict(request["rows"])',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    try {
      const flows = () => document.result.findings.filter((f) => f.code === 'MLS801').map((f) => f.range.start.line);
      const fresh = () =>
        engine
          .analyzePython(document.text)
          .findings.filter((f) => f.code === 'MLS801')
          .map((f) => f.range.start.line);
      assert.deepEqual(flows(), [8, 13]);
      // decode_request stops passing the request on: predict's finding goes.
      let at = document.text.indexOf('request["rows"]');
      let result = document.edit(at, at + 'request["rows"]'.length, '[[0.0]]');
      assert.notEqual(result.reused, 'moved');
      assert.deepEqual(flows(), [13]);
      assert.deepEqual(flows(), fresh());
      // The class is no deployment any more: its __call__ is not called with a request.
      at = document.text.indexOf('@serve.deployment');
      result = document.edit(at, at + '@serve.deployment'.length, '@staticmethod');
      assert.notEqual(result.reused, 'moved');
      assert.deepEqual(flows(), []);
      assert.deepEqual(flows(), fresh());
    } finally {
      document.dispose();
    }
  });

  it('names the functions whose return the caller receives', async () => {
    const found = await responders([
      'import litserve as ls',
      'import bentoml',
      'from ray import serve',
      '',
      'class WithEncoder(ls.LitAPI):',
      '    def predict(self, x):',
      '        return x',
      '    def encode_response(self, output):',
      '        return output',
      '',
      'class WithoutEncoder(ls.LitAPI):',
      '    def predict(self, x):',
      '        return x',
      '',
      '@serve.deployment',
      'class R:',
      '    def __call__(self, request):',
      '        return 1',
      '    def helper(self):',
      '        return 2',
      '',
      '@bentoml.service',
      'class B:',
      '    @bentoml.api',
      '    def run(self, x: str) -> str:',
      '        return x',
      '',
      'class Other:',
      '    def predict(self, x):',
      '        return x',
    ]);
    assert.deepEqual(found, ['encode_response@7', 'predict@11', '__call__@16', 'run@24']);
  });
});
