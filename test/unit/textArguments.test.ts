/**
 * MLS301 and MLS302 declare the arguments holding the text their calls run (RuleMatch.textArguments):
 * a call giving them only as string literals has no finding. The engine derives from it which
 * files pass the prefilter and which calls make a definition worth parsing
 * (perf/constantArguments.ts, callMayPassText). These tests put code and command lines wherever
 * they can reach a call and check that the optimised engine finds what the unoptimised one finds,
 * and that the calls no finding can be at are left out.
 */
import * as assert from 'node:assert/strict';
import { resolveSelection } from '../../server/src/engine/config/selection';
import { callMayPassText, plainLiterals } from '../../server/src/engine/perf/constantArguments';
import { partialFor, buildIndex, applicableRules } from '../../server/src/engine/pipeline/prefilter';
import { SourceText } from '../../server/src/engine/textScan';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';
import { assertKeptWhenOptimised } from '../support/keptFindings';
import { checkText } from '../support/differential';

const MLS301 = ALL_RULES.find((rule) => rule.code === 'MLS301')!;
const MLS302 = ALL_RULES.find((rule) => rule.code === 'MLS302')!;
const CODE = MLS301.textArguments!;
const COMMAND = MLS302.textArguments!;

/** Definitions no rule can fire in, long enough for partial parsing to leave them out. */
const FILLER = Array.from({ length: 40 }, (_, i) => `def helper_${i}(x):\n    y = x + ${i}\n    return y * 2\n`).join('\n');

/** Each with at least one finding of the rule named first, next to calls giving only literals. */
const CASES: Array<[string, string, string]> = [
  ['MLS301', 'a name', `def run(expr):\n    eval("1 + 1")\n    return eval(expr)\n`],
  ['MLS301', 'an f-string', `def run(name):\n    return exec(f"import {name}")\n`],
  ['MLS301', 'a concatenation', `def run(name):\n    return eval("config." + name)\n`],
  ['MLS301', 'a formatted literal', `def run(name):\n    return eval("config.%s" % name)\n`],
  ['MLS301', 'a method of a literal', `def run(name):\n    return eval("config.{}".format(name))\n`],
  ['MLS301', 'a keyword', `def run(src):\n    return compile(source=src, filename="<x>", mode="exec")\n`],
  ['MLS301', 'a * argument', `def run(text, scopes):\n    eval("1", *scopes)\n    return eval(text, *scopes)\n`],
  ['MLS301', 'a multi-line call', `def run(text):\n    return exec(\n        # the program\n        text,\n        {},\n    )\n`],
  ['MLS301', 'an alias', `run = eval\n\ndef go(text):\n    return run(text)\n`],
  ['MLS301', 'through the builtins module', `import builtins\n\ndef go(text):\n    return builtins.exec(text)\n`],
  ['MLS301', 'a name bound to user input', `def go():\n    text = input()\n    return eval(text)\n`],
  ['MLS302', 'os.system of a name', `import os\n\ndef run(cmd):\n    os.system("nvidia-smi")\n    return os.system(cmd)\n`],
  ['MLS302', 'a shell with an f-string', `import subprocess\n\ndef run(path):\n    return subprocess.run(f"ls {path}", shell=True)\n`],
  ['MLS302', 'a shell by keyword', `import subprocess\n\ndef run(cmd):\n    return subprocess.check_output(args=cmd, shell=True)\n`],
  ['MLS302', 'sh -c in a list', `import subprocess\n\ndef run(script):\n    return subprocess.run(["bash", "-c", script])\n`],
  ['MLS302', 'an imported alias', `from os import system as sh\n\ndef run(cmd):\n    return sh(cmd)\n`],
  [
    'MLS302',
    'a shell flag from a name',
    `import subprocess\nSHELL = True\n\ndef run(cmd):\n    return subprocess.Popen(cmd, shell=SHELL)\n`,
  ],
];

