/**
 * The facts rules declare for the optimisations are checked (perf/declarationCheck.ts): the
 * unoptimised analysis fails loudly, naming the rule and the finding, when a finding of a rule
 * declaring `wordsInEveryFinding` shows none of its words, or a finding of a rule declaring
 * `literals` is no such literal, or a finding of a rule declaring `textArguments` is at a call
 * giving them only as string literals. Every fixture is checked here; the generated programs are
 * checked by generatedDifferential.test.ts, whose reference analysis is the unoptimised one.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { defineRule } from '../../server/src/engine/rule';
import type { Rule } from '../../server/src/engine/rule';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';
import { FIXTURES } from '../support/paths';

const META = {
  severity: 'warning' as const,
  cwe: [668],
  threats: [],
  rationale: 'A rule made up for the test.',
  remediation: 'None.',
};

/** Claims every finding shows `share`, but reports every `launch()`. */
const wrongWords = defineRule({
  ...META,
  code: 'MLS990',
  name: 'wrong-words',
  title: 'A rule with a wrong wordsInEveryFinding',
  keywords: ['share'],
  wordsInEveryFinding: true,
  methods: ['launch'],
  onCall(call, context) {
    context.report({ node: call.node, message: 'launched' });
  },
});

/** Declares literals, but reports the name a secret is assigned to. */
const wrongLiterals = defineRule({
  ...META,
  code: 'MLS991',
  name: 'wrong-literals',
  title: 'A rule with a wrong literals declaration',
  literals: { value: (value) => value.length > 8, sinks: [{ names: ['api_key'] }] },
  onFile(context) {
    for (const call of context.literalSinkCalls()) {
      const argument = call.keywords.get('api_key');
      if (argument) context.report({ node: argument.node.childForFieldName('name') ?? argument.node, message: 'a key' });
    }
  },
});

/** Declares its strings are never only in comments, but reports a comment's URL. */
const wrongStrings = defineRule({
  ...META,
  code: 'MLS992',
  name: 'wrong-strings',
  title: 'A rule with a wrong stringsNotInComments',
  strings: ['http://'],
  stringsNotInComments: true,
  onFile(context) {
    const at = context.model.text.indexOf('http://');
    if (at >= 0) context.report({ node: context.model.tree.rootNode.descendantForIndex(at, at + 7)!, message: 'a URL' });
  },
});

/** Declares its findings need a non-literal command, but reports every `os.system` call. */
const wrongText = defineRule({
  ...META,
  code: 'MLS993',
  name: 'wrong-text',
  title: 'A rule with a wrong textArguments',
  callees: ['os.system'],
  textArguments: { positions: [0], keywords: ['command'] },
  onCall(call, context) {
    context.report({ node: call.node, message: 'a command' });
  },
});

function failuresOf(engine: Analyzer, text: string): string[] {
  engine.takeRuleFailures();
  engine.analyzePython(text, { prefilter: false, everyCall: true });
  return engine.takeRuleFailures();
}

