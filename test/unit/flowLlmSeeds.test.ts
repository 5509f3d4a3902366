/**
 * The seeds of the LLM-answer closure (engine/dataflow/llmSeeds.ts): every call sources.ts
 * reports as an LLM answer must be seeded (a call left out is a flow never followed), and calls
 * it can never report should not be (the closure grows from them and costs parse and analysis).
 * Checked on small files made for each way a LangChain receiver, an LLM client, a pipeline or a
 * generation call is written, with the calls the analysis reports counted, and on every rule
 * fixture; the findings with the closure equal those of the unoptimised analysis.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from '../../server/src/engine/parser';
import { PythonParser } from '../../server/src/engine/parser';
import { SemanticModel } from '../../server/src/engine/semantic';
import { SELECTION_LIMITS, UNTRUSTED } from '../../server/src/engine/dataflow/index';
import { llmCall } from '../../server/src/engine/dataflow/sources';
import { flowReach } from '../../server/src/engine/dataflow/reach';
import { llmSeeds } from '../../server/src/engine/dataflow/llmSeeds';
import type { SeedText } from '../../server/src/engine/dataflow/llmSeeds';
import { Occurrences } from '../../server/src/engine/dataflow/textWords';
import { linesOf } from '../../server/src/engine/perf/partialParse';
import { edited as editedFlows, summary } from '../support/flowEdits';
import { analyzer } from '../support/engine';
import { FIXTURES as FIXTURES_DIR } from '../support/paths';

const REFERENCE = { prefilter: false, everyCall: true };
const PARTIAL = { minSkipped: 1 };

/** The calls of a text, each with whether sources.ts reports it as an LLM answer and whether the closure seeds its callee. */
async function calls(text: string): Promise<Array<{ line: number; callee: string; source: boolean; seeded: boolean }>> {
  const parser = await PythonParser.get();
  const model = new SemanticModel(parser.parse(text), text);
  const closure = flowReach(text, UNTRUSTED, new Set(['llm']))!.closures[0];
  return model.calls.map((call) => {
    const fn = call.childForFieldName('function') as Node;
    return {
      line: call.startPosition.row + 1,
      callee: fn.text.replace(/\s+/g, ''),
      source: !!llmCall(model, call, model.qualifiedName(fn)),
      seeded: closure.dense || closure.at.some((at) => at >= fn.startIndex && at < fn.endIndex),
    };
  });
}

/** Every call reported is seeded; returns the callees reported and the callees seeded that are not reported. */
async function seeds(lines: string[]): Promise<{ sources: string[]; extra: string[] }> {
  const text = lines.join('\n') + '\n';
  const found = await calls(text);
  for (const call of found) assert.ok(!call.source || call.seeded, `line ${call.line}: \`${call.callee}\` is an LLM answer but no seed`);
  return {
    sources: found.filter((c) => c.source).map((c) => c.callee),
    extra: found.filter((c) => c.seeded && !c.source).map((c) => c.callee),
  };
}

/** The flow findings, the same with the closure's selection and partial parsing as without. */
async function flowFindings(lines: string[]): Promise<string[]> {
  const text = lines.join('\n') + '\n';
  const engine = await analyzer();
  const reference = summary(engine.analyzePython(text, REFERENCE));
  assert.deepEqual(summary(engine.analyzePython(text)), reference);
  assert.deepEqual(summary(engine.analyzePython(text, PARTIAL)), reference);
  return reference.filter((f) => /^MLS(?:304|305|306|307|407|801)@/.test(f)).map((f) => f.split(' ')[0]);
}

