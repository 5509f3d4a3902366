/** Test code: recognised by path and by definition, and the report / demote / skip policy (engine/testCode.ts). */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseConfig } from '../../server/src/engine/config/projectConfig';
import type { ConfigProblem } from '../../server/src/engine/config/projectConfig';
import { resolveSelection } from '../../server/src/engine/config/selection';
import { modeFor, testPathReason, TEST_TREATMENT, withTestCode } from '../../server/src/engine/results/testCode';
import { ALL_RULES } from '../../server/src/rules/index';
import { analyzer } from '../support/engine';

const SOURCE = [
  'import pickle',
  'from transformers import AutoModel',
  '',
  'def load(p):',
  '    return pickle.load(open(p, "rb"))',
  '',
  'def test_load(p):',
  '    return pickle.load(open(p, "rb"))',
  '',
  'class TestModels:',
  '    def check(self):',
  '        return AutoModel.from_pretrained("org/model", revision="0" * 40, trust_remote_code=True)',
  '',
  'class Loads(unittest.TestCase):',
  '    def helper(self, p):',
  '        return pickle.load(open(p, "rb"))',
  '',
  '@pytest.fixture',
  'def data(p):',
  '    return pickle.load(open(p, "rb"))',
  '',
  'import gradio as gr',
  'def test_share():',
  '    gr.Interface(fn=print, inputs="text", outputs="text").launch(share=True)',
  '',
].join('\n');

function selectionFor(file: string, tests?: Parameters<typeof withTestCode>[1]['tests']) {
  return withTestCode(resolveSelection(ALL_RULES), { root: '/project', tests }, path.join('/project', file));
}

describe('test code', () => {
  it('is recognised by the test runners’ path conventions, relative to the project', () => {
    assert.equal(testPathReason('tests/unit/models.py'), 'in a tests/ folder');
    assert.equal(testPathReason('pkg/test/models.py'), 'in a test/ folder');
    assert.equal(testPathReason('pkg/test_models.py'), 'a test_*.py file');
    assert.equal(testPathReason('pkg/models_test.py'), 'a *_test.py file');
    assert.equal(testPathReason('conftest.py'), 'conftest.py');
    assert.equal(testPathReason('pkg/testing_utils.py'), undefined);
    assert.equal(testPathReason('pkg/latest_model.py'), undefined);
    assert.equal(testPathReason('contests/models.py'), undefined);
    // A folder above the project named `tests` does not make every file test code.
    const above = withTestCode(resolveSelection(ALL_RULES), { root: '/home/tests/project' }, '/home/tests/project/src/m.py');
    assert.equal(above.tests?.pathReason, undefined);
  });

  it('is recognised in any file by its definitions, and demoted there by default', async () => {
    const engine = await analyzer();
    const findings = engine.analyzePython(SOURCE, { selection: selectionFor('src/models.py') }).findings;
    const at = (line: number, code: string) => findings.find((f) => f.range.start.line === line - 1 && f.code === code);
    assert.equal(at(5, 'MLS101')?.severity, 'warning');
    assert.equal(at(5, 'MLS101')?.testCode, undefined);
    for (const [line, reason] of [
      [8, 'test function test_load'],
      [16, 'test class Loads'],
      [20, 'pytest fixture data'],
    ] as const) {
      const finding = at(line, 'MLS101');
      assert.equal(finding?.severity, 'info', `line ${line}`);
      assert.match(finding.message, /\(in test code\)$/);
      assert.deepEqual(finding.testCode, { reason, severity: 'warning', mode: 'demote' });
    }
    const remote = at(12, 'MLS201');
    assert.equal(remote?.severity, 'info');
    assert.equal(remote.testCode?.reason, 'test class TestModels');
    assert.equal(remote.testCode?.severity, 'error');
    // A public share link is dangerous whoever runs it: kept, but marked.
    const share = at(24, 'MLS405');
    assert.equal(TEST_TREATMENT.MLS405.treatment, 'keep');
    assert.ok(share?.testCode && share.severity !== 'info' && share.severity === share.testCode.severity);
    assert.deepEqual(share.testCode, { reason: 'test function test_share', severity: share.severity, mode: 'report' });
    assert.doesNotMatch(share.message, /in test code/);
  });

  it('applies report, skip and per-rule modes, and the whole file by its path', async () => {
    const engine = await analyzer();
    const count = (file: string, tests?: Parameters<typeof selectionFor>[1]) =>
      engine
        .analyzePython(SOURCE, { selection: selectionFor(file, tests) })
        .findings.map((f) => `${f.range.start.line + 1}:${f.code}:${f.severity}`);
    const reported = count('src/models.py', { mode: 'report' });
    assert.ok(reported.includes('8:MLS101:warning') && reported.includes('12:MLS201:error'), reported.join(' '));
    const skipped = count('src/models.py', { mode: 'skip' });
    assert.deepEqual(
      skipped.filter((f) => f.includes('MLS101') || f.includes('MLS201')),
      ['5:MLS101:warning'],
    );
    assert.ok(
      skipped.some((f) => f.startsWith('24:MLS405:')),
      'kept rules stay when test code is skipped',
    );
    const perRule = count('src/models.py', { mode: 'skip', perRule: { 'trust-remote-code': 'report', MLS4: 'skip' } });
    assert.ok(perRule.includes('12:MLS201:error'));
    assert.ok(!perRule.some((f) => f.includes('MLS405')));
    // By path, every finding of the file is in test code.
    const inTests = engine.analyzePython(SOURCE, { selection: selectionFor('tests/test_models.py') }).findings;
    const load = inTests.find((f) => f.range.start.line === 4 && f.code === 'MLS101');
    assert.equal(load?.severity, 'info');
    assert.equal(load.testCode?.reason, 'in a tests/ folder');
  });

  it('picks the most specific per-rule mode', () => {
    const tests = {
      mode: 'demote' as const,
      perRule: [
        ['ALL', 'skip'],
        ['MLS2', 'report'],
        ['MLS201', 'demote'],
      ] as const,
    };
    assert.equal(modeFor('MLS201', 'trust-remote-code', tests), 'demote');
    assert.equal(modeFor('MLS202', 'unpinned-hub-download', tests), 'report');
    assert.equal(modeFor('MLS101', 'pickle-load', tests), 'skip');
    assert.equal(modeFor('MLS501', 'hard-coded-credential', { mode: 'skip', perRule: [] }), 'report');
  });

  it('is configured with tests = mode or a [tests] table, with clear errors', () => {
    const problems: ConfigProblem[] = [];
    const file = '/p/pyproject.toml';
    assert.deepEqual(parseConfig('[tool.mlsec]\ntests = "skip"\n', file, problems)?.tests, { mode: 'skip' });
    const table = parseConfig('[tool.mlsec.tests]\ndefault = "report"\nMLS201 = "demote"\n', file, problems);
    assert.deepEqual(table?.tests, { mode: 'report', perRule: { MLS201: 'demote' } });
    assert.deepEqual(
      table?.ruleEntries?.filter((e) => e.setting === 'tests'),
      [{ setting: 'tests', entry: 'MLS201', line: 2 }],
    );
    assert.deepEqual(problems, []);
    const bad: ConfigProblem[] = [];
    parseConfig('[tool.mlsec]\ntests = "hide"\n', file, bad);
    parseConfig('[tool.mlsec.tests]\nMLS201 = true\n', file, bad);
    assert.deepEqual(
      bad.map((p) => `${p.line}: ${p.message}`),
      ['1: "tests" must be "report", "demote" or "skip", not "hide"', '1: "MLS201" must be "report", "demote" or "skip", not true'],
    );
  });
});
