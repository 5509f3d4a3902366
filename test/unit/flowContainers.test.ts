/**
 * Containers filled after they are made (engine/dataflow/containers.ts) and methods called on
 * `self` (methods.ts): what flow.ts gives a use, and that reach.ts's text reading holds every
 * name flow.ts lets carry (the selection and the partial parse depend on it).
 */
import * as assert from 'node:assert/strict';
import type { Node } from '../../server/src/engine/parser';
import { PythonParser } from '../../server/src/engine/parser';
import { SemanticModel } from '../../server/src/engine/semantic';
import { CONFIDENCE, Flow, UNTRUSTED } from '../../server/src/engine/dataflow/index';
import { mutatedNames } from '../../server/src/engine/dataflow/containers';
import { flowReach } from '../../server/src/engine/dataflow/reach';

async function model(source: string): Promise<SemanticModel> {
  const parser = await PythonParser.get();
  return new SemanticModel(parser.parse(source), source);
}

/** For each `sink(...)` call, in order: the kinds of the sources of its argument, or `-`. */
async function sinks(lines: string[], spec = UNTRUSTED): Promise<string[]> {
  const text = lines.join('\n');
  const m = await model(text);
  const flow = Flow.withSummaries(m, spec);
  const calls = m.calls.filter((c) => c.childForFieldName('function')?.text === 'sink');
  assert.ok(calls.length > 0, 'the case has sinks');
  const reach = flowReach(text, spec);
  assert.ok(reach);
  return calls.map((c) => {
    const argument = c.childForFieldName('arguments')?.namedChildren[0] as Node;
    const found = flow.sources(argument);
    // Whatever flow.ts finds, the closures hold a carrying name in the argument.
    if (found.length > 0) assert.ok(reach.holds(argument.startIndex, argument.endIndex), `no carrying name in ${argument.text}`);
    return [...new Set(found.map((s) => s.kind))].join('+') || '-';
  });
}

describe('data flow: containers and methods called on self', () => {
  it('reads the containers a line fills from its text', () => {
    assert.deepEqual(mutatedNames('out.append(x)'), ['out']);
    assert.deepEqual(mutatedNames('self.out.append(x)'), []);
    assert.deepEqual(mutatedNames('out [ "k" ] = x'), ['out']);
    assert.deepEqual(mutatedNames('a = 1; d[k] = x'), ['d']);
    assert.deepEqual(mutatedNames('x = d[k]'), []);
    assert.deepEqual(mutatedNames('if d[k] == x: pass'), []);
    assert.deepEqual(mutatedNames('rows.insert(0, x); seen.add(y)'), ['rows', 'seen']);
  });

  it('gives a local container what was put in it, from the mutation on and in its scope', async () => {
    const found = await sinks(
      [
        'from flask import request',
        'GLOBAL = []',
        'def handler():',
        '    out = []',
        '    sink(out)',
        '    out.append(request.json["x"])',
        '    sink(out)',
        '    d = {}',
        '    d["k"] = request.args["k"]',
        '    sink(d)',
        '    d = {}',
        '    sink(d)',
        '    GLOBAL.append(request.json)',
        '    sink(GLOBAL)',
        '    def inner():',
        '        out.append(request.json)',
        '    sink(out)',
      ],
      UNTRUSTED,
    );
    assert.deepEqual(found, ['-', 'request', 'request', '-', '-', 'request']);
  });

  it('follows raw scores into containers, and no LLM answer or UI input', async () => {
    const scores = await sinks(
      ['def handler(clf, x):', '    out = []', '    out.extend(clf.predict_proba(x))', '    sink(out)'],
      CONFIDENCE,
    );
    assert.deepEqual(scores, ['confidence']);
    const llm = await sinks(
      ['import litellm', 'def f():', '    cmds = []', '    cmds.append(litellm.completion(model="m", messages=[]))', '    sink(cmds)'],
      UNTRUSTED,
    );
    assert.deepEqual(llm, ['-']);
  });

  it("follows a method of the call's own class, not another's, a subclass's or an attribute's", async () => {
    const found = await sinks(
      [
        'from flask import request',
        'class A:',
        '    def own(self, x):',
        '        return x["rows"]',
        '    @staticmethod',
        '    def static(x):',
        '        return x',
        '    def handler(self):',
        '        sink(self.own(request.json))',
        '        sink(self.static(request.json))',
        '        sink(self.helper.own(request.json))',
        '        sink(self.missing(request.json))',
        '        first, second = self.pair(request.json)',
        '        sink(first)',
        '        sink(second)',
        '    def pair(self, x):',
        '        return x, 1',
        'class B(A):',
        '    def own(self, x):',
        '        return 0',
        'class C:',
        '    def handler(self):',
        '        sink(self.own(request.json))',
      ],
      UNTRUSTED,
    );
    assert.deepEqual(found, ['request', 'request', '-', '-', 'request', '-', '-']);
  });
});
