/** Choosing fixes (shared by the editor's fix-all and `mlsec scan --fix`) and the bounded fix rounds. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixReports, MAX_ROUNDS } from '../../server/src/cli/fix';
import type { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { ConfigResolver } from '../../server/src/engine/config/projectConfig';
import type { Finding } from '../../server/src/engine/findings';
import { applyEdits, chooseFixes } from '../../server/src/engine/results/fixes';
import type { Fix } from '../../server/src/engine/rule';

function finding(fixes: Fix[], extra: Partial<Finding> = {}): Finding {
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
  return {
    code: 'MLS999',
    name: 'test',
    severity: 'error',
    message: 'm',
    range,
    span: { start: 0, end: 1 },
    fixes,
    related: [],
    cwe: [],
    threats: [],
    fingerprint: 'f',
    ...extra,
  };
}
const fix = (start: number, end: number, newText: string, safe = true, cell?: number): Fix => ({
  title: 't',
  safe,
  edits: [{ start, end, newText, cell }],
});

/** An analyzer whose findings are computed from the text by `rules` (text -> fixes). */
function fakeAnalyzer(rules: (text: string) => Fix[]): Analyzer {
  const analyse = (text: string) => ({
    findings: rules(text).map((f) => finding([f])),
    syntaxErrors: 0,
    parsed: true,
    imports: [],
    timings: { parse: 0, model: 0, rules: 0 },
  });
  return { rules: [], analyzePython: analyse, analyzeNotebookJson: analyse } as unknown as Analyzer;
}

describe('fixes', () => {
  it('takes the first of overlapping fixes, one insertion per place, and keeps cells apart', () => {
    const a = fix(0, 5, 'A');
    const b = fix(3, 8, 'B');
    const c = fix(8, 9, 'C');
    assert.deepEqual(chooseFixes([finding([a]), finding([b]), finding([c])], false), [a, c]);
    const insert1 = fix(4, 4, 'x');
    const insert2 = fix(4, 4, 'y');
    assert.deepEqual(chooseFixes([finding([insert1]), finding([insert2])], false), [insert1]);
    const cell0 = fix(0, 5, 'A', true, 0);
    const cell1 = fix(0, 5, 'B', true, 1);
    assert.deepEqual(chooseFixes([finding([cell0]), finding([cell1])], false), [cell0, cell1]);
  });

  it('applies unsafe fixes only when asked, and never for suppressed findings', () => {
    const unsafe = fix(0, 1, 'u', false);
    assert.deepEqual(chooseFixes([finding([unsafe])], false), []);
    assert.deepEqual(chooseFixes([finding([unsafe])], true), [unsafe]);
    assert.deepEqual(chooseFixes([finding([fix(0, 1, 's')], { suppression: { kind: 'line', justification: '', line: 0 } })], true), []);
    assert.equal(
      applyEdits('hello world', [
        { start: 6, end: 11, newText: 'there' },
        { start: 0, end: 0, newText: '> ' },
      ]),
      '> hello there',
    );
  });

  describe('rounds', () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-rounds-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const run = (text: string, rules: (text: string) => Fix[]) => {
      const file = path.join(dir, 'x.py');
      fs.writeFileSync(file, text);
      const analyzer = fakeAnalyzer(rules);
      const report = { file, findings: rules(text).map((f) => finding([f])), problems: [], lines: 1 };
      const result = fixReports(analyzer, [report], new ConfigResolver(), { unsafe: false, write: true });
      return { result, text: fs.readFileSync(file, 'utf8') };
    };

    it('follows a fix that makes another possible to the end', () => {
      const chain = (text: string) => (text === 'a' ? [fix(0, 1, 'b')] : text === 'b' ? [fix(0, 1, 'c')] : []);
      const { result, text } = run('a', chain);
      assert.equal(text, 'c');
      assert.equal(result.applied, 2);
      assert.deepEqual(result.problems, []);
    });

    it('stops fixes that undo each other and fixes that never end', () => {
      const toggle = (text: string) => [fix(0, 1, text === 'a' ? 'b' : 'a')];
      const undone = run('a', toggle);
      assert.match(undone.result.problems[0]?.message ?? '', /undo each other/);
      const grow = () => [fix(0, 0, 'x')];
      const endless = run('', grow);
      assert.equal(endless.text, 'x'.repeat(MAX_ROUNDS));
      assert.match(endless.result.problems[0]?.message ?? '', new RegExp(`after ${MAX_ROUNDS} rounds`));
    });
  });
});
