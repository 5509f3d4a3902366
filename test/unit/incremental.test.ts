/**
 * Reuse across edits (engine/incremental.ts): after an edit inside a function no rule can fire
 * in, the editor moves the previous findings instead of recomputing them. Every check compares
 * with a fresh analysis of the same text, field by field.
 */
import * as assert from 'node:assert/strict';
import { EditSession } from '../../server/src/engine/pipeline/editSession';
import { analyzeSource } from '../../server/src/engine/pipeline/fileAnalysis';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalysisResult, Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { changeBetween } from '../../server/src/engine/perf/editReuse';
import { analyzer } from '../support/engine';
import { EditorDocument } from '../support/editorDocument';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';
import { random } from '../support/differential';

/**
 * Findings (every field) and imported packages, as a fresh analysis of the text gives them in the
 * editor: the whole text parsed (partial parsing, which the editor does not use, can read broken
 * text differently, the error being in a definition it leaves out).
 */
function same(engine: Analyzer, document: EditorDocument, where = ''): void {
  const fresh = engine.analyzePython(document.text, { keepTree: true });
  fresh.tree?.delete();
  const { result } = document;
  assert.deepEqual(
    result.findings.map((f) => JSON.stringify(f)),
    fresh.findings.map((f) => JSON.stringify(f)),
    where,
  );
  assert.deepEqual([...result.imports].sort(), [...fresh.imports].sort(), where);
}

