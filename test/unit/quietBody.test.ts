/**
 * Statements left out of parsed functions (perf/quietBody.ts): which ones, what replaces them,
 * that the findings are those of a whole parse, and that a rule reading whole functions
 * (RuleMatch.readsFunction) needs its declaration.
 */
import * as assert from 'node:assert/strict';
import { HotWords, partialText } from '../../server/src/engine/perf/partialParse';
import type { PartialText } from '../../server/src/engine/perf/partialParse';
import { boundNames } from '../../server/src/engine/perf/quietBody';
import { logicalLines } from '../../server/src/engine/perf/partialParse';
import { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { applicableRules, buildIndex, partialFor } from '../../server/src/engine/pipeline/prefilter';
import { SourceText, SubstringSet } from '../../server/src/engine/textScan';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer, partialAndWhole } from '../support/engine';

const body = (lines: string[]) => lines.join('\n') + '\n';

/** Hot words: substrings and attribute call names. */
function hot(substrings: string[], attributes: string[] = []): HotWords {
  return HotWords.over(new SubstringSet([...new Set([...substrings, ...attributes])]), substrings, [], attributes);
}

/** The text tree-sitter reads: the included ranges, joined. */
function parsed(partial: PartialText): string {
  return partial.ranges.map((r) => partial.text.slice(r.startIndex, r.endIndex)).join('');
}

