/**
 * Line endings: Python ends a line at `\n`, `\r\n` and a lone `\r`. The engine analyses every
 * kind (engine/text.ts analysisText) and reports positions, suppressions and fix edits in terms
 * of the original text, writing line breaks as the text has them.
 */
import * as assert from 'node:assert/strict';
import type { Finding } from '../../server/src/engine/findings';
import { LineIndex, analysisText, lineBreakAt } from '../../server/src/engine/text';
import { pointAt, treeEdit } from '../../server/src/engine/perf/treeEdit';
import { analyzer } from '../support/engine';

function open(findings: Finding[]): string[] {
  return findings.filter((f) => !f.suppression).map((f) => `${f.code}@${f.range.start.line}:${f.range.start.character}`);
}

describe('line endings', () => {
  it('keeps the length and positions when a lone CR becomes LF', () => {
    const text = 'a\rb\r\nc\n\r\rd';
    const normalised = analysisText(text);
    assert.equal(normalised, 'a\nb\r\nc\n\n\nd');
    const before = new LineIndex(text);
    const after = new LineIndex(normalised);
    for (let i = 0; i <= text.length; i++) assert.deepEqual(before.positionAt(i), after.positionAt(i), `offset ${i}`);
    assert.equal(lineBreakAt(text, 0), '\r');
    assert.equal(lineBreakAt(text, 2), '\r\n');
    assert.equal(lineBreakAt('x\r\ny', 3), '\r\n', 'the last line takes the break before it');
    assert.equal(lineBreakAt('x', 0), '\n');
  });

  it('finds code after a comment in a file with lone CR line endings', async () => {
    const engine = await analyzer();
    const lf = 'import os\n# a comment\neval(input())\n';
    const cr = lf.replace(/\n/g, '\r');
    const expected = open(engine.analyzePython(lf).findings);
    assert.ok(expected.includes('MLS301@2:0'), expected.join());
    assert.deepEqual(open(engine.analyzePython(cr).findings), expected);
  });

  it('honours every form of suppression in CRLF and CR files', async () => {
    const engine = await analyzer();
    const lf = [
      'import torch',
      'a = torch.load("a.pt")  # mlsec: ignore[MLS102] trusted checkpoint',
      '# mlsec: ignore[MLS102] trusted too',
      'b = torch.load("b.pt")',
      'c = torch.load("c.pt")  # mlsec: ignore[MLS102]',
      'eval(input())  # mlsec: ignore[MLS301] a test harness',
      '',
    ].join('\n');
    const base = engine.analyzePython(lf).findings;
    const summary = (findings: Finding[]) =>
      findings.map(
        (f) =>
          `${f.code}@${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character} ${f.suppression?.kind ?? 'open'} ${f.suppression?.justification ?? ''}`,
      );
    assert.equal(base.filter((f) => f.suppression).length, 4, summary(base).join('\n'));
    assert.deepEqual(open(base), ['MLS001@4:24'], 'a reasonless suppression is reported');
    for (const eol of ['\r\n', '\r']) {
      const findings = engine.analyzePython(lf.replace(/\n/g, eol)).findings;
      assert.deepEqual(summary(findings), summary(base), JSON.stringify(eol));
      // Removing the reasonless comment keeps the line break.
      const removal = findings.find((f) => f.code === 'MLS001')!.fixes[0].edits[0];
      const text = lf.replace(/\n/g, eol);
      assert.equal(text.slice(removal.end, removal.end + eol.length), eol);
    }
    const fileWide = engine.analyzePython('# mlsec: ignore-file[MLS301] sandboxed\r\neval(input())\r\n').findings;
    assert.deepEqual(open(fileWide), []);
    assert.equal(fileWide[0]?.suppression?.kind, 'file');
  });

  it('writes the line breaks of fix edits as the file has them', async () => {
    const engine = await analyzer();
    const lf = 'import torch\nmodel = torch.load(\n    "model.pt",\n    map_location="cpu"\n)\n';
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = lf.replace(/\n/g, eol);
      const finding = engine.analyzePython(text).findings.find((f) => f.code === 'MLS102');
      assert.ok(finding, JSON.stringify(eol));
      const edit = finding.fixes[0].edits[0];
      assert.ok(edit.newText.includes(eol), `${JSON.stringify(edit.newText)} uses ${JSON.stringify(eol)}`);
      assert.equal(edit.newText.replace(/\r\n|\r|\n/g, ''), edit.newText.split(eol).join(''), 'no other line break');
    }
  });

  it('edits a kept tree in terms of the analysed text', () => {
    // Inserting `\n` after a lone `\r` turns it into one CRLF line break: one row less.
    const text = 'a = 1\rb = 2\n';
    const edit = treeEdit(text, 6, 6, '\n');
    assert.equal(edit.startIndex, 5, 'widened over the \\r');
    assert.deepEqual(edit.oldEndPosition, { row: 1, column: 0 });
    assert.deepEqual(edit.newEndPosition, { row: 1, column: 0 });
    assert.deepEqual(edit.startPosition, { row: 0, column: 5 });
    assert.deepEqual(pointAt('x\ry\r\nz', 5), { row: 2, column: 0 });
  });
});
