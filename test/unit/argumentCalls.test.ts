/**
 * The calls found by their arguments (engine/pipeline/argumentCalls.ts): the fast way, from where
 * the words are written, must give the calls the plain way (every call of the tree, tested) gives,
 * in the same order, on made-up texts with each shape and on every fixture and corpus file.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PythonParser } from '../../server/src/engine/parser';
import { SemanticModel } from '../../server/src/engine/semantic';
import { callsMentioning, callsWithKeywords, findArgumentCallsInEveryCall } from '../../server/src/engine/pipeline/argumentCalls';
import { CORPUS, FIXTURES, filesUnder } from '../support/paths';

let parser: PythonParser;
before(async () => {
  parser = await PythonParser.create();
});

function models(text: string): { fast: SemanticModel; plain: SemanticModel } {
  const fast = new SemanticModel(parser.parse(text)!, text);
  const plain = new SemanticModel(parser.parse(text)!, text);
  findArgumentCallsInEveryCall(plain);
  return { fast, plain };
}

const spans = (calls: readonly { startIndex: number; endIndex: number }[]) => calls.map((c) => `${c.startIndex}-${c.endIndex}`);

const KEYWORDS: readonly string[][] = [
  ['trust_remote_code'],
  ['allow_dangerous_deserialization'],
  ['allow_dangerous_code', 'allow_dangerous_requests'],
];
const WORDS = ['trust_remote_code', 'allow_dangerous_deserialization', 'token'];

function assertSame(text: string, where: string): void {
  const { fast, plain } = models(text);
  for (const keywords of KEYWORDS)
    assert.deepEqual(
      spans(callsWithKeywords(fast, keywords)),
      spans(callsWithKeywords(plain, keywords)),
      `${where}: keywords ${keywords.join(' ')}`,
    );
  for (const word of WORDS)
    assert.deepEqual(spans(callsMentioning(fast, word)), spans(callsMentioning(plain, word)), `${where}: mentioning ${word}`);
}

describe('calls found by their arguments', () => {
  it('finds keywords, `**` arguments and words in nested calls, strings and comments, in walk order', () => {
    const text = [
      'from transformers import AutoModel',
      'opts = dict(trust_remote_code=True)',
      'm = AutoModel.from_pretrained("x", **opts)',
      'n = load(wrap(trust_remote_code=True), other(1))',
      'f(a)(trust_remote_code=flag)',
      'g(  # trust_remote_code on purpose',
      '    "trust_remote_code",',
      ')',
      'h(x ** 2, {"trust_remote_code": True})',
      'trust_remote_code = True',
      'k(trust_remote_code)',
      'def trust_remote_code_default(trust_remote_code=False):',
      '    return trust_remote_code',
      'y = FAISS.load_local("p", e, allow_dangerous_deserialization=True)',
      '',
    ].join('\n');
    const { fast, plain } = models(text);
    const kw = callsWithKeywords(fast, ['trust_remote_code']);
    assert.deepEqual(spans(kw), spans(callsWithKeywords(plain, ['trust_remote_code'])));
    // `dict(...)`, the `**opts` call, `wrap(...)`, `f(a)(...)`; not `k(trust_remote_code)` (positional) nor `x ** 2`.
    assert.deepEqual(
      kw.map((c) => c.text.split('(')[0]),
      ['dict', 'AutoModel.from_pretrained', 'wrap', 'f'],
    );
    const mentioning = callsMentioning(fast, 'trust_remote_code');
    assert.deepEqual(spans(mentioning), spans(callsMentioning(plain, 'trust_remote_code')));
    assert.deepEqual(
      mentioning.map((c) => c.text.split('(')[0]),
      ['dict', 'load', 'wrap', 'f', 'g', 'h', 'k'],
    );
  });

  it('gives the plain way’s calls on every fixture and corpus file', () => {
    const files = [...filesUnder(FIXTURES, ['.py']), ...filesUnder(CORPUS, ['.py'])];
    assert.ok(files.length > 40, 'the fixtures are there');
    for (const file of files) assertSame(readFileSync(file, 'utf8'), file);
  });
});
