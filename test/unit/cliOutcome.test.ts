/**
 * How a scan's completeness reaches the exit code and the reports (issue 13), on outcomes built
 * here: an internal error cannot be produced on purpose from a file, so its handling is checked
 * on the outcome the scanner would return.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { exitCodeFor } from '../../server/src/cli/main';
import { toSarif } from '../../server/src/cli/sarif';
import type { ScanOutcome } from '../../server/src/cli/scanner';
import { formatText } from '../../server/src/cli/textReport';
import type { FileReport } from '../../server/src/engine/pipeline/fileAnalysis';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { ConfigResolver } from '../../server/src/engine/config/projectConfig';
import { analyzeFile, SelectionCache } from '../../server/src/engine/pipeline/fileAnalysis';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';

const BASE = path.resolve('/project');

async function report(name: string, text: string): Promise<FileReport> {
  const result = (await analyzer()).analyzePython(text);
  return { file: path.join(BASE, name), findings: result.findings, problems: [], lines: text.split('\n').length, parsed: result.parsed };
}

function outcome(files: FileReport[], missing: string[] = []): ScanOutcome {
  return { files, configProblems: [], missing, durationMs: 1 };
}

const failed = (name: string): FileReport => ({
  file: path.join(BASE, name),
  findings: [],
  problems: [{ message: 'internal error while analysing: boom', internal: true }],
  lines: 3,
});
const unread = (name: string): FileReport => ({
  file: path.join(BASE, name),
  findings: [],
  problems: [{ message: 'binary file (contains NUL bytes)', line: 0 }],
  lines: 0,
});

describe('scan completeness in exit codes and reports', () => {
  it('exits 2 on an internal error whatever --fail-on says, 1 on files not analysed unless never', async () => {
    const clean = await report('ok.py', 'x = 1\n');
    assert.equal(exitCodeFor(outcome([clean]), 'error'), 0);
    assert.equal(exitCodeFor(outcome([clean, failed('bad.py')]), 'error'), 2);
    assert.equal(exitCodeFor(outcome([clean, failed('bad.py')]), 'never'), 2);
    assert.equal(exitCodeFor(outcome([clean, unread('bin.py')]), 'error'), 1);
    assert.equal(exitCodeFor(outcome([clean, unread('bin.py')]), 'never'), 0);
    assert.equal(exitCodeFor(outcome([clean], ['gone.py']), 'error'), 1);
  });

  it('marks the SARIF run unsuccessful with a notification naming the failed file', async () => {
    const sarif = toSarif(
      outcome([await report('ok.py', 'import torch\ntorch.load(p)\n'), failed('bad.py')]),
      ALL_RULES,
      '1.0.0',
      BASE,
      2,
    ) as {
      runs: Array<{
        invocations: Array<{
          executionSuccessful: boolean;
          exitCode: number;
          toolExecutionNotifications: Array<{ level: string; message: { text: string }; descriptor?: { id: string } }>;
        }>;
        results: unknown[];
      }>;
    };
    const [invocation] = sarif.runs[0].invocations;
    assert.equal(invocation.executionSuccessful, false);
    assert.equal(invocation.exitCode, 2);
    assert.deepEqual(
      invocation.toolExecutionNotifications.map((n) => [n.level, n.descriptor?.id, n.message.text]),
      [['error', 'internal-error', 'bad.py: internal error while analysing: boom']],
    );
    assert.equal(sarif.runs[0].results.length, 1, 'the other file’s finding is kept');
  });

  it('says in the text summary how many files failed or were not analysed', async () => {
    const text = formatText(outcome([await report('ok.py', 'x = 1\n'), failed('bad.py'), unread('bin.py')], ['gone.py']), {
      color: false,
      showSuppressed: false,
      baseDir: BASE,
    });
    assert.match(text, /^bad\.py: internal error: internal error while analysing: boom$/m);
    assert.match(text, /^bin\.py:1: not analysed: binary file/m);
    assert.match(text, /^gone\.py: not analysed: no such file or folder$/m);
    assert.match(text, /No open findings in 1 file; internal error on 1 file, 2 files NOT analysed, /);
  });

  it('turns a rule that throws into an internal error of that file, keeping the other findings', async () => {
    const torchLoad = ALL_RULES.find((r) => r.code === 'MLS102')!;
    const broken = {
      ...torchLoad,
      code: 'MLS999',
      name: 'always-throws',
      onCall: () => {
        throw new Error('rule bug');
      },
    };
    const engine = await Analyzer.create([torchLoad, broken]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-rule-failure-'));
    try {
      const file = path.join(dir, 'a.py');
      fs.writeFileSync(file, 'import torch\ntorch.load(p)\n');
      const original = console.error;
      console.error = () => undefined;
      let result: FileReport;
      try {
        result = analyzeFile(engine, file, new ConfigResolver(), new SelectionCache(engine));
      } finally {
        console.error = original;
      }
      assert.deepEqual(
        result.findings.map((f) => f.code),
        ['MLS102'],
      );
      assert.deepEqual(result.problems, [{ message: 'internal error: rule MLS999 failed: rule bug', internal: true }]);
      assert.equal(exitCodeFor(outcome([result]), 'never'), 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