describe('reuse across edits', () => {
  it('runs a data-flow rule again when a helper it reads through changes, though the helper holds none of its words', async () => {
    const engine = await analyzer();
    const text = [
      'from flask import Flask, request',
      'app = Flask(__name__)',
      '',
      'def tidy(value):',
      '    return value',
      '',
      '@app.post("/q")',
      'def query():',
      '    cur.execute("SELECT * FROM t WHERE name = \'" + tidy(request.args["n"]) + "\'")',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    try {
      const flows = () => document.result.findings.filter((f) => f.code === 'MLS305').length;
      assert.equal(flows(), 1);
      // The helper stops passing its argument through: the flow (and the finding) ends.
      const at = document.text.indexOf('return value') + 'return '.length;
      const result = document.edit(at, at + 'value'.length, '"x"');
      assert.notEqual(result.reused, 'moved');
      assert.equal(flows(), 0);
      same(engine, document, 'after the helper changed');
    } finally {
      document.dispose();
    }
  });

  it('finds the smallest change between two texts', () => {
    assert.equal(changeBetween('abc', 'abc'), undefined);
    assert.deepEqual(changeBetween('abcdef', 'abXdef'), { start: 2, oldEnd: 3, newEnd: 3 });
    assert.deepEqual(changeBetween('aaaa', 'aaaaa'), { start: 4, oldEnd: 4, newEnd: 5 });
    assert.deepEqual(changeBetween('abc', ''), { start: 0, oldEnd: 3, newEnd: 0 });
    const long = 'x = 1\n'.repeat(200);
    const edited = long.slice(0, 700) + 'y' + long.slice(700);
    assert.deepEqual(changeBetween(long, edited), { start: 700, oldEnd: 700, newEnd: 701 });
    assert.deepEqual(changeBetween(edited, long), { start: 700, oldEnd: 701, newEnd: 700 });
  });

  it('moves findings, related locations, fixes and suppressions over an edit in a quiet function', async () => {
    const engine = await analyzer();
    const text = [
      'import pickle',
      'import yaml',
      'URL = "http://models.example.com/a.bin"',
      '',
      'def quiet(values):',
      '    total = 0',
      '    for value in values:',
      '        total += value',
      '    return total',
      '',
      'def risky(blob, path):',
      '    config = yaml.load(open(path))  # mlsec: ignore[MLS106] trusted file in tests',
      '    return pickle.loads(blob), config',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    assert.ok(document.result.findings.length >= 2);
    assert.ok(document.result.findings.some((f) => f.suppression));
    const at = text.indexOf('total += value') + 'total'.length;
    assert.equal(document.edit(at, at, '_sum').reused, 'moved', 'an edit in a quiet function reuses');
    same(engine, document);
    const end = document.text.indexOf('\n', at);
    const added = '\n        total -= 0\n';
    assert.equal(document.edit(end, end, added).reused, 'moved', 'line breaks move the findings below');
    same(engine, document);
    assert.equal(document.edit(end, end + added.length, '').reused, 'moved');
    same(engine, document);
    document.dispose();
  });

  it('recomputes when the edit can matter', async () => {
    const engine = await analyzer();
    const text = [
      'import pickle',
      'load_blob = pickle.loads',
      '',
      'def quiet(values):',
      '    return sorted(values)',
      '',
      'def also_quiet(values):',
      '    values = list(values)',
      '    return values',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const inQuiet = document.text.indexOf('return sorted(values)') + 'return '.length;
    // Typing a call of an alias carried from a module-level statement, letter by letter.
    const typed = 'load_blob(values) or ';
    for (let i = 0; i < typed.length; i++) {
      document.edit(inQuiet + i, inQuiet + i, typed[i]);
      same(engine, document);
    }
    assert.ok(
      document.result.findings.some((f) => f.code === 'MLS101'),
      'the aliased pickle.loads call is found',
    );
    // The same in one edit from valid text to valid text: renaming a call to the alias.
    const call = document.text.indexOf('list(values)');
    assert.equal(
      document.edit(call, call + 'list'.length, 'load_blob').reused,
      'function',
      'a carried name makes the function analysed again',
    );
    same(engine, document);
    assert.equal(document.result.findings.filter((f) => f.code === 'MLS101').length, 2);
    // A rule's own word, a suppression comment, a `global`, an import, the function's header.
    document.edit(call, call + 'load_blob'.length, 'list');
    const inOther = () => document.text.indexOf('return values');
    assert.equal(document.edit(inOther(), inOther(), 'values.sort()\n    ').reused, 'moved', 'a quiet statement is reused');
    same(engine, document);
    const first = document.text.indexOf('values = list(values)');
    assert.equal(document.edit(first, first, 'values.reverse()\n    ').reused, 'moved', 'a quiet first statement is reused');
    same(engine, document);
    const cases: Array<[string, AnalysisResult['reused']]> = [
      ['pickle.loads(values)\n    ', 'function'],
      // The file's first suppression comment: MLS001 now runs, so the rules that can fire changed.
      ['# mlsec: ignore[MLS101] demo\n    ', undefined],
      ['global g\n    ', undefined],
      // A new alias changes which calls are looked at anywhere in the file.
      ['blob_loader = pickle.loads\n    ', undefined],
      ['blob_loader = pickle.loads\n    blob_loader = None\n    ', undefined],
      ['import collections\n    ', undefined],
      ['with open("m.pt", "wb") as f: torch.save(values, f)\n    ', 'function'],
    ];
    for (const [inserted, how] of cases) {
      const before = document.text;
      const result = document.edit(inOther(), inOther(), inserted);
      assert.equal(result.syntaxErrors, 0, inserted);
      assert.equal(result.reused, how, inserted);
      same(engine, document, inserted);
      document.edit(0, document.text.length, before);
    }
    // A header no rule can look at contributes its name, as before: moved (editedUnit.ts).
    const header = document.text.indexOf('also_quiet(values)') + 'also_quiet('.length;
    assert.equal(document.edit(header, header, 'more, ').reused, 'moved', 'a quiet header with the same name');
    same(engine, document);
    document.dispose();
  });

  it('re-uses edits of headers, decorators, classes, module-level statements, comments and blanks', async () => {
    const engine = await analyzer();
    const text = [
      '"""Training helpers."""',
      'import functools',
      'import pickle',
      'import torch',
      '',
      'ROOT = "/tmp/models"',
      'UNUSED_LIMIT = 10',
      '',
      '# Restores a checkpoint.',
      '@functools.lru_cache(maxsize=None)',
      'def restore(path, device="cpu"):',
      '    """Loads the checkpoint at path."""',
      '    return torch.load(path, map_location=device)',
      '',
      '',
      'class Head(torch.nn.Module):',
      '    """A head."""',
      '',
      '    @torch.no_grad()',
      '    def forward(self, x):',
      '        return pickle.loads(x)',
      '',
      '',
      '# Never pickle.loads what a user sent.',
      'def helper(values):',
      '    return sorted(values)',
      '',
      'print(helper([3, 1]))',
      'state = restore(ROOT)',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    assert.equal(document.result.findings.filter((f) => f.code !== 'MLS001').length >= 2, true, 'the file has findings to move');
    const lineEnd = (line: string) => document.text.indexOf(line) + line.length;
    const after = (what: string) => document.text.indexOf(what) + what.length;
    const cases: Array<[string, () => number, string, AnalysisResult['reused'], string | undefined]> = [
      // [what, where, typed, how, unit]
      // Blanks in a header: the header's calls run again (none here hold a word: moved).
      ['space after a def header', () => lineEnd('def restore(path, device="cpu"):'), ' ', 'moved', 'blank'],
      ['a parameter renamed', () => after('def restore(path'), '_', 'function', 'function'],
      ['a function renamed, the name used elsewhere', () => after('def restore'), '_', undefined, undefined],
      ['a quiet function renamed, the name used elsewhere', () => after('def helper'), 's', undefined, undefined],
      ['a decorator edited', () => after('@functools.lru_cache(maxsize='), 'None or ', 'function', 'function'],
      ['a method decorator edited', () => after('@torch.no_grad('), ' ', 'function', 'function'],
      ['space after a class header', () => lineEnd('class Head(torch.nn.Module):'), ' ', 'function', 'blank'],
      ['a class renamed, the name unused', () => after('class Head'), 'X', 'function', 'class'],
      ['a base class edited', () => after('class Head(torch.nn.'), 'X', 'function', 'class'],
      ['a docstring edited', () => after('"""Loads'), 'x', 'function', 'function'],
      // Module-level statements: what their names lead to runs again (moduleStatement.ts), unless
      // they hold a rule's word or make a call (rules may read those without declaring it).
      ['the module docstring edited', () => after('"""Training'), 'x', 'function', 'statement'],
      ['space after an import', () => lineEnd('import pickle'), ' ', 'function', 'blank'],
      // The import a finding's call resolves through: that function runs again (the finding goes).
      ['an import edited', () => after('import pickle'), 'x', 'function', 'statement'],
      ["an import of a rule's package edited", () => after('import torch'), 'x', 'function', 'statement'],
      ['a quiet import edited', () => after('import functools'), 'x', 'function', 'statement'],
      ['a constant renamed, unused elsewhere', () => after('UNUSED_LIMIT'), 'S', 'function', 'statement'],
      ['a constant renamed, used elsewhere', () => after('ROOT'), 'S', 'function', 'statement'],
      ['a module-level call edited', () => after('print(helper([3'), ', 4', undefined, undefined],
      ['space after a module-level assignment', () => lineEnd('UNUSED_LIMIT = 10'), ' ', 'function', 'blank'],
      ['a comment edited', () => after('# Restores'), ' old', 'function', 'comment'],
      ['a suppression typed in a comment', () => after('# Restores'), ' mlsec', undefined, undefined],
      ['space after a comment', () => lineEnd('# Restores a checkpoint.'), ' ', 'function', 'comment'],
      // A comment holding a rule's word: blanks leave its words, and the file rules run again.
      ['space after a comment holding a rule word', () => lineEnd('# Never pickle.loads what a user sent.'), ' ', 'function', 'comment'],
      ['a rule word edited in a comment', () => after('# Never pickle.loads'), 'x', undefined, undefined],
      ['space on a blank line', () => document.text.indexOf('\n\n\nclass') + 1, '  ', 'function', 'blank'],
      // After a function's last token the blank is between two statements of the module.
      ['space at the end of a quiet function', () => lineEnd('return sorted(values)'), ' ', 'function', 'blank'],
      ['space inside a quiet function', () => lineEnd('def helper(values):'), ' ', 'moved', 'blank'],
      ['typing at the end of a quiet function', () => lineEnd('return sorted(values)'), '[:2]', 'moved', 'function'],
    ];
    for (const [what, where, typed, how, unit] of cases) {
      const at = where();
      const result = document.edit(at, at, typed);
      assert.equal(result.syntaxErrors, 0, what);
      assert.equal(result.reused, how, what);
      assert.equal(result.reusedUnit, unit, what);
      same(engine, document, what);
      // And back, which reuses as well when the edit did.
      const undo = document.edit(at, at + typed.length, '');
      if (how === 'moved' || how === 'function') assert.ok(undo.reused, `undoing ${what}`);
      same(engine, document, `undoing ${what}`);
    }
    // Blanks removed from a comment's end are its text as well (the comment ends where they were).
    const end = lineEnd('# Never pickle.loads what a user sent.');
    assert.equal(document.edit(end, end, '  ').reusedUnit, 'comment');
    assert.equal(document.edit(end, end + 2, '').reusedUnit, 'comment', "blanks removed from a comment's end");
    same(engine, document, "blanks removed from a comment's end");
    document.dispose();
  });

  it("runs a long signature's calls again after blanks in it (after a comment too), and moves its body's findings", async () => {
    const engine = await analyzer();
    const text = [
      'import requests',
      'import torch',
      '',
      '',
      'def restore(',
      '    path,',
      '    index=requests.get("https://example.org/i.json", verify=False),',
      '    device="cpu",  # where the weights go',
      '):',
      '    weights = torch.load(path, map_location=device)',
      '    return weights, index',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const codes = () => document.result.findings.map((f) => f.code).filter((c) => c !== 'MLS001');
    assert.deepEqual(codes().sort(), ['MLS102', 'MLS205'], 'a finding in the signature and one in the body');
    // The last line ends with a comment: blanks typed after it are the comment's text, no token.
    for (const line of [
      '    path,',
      '    index=requests.get("https://example.org/i.json", verify=False),',
      '):',
      '# where the weights go',
    ]) {
      const at = document.text.indexOf(line) + line.length;
      const result = document.edit(at, at, '  ');
      assert.equal(result.reused, 'function', line);
      assert.equal(result.reusedUnit, 'blank', line);
      same(engine, document, `blanks after ${line}`);
      assert.ok(document.edit(at, at + 2, '').reused, `undoing blanks after ${line}`);
      same(engine, document, `undoing blanks after ${line}`);
    }
    assert.deepEqual(codes().sort(), ['MLS102', 'MLS205']);
    document.dispose();
  });

  it('runs a module statement spanning lines again after blanks inside it', async () => {
    const engine = await analyzer();
    const text = [
      'import requests',
      '',
      'r = requests.get(',
      '    "https://example.org/i.json",',
      '    verify=False,',
      ')',
      'x = 1',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    assert.deepEqual(
      document.result.findings.map((f) => f.code).filter((c) => c !== 'MLS001'),
      ['MLS205'],
    );
    for (const line of ['r = requests.get(', '    "https://example.org/i.json",', '    verify=False,']) {
      const at = document.text.indexOf(line) + line.length;
      const result = document.edit(at, at, ' ');
      assert.equal(result.reused, 'function', line);
      assert.equal(result.reusedUnit, 'blank', line);
      // The call's text (its message and fix) holds the blank: the statement ran again.
      same(engine, document, `a space after ${line}`);
      assert.ok(document.edit(at, at + 1, '').reused, `undoing a space after ${line}`);
      same(engine, document, `undoing a space after ${line}`);
    }
    document.dispose();
  });

  it('refuses a unit whose edit can reach the rest of the file', async () => {
    const engine = await analyzer();
    const text = [
      'import torch',
      'from flask import Flask',
      '',
      'def quiet(values, limit=10):',
      '    return sorted(values)[:limit]',
      '',
      'def load(path):',
      '    return torch.load(path)',
      '',
      'class Server(Flask):',
      '    pass',
      '',
      'app = Server(__name__)',
      'app.run(host="0.0.0.0")',
      'x = 1',
      'z = max(1,',
      '        2)',
      'y = 2  \\',
      '    + 3',
      'MESSAGE = """a text',
      'that goes on"""',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const after = (what: string) => document.text.indexOf(what) + what.length;
    const cases: Array<[string, () => number, string]> = [
      // `:=` in a default binds in the module.
      ['an assignment expression in a default', () => after('limit='), '(load := 10) or '],
      // A module-level statement making a call, or holding a rule's word.
      ['a module-level call edited', () => after('app.run(host="0.0.0.0"'), ', port=1'],
      ['a module-level assignment of a call edited', () => after('app = Server('), 'None or '],
      // Blanks inside a string are its text, not blanks.
      ['space inside a string', () => after('a text'), ' '],
      ['global in a function', () => after('def quiet(values, limit=10):\n'), '    global x\n'],
      // The bases of a class used elsewhere decide a finding there (Server().run()).
      ['a base class changed, the class used elsewhere', () => after('class Server(Fl'), 'x'],
    ];
    for (const [what, where, typed] of cases) {
      const at = where();
      const result = document.edit(at, at, typed);
      assert.equal(result.syntaxErrors, 0, what);
      assert.notEqual(result.reusedUnit, 'blank', what);
      if (what !== 'space inside a string') assert.equal(result.reused, undefined, what);
      same(engine, document, what);
      document.edit(at, at + typed.length, '');
      same(engine, document, `undoing ${what}`);
    }
    document.dispose();
  });

  it('analyses the whole file when an edited function holds words a rule reads across the file', async () => {
    const engine = await analyzer();
    const text = [
      'from transformers import AutoModel',
      '',
      'def load():',
      '    return AutoModel.from_pretrained("acme/sentiment-model")',
      '',
      'def train(model):',
      '    model.fit()',
      '    return model',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    assert.equal(document.result.findings.filter((f) => f.code === 'MLS202').length, 1);
    // Saving to that name makes it a local directory: the finding in `load` goes away (MLS202's fileContext).
    const at = document.text.indexOf('return model');
    const result = document.edit(at, at, 'model.save_pretrained("acme/sentiment-model")\n    ');
    assert.equal(result.reused, undefined);
    assert.equal(result.findings.filter((f) => f.code === 'MLS202').length, 0);
    same(engine, document);
    document.dispose();
  });

  // Random edits (characters that open strings, comments, brackets and blocks, line breaks,
  // deletions, rule words) applied one after the other on every fixture, corpus and example file.
  const files = [FIXTURES, CORPUS, path.join(REPO_ROOT, 'examples')].flatMap((dir) => filesUnder(dir, ['.py']));
  it(`finds what a fresh analysis finds after random edits of ${files.length} files`, async () => {
    const engine = await analyzer();
    const next = random(20261201);
    const pieces = [
      '_',
      'x',
      'a1',
      ' ',
      '\n',
      '\n    ',
      '(',
      ')',
      '"',
      "'",
      '#',
      ':',
      '=',
      '.',
      ',',
      'pickle.loads(b)',
      'eval(s)',
      'mlsec',
      'global q',
      'yaml',
      'http://x',
    ];
    let edits = 0;
    const reused = { moved: 0, function: 0 };
    for (const file of [...files, 'generated']) {
      const original = file === 'generated' ? trainingCode(12) : fs.readFileSync(file, 'utf8');
      const document = new EditorDocument(engine, original);
      // Mostly inside indented lines (function bodies), where reuse can apply.
      const indented = [...original.matchAll(/\n( {4,}|\t+)\S/g)].map((m) => m.index + m[0].length - 1);
      // Line ends, and the lines of headers, decorators and comments (editedUnit.ts's units).
      const structural = [
        ...[...original.matchAll(/\n/g)].map((m) => m.index),
        ...[...original.matchAll(/^[ \t]*(?:def |class |async def |@|#)/gm)].map((m) => m.index + m[0].length),
      ];
      for (let step = 0; step < (file === 'generated' ? 250 : 15); step++) {
        // Back to the file after a syntax error and now and then, so edits do not pile up into noise.
        if (document.result.syntaxErrors > 0 || next() < 0.2) document.edit(0, document.text.length, original);
        const text = document.text;
        const where = next();
        const at =
          indented.length > 0 && where < 0.6
            ? Math.min(text.length, indented[Math.floor(next() * indented.length)] + Math.floor(next() * 12))
            : structural.length > 0 && where < 0.85
              ? Math.min(text.length, structural[Math.floor(next() * structural.length)] + Math.floor(next() * 8))
              : Math.floor(next() * text.length);
        const remove = next() < 0.3 ? Math.min(text.length - at, 1 + Math.floor(next() * 3)) : 0;
        const inserted = remove > 0 && next() < 0.5 ? '' : pieces[Math.floor(next() * pieces.length)];
        const result = document.edit(at, at + remove, inserted);
        edits++;
        if (result.reused) reused[result.reused]++;
        // The trigger counts the prefilter keeps up to date, against a count from scratch.
        const counted = engine.analyzePython(document.text, { keepTree: true });
        counted.tree?.delete();
        assert.deepEqual(
          [...(result.memo?.triggerCounts ?? [])],
          [...(counted.memo?.triggerCounts ?? [])],
          `trigger counts after edit ${step}`,
        );
        // So are the names followed to find calls, and where aliases of them are made.
        if (result.syntaxErrors === 0) assert.deepEqual(result.memo?.called, counted.memo?.called, `names followed after edit ${step}`);
        // Broken text too: it is parsed from scratch (tree-sitter's incremental error recovery can differ).
        same(
          engine,
          document,
          `${file === 'generated' ? file : path.relative(REPO_ROOT, file)}, edit ${step} (${result.reused ?? 'recomputed'}): [${at}, ${at + remove}) -> ${JSON.stringify(inserted)}`,
        );
      }
      document.dispose();
    }
    assert.ok(
      reused.moved >= 60 && reused.function >= 60,
      `only ${reused.moved} + ${reused.function} of ${edits} edits reused the previous analysis: the comparison would prove little`,
    );
  }).timeout(120000); // seconds of CPU on a loaded machine: a budget for mocha, not a timed assertion
});

describe('reuse across edits in broken code', () => {
  // Random edits that break the code and leave it broken (brackets, quotes, colons, indentation,
  // line continuations), applied one after the other: after every one, the editor's result (the
  // edited tree re-parsed incrementally, the previous analysis reused where it can be) must be a
  // fresh analysis's, syntax errors or not.
  const files = [FIXTURES, CORPUS, path.join(REPO_ROOT, 'examples')].flatMap((dir) => filesUnder(dir, ['.py']));
  it(`finds what a fresh analysis finds after random breaking edits of ${files.length} files`, async () => {
    const engine = await analyzer();
    const next = random(Number(process.env.MLSEC_FUZZ_SEED ?? 3));
    const pieces = [
      '(',
      ')',
      '[',
      ']',
      '{',
      '}',
      '"',
      "'",
      '"""',
      "'''",
      ':',
      '\\\n',
      '\n',
      '\n    ',
      '    ',
      '\t',
      '#',
      ',',
      '=',
      'torch.load(p)',
      'pickle.loads(b)',
      'def f(',
      'class C:',
      'if x:',
      'lambda',
      ' ',
    ];
    let edits = 0;
    let broken = 0;
    let compared = 0;
    const steps = Number(process.env.MLSEC_FUZZ_STEPS ?? 25);
    for (const file of [...files, 'generated']) {
      const original = file === 'generated' ? trainingCode(6) : fs.readFileSync(file, 'utf8');
      const document = new EditorDocument(engine, original);
      for (let step = 0; step < steps; step++) {
        if (next() < 0.03) document.edit(0, document.text.length, original);
        const text = document.text;
        const at = Math.floor(next() * text.length);
        const remove = next() < 0.4 ? Math.min(text.length - at, 1 + Math.floor(next() * 4)) : 0;
        const inserted = remove > 0 && next() < 0.5 ? '' : pieces[Math.floor(next() * pieces.length)];
        const result = document.edit(at, at + remove, inserted);
        edits++;
        if (result.syntaxErrors > 0) broken++;
        const where = `${file === 'generated' ? file : path.relative(REPO_ROOT, file)}, edit ${step} (${result.reused ?? 'recomputed'}): [${at}, ${at + remove}) -> ${JSON.stringify(inserted)}`;
        same(engine, document, where);
        compared += result.findings.length;
      }
      document.dispose();
    }
    assert.ok(compared >= 500, `only ${compared} findings compared`);
    assert.ok(broken >= edits / 2, `only ${broken} of ${edits} edits left broken code: the test would prove little about it`);
  }).timeout(120000); // seconds of CPU on a loaded machine: a budget for mocha, not a timed assertion
});

/** Training code with quiet functions around a few risky ones (as scripts/bench-editor.mjs makes). */
function trainingCode(blocks: number): string {
  const out = ['import json', 'import pickle', 'import torch', 'from torch import nn', 'CHECKPOINTS = "http://example.com/ckpt"', ''];
  for (let i = 0; i < blocks; i++) {
    out.push(
      `class Block${i}(nn.Module):`,
      '    def __init__(self, width=128):',
      '        super().__init__()',
      '        self.fc = nn.Linear(width, width)',
      '',
      '    def forward(self, x):',
      '        return x + torch.relu(self.fc(x))',
      '',
      `def train_${i}(model, loader, optimizer):`,
      '    total = 0.0',
      '    for features, labels in loader:',
      '        loss = nn.functional.cross_entropy(model(features), labels)',
      '        loss.backward()',
      '        optimizer.step()',
      '        total += loss.item()',
      '    return total',
      '',
    );
    if (i % 5 === 1) out.push(`def restore_${i}(path):`, '    return torch.load(path)', '');
    if (i % 5 === 3) out.push(`def fetch_${i}(name):`, '    return pickle.loads(open(CHECKPOINTS + name, "rb").read())', '');
  }
  return out.join('\n') + '\n';
}

describe('reuse across edits of module statements and handler decorators', () => {
  /** Types `typed` at `at` (then undoes it): both must equal fresh analyses; returns the codes and messages after typing. */
  const typeAndUndo = (engine: Analyzer, document: EditorDocument, at: number, typed: string, what: string, replaced = 0) => {
    const old = document.text.slice(at, at + replaced);
    const result = document.edit(at, at + replaced, typed);
    assert.equal(result.syntaxErrors, 0, what);
    same(engine, document, what);
    const found = result.findings.map((f) => `${f.code} ${f.message}`);
    document.edit(at, at + typed.length, old);
    same(engine, document, `undoing ${what}`);
    return { found, how: result.reusedUnit };
  };

  it('drops a finding when an import alias is renamed so that the call no longer resolves to torch.load', async () => {
    const engine = await analyzer();
    const text = ['import torch as T', 'import json', '', 'def restore(path):', '    return T.load(path)', ''].join('\n');
    const document = new EditorDocument(engine, text);
    assert.equal(document.result.findings.filter((f) => f.code === 'MLS102').length, 1);
    const { found } = typeAndUndo(engine, document, text.indexOf(' as T') + 5, 'T', 'the alias renamed');
    assert.equal(found.filter((f) => f.startsWith('MLS102')).length, 0, 'T.load no longer names torch.load');
    assert.equal(document.result.findings.filter((f) => f.code === 'MLS102').length, 1, 'and back');
    // A quiet import renamed to the alias's name shadows nothing: the finding stays, found again.
    const quiet = typeAndUndo(engine, document, text.indexOf('import json') + 'import json'.length, ' as T', 'another import bound to T');
    assert.equal(quiet.found.filter((f) => f.startsWith('MLS102')).length, 0, 'T is json now, bound after torch');
    document.dispose();
  });

  it('finds again what the choices= of an option in another function decided (MLS302, MLS306)', async () => {
    const engine = await analyzer();
    const padding = Array.from({ length: 30 }, (_, i) => `def pad_${i}(rows):\n    return sum(len(r) for r in rows)\n`).join('\n');
    for (const [code, sink] of [
      ['MLS302', 'os.system(f"torchrun --backend {args.backend}")'],
      ['MLS306', 'sqlite3.connect("a.db").execute(f"SELECT * FROM runs WHERE backend = {args.backend}")'],
    ]) {
      const text = [
        'import argparse',
        'import os',
        'import sqlite3',
        '',
        '',
        'def make_parser():',
        '    p = argparse.ArgumentParser()',
        '    p.add_argument("--backend", choices=("nccl", "gloo"))',
        '    return p',
        '',
        '',
        padding,
        '',
        'def main():',
        '    args = make_parser().parse_args()',
        `    ${sink}`,
        '',
      ].join('\n');
      const document = new EditorDocument(engine, text);
      assert.equal(document.result.findings.filter((f) => f.code === code).length, 0, `${code}: the option is one of two constants`);
      const at = text.indexOf('choices=("nccl", "gloo")');
      document.edit(at, at + 'choices=("nccl", "gloo")'.length, 'default="nccl"');
      same(engine, document, `${code}: choices= removed`);
      assert.equal(document.result.findings.filter((f) => f.code === code).length, 1, `${code}: any value now`);
      document.dispose();
    }
  });

  it('finds again what a changed module constant decides, through the names that lead to it', async () => {
    const engine = await analyzer();
    const text = [
      'import torch',
      'FLAG = True',
      'SAFE = FLAG',
      'UNRELATED = 3',
      '',
      'def restore(path):',
      '    return torch.load(path, weights_only=SAFE)',
      '',
      'def other(path):',
      '    return torch.load(path, weights_only=True)',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    assert.equal(document.result.findings.length, 0);
    const direct = typeAndUndo(engine, document, text.indexOf('FLAG = True') + 'FLAG = '.length, 'False', 'the constant changed', 4);
    assert.equal(direct.how, 'statement', 'analysed as a module statement');
    assert.equal(direct.found.filter((f) => f.startsWith('MLS102')).length, 1, 'weights_only=SAFE is False now');
    const renamed = typeAndUndo(engine, document, text.indexOf('SAFE = FLAG') + 4, '2', 'the constant renamed');
    assert.equal(renamed.how, 'statement');
    assert.equal(document.result.findings.length, 0);
    const far = typeAndUndo(engine, document, text.indexOf('UNRELATED = 3') + 'UNRELATED = 3'.length, '0', 'an unrelated constant');
    assert.equal(far.how, 'statement');
    document.dispose();
  });

  it('finds again what a decorator making a function a request handler decides, in the function and the helpers it calls', async () => {
    const engine = await analyzer();
    const text = [
      'from flask import Flask',
      'import subprocess',
      'app = Flask(__name__)',
      '',
      'def execute(command):',
      '    return subprocess.run(command, shell=True)',
      '',
      'def run(cmd):',
      '    return execute(cmd)',
      '',
      'def direct(cmd):',
      '    return subprocess.run(cmd, shell=True)',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const before = document.result.findings.map((f) => f.message);
    assert.equal(before.length, 2);
    assert.ok(
      before.every((m) => !m.includes('request')),
      'no request data yet',
    );
    for (const name of ['run', 'direct']) {
      const at = text.indexOf(`def ${name}(`);
      const { found } = typeAndUndo(engine, document, at, `@app.route("/${name}/<cmd>")\n`, `${name} made a handler`);
      // The request reaches the shell in `direct` (the helper `execute` is not followed from a route's parameter).
      if (name === 'direct') assert.equal(found.filter((f) => f.includes('request parameter')).length, 1, `${name}: request data`);
    }
    // A handler's decorator removed, then typed again (the undo).
    const decorator = '@app.route("/direct/<cmd>")\n';
    const handler = text.replace('def direct', `${decorator}def direct`);
    const second = new EditorDocument(engine, handler);
    assert.equal(second.result.findings.filter((f) => f.message.includes('request parameter')).length, 1);
    const { found } = typeAndUndo(engine, second, handler.indexOf(decorator), '', 'the route decorator removed', decorator.length);
    assert.equal(found.filter((f) => f.includes('request parameter')).length, 0);
    assert.equal(second.result.findings.filter((f) => f.message.includes('request parameter')).length, 1, 'and typed again');
    second.dispose();
    document.dispose();
  });

  it("finds again what an alias read in a handler's annotations decides (a BentoML file parameter)", async () => {
    const engine = await analyzer();
    const padding = Array.from({ length: 30 }, (_, i) => `def pad_${i}(rows):\n    return sum(len(r) for r in rows)\n`).join('\n');
    const text = [
      'from pathlib import Path',
      'from typing import Annotated',
      'import bentoml',
      '',
      'Image = Annotated[Path, "image/*"]',
      '',
      padding,
      '',
      '@bentoml.service',
      'class Detector:',
      '    def __init__(self) -> None:',
      '        self.model = bentoml.models.get("yolo:latest")',
      '',
      '    @bentoml.api',
      '    def detect(self, images: list[Image]) -> list:',
      '        return self.model.predict(source=images)',
      '',
    ].join('\n');
    const document = new EditorDocument(engine, text);
    const stored = document.result.findings.filter((f) => f.code === 'MLS801').length;
    // `Imageq = ...`: `Image` names nothing now, and `images` is request data as the caller sent it.
    const { found } = typeAndUndo(engine, document, text.indexOf('Image = ') + 'Image'.length, 'q', 'the alias renamed');
    assert.equal(found.filter((f) => f.startsWith('MLS801')).length, stored + 1, 'the parameter is no stored file any more');
    const value = typeAndUndo(engine, document, text.indexOf('[Path, ') + 'Path'.length + 1, 'q', "the alias's value changed");
    assert.equal(value.found.filter((f) => f.startsWith('MLS801')).length, stored + 1);
    document.dispose();
  });
});

describe('the edit after a broken one', () => {
  it('starts from the last analysis without a syntax error, and equals a fresh analysis', async () => {
    const engine = await analyzer();
    let text = [
      'import pickle',
      'import torch',
      '',
      'def restore(path):',
      '    return torch.load(path)',
      '',
      'def helper(values):',
      '    return sorted(values)',
      '',
    ].join('\n');
    const session = new EditSession();
    const run = () => analyzeSource(engine, { text, session }, engine.defaultSelection);
    const fresh = () => {
      const result = engine.analyzePython(text, { keepTree: true });
      result.tree?.delete();
      return result.findings.map((f) => JSON.stringify(f));
    };
    const edit = (start: number, end: number, inserted: string) => {
      session.edit(text, start, end, inserted);
      text = text.slice(0, start) + inserted + text.slice(end);
      const result = run();
      assert.deepEqual(
        result.findings.map((f) => JSON.stringify(f)),
        fresh(),
        JSON.stringify(text.slice(Math.max(0, start - 10), start + 10)),
      );
      return result;
    };
    assert.equal(run().findings.filter((f) => f.code === 'MLS102').length, 1);
    // `def` typed into `def_`: broken; then undone: the text of the last good analysis.
    const at = text.indexOf('def helper') + 3;
    const broken = edit(at, at, '_');
    assert.ok(broken.syntaxErrors > 0);
    assert.equal(edit(at, at + 1, '').reused, 'moved', 'the undo takes the last good findings');
    // Broken again, then repaired differently: the last good analysis brought to the new text.
    const end = text.indexOf('sorted(values)') + 'sorted(values)'.length;
    assert.ok(edit(end, end, '(').syntaxErrors > 0);
    const repaired = edit(end, end + 1, '[0]');
    assert.equal(repaired.syntaxErrors, 0);
    assert.ok(repaired.reused, 'an edit of a quiet function, from the last good analysis');
    // A broken edit in the function with the finding, then undone.
    const inLoad = text.indexOf('torch.load(path)') + 'torch.load('.length;
    assert.ok(edit(inLoad, inLoad, '(').syntaxErrors > 0);
    assert.equal(edit(inLoad, inLoad + 1, '').findings.filter((f) => f.code === 'MLS102').length, 1);
    session.drop();
  });
});