describe('data flow: the LLM-answer seeds hold every LLM call the analysis reports', () => {
  const limits = { ...SELECTION_LIMITS };
  before(() => Object.assign(SELECTION_LIMITS, { text: 0 }));
  after(() => Object.assign(SELECTION_LIMITS, limits));

  it('a LangChain model imported under another name, made by a call and assigned', async () => {
    const lines = [
      'from langchain_openai import ChatOpenAI as Chat',
      'llm = Chat(model="m")',
      'same = llm',
      'answer = llm.invoke("q")',
      'other = same.predict("q")',
      'bound = llm.bind(stop=["x"]).invoke("q")',
      'exec(answer)',
    ];
    assert.deepEqual((await seeds(lines)).sources, ['llm.invoke', 'same.predict', 'llm.bind(stop=["x"]).invoke']);
    assert.deepEqual(await flowFindings(lines), ['MLS304@6:0']);
  });

  it('a LangChain package imported as a module, and a model called in one expression', async () => {
    const lines = [
      'import langchain_openai as lo',
      'import langchain.chains',
      'answer = lo.ChatOpenAI().invoke("q")',
      'summary = langchain.chains.LLMChain(llm=None).run("q")',
      'exec(answer + summary)',
    ];
    assert.deepEqual((await seeds(lines)).sources, ['lo.ChatOpenAI().invoke', 'langchain.chains.LLMChain(llm=None).run']);
    assert.deepEqual(await flowFindings(lines), ['MLS304@4:0']);
  });

  it('a chain piped from a LangChain prompt and model, in a function', async () => {
    const lines = [
      'from langchain_core.prompts import PromptTemplate',
      'from langchain_openai import ChatOpenAI',
      'import os',
      '',
      'def ask(question):',
      '    prompt = PromptTemplate.from_template("{q}")',
      '    model = ChatOpenAI()',
      '    chain = prompt | model',
      '    text = chain.invoke({"q": question})',
      '    os.system(text)',
    ];
    assert.deepEqual((await seeds(lines)).sources, ['chain.invoke']);
    assert.deepEqual(await flowFindings(lines), ['MLS304@9:4']);
  });

  it('receivers across lines, in parentheses, after a keyword, and an import fallback to None', async () => {
    const lines = [
      'try:',
      '    from langchain_community.llms import Ollama',
      'except ImportError:',
      '    Ollama = None',
      'llm = Ollama()',
      'a = (llm',
      '     .invoke("q"))',
      'b = (llm).invoke("q")',
      'c = not (llm).invoke("q")',
      'd = llm.invoke  (  # a comment before the arguments',
      '    "q")',
      'exec(a)',
    ];
    assert.deepEqual((await seeds(lines)).sources, ['llm.invoke', '(llm).invoke', '(llm).invoke', 'llm.invoke']);
    assert.deepEqual(await flowFindings(lines), ['MLS304@11:0']);
  });

  it('leaves out runnable methods on other receivers: not LangChain, a parameter, an attribute, an item, no call', async () => {
    const lines = [
      'import asyncio',
      'import subprocess',
      'from langchain_openai import ChatOpenAI',
      'from crawler import Crawler',
      '',
      'class Bot:',
      '    def __init__(self):',
      '        self.llm = ChatOpenAI()',
      '',
      '    def ask(self, q):',
      '        return self.llm.invoke(q)',
      '',
      'def answer(llm, q):',
      '    return llm.invoke(q)',
      '',
      'asyncio.run(main())',
      'urls = Crawler(urls=["u"]).run()',
      'tools = [ChatOpenAI()]',
      'reply = tools[0].invoke("q")',
      'func = ChatOpenAI().run',
      'subprocess.run(["ls"])',
      'exec(urls)',
    ];
    const { sources, extra } = await seeds(lines);
    assert.deepEqual(sources, []);
    assert.deepEqual(extra, []);
    assert.deepEqual(await flowFindings(lines), []);
  });

  it('LLM clients only in a text importing their package, and only their callees', async () => {
    const lines = [
      'from openai import OpenAI',
      'from langchain_anthropic import ChatAnthropic',
      'client = OpenAI()',
      'answer = client.chat.completions.create(model="m", messages=[]).choices[0].message.content',
      'record = db.records.create(name="x")',
      'stream = other.messages.create(x=1)',
      'exec(answer)',
    ];
    const { sources, extra } = await seeds(lines);
    // `anthropic` is written only inside `langchain_anthropic`: the package is not imported.
    assert.deepEqual(sources, ['client.chat.completions.create']);
    assert.deepEqual(extra, []);
    assert.deepEqual(await flowFindings(lines), ['MLS304@6:0']);
  });

  it('a transformers pipeline through an alias of the module, not an attribute of another object', async () => {
    const lines = [
      'import transformers as tf',
      'generator = tf.pipeline("text-generation")',
      'out = generator("q")[0]["generated_text"]',
      'reply = self_pipeline = obj.pipeline("q")',
      'exec(out)',
    ];
    const { sources, extra } = await seeds(lines);
    assert.deepEqual(sources, ['generator']);
    assert.ok(!extra.includes('obj.pipeline'), extra.join(', '));
    assert.deepEqual(await flowFindings(lines), ['MLS304@4:0']);
  });

  it('generate on any object in a text importing transformers, on none where the word is only mentioned', async () => {
    const imported = await seeds(['from transformers import AutoModelForCausalLM', 'ids = model.generate(x)', 'exec(tok.decode(ids[0]))']);
    assert.deepEqual(imported.sources, ['model.generate']);
    const mentioned = await seeds(['# works with transformers models', 'ids = model.generate(x)', 'exec(ids)']);
    assert.deepEqual(mentioned, { sources: [], extra: [] });
  });
});

