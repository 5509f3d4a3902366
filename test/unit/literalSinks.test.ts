/**
 * The calls a `literals` sink can be are found by the engine (pipeline/literalSinks.ts) and only
 * judged by the rule (MLS501). The fast way (the words in the text, then the node at each) must
 * find every call the plain way (a test of every call of the tree) finds: each case here has a
 * sink call the text search could miss, and the test fails if either way misses it, or if MLS501
 * then misses the credential given to it.
 */
import * as assert from 'node:assert/strict';
import { resolveSelection } from '../../server/src/engine/config/selection';
import { PythonParser } from '../../server/src/engine/parser';
import { findLiteralSinksInEveryCall, literalSinkAssignments, literalSinkCalls } from '../../server/src/engine/pipeline/literalSinks';
import type { LiteralDeclaration } from '../../server/src/engine/rule';
import { SemanticModel } from '../../server/src/engine/semantic';
import { SourceText } from '../../server/src/engine/textScan';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';

const MLS501 = ALL_RULES.find((rule) => rule.code === 'MLS501')!;
const declaration: LiteralDeclaration = MLS501.literals!;
const selection = resolveSelection(ALL_RULES, { select: ['MLS501'] });

// Random-looking, in no known format: only a sink makes it a finding.
const SECRET = 'Qx7mW2pLk9VnR4tYs8HdJ3bFc6GzAe5N';

/** Each case: a text, and the start of the sink call in it (the credential is on the call's last line). */
const CASES: Record<string, { text: string; call: string }> = {
  'an imported alias of a sink callee': {
    text: `from huggingface_hub import login as hub_login\n\nhub_login("${SECRET}")\n`,
    call: 'hub_login("',
  },
  'an assigned alias of a sink callee': {
    text: `import huggingface_hub as hub\n\ndef connect():\n    f = hub.login\n    f("${SECRET}")\n`,
    call: 'f("',
  },
  'an alias of an alias': {
    text: `from huggingface_hub import HfApi as Api\n\nmake = Api\nclient = make("https://hub.example.org", "${SECRET}")\n`,
    call: 'make("',
  },
  'a keyword built by a ** dict literal': {
    text: `from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained("acme/m", **{"token": "${SECRET}"})\n`,
    call: 'AutoModel.from_pretrained(',
  },
  'a keyword built by **dict(...)': {
    text: `from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained("acme/m", **dict(token="${SECRET}"))\n`,
    call: 'AutoModel.from_pretrained(',
  },
  'a multi-line call': {
    text: `from huggingface_hub import login\n\nlogin(\n    # the team's account\n    "${SECRET}"\n)\n`,
    call: 'login(',
  },
  'a keyword ending in api_key on its own line': {
    text: `from langchain_openai import ChatOpenAI\n\nllm = ChatOpenAI(\n    model="gpt-4o-mini",\n    openai_api_key="${SECRET}")\n`,
    call: 'ChatOpenAI(',
  },
  'a class attribute default': {
    text: `from openai import OpenAI\n\nclass Service:\n    client = OpenAI(api_key="${SECRET}")\n`,
    call: 'OpenAI(api_key',
  },
  'a positional credential of a class attribute default': {
    text: `import huggingface_hub\n\nclass Hub:\n    api = huggingface_hub.HfApi("https://hub.example.org",\n        "${SECRET}")\n`,
    call: 'huggingface_hub.HfApi(',
  },
  'an environment setter through an alias': {
    text: `import os\n\nput = os.putenv\nput("HF_TOKEN", "${SECRET}")\n`,
    call: 'put("',
  },
  'an environment update through an imported name': {
    text: `from os import environ as env\n\nenv.update(HF_TOKEN="${SECRET}")\n`,
    call: 'env.update(',
  },
  'an environment setdefault through an assigned name': {
    text: `import os\n\nsettings = os.environ\nsettings.setdefault("HF_TOKEN", "${SECRET}")\n`,
    call: 'settings.setdefault(',
  },
  'a decorator call': {
    text: `from langchain_openai import ChatOpenAI\n\n@ChatOpenAI(openai_api_key="${SECRET}")\ndef handler():\n    pass\n`,
    call: 'ChatOpenAI(',
  },
};

/** Assignments a sink can be: each with the start of the assignment (the credential is on its last line). */
const ASSIGNMENTS: Record<string, { text: string; assignment: string }> = {
  'an api_key attribute': { text: `import openai\n\nopenai.api_key = "${SECRET}"\n`, assignment: 'openai.api_key' },
  'an api_key attribute over two lines': {
    text: `import openai\n\ndef setup():\n    openai.api_key = (\n        "${SECRET}")\n`,
    assignment: 'openai.api_key',
  },
  'a chain of api_key attributes': {
    text: `import openai\nimport cohere\n\nopenai.api_key = cohere.api_key = "${SECRET}"\n`,
    assignment: 'cohere.api_key',
  },
  'the environment': { text: `import os\n\nos.environ["HF_TOKEN"] = "${SECRET}"\n`, assignment: 'os.environ[' },
  'the environment imported by name, in a class body': {
    text: `from os import environ\n\nclass Settings:\n    environ[\n        "OPENAI_API_KEY"] = "${SECRET}"\n`,
    assignment: 'environ[\n',
  },
};

