/**
 * logicalLines (perf/partialParse.ts) skips ordinary characters with a regular expression; this
 * compares it with the plain character loop it replaced, on every fixture, corpus and example
 * file and on generated text made of the characters it acts on.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { logicalLines } from '../../server/src/engine/perf/partialParse';
import type { LogicalLine } from '../../server/src/engine/perf/partialParse';
import { literalBounds } from '../../server/src/engine/textScan';
import { seeded } from '../support/hostile';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

/** The plain loop: every character looked at in JavaScript. */
function plainLogicalLines(text: string): LogicalLine[] {
  const isBreak = (c: number) => c === 10 || c === 13;
  const lineEnd = (from: number) => {
    for (let k = from; k < text.length; k++) if (isBreak(text.charCodeAt(k))) return k;
    return text.length;
  };
  const after = (at: number) => (text.charCodeAt(at) === 13 && text.charCodeAt(at + 1) === 10 ? at + 2 : at + 1);
  const lines: LogicalLine[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    let indent = 0;
    let j = i;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 32) indent++;
      else if (c === 9) indent = indent - (indent % 8) + 8;
      else if (c === 12) indent = 0;
      else break;
    }
    if (j >= n) break;
    const first = text.charCodeAt(j);
    if (first === 10 || first === 13 || first === 35 || (first === 92 && isBreak(text.charCodeAt(j + 1)))) {
      i = after(first === 35 || first === 92 ? lineEnd(j + 1) : j);
      continue;
    }
    let depth = 0;
    let k = j;
    while (k < n) {
      const c = text.charCodeAt(k);
      if (isBreak(c)) {
        if (depth === 0) break;
        k++;
      } else if (c === 92) k = isBreak(text.charCodeAt(k + 1)) ? after(k + 1) : k + 2;
      else if (c === 35) k = lineEnd(k);
      else if (c === 34 || c === 39) k = Math.max(k + 1, literalBounds(text, k).end);
      else {
        if (c === 40 || c === 91 || c === 123) depth++;
        else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
        k++;
      }
    }
    lines.push({ start: j, end: Math.min(k, n), indent });
    i = after(k);
  }
  return lines;
}

describe('logical lines', () => {
  it('splits every fixture, corpus and example file as the plain loop does', () => {
    const files = [
      ...filesUnder(FIXTURES, ['.py']),
      ...filesUnder(CORPUS, ['.py']),
      ...filesUnder(path.join(REPO_ROOT, 'examples'), ['.py']),
    ];
    assert.ok(files.length >= 20);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      assert.deepEqual(logicalLines(text), plainLogicalLines(text), file);
      const crlf = text.replace(/\n/g, '\r\n');
      assert.deepEqual(logicalLines(crlf), plainLogicalLines(crlf), `${file} with CRLF`);
    }
  });

  it('splits generated text of brackets, quotes, comments, continuations and line breaks as the plain loop does', () => {
    const next = seeded(20261207);
    const pieces = [
      'a',
      ' ',
      '\t',
      '\f',
      '\n',
      '\r\n',
      '\r',
      '\\',
      '\\\n',
      '#',
      '"',
      "'",
      '"""',
      "'''",
      '(',
      ')',
      '[',
      ']',
      '{',
      '}',
      'x = 1',
      ':',
    ];
    for (let round = 0; round < 2000; round++) {
      let text = '';
      const length = 1 + Math.floor(next() * 60);
      for (let k = 0; k < length; k++) text += pieces[Math.floor(next() * pieces.length)];
      assert.deepEqual(logicalLines(text), plainLogicalLines(text), JSON.stringify(text));
    }
  });
});
