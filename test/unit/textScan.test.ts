/**
 * The prefilter's text scans: each may over-approximate (say "maybe" for a file without a
 * finding), never under-approximate. The soundness test at the end checks the whole prefilter
 * against a run without it on every fixture, corpus and example file.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SourceText, SubstringSet, containsIdentifier, inImportStatement, literalRuns } from '../../server/src/engine/textScan';
import type { AnalysisOptions } from '../../server/src/engine/pipeline/analyzer';
import { analyzer } from '../support/engine';
import { resolveSelection } from '../../server/src/engine/config/selection';
import { wordsOf } from '../../server/src/engine/perf/ruleWords';
import { ALL_RULES } from '../../server/src/rules/index';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

describe('text scans', () => {
  it('finds whole identifiers only', () => {
    assert.equal(containsIdentifier('x = os.system(cmd)', 'os'), true);
    assert.equal(containsIdentifier('pos = close(post)', 'os'), false);
    assert.equal(containsIdentifier('os', 'os'), true);
    assert.equal(containsIdentifier('é_os', 'os'), false, 'non-ASCII letters continue identifiers');
  });

  it('tokenizes string literals: prefixes, triple quotes, escapes, comments, adjacent parts', () => {
    const text = [
      `a = 'one' # it's a comment with "quotes"`,
      `b = rb"two\\"x"`,
      `c = """three`,
      `lines"""`,
      `d = ("four"`,
      `     'five')`,
      `e = 'unclosed`,
      `f = "six"`,
    ].join('\n');
    // Adjacent literals (`d`) are one run; Python joins them into one value.
    const literals = literalRuns(text).map((run) => [run.map((l) => l.body).join(''), run.some((l) => l.escaped)]);
    assert.deepEqual(literals, [
      ['one', false],
      ['two\\"x', true],
      ['three\nlines', false],
      ['fourfive', false],
      ['unclosed', false],
      ['six', false],
    ]);
  });

  it('tells code from comments and strings, keeping f-string interpolations as code', () => {
    const text = `"""eval(x) in a docstring"""\n# eval(y)\nz = f"{eval(w)}"\nq = 'eval(v)'\neval(u)\n`;
    const source = new SourceText(text);
    const offsets = [...source.identifiers('eval')].map((at) => text.slice(at, at + 7));
    assert.deepEqual(offsets, ['eval(w)', 'eval(u)']);
    assert.equal(new SourceText('"pickle"  # pickle').hasIdentifier('pickle'), false);
    assert.equal(new SourceText('import pickle').hasIdentifier('pickle'), true);
  });

  it('reads the text between an f-string’s fields as prose, and its fields as code', () => {
    const code = (text: string, word: string) => new SourceText(text).isCode(text.indexOf(word));
    // A model card written as an f-string: its sample code is text, its fields are code.
    const card = `card = f"""\nfrom_pretrained("org/model", trust_remote_code=True)\n{eval(x)} {{eval}} {d['}']} tail {y:>{w}}\n"""\n`;
    assert.equal(code(card, 'from_pretrained'), false);
    assert.equal(code(card, 'trust_remote_code'), false);
    assert.equal(code(card, 'eval(x)'), true);
    assert.equal(code(card, 'eval}}'), false, '{{ and }} are text');
    assert.equal(code(card, 'd['), true, 'a field with a brace in a string');
    assert.equal(code(card, 'tail'), false);
    assert.equal(code(card, 'w}'), true, 'a field nested in a format spec');
    assert.equal(code(card, 'card'), true);
    // A backslash escapes no brace; a field that does not close, or a lone `}`, leaves the rest code.
    assert.equal(code('x = rf"\\{eval(a)}"\n', 'eval'), true);
    assert.equal(code('x = f"\\N{BULLET} eval"\n', 'eval'), false);
    assert.equal(code('x = f"head {a[0} eval"\n', 'eval'), true);
    assert.equal(code('x = f"head } eval"\n', 'eval'), true);
    assert.equal(code('x = f"head } eval"\n', 'head'), false);
    // A text part starting with `#` is no comment.
    const hashed = 'url = f"# http://{host}/model.bin"\n';
    assert.equal(new SourceText(hashed).inComment(hashed.indexOf('http')), false);
    assert.equal(new SourceText(hashed).includesOutsideComments('http://'), true);
  });

  it('tells comments from strings and code', () => {
    const text = 'x = "http://a"  # http://b\ny = f"{u}http://c" + \'#\'\n# z\n';
    const source = new SourceText(text);
    const inComment = (word: string) => source.inComment(text.indexOf(word));
    assert.deepEqual(['http://a', 'http://b', 'http://c', '# z', "'#'", 'y ='].map(inComment), [false, true, false, true, false, false]);
    assert.equal(source.includesOutsideComments('http://b'), false);
    assert.equal(source.includesOutsideComments('http://'), true);
    assert.equal(new SourceText('# http://x\nimport os\n').includesOutsideComments('http://'), false);
  });

  it('knows import statements, including parenthesised ones', () => {
    const text = 'from os import (\n    path,\n    system,\n)\nsystem("x")\nimport pickle as p\n';
    assert.equal(inImportStatement(text, text.indexOf('system')), true);
    assert.equal(inImportStatement(text, text.indexOf('system("x")')), false);
    assert.equal(inImportStatement(text, text.indexOf('pickle')), true);
  });

  it('shares occurrences and prose with a copy that has parts left out, keeping only what is still written', () => {
    const text = 'import pickle\n"pickle in prose"\ndef cold():\n    return pickle.loads(b)\npickle.loads(a)\n';
    const coldStart = text.indexOf('def cold');
    const coldEnd = text.indexOf('pickle.loads(a)');
    const stub = 'def cold():0';
    const partial = text.slice(0, coldStart) + stub + ' '.repeat(coldEnd - coldStart - stub.length) + text.slice(coldEnd);
    assert.equal(partial.length, text.length);
    const all = [...text.matchAll(/\bpickle\b/g)].map((m) => m.index!);
    for (const prefiltered of [true, false]) {
      const source = new SourceText(text);
      if (prefiltered) source.noteOccurrences(new Map([['pickle', 0]]), [all]);
      assert.equal([...source.identifiers('pickle')].length, 3, 'import, the cold call, the kept call');
      const view = source.withPartsLeftOut(partial);
      assert.equal(view.text, partial);
      assert.deepEqual([...view.identifiers('pickle')], [text.indexOf('pickle'), coldEnd], `prefiltered: ${prefiltered}`);
      assert.equal(view.hasIdentifier('cold'), true, 'the stub still names the definition');
      assert.equal(view.hasIdentifier('loads'), true);
    }
  });

  it('finds every occurrence of every string, overlapping and nested ones too, as a naive search does', () => {
    // A small fixed generator: the same strings and texts on every run.
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const word = (alphabet: string, length: number): string => Array.from({ length }, () => alphabet[random(alphabet.length)]).join('');
    // Small alphabets make overlapping and nested occurrences; every printable ASCII character
    // with up to 80 strings makes a large automaton with many failure links.
    const printable = Array.from({ length: 95 }, (_, k) => String.fromCharCode(32 + k)).join('');
    const alphabets = ['ab', 'abc._', printable];
    for (let round = 0; round < 60; round++) {
      const alphabet = alphabets[round % 3];
      const strings = [...new Set(Array.from({ length: 1 + random(alphabet.length > 10 ? 80 : 12) }, () => word(alphabet, 1 + random(5))))];
      // Characters in no string too: another ASCII letter, a non-ASCII one, a line break.
      const text = word(alphabet + 'zé\n', alphabet.length > 10 ? 2000 : 200);
      const set = new SubstringSet(strings);
      const found: string[] = [];
      set.forEach(text, (index, start) => found.push(`${strings[index]}@${start}`));
      const expected: string[] = [];
      strings.forEach((s) => {
        for (let at = text.indexOf(s); at >= 0; at = text.indexOf(s, at + 1)) expected.push(`${s}@${at}`);
      });
      const context = `strings ${JSON.stringify(strings)} in ${JSON.stringify(text)}`;
      assert.deepEqual(found.sort(), expected.sort(), context);
      // The prefilter's pass finds the same occurrences, and marks whole identifiers as such.
      const seen = new Uint8Array(strings.length);
      const isWord = new Uint8Array(strings.length).fill(1);
      const identifiers: Array<number[] | undefined> = new Array(strings.length);
      const hits: number[] = [];
      set.scan(text, seen, isWord, identifiers, hits);
      const scanned: string[] = [];
      for (let k = 0; k < hits.length; k += 2) scanned.push(`${strings[hits[k]]}@${hits[k + 1]}`);
      assert.deepEqual(scanned.sort(), expected.sort(), context);
      strings.forEach((s, index) => {
        assert.equal(seen[index], text.includes(s) ? 1 : 0, context);
        const whole = expected
          .filter((e) => e.slice(0, e.lastIndexOf('@')) === s)
          .map((e) => Number(e.slice(e.lastIndexOf('@') + 1)))
          .filter((at) => !/[\w\u0080-\uffff]/.test(text[at - 1] ?? ' ') && !/[\w\u0080-\uffff]/.test(text[at + s.length] ?? ' '));
        assert.deepEqual(
          (identifiers[index] ?? []).sort((a, b) => a - b),
          whole.sort((a, b) => a - b),
          `${s}: ${context}`,
        );
      });
    }
    assert.throws(() => new SubstringSet(['café']), /not ASCII/);
  });
});

describe('prefilter soundness', () => {
  const files = [FIXTURES, CORPUS, path.join(REPO_ROOT, 'examples')].flatMap((dir) => filesUnder(dir, ['.py', '.ipynb']));

  it(`finds the same with and without the prefilter and partial parsing on ${files.length} files`, async () => {
    const engine = await analyzer();
    let findings = 0;
    let partial = 0;
    // A file a data-flow rule can fire in is parsed whole (RuleMatch.flows): the other rules are
    // also compared without them, so that partial parsing is exercised on those files too.
    const withoutFlows = resolveSelection(ALL_RULES, {
      ignore: ALL_RULES.filter((rule) => wordsOf(rule).dataFlow).map((rule) => rule.code),
    });
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const name = path.relative(REPO_ROOT, file);
      for (const selection of [undefined, withoutFlows]) {
        // Everything a user sees: message, range, fixes, related locations, fingerprint.
        const run = (options: AnalysisOptions) => {
          const given = { ...options, selection };
          const result = file.endsWith('.ipynb') ? engine.analyzeNotebookJson(text, given) : engine.analyzePython(text, given);
          if (result.skippedUnits) partial++;
          return result.findings.map((f) => JSON.stringify(f));
        };
        const whole = run({ prefilter: false });
        assert.deepEqual(run({}), whole, `${name}: the prefilter changed the findings`);
        // Partial parsing on every file, however little it would leave out.
        assert.deepEqual(run({ minSkipped: 0 }), whole, `${name}: partial parsing changed the findings`);
        if (!selection) findings += whole.length;
      }
    }
    assert.ok(findings > 100, `only ${findings} findings: the comparison would prove little`);
    assert.ok(partial > files.length / 2, `partial parsing was used on only ${partial} runs: the comparison would prove little`);
  });

  it('learns the same imports and findings with `force` (the workspace scan) as a whole parse does', async () => {
    const engine = await analyzer();
    let partial = 0;
    const texts = files.filter((file) => file.endsWith('.py')).map((file) => [file, fs.readFileSync(file, 'utf8')] as const);
    // A file no rule can fire in is parsed for its imports only; an import in a docstring of a
    // left-out definition imports nothing.
    const filler = Array.from(
      { length: 80 },
      (_, i) => `def f${i}(x):\n    """Usage: import copy"""\n    import json\n    return x\n`,
    ).join('');
    for (const [file, text] of [...texts, ['generated', `import os\n${filler}`] as const]) {
      const fast = engine.analyzePython(text, { force: true, minSkipped: 0 });
      const whole = engine.analyzePython(text, { force: true, prefilter: false });
      if (fast.skippedUnits) partial++;
      const name = path.relative(REPO_ROOT, file);
      assert.deepEqual(fast.imports, whole.imports, `${name}: imports`);
      assert.deepEqual(
        fast.findings.map((f) => JSON.stringify(f)),
        whole.findings.map((f) => JSON.stringify(f)),
        `${name}: findings`,
      );
    }
    assert.deepEqual(engine.analyzePython(`import os\n${filler}`, { force: true }).imports, ['json', 'os']);
    assert.ok(partial >= 5, `partial parsing was used on only ${partial} files`);
  });

  it('skips text where the common trigger words are only prose or other libraries', async () => {
    const engine = await analyzer();
    const skipped = [
      '"""Evaluate with eval(expr) or compile(src)."""\nimport re\npattern = re.compile("x")\n',
      'import platform\nprint(platform.system())  # not os.system\n',
      'def lookup(key, token):\n    return {"key": key}[token]\n',
      'import json\nDEBUG = True\nlog = json.loads(data)\n',
      'x = a[::2]\n',
      // A plain-HTTP URL only in the licence header's comment (MLS204 reports URLs in strings).
      '#     http://www.apache.org/licenses/LICENSE-2.0\nimport requests\nr = requests.get(url)\n',
      // Sample code in a model card written as an f-string.
      'def card(revision):\n    return f"""\nfrom transformers import AutoModel\nAutoModel.from_pretrained("org/model", revision="{revision}")\n"""\n',
      // A method named like a builtin defines it, and an import from another module is that module's.
      'from re import compile as re_compile\nclass Compiler:\n    def compile(self, src):\n        return re_compile(src)\n',
      'class exec:\n    pass\n',
    ];
    for (const text of skipped) assert.equal(engine.mayMatch(text), false, text);
    const kept = [
      'run = eval\nrun(data)\n',
      // The builtin called in a method of a class that also defines a method of that name.
      'class Compiler:\n    def compile(self, src):\n        return compile(src, "f", "exec")\n',
      'from builtins import compile as build\nbuild(src, "f", "exec")\n',
      'from os import (\n    system,\n)\nsystem(cmd)\n',
      'import pickle as p\np.loads(blob)\n',
      // No `pickle` in the text: a trigger list written by hand once missed this one.
      'import cPickle\ncPickle.loads(blob)\n',
      'import flask\napp = flask.Flask(__name__)\napp.run(debug=True)\n',
      'import requests\nrequests.get(url, **{"verify": False})\n',
      'from huggingface_hub import login\nlogin("hf_abcdefghijklmnopqrstuvwxyz0123456789")\n',
      'import waitress\nwaitress.serve(app, listen="*:8080")\n',
      '#     http://www.apache.org/licenses/LICENSE-2.0\nimport requests\nr = requests.get("http://example.org/model.bin")\n',
      'import requests\nr = requests.get(f"http://{host}/model.bin")  # over http://\n',
    ];
    for (const text of kept) assert.equal(engine.mayMatch(text), true, text);
  });
});
