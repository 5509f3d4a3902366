/**
 * `RuleMatch.values` (rule.ts): the string values a rule's findings are written with, which the
 * prefilter reads from the string literals (perf/stringValues.ts). The gate derived from them must
 * never drop a finding the unoptimised analysis makes, and should leave out look-alikes.
 */
import * as assert from 'node:assert/strict';
import { decodeEscapes, holdsStringValue } from '../../server/src/engine/perf/stringValues';
import { wordsOf } from '../../server/src/engine/perf/ruleWords';
import { applicableRules, buildIndex } from '../../server/src/engine/pipeline/prefilter';
import { SourceText } from '../../server/src/engine/textScan';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';

const holds = (text: string, values: string[]) => holdsStringValue(new SourceText(text), values);

/** Each way a finding of MLS302 or MLS404 can be written, alone in its file. */
const WRITTEN = [
  'import subprocess\ndef f(x):\n    subprocess.run(["BASH", "-c", x])\n',
  'import subprocess\nSHELL = "/usr/bin/" "zsh"\ndef f(x):\n    subprocess.run([SHELL, "-c", x])\n',
  'import subprocess\ndef f(x):\n    subprocess.check_call(["\\x62ash", "-c", x])\n',
  // A string statement after the constant is another value, though no bracket or comma is between them.
  'import subprocess\nSHELL = "/bin/bash"\n"""Which program runs the steps."""\ndef f(x):\n    subprocess.run([SHELL, "-c", x])\n',
  'import subprocess\ndef f(x):\n    subprocess.Popen(["PowerShell.exe", "-Command", x])\n',
  'import subprocess\ndef f(x):\n    subprocess.run(x, shell=True)\n',
  // The keyword quoted, as a dictionary's key, and the name reached through its module.
  'import subprocess\nOPTIONS = {"shell": True}\ndef f(x):\n    subprocess.run(x, **OPTIONS)\n',
  'import os\ndef f(x):\n    os.system(x)\n',
  'from os import system as run_it\ndef f(x):\n    run_it(x)\n',
  'import uvicorn\nuvicorn.run(app, host="0.0.0.0")\n',
  "import uvicorn\nuvicorn.run(app, host='::')\n",
  'import waitress\nwaitress.serve(app, listen="*:8080")\n',
  'import waitress\nOPEN = "*:8080"\nwaitress.serve(app, listen = OPEN)\n',
  'from http.server import ThreadingHTTPServer\nThreadingHTTPServer(("", 8000), Handler).serve_forever()\n',
  'import argparse, uvicorn\np = argparse.ArgumentParser()\np.add_argument("--host", default="0.0.0.0")\nargs = p.parse_args()\nuvicorn.run(app, host=args.host)\n',
];

/** Look-alikes the gates of MLS302 and MLS404 leave out (nothing else in them can fire either). */
const LOOK_ALIKES: Array<[string, string]> = [
  ['MLS302', 'import subprocess\ndef f(x):\n    subprocess.run(["bashful", "-c", x])\n    subprocess.run(["git", "log"])\n'],
  ['MLS404', 'import requests\ndef f(app):\n    requests.get("http://0.0.0.0:5000/v1")\n    app.run(port=8000)\n    return x[::2]\n'],
  // The keywords and names only inside longer words, or in a comment: a socket's `listen`, a
  // `filesystem`, a `subshell`.
  ['MLS302', 'import subprocess\ndef f(x, filesystem, subshell):\n    subprocess.run(["git", x])  # not through os.system\n'],
  [
    'MLS404',
    'import socket\nclass Listener:\n    def listener(self):\n        self.sock.bind(("127.0.0.1", 0))\n        self.sock.listen(5)\n        self.listening = listen == 1\n        return HTTPServerError\n',
  ],
];

describe('rule values', () => {
  it('are read from string literals as the model reads them: any case, a path, adjacent literals, escapes', () => {
    assert.ok(holds('x = "BASH"\n', ['bash']));
    assert.ok(holds("x = '/bin/bash'\n", ['bash']));
    assert.ok(holds('x = ("/bin/" "bash")\n', ['bash']));
    assert.ok(holds('x = "/bin/bash"\n"""Docs."""\n', ['bash']), 'a line break may end the statement between adjacent literals');
    assert.ok(holds('x = "\\x62ash"\n', ['bash']));
    assert.ok(holds('x = "\\N{LATIN SMALL LETTER B}ash"\n', ['bash']), 'a named character may be anything');
    assert.ok(holds('x = f"0.0.0.0"\n', ['0.0.0.0']));
    assert.ok(!holds('x = "bashful"\n', ['bash']));
    assert.ok(!holds('x = "mybash"\n', ['bash']), 'a path ends in the value after a slash only');
    assert.ok(holds('x = "\u0130/tools/Bash"\n', ['bash']), 'a letter whose lower case is longer does not shift the path');
    assert.ok(!holds('x = "http://0.0.0.0:80"\n', ['0.0.0.0']));
    assert.ok(!holds('# "bash"\nbash = 1\n', ['bash']), 'comments and code are not string values');
    assert.equal(decodeEscapes('a\\tb\\101\\u00e9\\\\\\q'), 'a\tbA\u00e9\\\\q');
    assert.equal(decodeEscapes('\\N{BULLET}'), undefined);
  });

  it('make a rule found by its calls too, and run on every file when it has none', () => {
    const mls302 = ALL_RULES.find((rule) => rule.code === 'MLS302')!;
    assert.ok(wordsOf(mls302).triggers.includes('subprocess'), 'values are no trigger: the callees are');
    const fileRule = {
      ...mls302,
      code: 'MLS999',
      onCall: undefined,
      onFile: () => undefined,
      keywords: undefined,
      names: undefined,
      textArguments: undefined,
    };
    assert.equal(wordsOf(fileRule).always, true);
    assert.throws(() => wordsOf({ ...mls302, code: 'MLS998', wordsInEveryFinding: true }), /values.*wordsInEveryFinding/);
  });

  it('keep every finding the unoptimised analysis makes, however it is written', async () => {
    const engine = await analyzer();
    for (const text of WRITTEN) {
      const summary = (prefilter: boolean) =>
        engine
          .analyzePython(text, { prefilter })
          .findings.filter((f) => f.code === 'MLS302' || f.code === 'MLS404')
          .map((f) => `${f.code}:${f.range.start.line}`);
      const whole = summary(false);
      assert.ok(whole.length > 0, `a finding in:\n${text}`);
      assert.deepEqual(summary(true), whole, text);
    }
  });

  it('leave out files whose strings only look like a shell or an open host', async () => {
    const engine = await analyzer();
    const full = buildIndex(engine.rules);
    for (const [code, text] of LOOK_ALIKES) {
      const applicable = applicableRules(new SourceText(text), full);
      assert.ok(!applicable?.gates.some((gate) => gate.rule.code === code), `${code} is not run on:\n${text}`);
      assert.deepEqual(
        engine.analyzePython(text, { prefilter: false }).findings.filter((f) => f.code === code),
        [],
        'and it has no finding there',
      );
    }
  });
});
