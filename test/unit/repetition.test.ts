/** Repeated findings in one file: grouped by rule and message shape, summarised in text output (engine/repetition.ts). */
import * as assert from 'node:assert/strict';
import { formatText } from '../../server/src/cli/textReport';
import type { ScanOutcome } from '../../server/src/cli/scanner';
import type { Finding } from '../../server/src/engine/findings';
import { messageShape, repeatGroups } from '../../server/src/engine/results/repetition';

function finding(line: number, code: string, message: string): Finding {
  return {
    code,
    name: code.toLowerCase(),
    severity: 'error',
    message,
    range: { start: { line, character: 4 }, end: { line, character: 20 } },
    span: { start: 0, end: 1 },
    fixes: [],
    related: [],
    cwe: [494],
    threats: [],
    fingerprint: String(line),
  };
}

const remote = (line: number, repo: string) =>
  finding(line, 'MLS201', `\`from_pretrained\` of \`${repo}\` pinned to commit ${line}f3a9c…: review it (CWE-494).`);

describe('repeated findings', () => {
  it('are alike when only quoted code, strings and words with digits differ', () => {
    assert.equal(messageShape('Hub model `org/a-7b` at "main", line 12'), messageShape('Hub model `org/b` at "dev", line 3'));
    assert.notEqual(messageShape('`pickle.load` of a file'), messageShape('`pickle.load` of bytes from the network'));
  });

  it('are grouped per rule and shape, suppressed ones aside', () => {
    const list = [remote(1, 'a'), remote(2, 'b'), finding(3, 'MLS101', 'other'), remote(4, 'c')];
    list[1].suppression = { kind: 'line', justification: 'ok', line: 2 };
    const groups = repeatGroups(list);
    assert.deepEqual(groups.get(list[3]), { index: 1, total: 2 });
    assert.equal(groups.get(list[1]), undefined);
  });

  it('show the first three of six or more in text output, then how many more, and count them all', () => {
    const findings = [1, 2, 3, 4, 5, 6, 7].map((line) => remote(line, `org/m${line}`));
    findings.push(finding(9, 'MLS101', '`pickle.load` of a file'));
    const outcome: ScanOutcome = {
      files: [{ file: '/p/catalog.py', findings, problems: [], lines: 10, parsed: true }],
      configProblems: [],
      missing: [],
      durationMs: 1,
    };
    const text = formatText(outcome, { color: false, showSuppressed: false, baseDir: '/p' }).split('\n');
    assert.deepEqual(
      text.filter((l) => l.startsWith('catalog.py')).map((l) => l.replace(/ MLS201 .*/, ' MLS201')),
      [
        'catalog.py:2:5: error   MLS201',
        'catalog.py:3:5: error   MLS201',
        'catalog.py:4:5: error   MLS201',
        'catalog.py: … and 4 more like this (MLS201; --show-repeats lists them, docs/noise.md)',
        'catalog.py:10:5: error   MLS101 `pickle.load` of a file',
      ],
    );
    assert.ok(text.some((l) => l.startsWith('Found 8 open findings (8 error, 0 warning, 0 info) in 1 of 1 file')));
    const all = formatText(outcome, { color: false, showSuppressed: false, baseDir: '/p', showRepeats: true });
    assert.equal(all.split('\n').filter((l) => l.includes(' MLS201 ')).length, 7);
  });
});
