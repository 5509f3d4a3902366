/**
 * BentoML's remote model handles (engine/dataflow/bentoRemote.ts) are asked about every call that
 * may be a model sink; whether the file imports bentoml is read once per semantic model, not once
 * per call (SemanticModel.importedPackages makes a new sorted list each time it is asked).
 */
import * as assert from 'node:assert/strict';
import { bentoRemoteCall } from '../../server/src/engine/dataflow/bentoRemote';
import { PythonParser } from '../../server/src/engine/parser';
import { SemanticModel } from '../../server/src/engine/semantic';

async function model(source: string): Promise<SemanticModel> {
  const parser = await PythonParser.get();
  return new SemanticModel(parser.parse(source), source);
}

/** The model's calls with how often each asked for the imported packages. */
function counted(semantic: SemanticModel): { asked: () => number } {
  let asked = 0;
  const own = semantic.importedPackages.bind(semantic);
  semantic.importedPackages = () => {
    asked++;
    return own();
  };
  return { asked: () => asked };
}

describe('data flow: BentoML remote calls', () => {
  it('reads the file’s packages once, whatever the number of calls asked about', async () => {
    const source = [
      'import bentoml',
      'runner = bentoml.sklearn.get("iris:latest").to_runner()',
      ...Array.from({ length: 30 }, (_, i) => `out_${i} = helper.step_${i}(x)`),
      'result = runner.predict.run(x)',
      '',
    ].join('\n');
    const semantic = await model(source);
    const { asked } = counted(semantic);
    const calls = semantic.calls;
    assert.ok(calls.length > 30);
    const found = calls.map((call) => bentoRemoteCall(semantic, call)).filter((r) => r !== undefined);
    assert.deepEqual(found, [{ method: 'predict', dependency: false }]);
    assert.equal(asked(), 1);
    assert.ok(semantic.packagesAsked);
  });

  it('a file without bentoml has no remote calls, and is asked once too', async () => {
    const semantic = await model(
      ['import subprocess', ...Array.from({ length: 10 }, (_, i) => `subprocess.run(["a", "${i}"])`), ''].join('\n'),
    );
    const { asked } = counted(semantic);
    assert.ok(semantic.calls.length >= 10);
    assert.ok(semantic.calls.every((call) => bentoRemoteCall(semantic, call) === undefined));
    assert.equal(asked(), 1);
  });
});
