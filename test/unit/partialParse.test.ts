/**
 * Partial parsing: which definitions are left out, what replaces them, and that the analysis of
 * what remains gives the findings of a whole parse (the soundness test in textScan.test.ts runs
 * the same comparison on every fixture, corpus and example file).
 */
import * as assert from 'node:assert/strict';
import { HotWords, aliasNames, assignedNames, dottedSegments, partialPlan, partialText } from '../../server/src/engine/perf/partialParse';
import { SourceText, SubstringSet } from '../../server/src/engine/textScan';
import { applicableRules, buildIndex, partialPlanFor } from '../../server/src/engine/pipeline/prefilter';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer, partialAndWhole } from '../support/engine';

/** Hot words over their own automaton: substrings, bare call names, attribute call names. */
function hot(substrings: string[], bare: string[] = [], attributes: string[] = []): HotWords {
  return HotWords.over(new SubstringSet([...new Set([...substrings, ...bare, ...attributes])]), substrings, bare, attributes);
}

describe('partial parsing', () => {
  const body = (lines: string[]) => lines.join('\n') + '\n';

  it('stubs definitions without hot words, keeping names at their offsets', () => {
    const text = body([
      'import pickle',
      '',
      '@decorator(1)',
      'def quiet(a, b=2):',
      '    """No finding here."""',
      '    return a + b',
      '',
      'def loud(blob):',
      '    return pickle.loads(blob)',
    ]);
    const partial = partialText(text, hot([], [], ['loads']), 0)!;
    assert.ok(partial, 'something to leave out');
    const at = text.indexOf('def quiet');
    assert.equal(partial.text.slice(at, at + 'def quiet():0'.length), 'def quiet():0', 'stub where the keyword was');
    assert.equal(partial.text.slice(text.indexOf('@decorator'), at).trim(), '', 'decorators blanked');
    assert.ok(partial.text.includes('def loud(blob):\n    return pickle.loads(blob)'), 'the hot definition is whole');
    // The ranges leave out the decorators and what follows the stub, and nothing else.
    const included = partial.ranges.map((r) => partial.text.slice(r.startIndex, r.endIndex)).join('');
    assert.ok(!included.includes('No finding'));
    assert.ok(included.includes('def quiet():0\n'));
    const second = partial.ranges[1];
    assert.deepEqual(second.startPosition, { row: 3, column: 0 });
  });

  it('keeps class headers (base classes matter) with a placeholder body', () => {
    const text = body([
      'from flask import Flask',
      '',
      'class Server(Flask):',
      '    """Docs."""',
      '    x = 1',
      '',
      'Server(__name__).run(debug=True)',
    ]);
    const partial = partialText(text, hot(['debug']), 0)!;
    assert.ok(partial.text.includes('class Server(Flask):\n    0'), partial.text);
    assert.ok(!partial.text.includes('x = 1'));
  });

  it('keeps definitions that hold a hot word, however deep, and stubs the cold ones inside them', () => {
    const text = body([
      'class Tests:',
      '    def test_a(self):',
      '        return 1',
      '',
      '    def test_b(self):',
      '        return eval(self.src)',
      '',
      '    def test_c(self):',
      '        return re.compile(x)',
    ]);
    const partial = partialText(text, hot([], ['eval', 'compile']), 0)!;
    assert.ok(partial.text.includes('def test_a():0'));
    assert.ok(partial.text.includes('return eval(self.src)'));
    // `re.compile` is not the builtin `compile` a bare-name rule wants.
    assert.ok(partial.text.includes('def test_c():0'));
  });

  it('follows names that carry a hot value or alias a wanted function', () => {
    const text = body([
      'import pickle',
      'KEY = "DEBUG"',
      'load = pickle.loads',
      'other = 3',
      '',
      'def uses_key(app):',
      '    app.config[KEY] = True',
      '',
      'def uses_alias(blob):',
      '    return load(blob)',
      '',
      'def uses_other():',
      '    return other',
    ]);
    const partial = partialText(text, hot(['DEBUG'], [], ['loads']), 0)!;
    assert.ok(partial.text.includes('app.config[KEY] = True'), 'KEY is assigned from a statement holding DEBUG');
    assert.ok(partial.text.includes('return load(blob)'), 'load aliases pickle.loads');
    assert.ok(partial.text.includes('def uses_other():0'));
  });

  it('keeps an attribute call of a dotted function only when its object can resolve to that function', () => {
    const text = body([
      'import re, json',
      'import numpy as np',
      'from torch import hub as th',
      'import yaml',
      '',
      'def uses_re(p):',
      '    return re.compile(p)',
      '',
      'def uses_json(p):',
      '    return json . load(p)',
      '',
      'def uses_self(p):',
      '    return self.np.load(p)',
      '',
      'def uses_alias(p):',
      '    return np.load(p, allow_pickle=True)',
      '',
      'def uses_hub(p):',
      '    return th.load(p)',
      '',
      'def chained(p):',
      '    m = np',
      '    n = m',
      '    return n.load(p)',
      '',
      'def dotted(p):',
      '    return torch . hub.load(p)',
      '',
      'def via_call(p):',
      '    return get_module().load(p)',
      '',
      'def via_subscript(p):',
      '    return modules["yaml"].load(p)',
      '',
      'def via_chained_calls(p):',
      '    return kwargs.get("a", {}).get("b").load(p)',
      '',
      'def instance_call(p):',
      '    return flask.Flask("a(b)", f(")")).run(p)',
      '',
      'def grouped(p):',
      '    return (np).load(p)',
      '',
      'def split(p):',
      '    return (yaml  # the object is on the line above',
      '            .load(p))',
      '',
      'def passed_on(p):',
      '    x = wrap(np)',
      '    return x.load(p)',
      '',
      'def continued(p):',
      '    m = \\',
      '        np',
      '    return m.load(p)',
      '',
      'def other_module(p):',
      '    from torch import nn',
      '    return nn.load(p)',
      '',
      'def module_alias(p):',
      '    import torch.hub as hub2; h = torch.hub',
      '    return hub2.load(p), h.load(p)',
      '',
      'def instance(p):',
      '    app = flask.Flask(__name__)',
      '    return app.run(p)',
      '',
      'def other_instance(p):',
      '    bp = flask.Blueprint(__name__)',
      '    return bp.run(p)',
      '',
      'def module_path(p):',
      '    return urllib.request.Request(p)',
      '',
      'def opens(p):',
      '    return urllib.request.urlopen(p)',
    ]);
    const functions = [
      'numpy.load',
      'torch.hub.load',
      'yaml.load',
      'builtins.compile',
      'flask.Flask().run',
      'requests.request',
      'urllib.request.urlopen',
    ];
    const roots = functions.flatMap((f) => dottedSegments(f));
    const words = HotWords.over(new SubstringSet([...new Set(roots)]), [], [], [], functions);
    const partial = partialText(text, words, 0)!;
    // `x = wrap(np)` makes x stand for what `wrap` returns, which nothing resolves.
    // `urllib.request` names a module, not the function `requests.request`. A call's value is
    // named by its function followed by `()` (`get_module()`, `kwargs.get().get()`), which no
    // function starts with; a subscript's has no name.
    for (const cold of [
      'uses_re',
      'uses_json',
      'uses_self',
      'passed_on',
      'other_module',
      'other_instance',
      'module_path',
      'via_call',
      'via_subscript',
      'via_chained_calls',
    ])
      assert.ok(partial.text.includes(`def ${cold}():0`), `${cold} is left out`);
    for (const kept of [
      'uses_alias',
      'uses_hub',
      'chained',
      'dotted',
      'instance_call',
      'grouped',
      'split',
      'continued',
      'module_alias',
      'instance',
      'opens',
    ]) {
      assert.ok(partial.text.includes(`def ${kept}(p):`), `${kept} is parsed`);
    }
    // A method (wanted on any object) is never checked for its object.
    const method = HotWords.over(new SubstringSet(['numpy', 'load']), [], ['load'], ['load'], ['numpy.load']);
    assert.ok(partialText(text, method, 0)!.text.includes('def uses_json(p):'));
  });

  it('gives the whole parse’s findings for dotted functions reached through aliases', async () => {
    const engine = await analyzer();
    const filler = Array.from({ length: 40 }, (_, i) => [
      '',
      `def filler_${i}(pattern):`,
      `    return re.compile(pattern).match("x" * ${i})`,
    ]).flat();
    const texts = [
      ['import re', 'import numpy as np', ...filler, '', 'def load(p):', '    return np.load(p, allow_pickle=True)'],
      ['import re', 'import numpy', 'NP = numpy', ...filler, '', 'def load(p):', '    m = NP', '    return m.load(p, allow_pickle=True)'],
      ['import re', 'from torch import hub as th', ...filler, '', 'def load(repo):', '    return th.load("pytorch/vision", "resnet50")'],
      ['import re', 'import yaml as y', ...filler, '', 'def load(f):', '    return (y', '            .load(f))'],
      ['import re', 'import builtins', 'b = builtins', ...filler, '', 'def run(src):', '    return b.compile(src, "f", "exec")'],
    ].map(body);
    for (const text of texts) {
      const { whole, partial, result } = partialAndWhole(engine, text, {});
      assert.ok(whole.length > 0, text);
      assert.ok((result.skippedUnits ?? 0) > 0, 'the fillers are left out');
      assert.deepEqual(partial, whole, text);
    }
  });

  it('counts a rule’s whole words only as whole identifiers, and carries them like substrings', () => {
    const text = body([
      'import requests',
      'OPTS = {"verify": False}',
      '',
      'def mode(ctx):',
      '    ctx.verify_mode = 2',
      '',
      'def keyword(u):',
      '    return requests.get(u, verify=False)',
      '',
      'def carried(u):',
      '    return requests.get(u, **OPTS)',
      '',
      'def prose(u):',
      '    """We verify nothing here."""',
    ]);
    const words = HotWords.over(new SubstringSet(['verify']), [], [], [], [], ['verify']);
    const partial = partialText(text, words, 0)!;
    assert.ok(partial.text.includes('def mode():0'), '`verify_mode` is not `verify`');
    assert.ok(partial.text.includes('verify=False'));
    assert.ok(partial.text.includes('**OPTS'), 'OPTS is assigned from a statement holding the word');
    assert.ok(partial.text.includes('We verify nothing'), 'prose counts too (it may be a string a rule reads)');
  });

  it('counts a setting only where a value goes by its name: keyword, assignment, quoted key', () => {
    const text = body([
      'import requests',
      '',
      'def called(x):',
      '    return verify(x) == verify',
      '',
      'def method(self):',
      '    self.verify(1)',
      '',
      'def keyword(u):',
      '    return requests.get(u, verify = False)',
      '',
      'def attribute(session):',
      '    session.verify \\',
      '        = False',
      '',
      'def key(u):',
      '    return requests.get(u, **{"verify": False})',
    ]);
    const words = HotWords.over(new SubstringSet(['verify']), [], [], [], [], [], ['verify']);
    const partial = partialText(text, words, 0)!;
    assert.ok(partial.text.includes('def called():0'), 'a call of a function named verify, and a comparison');
    assert.ok(partial.text.includes('def method():0'), 'a method named verify');
    for (const kept of ['verify = False)', 'session.verify', '{"verify": False}']) assert.ok(partial.text.includes(kept), kept);
    // Assigned where it is parsed, the name carries the value: every use of it counts then, in
    // the function that assigns it when a function does (its local), everywhere at module level.
    const local = partialText(text + body(['', 'def local(u):', '    verify = False', '    return fetch(u, verify)']), words, 0)!;
    assert.ok(local.text.includes('    verify = False\n    return fetch(u, verify)'));
    assert.ok(local.text.includes('def called():0'), 'another function’s `verify` is not that local');
    const global = partialText(text + body(['', 'verify = False']), words, 0)!;
    assert.ok(global.text.includes('return verify(x) == verify'));
    const declared = partialText(text + body(['', 'def local(u):', '    global verify', '    verify = False']), words, 0)!;
    assert.ok(declared.text.includes('return verify(x) == verify'), 'a `global` makes it the module’s');
    const fromClass = partialText(text + body(['', 'class Local:', '    verify = False']), words, 0)!;
    assert.ok(fromClass.text.includes('return verify(x) == verify'), 'a class attribute can be read anywhere');
  });

  it('leaves out large module-level statements nothing parsed reads', () => {
    const padding = (n: number) => Array.from({ length: n }, (_, i) => `'k${i}': 'value number ${i}'`).join(', ');
    const text = body([
      'import pickle',
      '"""A module docstring that mentions eval(src) and pickle.loads(blob) in prose, at length: ' + 'x'.repeat(300) + '"""',
      '"""Doctests: >>> f"{eval(src)}" looks like an f-string, but in a docstring it is prose; ' + 'x'.repeat(300) + '"""',
      `COLD_TABLE = {${padding(20)}}`,
      `HOT_TABLE = {${padding(20)}}`,
      `FIELD = f"{eval(src)}" + "${'y'.repeat(300)}"`,
      `CALLED = run({${padding(20)}}) or eval(src)`,
      `TOKEN_LIKE = "hf_${'a'.repeat(300)}"`,
      '',
      'def cold():',
      '    return COLD_TABLE',
      '',
      'def hot(blob):',
      '    return pickle.loads(blob), HOT_TABLE',
    ]);
    const words = hot(['hf_'], ['eval'], ['loads']);
    const partial = partialText(text, words, 0)!;
    const parsed = partial.ranges.map((r) => text.slice(r.startIndex, r.endIndex)).join('');
    assert.ok(!parsed.includes('A module docstring'), 'names in prose call nothing');
    assert.ok(!parsed.includes('Doctests'), 'an f-string written inside a docstring is prose');
    assert.ok(!parsed.includes('COLD_TABLE = {'), 'read only in a left-out definition');
    assert.ok(parsed.includes('HOT_TABLE = {'), 'read in a parsed definition');
    assert.ok(parsed.includes('FIELD = f"{eval(src)}"'), 'an f-string field is code');
    assert.ok(parsed.includes('CALLED = run('), 'a hot call');
    assert.ok(parsed.includes('TOKEN_LIKE = "hf_'), 'a substring counts in a string');
    assert.equal(partial.text.length, text.length);
    assert.ok(!partial.text.includes('A module docstring'), 'blanked for text searches too');
  });

  it('reads assignment targets and aliases from code only', () => {
    const line = (source: string) => ({ start: 0, end: source.length });
    assert.deepEqual(assignedNames('a, b = c = f(x)  # not d = e', line('a, b = c = f(x)  # not d = e')), ['a', 'b', 'a', 'b', 'c']);
    // Attributes and subscripted objects bind nothing; an index is over-approximated as a name.
    assert.deepEqual(assignedNames('self.x = obj[k] = 1', line('self.x = obj[k] = 1')), ['k']);
    assert.deepEqual(assignedNames('if x == 1 and y <= 2: pass', line('if x == 1 and y <= 2: pass')), []);
    assert.deepEqual(assignedNames('print("use it as the value")', line('print("use it as the value")')), []);
    assert.deepEqual(assignedNames('with open(p) as fh, lock as l:', line('with open(p) as fh, lock as l:')), ['fh', 'l']);
    assert.deepEqual(assignedNames('for i, (k, v) in items:', line('for i, (k, v) in items:')), ['i', 'k', 'v']);
    const wanted = (name: string) => name === 'loads';
    assert.deepEqual(aliasNames('from pickle import loads as l, dumps as d', line('from pickle import loads as l, dumps as d'), wanted), [
      'l',
    ]);
    assert.deepEqual(aliasNames('f = g = pickle.loads', line('f = g = pickle.loads'), wanted), ['f', 'f', 'g']);
    assert.deepEqual(aliasNames('f = pickle.loads(data)', line('f = pickle.loads(data)'), wanted), [], 'a call result is no alias');
  });

  it('is not fooled by definitions inside strings or brackets', () => {
    const text = body([
      'DOC = """',
      'def not_a_function():',
      '    pass',
      '"""',
      'items = [',
      'def_value for def_value in range(3)',
      ']',
      'def real():',
      '    return 1',
    ]);
    const partial = partialText(text, hot(['never']), 0)!;
    assert.ok(partial.text.includes('def not_a_function():\n    pass'), 'the string is untouched');
    assert.ok(partial.text.includes('def real():0'));
  });

  it('leaves definitions with suppression comments, or with walrus bindings outside their body, in', () => {
    const text = body([
      'def a(xs):',
      '    return [y := x for x in xs]',
      '',
      'def b():',
      '    return 1  # mlsec: ignore[MLS101] fine',
      '',
      'def c(limit=(n := 3)):',
      '    return limit',
      '',
      '@register(k := 1)',
      'def d():',
      '    return 2',
    ]);
    const words = HotWords.over(new SubstringSet(['mlsec', ':=']), ['mlsec', ':='], [], []);
    const partial = partialText(text, words, 0)!;
    assert.ok(partial.text.includes('def a():0'), 'a walrus in a body binds the function’s own names');
    assert.ok(partial.text.includes('# mlsec: ignore'));
    assert.ok(partial.text.includes('n := 3'), 'a default value is evaluated where the function is defined');
    assert.ok(partial.text.includes('k := 1'), 'so is a decorator');
  });

  it('leaves a `global x` in when x is used where the text is parsed', () => {
    const words = hot(['secret']);
    const used = body(['def set_x():', '    global x', '    x = 1', '', 'def read():', '    return x, "secret"']);
    assert.ok(partialText(used, words, 0)!.text.includes('global x'), 'x is read in a parsed function');
    const unused = body([
      'def set_x():',
      '    global x, y',
      '    x = 1',
      '',
      'def read():',
      '    return "secret"',
      '',
      'def other():',
      '    return x',
    ]);
    const partial = partialText(unused, words, 0)!;
    assert.ok(!partial.text.includes('global'), 'x is only used in skipped functions');
    assert.ok(partial.text.includes('def set_x():0') && partial.text.includes('def other():0'));
    // A declaration that cannot be read keeps its function.
    const split = body(['def set_x():', '    global \\', '        x', '    x = 1', '', 'def read():', '    return "secret"']);
    assert.ok(partialText(split, words, 0)!.text.includes('global'));
  });

  it('counts imports made inside left-out definitions', () => {
    const text = body([
      'def setup():',
      '    import requests, numpy.linalg as la',
      '    from torch.hub import load',
      '    from . import local',
      '',
    ]);
    const partial = partialText(text, hot(['never']), 0)!;
    assert.deepEqual(partial.imports.sort(), ['numpy', 'requests', 'torch']);
  });

  it('gives the whole parse’s findings, also across definitions and with syntax errors elsewhere', async () => {
    const engine = await analyzer();
    const texts = [
      body([
        'import requests',
        'OPTS = {"verify": False}',
        '',
        'def quiet():',
        '    return 1',
        '',
        'def fetch(url):',
        '    return requests.get(url, **OPTS)',
      ]),
      body(['from pickle import loads as l', '', 'def a():', '    return [x for x in range(3)]', '', 'def b(blob):', '    return l(blob)']),
      body(['import torch', '', 'def broken(:', '    pass', '', 'def load(p):', '    return torch.load(p)']),
      body(['import flask', '', 'class Server(flask.Flask):', '    pass', '', 'def main():', '    Server(__name__).run(debug=True)']),
      body([
        'import pickle',
        'loader = pickle.loads',
        '',
        'def reset(make):',
        '    global loader',
        '    loader = make()',
        '',
        'def use(blob):',
        '    return loader(blob)',
      ]),
      body([
        'import pickle',
        '',
        'def reset():',
        '    global loader',
        '    loader = pickle.loads',
        '',
        'def use(blob):',
        '    return loader(blob)',
      ]),
      body([
        'import pickle',
        'loader = pickle.loads',
        '',
        'def other(x=(loader := make())):',
        '    return x',
        '',
        'def use(blob):',
        '    return loader(blob)',
      ]),
      body([
        'import pickle',
        'loader = pickle.loads',
        '',
        'def other(xs):',
        '    return [loader := x for x in xs]',
        '',
        'def use(blob):',
        '    return loader(blob)',
      ]),
      // MLS501: a credential reaches a sink by keyword, by `**`, by the environment.
      body([
        'import wandb, os',
        'KEY = "a1b2c3d4e5f6g7h8"',
        '',
        'def other(key):',
        '    return {key: 1}',
        '',
        'def login():',
        '    wandb.login(key=KEY)',
      ]),
      body([
        'import openai, os',
        '',
        'def setup():',
        '    creds = {"api_key": "sk1a2b3c4d5e6f7g8"}',
        '    return openai.OpenAI(**creds)',
        '',
        'def env():',
        '    os.environ["HF_TOKEN"] = "hfa1b2c3d4e5f6g7"',
      ]),
      // Large module-level statements, read in parsed code or not.
      body([
        'import pickle',
        `TABLE = {${Array.from({ length: 30 }, (_, i) => `"k${i}": ${i}`).join(', ')}}`,
        `"""${'Docs. '.repeat(60)}"""`,
        `BLOB = b"${'z'.repeat(300)}"`,
        '',
        'def load():',
        '    return pickle.loads(BLOB), TABLE',
      ]),
      body([
        'import requests',
        `OPTS = {"verify": False, ${Array.from({ length: 30 }, (_, i) => `"k${i}": ${i}`).join(', ')}}`,
        '',
        'def get(u):',
        '    return requests.get(u, **OPTS)',
      ]),
      // MLS205: the certificate check through a context, but not `verify_mode` alone.
      body([
        'import ssl',
        '',
        'def mode(ctx):',
        '    ctx.verify_mode = ssl.CERT_REQUIRED',
        '',
        'def off():',
        '    ctx = ssl.create_default_context()',
        '    ctx.check_hostname = False',
        '    ctx.verify_mode = ssl.CERT_NONE',
      ]),
    ];
    // Saved to the folder it loads from: a local model, no finding (a word read across the file).
    const quiet = [
      body([
        'from transformers import AutoModel',
        '',
        'def save(m):',
        '    m.save_pretrained("org/model")',
        '',
        'def load():',
        '    return AutoModel.from_pretrained("org/model")',
      ]),
    ];
    for (const text of [...texts, ...quiet]) {
      const { whole, partial } = partialAndWhole(engine, text);
      assert.ok(whole.length > 0 || quiet.includes(text), `a finding to keep in\n${text}`);
      assert.deepEqual(partial, whole, text);
    }
  });
  it('leaves a text with no hot position unparsed, which the unoptimised analysis finds nothing in', async () => {
    const engine = await analyzer();
    const filler = Array.from({ length: 40 }, (_, i) => `def helper_${i}(x):\n    y = x + ${i}\n    return y * 2\n`).join('\n');
    // The prefilter's gate lets MLS301 through (`builtins` is imported, `.compile` is an
    // attribute), but `re.compile` cannot be the builtin: nothing is hot.
    const quiet = `from builtins import str as _str\nimport re\nPATTERN = re.compile("x")\n${filler}`;
    const loud = `${quiet}\ndef run(source):\n    return compile(source, "f", "exec")\n`;
    const words = hot([], ['compile'], ['loads']);
    assert.equal(partialPlan(quiet, words, 0).hotless, true);
    assert.equal(partialPlan(loud, words, 0).hotless, false);
    assert.equal(partialPlan(body(['import pickle', 'x = pickle.loads(blob)']), words, 0).hotless, false, 'a module statement');
    const skipped = engine.analyzePython(quiet);
    assert.equal(skipped.parsed, false);
    assert.deepEqual(engine.analyzePython(quiet, { prefilter: false }).findings, []);
    assert.equal(engine.analyzePython(quiet, { force: true }).parsed, true, 'a workspace scan still learns the imports');
    const found = engine.analyzePython(loud);
    assert.equal(found.parsed, true);
    assert.deepEqual(
      found.findings.map((f) => f.code),
      engine.analyzePython(loud, { prefilter: false }).findings.map((f) => f.code),
    );
    assert.ok(found.findings.some((f) => f.code === 'MLS301'));
  });
  it('follows a name carried in a function into the functions it holds, not into others', () => {
    const words = HotWords.over(new SubstringSet(['verify']), [], [], [], [], [], ['verify']);
    const text = body([
      'def outer(u):',
      '    verify = False',
      '    def inner():',
      '        return fetch(u, verify)',
      '    return inner',
      '',
      'def other(x):',
      '    return check(x, verify)',
    ]);
    const partial = partialText(text, words, 0)!;
    assert.ok(partial.text.includes('        return fetch(u, verify)'), 'a closure reads the local');
    assert.ok(partial.text.includes('def other():0'), 'another function does not');
  });

  it('takes a bare name imported from another module for no dotted function of that name', async () => {
    const rule = ALL_RULES.find((r) => r.code === 'MLS302')!;
    const index = buildIndex([rule]);
    const filler = Array.from({ length: 40 }, (_, i) => `def helper_${i}(x):\n    y = x + ${i}\n    return y * 2\n`).join('\n');
    const plan = (imports: string, call: string) => {
      const text = `import subprocess\nimport os\n${imports}\n${filler}\ndef serve(cmd):\n    ${call}\n    return os.getcwd()\n`;
      const source = new SourceText(text);
      const applicable = applicableRules(source, index);
      return applicable && partialPlanFor(source, applicable, index, 0);
    };
    const other = plan('from server_start import run', 'run(cmd, shell=True)');
    assert.ok(other?.hotless, '`run` of another module');
    for (const [imports, call] of [
      ['from subprocess import run', 'run(cmd, shell=True)'],
      ['from subprocess import run as go', 'go(cmd, shell=True)'],
      ['from subprocess import (\n    run,\n)', 'run(cmd, shell=True)'],
    ]) {
      const kept = plan(imports, call);
      assert.ok(kept && !kept.hotless && kept.partial?.text.includes(call), `${imports}: ${call}`);
    }
    const engine = await analyzer();
    for (const imports of ['from server_start import run', 'from subprocess import run']) {
      const text = `import subprocess\n${imports}\n${filler}\ndef serve(cmd):\n    run(cmd, shell=True)\n`;
      assert.deepEqual(
        engine.analyzePython(text).findings.map((f) => f.code),
        engine.analyzePython(text, { prefilter: false }).findings.map((f) => f.code),
        imports,
      );
    }
  });

  it('does not keep a method for its name when it is named like a rule’s function', async () => {
    const rule = ALL_RULES.find((r) => r.code === 'MLS301')!;
    const index = buildIndex([rule]);
    const body = Array.from({ length: 40 }, (_, i) => `        step_${i} = source + "${i}"`).join('\n');
    const text = `class Compiler:\n    def compile(self, source):\n${body}\n        return step_0\n\ndef run(code):\n    exec(code)\n`;
    const source = new SourceText(text);
    const applicable = applicableRules(source, index);
    const partial = applicable && partialPlanFor(source, applicable, index, 0)?.partial;
    assert.ok(partial, 'the file is parsed in part');
    assert.ok(partial.text.includes('    exec(code)'), 'the builtin call is kept');
    assert.ok(!partial.text.includes('step_39'), 'the method `compile` is left out');
    const engine = await analyzer();
    assert.deepEqual(
      engine.analyzePython(text).findings.map((f) => `${f.code}:${f.range.start.line}`),
      engine.analyzePython(text, { prefilter: false }).findings.map((f) => `${f.code}:${f.range.start.line}`),
    );
  });
});