describe('data flow: a source kind’s closure follows helper returns one level, as the summaries do', () => {
  const limits = { ...SELECTION_LIMITS };
  before(() => Object.assign(SELECTION_LIMITS, { text: 0 }));
  after(() => Object.assign(SELECTION_LIMITS, limits));

  const lines = [
    'import os',
    'from openai import OpenAI',
    'client = OpenAI()',
    '',
    'def answer(q):',
    '    text = client.chat.completions.create(model="m", messages=[q]).choices[0].message.content',
    '    return text',
    '',
    'def relay(q):',
    '    reply = answer(q)',
    '    os.system(reply)',
    '    return reply',
    '',
    'def outer(q):',
    '    relayed = relay(q)',
    '    os.system(relayed)',
    '',
  ];

  it('reaches the callers of a helper returning the answer, not their callers', async () => {
    // flow.ts: `relay`'s summary follows no helper, so `relayed` carries nothing.
    assert.deepEqual(await flowFindings(lines), ['MLS304@10:4']);
    const text = lines.join('\n') + '\n';
    const closure = flowReach(text, UNTRUSTED, new Set(['llm']))!.closures[0];
    assert.ok(closure.names.has('reply') && closure.names.has('answer'), [...closure.names].join(' '));
    assert.ok(!closure.names.has('relayed') && !closure.names.has('relay'), [...closure.names].join(' '));
  });

  it('reaches further through a helper’s parameter passed on at the call', async () => {
    const passing = [
      ...lines.slice(0, 13),
      'def same(value):',
      '    return value',
      '',
      'def outer(q):',
      '    os.system(same(answer(q)))',
      '',
    ];
    assert.deepEqual(await flowFindings(passing), ['MLS304@10:4', 'MLS304@17:4']);
  });
});

describe('data flow: the UI closure seeds the parameters of registered callbacks only', () => {
  const limits = { ...SELECTION_LIMITS };
  before(() => Object.assign(SELECTION_LIMITS, { text: 0 }));
  after(() => Object.assign(SELECTION_LIMITS, limits));

  const lines = [
    'import functools',
    'import pickle',
    'import gradio as gr',
    '',
    'def respond(message):',
    '    pickle.loads(message)',
    '',
    'def later(command):',
    '    pickle.loads(command)',
    '',
    'def tool(setting, value):',
    '    pickle.loads(setting)',
    '',
    'def shown(flag):',
    '    pickle.loads(flag)',
    '',
    'with gr.Blocks() as demo:',
    '    box = gr.Textbox()',
    '    out = gr.Textbox()',
    '    btn = gr.Button()',
    '    btn.click(respond, inputs=[box], outputs=[out]).then(',
    '        fn=later,  # a comment, and a string: "tool(x), y"',
    '        inputs=[box],',
    '    )',
    '    box.submit(functools.partial(tool, "a"), inputs=[box], outputs=[out])',
    '    box.change(lambda v: shown(v), inputs=[box])',
    '',
  ];

  it('finds the callbacks given first or as fn=, and leaves out names inside partial or lambda', async () => {
    assert.deepEqual(await flowFindings(lines), ['MLS305@5:4', 'MLS305@8:4']);
    const text = lines.join('\n') + '\n';
    const closure = flowReach(text, UNTRUSTED, new Set(['ui']))!.closures[0];
    assert.ok(closure.names.has('message') && closure.names.has('command'), [...closure.names].join(' '));
    assert.ok(!closure.names.has('setting') && !closure.names.has('value') && !closure.names.has('flag'), [...closure.names].join(' '));
  });
});

