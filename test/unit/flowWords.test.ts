/**
 * Data-flow rules declare the kinds of sources and sinks they connect (RuleMatch.flows); the
 * engine derives their gate (engine/dataflow/words.ts) and parses a file they can fire in whole.
 */
import * as assert from 'node:assert/strict';
import { resolveSelection } from '../../server/src/engine/config/selection';
import { wordsOf } from '../../server/src/engine/perf/ruleWords';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';

const only = (code: string) => resolveSelection(ALL_RULES, { select: [code] });

/** Filler definitions no rule can fire in, long enough for partial parsing to pay. */
const FILLER = Array.from({ length: 60 }, (_, i) => `def helper_${i}(x):\n    y = x + ${i}\n    return y * 2\n`).join('\n');

describe('data-flow rules: declared flows', () => {
  it('every data-flow rule declares flows', () => {
    const flowRules = ALL_RULES.filter((rule) => rule.flows);
    assert.deepEqual(flowRules.map((rule) => rule.code).sort(), ['MLS304', 'MLS305', 'MLS306', 'MLS307', 'MLS407', 'MLS801']);
    for (const rule of flowRules) {
      assert.ok(wordsOf(rule).dataFlow, `${rule.code} is not read whole`);
    }
  });

  it('needs a sink written as the sink is called: a method named like a builtin is not one', async () => {
    const engine = await analyzer();
    const llm =
      'from transformers import AutoModelForCausalLM\nmodel = AutoModelForCausalLM.from_pretrained("m")\nout = model.generate(ids)\n';
    assert.equal(engine.mayMatch(`${llm}model.eval()\ntorch.compile(model)\nx = json.loads(s)\n`, only('MLS304')), false);
    assert.equal(engine.mayMatch(`${llm}exec(out)\n`, only('MLS304')), true);
    assert.equal(engine.mayMatch(`${llm}import pickle\npickle.loads(out)\n`, only('MLS304')), true);
    assert.equal(engine.mayMatch(`${llm}from os import system as run\nrun(out)\n`, only('MLS304')), true);
  });

  it('takes a pipeline of the transformers module only where `pipeline` is written as an attribute', async () => {
    const engine = await analyzer();
    // A diffusers script: the module imported for its logging, a variable named pipeline.
    const script = 'import transformers\nfrom diffusers import DiffusionPipeline\npipeline = DiffusionPipeline.from_pretrained("m")\n';
    assert.equal(engine.mayMatch(`${script}exec(pipeline.prompt)\n`, only('MLS304')), false);
    assert.equal(
      engine.mayMatch('import transformers as tf\ngenerator = tf.pipeline("text-generation")\nexec(generator("q"))\n', only('MLS304')),
      true,
    );
    assert.equal(
      engine.mayMatch('import transformers as tf\ngenerator = tf . pipeline("text-generation")\nexec(generator("q"))\n', only('MLS304')),
      true,
    );
    // A pipeline named only in a comment or a string makes no LLM answer.
    const shell = 'import transformers\nimport os\nos.system(cmd)\n';
    assert.equal(engine.mayMatch(`# from transformers import pipeline\n${shell}`, only('MLS304')), false);
    assert.equal(engine.mayMatch(`HELP = "see transformers.pipeline"\n${shell}`, only('MLS304')), false);
    assert.equal(
      engine.mayMatch(`from transformers import pipeline\ncmd = pipeline("text-generation")("q")\n${shell}`, only('MLS304')),
      true,
    );
  });

  it('needs a source and a sink of the same entry', async () => {
    const engine = await analyzer();
    // MLS305: the command line reaches SQL, deserialisation and HTML, but is not reported for paths.
    assert.equal(engine.mayMatch('import sys\nopen(sys.argv[1])\n', only('MLS305')), false);
    assert.equal(engine.mayMatch('import sys\ncur.execute(sys.argv[1])\n', only('MLS305')), true);
    assert.equal(engine.mayMatch('from flask import request\nopen(request.args["p"])\n', only('MLS305')), true);
    // MLS306: an SQL statement starts a string literal.
    assert.equal(engine.mayMatch('cur.execute(query)\n', only('MLS306')), false);
    assert.equal(engine.mayMatch('cur.execute(f"SELECT * FROM t WHERE id = {x}")\n', only('MLS306')), true);
  });

  it('parses a file a flow rule can fire in whole, and others partly', async () => {
    const engine = await analyzer();
    const flow = `from flask import request\nimport sqlite3\n${FILLER}\ndef handler():\n    cur.execute("SELECT " + request.args["q"])\n`;
    const result = engine.analyzePython(flow, { minSkipped: 0 });
    assert.ok(!result.skippedUnits, 'a flow file was partly parsed');
    assert.equal(result.findings.filter((f) => f.code === 'MLS305').length, 1);
    const other = `import torch\n${FILLER}\ndef load(p):\n    return torch.load(p)\n`;
    assert.ok((engine.analyzePython(other, { minSkipped: 0 }).skippedUnits ?? 0) > 0, 'partial parsing was not used without flow rules');
  });
});