describe('statements left out of parsed functions', () => {
  it('keeps the hot statement and what binds the names it reads, and leaves a `0` for each run of the rest', () => {
    const text = body([
      'from transformers import AutoModel',
      '',
      'def test_load(self):',
      '    """Loads the model."""',
      '    device = "cpu"',
      '    name = PREFIX + "model"',
      '    unused = compute(device)',
      '    model = AutoModel.from_pretrained(name)',
      '    model.to(device)',
      '    out = model(inputs)',
      '    assert out.shape == (1, 2)',
    ]);
    const partial = partialText(text, hot([], ['from_pretrained']), 0)!;
    const read = parsed(partial);
    assert.ok(read.includes('    name = PREFIX + "model"\n'), read);
    assert.ok(read.includes('    model = AutoModel.from_pretrained(name)\n'), read);
    for (const gone of ['Loads the model', 'device = "cpu"', 'unused', 'model.to', 'out = model', 'assert'])
      assert.ok(!read.includes(gone), gone);
    // Three runs, each a `0` at the indentation of its first statement.
    assert.equal(read.match(/^ {4}0$/gm)?.length, 3, read);
    assert.equal(partial.text.length, text.length, 'offsets are kept');
    assert.equal(partial.text.indexOf('model = AutoModel'), text.indexOf('model = AutoModel'));
  });

  it('follows bindings through the statements it keeps, and keeps every binding of a name read', () => {
    const text = body([
      'def load():',
      '    base = "org"',
      '    name = base + "/model"',
      '    other = 3',
      '    for name in names:',
      '        pass',
      '    with open(p) as name, q as (a, b):',
      '        pass',
      '    try:',
      '        pass',
      '    except E as name:',
      '        pass',
      '    name: str',
      '    del name',
      '    import name',
      '    self.name = 1',
      '    return hub.from_pretrained(name)',
    ]);
    const read = parsed(partialText(text, hot([], ['from_pretrained']), 0)!);
    for (const kept of [
      'base = "org"',
      'name = base',
      'for name in names',
      'as name, q as',
      'except E as name',
      'name: str',
      'del name',
      'import name',
    ])
      assert.ok(read.includes(kept), `${kept} kept:\n${read}`);
    // `other` is read by nothing kept; `self.name = 1` binds no name.
    assert.ok(!read.includes('other = 3'), read);
    assert.ok(!read.includes('self.name'), read);
  });

  it('keeps compound statements’ headers around hot statements and leaves out the rest of their clauses', () => {
    const text = body([
      'def load(flag):',
      '    if flag:',
      '        x = 1',
      '        m = hub.from_pretrained("org/model")',
      '    elif other:',
      '        y = 2',
      '    else:',
      '        z = 3',
      '    match flag:',
      '        case 1:',
      '            q = hub.from_pretrained("org/a")',
      '        case _:',
      '            q = 2',
    ]);
    const read = parsed(partialText(text, hot([], ['from_pretrained']), 0)!);
    for (const kept of ['    if flag:\n', '    elif other:\n', '    else:\n', 'm = hub.from_pretrained', 'case _:', 'q = 2'])
      assert.ok(read.includes(kept), `${kept}:\n${read}`);
    for (const gone of ['x = 1', 'y = 2', 'z = 3']) assert.ok(!read.includes(gone), `${gone}:\n${read}`);
  });

  it('keeps only the headers around a statement kept deep in a loop, and exits as their keyword', () => {
    const text = body([
      'def train(args):',
      '    for epoch in range(args.epochs):',
      '        model.train()',
      '        for step, batch in enumerate(loader):',
      '            loss = model(batch).loss',
      '            weights = hub.from_pretrained(name)',
      '            if loss is None:',
      '                name = "org/model"',
      '                return compute_a_long_summary_of(loss, batch, epoch, step, and_more_arguments_here)',
      '            optimizer.step()',
      '    return evaluate(model, loader)',
    ]);
    const read = parsed(partialText(text, hot([], ['from_pretrained']), 0)!);
    // `loss = ...` binds what the kept `if` reads.
    for (const kept of [
      'for epoch in range(args.epochs):',
      'for step, batch in enumerate(loader):',
      'weights = hub',
      'if loss is None:',
      'name = "org/model"',
      'loss = model',
    ])
      assert.ok(read.includes(kept), `${kept}:\n${read}`);
    for (const gone of ['model.train()', 'optimizer.step', 'compute_a_long', 'evaluate('])
      assert.ok(!read.includes(gone), `${gone}:\n${read}`);
    // The exits stay, as their keyword: where a branch returns decides which bindings reach what follows.
    assert.equal(read.match(/^ +return$/gm)?.length, 2, read);
  });

  it('keeps the uses of a response for MLS204, which reads the whole function (a probe is no download)', async () => {
    const engine = await analyzer();
    const text = body([
      'import requests',
      '',
      'def read_body(host):',
      '    reply = requests.get(f"http://{host}/labels.json")',
      '    unrelated = 1',
      '    if reply.status_code != 200:',
      '        return None',
      '    return reply.json()',
    ]);
    assert.deepEqual(
      engine.analyzePython(text, { minSkipped: 0 }).findings.map((f) => f.code),
      ['MLS204'],
    );
  });

  it('keeps a function whole only where a rule reading it can fire there', async () => {
    const engine = await analyzer();
    const index = buildIndex(ALL_RULES);
    /** What the batch scan parses of `text` (all rules, every run however small). */
    const read = (text: string) => {
      const source = new SourceText(text);
      const applicable = applicableRules(source, index)!;
      return parsed(partialFor(source, applicable, index, 0)!);
    };
    const cases: Array<[string, string[], boolean]> = [
      // MLS302 reads whole functions for `subprocess.run`: not for another module's `run`.
      ['a `run` imported from another module', ['from openai_server.server_start import run'], false],
      ['`run` imported from subprocess', ['from subprocess import run'], true],
      ['`run` assigned from subprocess', ['import subprocess', 'run = subprocess.run'], true],
    ];
    for (const [what, imports, whole] of cases) {
      const text = body([
        ...imports,
        'import torch',
        '',
        'def serve(app, cmd):',
        '    unrelated = 1',
        '    run(cmd, shell=True)',
        '    return torch.load(app)',
      ]);
      assert.equal(read(text).includes('unrelated = 1'), whole, `${what}: ${read(text)}`);
      const { whole: all, partial } = partialAndWhole(engine, text);
      assert.deepEqual(partial, all, what);
    }
    const others: Array<[string, string, boolean]> = [
      // MLS301 reads whole functions for `eval(...)`: not for the word in a message.
      ['`eval` in a string', '    print("only supported for eval (cli=False)")', false],
      ['`eval` called', '    eval(cmd)', true],
      // `datasets.load.load_dataset` (MLS204) does not make every `.load(` whole.
      ['a loader’s `.load()`', '    docs = TextLoader(cmd, encoding="utf8").load()', false],
      ['a call read from a dict’s `.get()`', '    path = cmd.get("a", {}).get("b")', false],
      // `uvicorn.run` is another rule's function: MLS302's `run` is `subprocess.run`.
      ['`uvicorn.run`', '    uvicorn.run(app, host="127.0.0.1")', false],
      ['`requests.get`', '    requests.get("http://example.com/model.bin", timeout=5)', true],
    ];
    for (const [what, line, whole] of others) {
      const text = body([
        'import requests',
        'import torch',
        'import uvicorn',
        '',
        'def serve(app, cmd):',
        '    unrelated = 1',
        line,
        '    return torch.load(app)',
      ]);
      assert.equal(read(text).includes('unrelated = 1'), whole, `${what}: ${read(text)}`);
      const { whole: all, partial } = partialAndWhole(engine, text);
      assert.deepEqual(partial, all, what);
    }
  });

  it('keeps a function whole where it calls an alias made at module level of a function read whole', async () => {
    // The alias carries the whole-function reading to its calls: the guard is read (left out,
    // MLS302 reported a command the allow-list checks).
    const engine = await analyzer();
    const guarded = body([
      'import subprocess',
      'run = subprocess.run',
      'ALLOWED = {"ls", "pwd"}',
      '',
      'def serve(cmd):',
      '    unrelated = 1',
      '    if cmd not in ALLOWED:',
      '        raise ValueError(cmd)',
      '    run(cmd, shell=True)',
    ]);
    const { whole, partial } = partialAndWhole(engine, guarded);
    assert.deepEqual(partial, whole);
    assert.deepEqual(whole, []);
  });

  it('leaves functions with `global` or `nonlocal` whole, and splits runs at suppression comments', () => {
    const scoped = body(['def load():', '    global name', '    x = 1', '    name = 2', '    return hub.from_pretrained("org/model")']);
    assert.ok(parsed(partialText(scoped, hot([], ['from_pretrained']), 0)!).includes('x = 1'));
    const text = body([
      'import pickle',
      '',
      'def load(blob):',
      '    a = 1',
      '    # mlsec: ignore[MLS101] -- reviewed',
      '    b = 2',
      '    return pickle.loads(blob)',
    ]);
    const read = parsed(partialText(text, hot(['mlsec'], ['loads']), 0)!);
    assert.ok(read.includes('# mlsec: ignore[MLS101]'), read);
    assert.equal(read.match(/^ {4}0$/gm)?.length, 2, read);
  });

  it('over-approximates what a statement binds', () => {
    const names = (line: string) => {
      const text = line + '\n';
      return [...new Set(boundNames(text, logicalLines(text), { first: 0, last: 0 }))].sort();
    };
    assert.deepEqual(names('a, (b, *c) = f(x)'), ['a', 'b', 'c']);
    assert.deepEqual(names('a = b = g(y)'), ['a', 'b']);
    assert.deepEqual(names('x += 1'), ['x']);
    assert.deepEqual(names('obj.attr[i] = v'), ['i']);
    assert.deepEqual(names('total: int = 0'), ['int', 'total']);
    assert.deepEqual(names('f(a == b, c <= d)'), []);
    assert.deepEqual(names('print(x := 3)'), ['print', 'x']);
    assert.deepEqual(names('if ready: value = 1'), ['ready', 'value']);
    assert.deepEqual(names('for i, (j, k) in pairs:'), ['i', 'j', 'k']);
    assert.deepEqual(names('s = "a = b"'), ['s']);
  });

  it('gives the whole parse’s findings', async () => {
    const engine = await analyzer();
    const texts = [
      // The repository id reaches the call through rebinding, a loop, a `with` target.
      body([
        'from transformers import AutoModel',
        '',
        'def load(flag):',
        '    name = "./local"',
        '    log(name)',
        '    if flag:',
        '        name = "org/model"',
        '    for other in ("org/a", "org/b"):',
        '        print(other)',
        '    return AutoModel.from_pretrained(name)',
      ]),
      // Saved before it is loaded: a local directory (a statement the rule reads by its words).
      body([
        'from transformers import AutoModel',
        '',
        'def train(model):',
        '    steps = 10',
        '    model.save_pretrained("org/model")',
        '    run(steps)',
        '    return AutoModel.from_pretrained("org/model")',
      ]),
      // A loader alias made in the function.
      body(['import pickle', '', 'def load(blob):', '    f = pickle.loads', '    x = 1', '    print(x)', '    return f(blob)']),
      // A guard before a shell command (MLS302 reads the function).
      body([
        'import subprocess',
        '',
        'def run(mode):',
        '    if mode not in ("fast", "slow"):',
        '        raise ValueError(mode)',
        '    note = "x"',
        '    subprocess.run(f"tool --{mode}", shell=True)',
      ]),
      // A response the rule sees used again as `self.resp` (pytorch-lightning's servable module validator).
      body([
        'import requests',
        '',
        'class Validator:',
        '    def run(self):',
        '        ready = False',
        '        while not ready:',
        '            resp = requests.get(f"http://{self.host}:{self.port}/ping")',
        '            ready = resp.status_code == 200',
        '        payload = self.payload()',
        '        self.resp = requests.post(f"http://{self.host}:{self.port}/serve", json=payload)',
        '        return self.resp.json()',
      ]),
      // A response used beyond its status (MLS204 reads the function).
      body([
        'import requests',
        '',
        'def fetch():',
        '    done = False',
        '    while True:',
        '        r = requests.get("http://example.com/model.bin", stream=done)',
        '        done = r.status_code == 200',
        '        save(r.content)',
      ]),
    ];
    for (const text of texts) {
      const { whole, partial } = partialAndWhole(engine, text);
      assert.deepEqual(partial, whole, text);
    }
  });

  it('keeps what a data flow reads of a function: how each branch ends', async () => {
    const engine = await analyzer();
    const route = (guard: string[]) =>
      body([
        'import joblib',
        'from flask import Flask, request, abort, jsonify',
        'app = Flask(__name__)',
        'clf = joblib.load("model.joblib")',
        '',
        '@app.route("/length", methods=["POST"])',
        'def length():',
        '    started = now()',
        '    values = request.json["values"]',
        '    log("request", started)',
        ...guard,
        '    counter.increment()',
        '    return jsonify(clf.predict([values]).tolist())',
        '',
        // A file this long is planned for its flows (a shorter one is parsed whole: SELECTION_LIMITS).
        ...Array.from({ length: 2500 }, (_, i) => `def filler_${i}(x):\n    return x + ${i}\n`),
      ]);
    const check = '    if not isinstance(values, list) or len(values) != 4:';
    const guarded = route([check, '        log("refused")', '        abort(400)']);
    const open = route([check, '        log("refused")']);
    for (const text of [guarded, open]) {
      const { whole, partial } = partialAndWhole(engine, text);
      assert.deepEqual(partial, whole, text);
    }
    // `abort(400)` holds no name of the flow and binds nothing, but it is how the branch ends.
    const codes = (text: string) => engine.analyzePython(text, { minSkipped: 0 }).findings.map((f) => f.code);
    assert.ok(!codes(guarded).includes('MLS801'), 'the branch ending in abort() guards the model input');
    assert.ok(codes(open).includes('MLS801'), 'without the abort() the request reaches the model');
  });

  it('needs `readsFunction` where a rule reads the statements around its call', async () => {
    // Without the declaration, the guard before the command and the use of the response after
    // the download are left out, and the findings change.
    const undeclared = await Analyzer.create(
      ALL_RULES.map((rule) => (rule.code === 'MLS204' || rule.code === 'MLS302' ? { ...rule, readsFunction: undefined } : rule)),
    );
    const engine = await analyzer();
    const guard = body([
      'import subprocess',
      '',
      'def run(mode):',
      '    if mode not in ("fast", "slow"):',
      '        raise ValueError(mode)',
      '    subprocess.run(f"tool --{mode}", shell=True)',
    ]);
    const probe = body([
      'import requests',
      '',
      'def fetch():',
      '    done = False',
      '    while True:',
      '        r = requests.get("http://example.com/model.bin", stream=done)',
      '        done = r.status_code == 200',
      '        save(r.content)',
    ]);
    const codes = (a: Analyzer, text: string) => a.analyzePython(text, { minSkipped: 0 }).findings.map((f) => f.code);
    assert.deepEqual(codes(engine, guard), []);
    assert.deepEqual(codes(undeclared, guard), ['MLS302'], 'the guard was left out');
    assert.deepEqual(codes(engine, probe), ['MLS204']);
    assert.deepEqual(codes(undeclared, probe), [], 'the use after the download was left out');
  });
});
