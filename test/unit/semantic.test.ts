/** The semantic layer: imports and aliases, qualified names, constants, shadowing, scopes. */
import * as assert from 'node:assert/strict';
import type { Node } from '../../server/src/engine/parser';
import { PythonParser } from '../../server/src/engine/parser';
import { SemanticModel, stringLiteralValue } from '../../server/src/engine/semantic';

async function model(source: string): Promise<SemanticModel> {
  const parser = await PythonParser.get();
  return new SemanticModel(parser.parse(source));
}

/** Qualified names of every call's callee, in order. */
function callees(m: SemanticModel): Array<string | undefined> {
  return m.calls.map((call) => m.qualifiedName(call.childForFieldName('function') as Node));
}

describe('semantic model', () => {
  it('resolves module aliases and from-imports', async () => {
    const m = await model(
      [
        'import torch as T',
        'import torch.hub',
        'from pickle import load as l',
        'from yaml import load, Loader',
        'T.load(p)',
        'torch.hub.load(x)',
        'l(f)',
        'load(s, Loader)',
      ].join('\n'),
    );
    assert.deepEqual(callees(m), ['torch.load', 'torch.hub.load', 'pickle.load', 'yaml.load']);
  });

  it('resolves dotted imports with aliases', async () => {
    const m = await model('import tensorflow.keras.models as km\nkm.load_model(p)\n');
    assert.deepEqual(callees(m), ['tensorflow.keras.models.load_model']);
  });

  it('follows simple aliases of functions and modules', async () => {
    const m = await model('import pickle\nloader = pickle.load\nmod = pickle\nloader(f)\nmod.loads(b)\n');
    assert.deepEqual(callees(m), ['pickle.load', 'pickle.loads']);
  });

  it('names the result of a call as an instance', async () => {
    const m = await model('from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n');
    assert.deepEqual(callees(m), ['flask.Flask', 'flask.Flask().run']);
  });

  it('treats local definitions and parameters as shadowing the library', async () => {
    const m = await model(
      [
        'import pickle',
        'def f(pickle):',
        '    pickle.load(x)',
        'class yaml:',
        '    pass',
        'yaml.load(s)',
        'def load(x):',
        '    return x',
        'load(1)',
      ].join('\n'),
    );
    assert.deepEqual(callees(m), [undefined, undefined, undefined]);
  });

  it('uses the binding in effect at the call', async () => {
    const m = await model('import json as pickle\npickle.load(f)\nimport pickle\npickle.load(f)\n');
    assert.deepEqual(callees(m), ['json.load', 'pickle.load']);
  });

  it('sees module imports from inside functions and honours global', async () => {
    const m = await model(
      ['def g():', '    return torch.load(p)', 'import torch', 'def h():', '    global torch', '    torch = None'].join('\n'),
    );
    assert.deepEqual(callees(m), ['torch.load']);
  });

  it('binds names where a function imports them, including `import os.path`', async () => {
    const m = await model(
      [
        'import pickle',
        'def f():',
        '    import os.path',
        '    os.system(c)',
        '    pickle = make()',
        '    pickle.load(x)',
        'pickle.load(y)',
      ].join('\n'),
    );
    assert.deepEqual(callees(m), ['os.system', 'make', 'make().load', 'pickle.load']);
  });

  it('finds scopes inside compound statements, lambdas and decorated definitions', async () => {
    const m = await model(
      [
        'import pickle',
        'if True:',
        '    def f(pickle):',
        '        return pickle.load(a)',
        'g = lambda pickle: pickle.load(b)',
        '@decorate(pickle.load)',
        'class C:',
        '    def m(self, h=lambda pickle: pickle.load(c)):',
        '        return pickle.load(d)',
      ].join('\n'),
    );
    assert.deepEqual(callees(m), [undefined, undefined, 'decorate', undefined, 'pickle.load']);
    const text = m.text;
    assert.equal(m.scopePathAt(text.indexOf('pickle.load(d)')), 'C.m');
    assert.equal(m.scopePathAt(text.indexOf('pickle.load(c)')), 'C.m.<lambda>');
    assert.equal(m.scopePathAt(text.indexOf('@decorate')), '');
  });

  it('gives the same answers whatever order names are looked up in', async () => {
    const source = [
      'import torch',
      'def f(x):',
      '    global torch',
      '    torch = x',
      'def g():',
      '    torch = None',
      '    return torch',
      'torch.load(p)',
    ].join('\n');
    const first = await model(source);
    const second = await model(source);
    const useAt = source.lastIndexOf('torch.load');
    // One model resolves the module-level use first, the other after reading g's bindings.
    const a = first.lookup('torch', useAt);
    second.lookup('torch', source.indexOf('return torch') + 7);
    const b = second.lookup('torch', useAt);
    assert.equal(a?.kind, b?.kind);
    assert.equal(a?.node.startIndex, b?.node.startIndex);
  });

  it('does not let class attributes leak into methods', async () => {
    const m = await model(
      ['import pickle', 'class A:', '    pickle = None', '    def m(self):', '        return pickle.load(f)'].join('\n'),
    );
    assert.deepEqual(callees(m), ['pickle.load']);
  });

  it('ignores relative imports', async () => {
    const m = await model('from .utils import load\nload(x)\n');
    assert.deepEqual(callees(m), [undefined]);
  });

  it('propagates module and function constants', async () => {
    const m = await model(['FLAG = False', 'def f():', '    local = True', '    g(a=FLAG, b=local, c=other)'].join('\n'));
    const call = m.calls[m.calls.length - 1];
    const values = call.childForFieldName('arguments')!.namedChildren.map((arg) => m.constantValue(arg!.childForFieldName('value')));
    assert.equal(values[0]?.kind, 'bool');
    assert.equal(values[0]?.value, false);
    assert.equal(values[0]?.definedAt?.text, 'FLAG');
    assert.equal(values[1]?.value, true);
    assert.equal(values[2], undefined);
  });

  it('evaluates strings, concatenations and dict literals', async () => {
    const m = await model('A = "http://" "host"\nB = {"trust_remote_code": True}\nC = f"x{y}"\nD = r"\\d"\nE = -3\n');
    const value = (name: string) => m.constantValue(m.module.bindings.get(name)![0].value);
    assert.deepEqual([value('A')?.kind, value('A')?.value], ['str', 'http://host']);
    assert.equal(value('B')?.kind, 'dict');
    assert.equal(value('C'), undefined);
    assert.equal(value('D')?.value, '\\d');
    assert.equal(value('E')?.value, -3);
  });

  it('reads plain string literal values', async () => {
    const parser = await PythonParser.get();
    const tree = parser.parse('x = "a\\tb"\ny = f"{z}"\n');
    const strings = tree.rootNode.descendantsOfType('string').filter((n): n is Node => !!n);
    assert.equal(stringLiteralValue(strings[0]), 'a\tb');
    assert.equal(stringLiteralValue(strings[1]), undefined);
    tree.delete();
  });

  it('lists imported packages', async () => {
    const m = await model('import torch.nn as nn\nfrom art.attacks import FGSM\nimport shap\n');
    assert.deepEqual(m.importedPackages(), ['art', 'shap', 'torch']);
  });

  it('keeps working past syntax errors', async () => {
    const m = await model('import torch\ndef broken(:\n    pass\ntorch.load(p)\n');
    assert.ok(callees(m).includes('torch.load'));
  });
});