describe('declaration check', () => {
  it('names the rule and the finding whose statement shows none of the declared words', async () => {
    const engine = await Analyzer.create([wrongWords]);
    const failures = failuresOf(engine, 'import gradio as gr\n\ndemo = gr.Blocks()\ndemo.launch()\n');
    assert.equal(failures.length, 1, failures.join('\n'));
    assert.match(failures[0], /^rule MLS990 broke its declaration: its finding at line 4 \("launched"\) declares wordsInEveryFinding/);
    assert.match(failures[0], /share=/);
  });

  it('accepts a word in the statement, in a header, or in an assignment the statement uses', async () => {
    const engine = await Analyzer.create([wrongWords]);
    const texts = [
      'demo.launch(share=True)\n',
      'options = {"share": True}\ndemo.launch(**options)\n',
      'BASE = dict(share=True)\noptions = BASE\n\ndef serve(demo):\n    demo.launch(**options)\n',
      'if demo.launch(share=True):\n    pass\n',
    ];
    for (const text of texts) assert.deepEqual(failuresOf(engine, text), [], text);
  });

  it('does not take a word in a body for the header of the statement holding it', async () => {
    const engine = await Analyzer.create([wrongWords]);
    const failures = failuresOf(engine, 'with demo.launch() as app:\n    app.share = True\n');
    assert.equal(failures.length, 1, failures.join('\n'));
    assert.match(failures[0], /at line 1/);
  });

  it('names the rule and the finding that is not a declared literal', async () => {
    const engine = await Analyzer.create([wrongLiterals]);
    const failures = failuresOf(engine, 'client = make(api_key="Qx7mW2pLk9VnR4tYs8Hd")\n');
    assert.equal(failures.length, 1, failures.join('\n'));
    assert.match(failures[0], /^rule MLS991 broke its declaration: its finding at line 1 \("a key"\) declares literals/);
  });

  it('names the rule whose finding is in a file holding its strings only in comments', async () => {
    const engine = await Analyzer.create([wrongStrings]);
    const failures = failuresOf(engine, '# see http://example.org\nx = 1\n');
    assert.equal(failures.length, 1, failures.join('\n'));
    assert.match(failures[0], /^rule MLS992 broke its declaration: its finding at line 1 \("a URL"\) declares stringsNotInComments/);
    assert.deepEqual(failuresOf(engine, 'URL = "http://example.org"\n'), []);
  });

  it('names the rule whose finding is at a call giving its text arguments only as string literals', async () => {
    const engine = await Analyzer.create([wrongText]);
    const failures = failuresOf(engine, 'import os\nos.system("nvidia-smi")\nos.system(("ls " "-l"))\n');
    assert.equal(failures.length, 2, failures.join('\n'));
    assert.match(failures[0], /^rule MLS993 broke its declaration: its finding at line 2 \("a command"\) declares textArguments/);
    assert.match(failures[1], /at line 3/);
    // A name, an f-string, an expression, a `*` argument, a call through another name: allowed.
    for (const text of [
      'import os\nos.system(cmd)\n',
      'import os\nos.system(f"ls {path}")\n',
      'import os\nos.system(f"ls")\n',
      'import os\nos.system("ls " + path)\n',
      'import os\nos.system(*argv)\n',
      'import os\nos.system(command=cmd)\n',
      'import os\nrun = os.system\nrun("ls")\n',
    ])
      assert.deepEqual(failuresOf(engine, text), [], text);
  });

  it('is quiet on the optimised analysis, which relies on the declarations instead', async () => {
    const engine = await Analyzer.create([wrongWords]);
    engine.takeRuleFailures();
    const findings = engine.analyzePython('demo.launch()\n').findings;
    assert.deepEqual(engine.takeRuleFailures(), []);
    assert.equal(findings.length, 0, 'the prefilter drops the finding the wrong declaration hides');
  });

  it('finds every fixture finding true to its rule’s declarations', async () => {
    const engine = await analyzer();
    const checked = ALL_RULES.filter((rule: Rule) => rule.wordsInEveryFinding || rule.literals || rule.textArguments).map(
      (rule) => rule.code,
    );
    assert.ok(checked.length >= 3, `only ${checked.join(', ')} declare checked facts`);
    const counts = new Map<string, number>();
    const files = fs.readdirSync(FIXTURES).filter((name) => name.endsWith('.py') || name.endsWith('.ipynb'));
    for (const name of files) {
      const text = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
      engine.takeRuleFailures();
      const options = { prefilter: false, everyCall: true };
      const result = name.endsWith('.ipynb') ? engine.analyzeNotebookJson(text, options) : engine.analyzePython(text, options);
      assert.deepEqual(engine.takeRuleFailures(), [], name);
      for (const finding of result.findings) counts.set(finding.code, (counts.get(finding.code) ?? 0) + 1);
    }
    for (const code of checked) assert.ok((counts.get(code) ?? 0) > 0, `the fixtures have findings of ${code} to check`);
  });
});
