/** `printable`: what the CLI does to text from scanned files before a terminal sees it. */
import * as assert from 'node:assert/strict';
import { printable } from '../../server/src/cli/terminal';

describe('printable terminal text', () => {
  it('writes controls, bidi overrides and lone surrogates as visible escapes', () => {
    assert.equal(printable('a\u001b[2Jb'), 'a\\x1b[2Jb');
    assert.equal(printable('x\r\ny\tz\u0000\u007f\u009b'), 'x\\r\\ny\\tz\\x00\\x7f\\x9b');
    assert.equal(printable('abc\u202edef\u2066\u2028'), 'abc\\u202edef\\u2066\\u2028');
    assert.equal(printable('lone \ud800 and \udc00'), 'lone \\ud800 and \\udc00');
  });

  it('keeps ordinary text, accents, emoji and backslashes as they are', () => {
    const text = 'models/modèle_😀.py: C:\\path `torch.load` — “ok”';
    assert.equal(printable(text), text);
  });
});