async function withModel<T>(text: string, plain: boolean, ask: (model: SemanticModel, source: SourceText) => T): Promise<T> {
  const parser = await PythonParser.get();
  const tree = parser.parse(text);
  try {
    const model = new SemanticModel(tree, text);
    if (plain) findLiteralSinksInEveryCall(model);
    return ask(model, new SourceText(text));
  } finally {
    tree.delete();
  }
}

function sinkCallStarts(text: string, plain: boolean): Promise<number[]> {
  return withModel(text, plain, (model, source) => literalSinkCalls(model, source, declaration).map((call) => call.node.startIndex));
}

function sinkAssignmentStarts(text: string, plain: boolean): Promise<number[]> {
  return withModel(text, plain, (model, source) => literalSinkAssignments(model, source, declaration).map((node) => node.startIndex));
}

/** MLS501's findings on `text`, optimised, unoptimised and partially parsed alike: their lines. */
async function findingLines(text: string): Promise<number[]> {
  const engine = await analyzer();
  let lines: number[] | undefined;
  for (const options of [{ selection }, { selection, prefilter: false, everyCall: true }, { selection, minSkipped: 0 }]) {
    const found = engine.analyzePython(text, options).findings.filter((f) => f.code === 'MLS501');
    for (const finding of found) assert.match(finding.message, /used as /);
    const now = found.map((f) => f.range.start.line);
    if (lines) assert.deepEqual(now, lines, JSON.stringify(options));
    lines = now;
  }
  assert.deepEqual(engine.takeRuleFailures(), []);
  return lines!;
}

describe('literal sinks: the calls a declared sink can be', () => {
  for (const [name, { text, call }] of Object.entries(CASES)) {
    it(`finds ${name}, the fast way and the plain way alike`, async () => {
      const at = text.indexOf(call);
      assert.ok(at >= 0, `the case writes ${call}`);
      const fast = await sinkCallStarts(text, false);
      const plain = await sinkCallStarts(text, true);
      assert.ok(plain.includes(at), `the plain way finds the call at ${at} (found ${plain.join(', ')})`);
      assert.deepEqual(fast, plain);
    });

    it(`reports the credential given in ${name}`, async () => {
      assert.deepEqual(await findingLines(text), [text.slice(0, text.indexOf(SECRET)).split('\n').length - 1]);
    });
  }

  for (const [name, { text, assignment }] of Object.entries(ASSIGNMENTS)) {
    it(`finds the assignment to ${name}, the fast way and the plain way alike, and reports it`, async () => {
      const at = text.indexOf(assignment);
      assert.ok(at >= 0, `the case writes ${assignment}`);
      const fast = await sinkAssignmentStarts(text, false);
      const plain = await sinkAssignmentStarts(text, true);
      assert.ok(plain.includes(at), `the plain way finds the assignment at ${at} (found ${plain.join(', ')})`);
      assert.deepEqual(fast, plain);
      assert.deepEqual(await findingLines(text), [text.slice(0, text.indexOf(SECRET)).split('\n').length - 1]);
    });
  }

  it('finds the calls of a notebook cell, aliased in another cell', async () => {
    const engine = await analyzer();
    const notebook = JSON.stringify({
      cells: [
        { cell_type: 'code', source: ['from huggingface_hub import login as hub_login\n'], metadata: {}, outputs: [] },
        { cell_type: 'markdown', source: ['Sign in to the hub.'], metadata: {} },
        { cell_type: 'code', source: ['hub_login(\n', `    "${SECRET}",\n`, ')\n'], metadata: {}, outputs: [] },
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    });
    const fast = engine.analyzeNotebookJson(notebook, { selection }).findings;
    const plain = engine.analyzeNotebookJson(notebook, { selection, prefilter: false, everyCall: true }).findings;
    assert.deepEqual(
      fast.map((f) => [f.code, f.cell, f.range.start.line]),
      [['MLS501', 2, 1]],
    );
    assert.deepEqual(fast, plain);
  });

  it('leaves out calls no sink can be', async () => {
    const text = [
      'import os',
      'from huggingface_hub import login',
      'from mylib import login as my_login',
      'print("x", sep="")',
      'my_login("user")',
      'os.environ.get("HOME")',
      'setup(tokenizer="bert", key="k", api_keys=["a"])',
      'f(a ** 2)',
      'login("x")',
      '',
    ].join('\n');
    const fast = await sinkCallStarts(text, false);
    assert.deepEqual(fast, await sinkCallStarts(text, true));
    assert.deepEqual(fast, [text.indexOf('login("x")')]);
  });

  it('resolves no call of a callee whose names the text does not all write', async () => {
    // `os.environ.update` needs `environ` written somewhere: `options.update(...)` is no setter here.
    const text = ['import os', 'options = {}', 'options.update(name="x")', 'options.update(dict(a=1))', 'os.getcwd()', ''].join('\n');
    const fast = await sinkCallStarts(text, false);
    assert.deepEqual(fast, await sinkCallStarts(text, true));
    assert.deepEqual(fast, []);
  });

  it('leaves out assignments no sink can be', async () => {
    const text = [
      'import os',
      'config.token = "abc"',
      'config.api_keys = ["a"]',
      'env["HF_TOKEN"] = "x"',
      'os.environ.get = None',
      'self.openai_api_key = key',
      '',
    ].join('\n');
    const fast = await sinkAssignmentStarts(text, false);
    assert.deepEqual(fast, await sinkAssignmentStarts(text, true));
    assert.deepEqual(fast, [text.indexOf('self.openai_api_key')]);
  });
});