describe('data flow: edits that change the LLM-answer seeds', () => {
  const limits = { ...SELECTION_LIMITS };
  before(() => Object.assign(SELECTION_LIMITS, { text: 0 }));
  after(() => Object.assign(SELECTION_LIMITS, limits));

  /** The flow findings of `after` analysed as an edit of `before` (as the editor does) and fresh: they must agree. */
  async function edited(before: string, after: string): Promise<string[]> {
    const { edited: found, fresh } = await editedFlows(before, after);
    assert.deepEqual(found, fresh);
    return fresh.filter((f) => /^MLS304@/.test(f)).map((f) => f.split(' ')[0]);
  }

  const BEFORE = [
    'import os',
    'from langchain_openai import ChatOpenAI',
    '',
    'def make():',
    '    engine = object()',
    '    return engine',
    '',
    'def ask(q):',
    '    engine = make()',
    '    os.system(engine.invoke(q))',
    '',
    'def unrelated(n):',
    '    return n + 1',
    '',
  ].join('\n');

  it('an edit binding a receiver to a LangChain model, without writing the method', async () => {
    assert.deepEqual(await edited(BEFORE, BEFORE.replace('    engine = make()', '    engine = ChatOpenAI()')), ['MLS304@9:4']);
  });

  it('an edit importing a LangChain name a receiver is already bound to', async () => {
    const before = BEFORE.replace('    engine = make()', '    engine = Model()');
    const after = before.replace('from langchain_openai import ChatOpenAI', 'from langchain_openai import ChatOpenAI as Model');
    assert.deepEqual(await edited(before, after), ['MLS304@9:4']);
  });
});

describe('data flow: the LLM-answer seeds hold on every rule fixture', () => {
  for (const file of readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.py'))) {
    it(`every LLM call reported is seeded: ${file}`, async () => {
      const text = readFileSync(join(FIXTURES_DIR, file), 'utf8');
      for (const call of await calls(text))
        assert.ok(!call.source || call.seeded, `${file}:${call.line}: \`${call.callee}\` is an LLM answer but no seed`);
    });
  }
});

describe('data flow: the LLM seeds read import lines only', () => {
  /** A seed view of a text counting how often its text is read (each line read for imports reads it). */
  function view(text: string): { seedText: SeedText; reads: () => number } {
    const lines = linesOf(text);
    let reads = 0;
    const occurrences = new Occurrences(text);
    const seedText: SeedText = {
      get text() {
        reads++;
        return text;
      },
      lines,
      occurrences,
      lineAt: (offset) => lines.findIndex((line) => line.start <= offset && offset <= line.end),
      inProse: () => false,
    };
    return { seedText, reads: () => reads };
  }

  it('does not read the lines naming a package for an import unless they hold `import`', () => {
    const mentions = Array.from({ length: 200 }, (_, i) => `note_${i} = "ask openai about ${i}"  # openai`);
    const call = 'answer = client.chat.completions.create(model="m", messages=[])';
    const without = view([...mentions, call, ''].join('\n'));
    assert.deepEqual(llmSeeds(without.seedText).calls, []);
    assert.ok(without.reads() < 20, `the text was read ${without.reads()} times`);
    const text = ['from openai import OpenAI', 'client = OpenAI()', ...mentions, call, ''].join('\n');
    const seeded = llmSeeds(view(text).seedText);
    assert.deepEqual(
      seeded.calls.map((at) => text.slice(at, at + 6)),
      ['create'],
    );
  });
});