describe('textArguments: MLS301 and MLS302 declare the arguments holding the text their calls run', () => {
  for (const [code, name, body] of CASES) {
    it(`keeps ${code} at ${name}, with the prefilter and partial parsing`, async () => {
      const engine = await analyzer();
      const selection = resolveSelection(ALL_RULES, { select: [code] });
      const text = `${FILLER}\n${body}\n${FILLER}`;
      assertKeptWhenOptimised(engine, text, selection, code);
      const check = checkText(engine, 'case.py', text, { edits: true, seed: 11 });
      assert.deepEqual(check.differences, [], 'the four-way differential');
    });
  }

  it('reads plain string literals, and nothing else, as plain literals', () => {
    for (const written of [
      '"x"',
      " 'x' ",
      'r"\\d+"',
      "b'x'",
      'rb"x"',
      'Br"x"',
      'u"x"',
      '"a" "b"',
      '(\n  "a"\n  \'b\'\n)',
      '(("a"))',
      '"""a\nb"""',
      '"a" \\\n "b"',
    ])
      assert.equal(plainLiterals(written), true, written);
    for (const written of [
      'f"x"',
      'rf"{x}"',
      'x',
      '"a" + x',
      '"a" % x',
      '"a".format(x)',
      '"a"[0]',
      '("a", "b")',
      '("a"',
      '"a',
      '',
      '(x)',
      '"a" if c else "b"',
    ])
      assert.equal(plainLiterals(written), false, written);
  });

  it('judges the calls written where a word is', () => {
    const judge = (text: string, word: string, declared = CODE, marker = '') =>
      callMayPassText(text, text.indexOf(word, text.indexOf(marker)), word.length, declared);
    assert.equal(judge('eval("1 + 1")', 'eval'), false);
    assert.equal(judge('eval(  # why\n    "1 + 1", {})', 'eval'), false);
    assert.equal(judge('eval()', 'eval'), false, 'no code given');
    assert.equal(judge('compile("x", name, mode)', 'compile'), false, 'only the code is judged');
    assert.equal(judge('compile(filename=f, source="x", mode="exec")', 'compile'), false);
    assert.equal(judge('eval(expr)', 'eval'), true);
    assert.equal(judge('eval(f"{x}")', 'eval'), true);
    assert.equal(judge('eval(*args)', 'eval'), true);
    assert.equal(judge('eval("x", **scope)', 'eval'), true, 'a ** argument may hold the code');
    assert.equal(judge('eval(x  # unclosed', 'eval'), true);
    assert.equal(judge('run = eval', 'eval'), true, 'another name for the function');
    assert.equal(judge('pool.map(eval, texts)', 'eval'), true, 'handed to a caller');
    assert.equal(judge('# eval(x)\npass', 'eval'), false, 'a comment');
    assert.equal(judge('s = "eval(x)"', 'eval'), false, 'a string');
    assert.equal(judge('def eval(self, x):\n    pass', 'eval'), false, 'a definition');
    assert.equal(judge('f(eval=x)', 'eval'), false, 'a keyword name');
    assert.equal(judge('x = f"{eval(y)}"', 'eval'), true, 'an f-string field is code');
    assert.equal(judge('os.system("ls")', 'system', COMMAND), false);
    assert.equal(judge('subprocess.run(["bash", "-c", s])', 'run', COMMAND), true, 'a list is no literal');
    assert.equal(judge('subprocess.run(args="ls", shell=True)', 'run', COMMAND), false);
    assert.equal(judge('subprocess.run(cwd=d, args=cmd, shell=True)', 'run', COMMAND), true);
  });

  it('leaves out the files and definitions where every call gives literals', async () => {
    const engine = await analyzer();
    const selection = resolveSelection(ALL_RULES, { select: ['MLS301', 'MLS302'] });
    const constant = `import os\n\ndef main():\n    os.system("nvidia-smi")\n    return eval("2 ** 10"), exec('print("ready")')\n`;
    assert.equal(engine.mayMatch(constant, selection), false, 'no call can hold a finding');
    assert.equal(engine.mayMatch(constant.replace('"nvidia-smi"', 'command'), selection), true);
    const text = `${constant}\n${FILLER}\n${CASES[0][2]}`;
    const index = buildIndex([MLS301, MLS302]);
    const source = new SourceText(text);
    const partial = partialFor(source, applicableRules(source, index)!, index, 0)!;
    assert.ok(partial, 'partial parsing leaves something out');
    assert.ok(!partial.text.includes('2 ** 10'), 'the definition giving only literals is left out');
    assert.ok(partial.text.includes('return eval(expr)'), 'the one giving a name is kept');
  });
});
