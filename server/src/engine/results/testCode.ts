/**
 * Test code and what happens to findings in it (issue 16, "noise and adoption").
 *
 * On real ML repositories four findings in ten sit in tests: a unit test that unpickles the bytes
 * it wrote, an integration test that loads a model with `trust_remote_code=True`. Those are sites
 * a reviewer reads last, so by default most rules drop to `info` there and say "in test code";
 * the rules whose danger does not depend on who runs the code (a credential committed in a test
 * is as public as one in `src/`; a server bound to every interface is reachable while the test
 * runs) keep their severity. The table below says which, rule by rule.
 *
 * Test code is recognised by
 *   - its path, relative to the configuration's folder: a `test/` or `tests/` folder,
 *     `test_*.py`, `*_test.py`, `conftest.py` (pytest's and unittest's discovery conventions);
 *   - its place in the code, for any file: inside a function or method named `test*`, a class
 *     named `Test*` or deriving from a `…TestCase` class, or a pytest fixture (`@pytest.fixture`,
 *     `@fixture`).
 *
 * Configuration (`[tool.mlsec]`):
 *   tests = "demote"          # default; "report" changes nothing, "skip" drops them
 *   [tool.mlsec.tests]        # or as a table, with a mode per rule (code, prefix or name)
 *   default = "demote"
 *   MLS201 = "report"
 * A rule given a mode here follows it; a rule marked `keep` below is reported as it is unless
 * named; every other rule follows the default. Findings in test code carry `testCode` (SARIF
 * properties, JSON) whatever the mode, so reports can count them.
 *
 * Applied in the analyzer's finishing step (results/finish.ts), so the CLI, the editor and the
 * workspace scan agree.
 */
import * as path from 'node:path';
import type { Finding } from '../findings';
import type { Severity } from '../rule';
import type { RuleSelection } from '../config/selection';
import { ScopePaths } from './fingerprints';

export type TestMode = 'report' | 'demote' | 'skip';
export const TEST_MODES: readonly TestMode[] = ['report', 'demote', 'skip'];

/** What a rule's findings in test code get under the default modes. */
export type TestTreatment = 'keep' | 'demote';

/**
 * Per rule, with why. Rules not listed are `demote`d (DEFAULT_TREATMENT). Model files (MLS6xx) and
 * dependency manifests (MLS7xx) are not Python code and are not judged here: a malicious model in
 * `tests/fixtures` is loaded by whoever runs the tests, and a requirement is installed whatever uses it.
 */
export const TEST_TREATMENT: Readonly<Record<string, { treatment: TestTreatment; why: string }>> = {
  MLS001: { treatment: 'keep', why: 'a blanket or unexplained suppression hides findings wherever it is written' },
  MLS101: { treatment: 'demote', why: 'tests usually unpickle data they produced themselves' },
  MLS102: { treatment: 'demote', why: 'tests load checkpoints they saved a moment before' },
  MLS103: { treatment: 'demote', why: 'tests load models they dumped themselves' },
  MLS104: { treatment: 'demote', why: 'tests load arrays they saved themselves' },
  MLS105: { treatment: 'demote', why: 'tests read frames they pickled themselves' },
  MLS106: { treatment: 'demote', why: 'tests parse YAML written in the test' },
  MLS107: { treatment: 'demote', why: 'tests load models they built and saved' },
  MLS108: { treatment: 'demote', why: 'tests reload vector stores they created' },
  MLS201: { treatment: 'demote', why: 'integration tests pin the models they exercise; production code is where the flag matters' },
  MLS202: { treatment: 'demote', why: 'test downloads are fixtures, not the artefacts users run' },
  MLS203: { treatment: 'demote', why: 'test downloads are fixtures, not the artefacts users run' },
  MLS204: { treatment: 'demote', why: 'test downloads are fixtures, not the artefacts users run' },
  MLS205: { treatment: 'demote', why: 'tests talk to local or mocked servers' },
  MLS301: { treatment: 'demote', why: 'tests evaluate expressions they wrote' },
  MLS302: { treatment: 'demote', why: 'tests run commands they assembled' },
  MLS303: { treatment: 'demote', why: 'tests exercise agents against fixed prompts' },
  MLS403: { treatment: 'demote', why: 'a test client does not serve the debugger to a network' },
  MLS404: { treatment: 'keep', why: 'a server on every interface is reachable from the network while the test runs' },
  MLS405: { treatment: 'keep', why: 'a public share link publishes the app to the internet while the test runs' },
  MLS406: { treatment: 'keep', why: 'an open Jupyter server runs code for anyone who reaches it, test or not' },
  MLS501: { treatment: 'keep', why: 'a committed credential is public whichever file holds it' },
};

export const DEFAULT_TREATMENT: TestTreatment = 'demote';
export const DEFAULT_TEST_MODE: TestMode = 'demote';

/** The `tests` setting of a configuration file. */
export interface TestCodeConfig {
  mode?: TestMode;
  /** Rule entry (code, prefix or name) → mode. */
  perRule?: Record<string, TestMode>;
}

/** What the analyzer needs: the modes, and whether the file's path makes it test code. */
export interface TestCodeSelection {
  mode: TestMode;
  perRule: ReadonlyArray<readonly [string, TestMode]>;
  /** Why the whole file is test code (its path), or undefined. */
  pathReason?: string;
}

/** Why a path (relative, `/`-separated) is test code, or undefined when it is not. */
export function testPathReason(relative: string): string | undefined {
  const parts = relative.split('/').filter((p) => p !== '' && p !== '.');
  const base = parts.pop() ?? '';
  const folder = parts.find((p) => p === 'tests' || p === 'test');
  if (folder) return `in a ${folder}/ folder`;
  if (base === 'conftest.py') return 'conftest.py';
  const stem = base.replace(/\.(py|pyi|ipynb)$/, '');
  if (stem === base) return undefined;
  if (stem.startsWith('test_')) return 'a test_*.py file';
  if (stem.endsWith('_test')) return 'a *_test.py file';
  return undefined;
}

/** Parses the `tests` value of a configuration (a mode, or a table of modes); pushes messages. */
export function parseTestsSetting(value: unknown, problem: (message: string, key?: string) => void, noteRule: (entry: string) => void) {
  const modeOf = (v: unknown, key: string): TestMode | undefined => {
    if (typeof v === 'string' && (TEST_MODES as readonly string[]).includes(v)) return v as TestMode;
    problem(`"${key}" must be "report", "demote" or "skip", not ${JSON.stringify(v)}`, key);
    return undefined;
  };
  if (typeof value === 'string') {
    const mode = modeOf(value, 'tests');
    return mode ? { mode } : undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    problem('"tests" must be "report", "demote" or "skip", or a table with "default" and modes per rule', 'tests');
    return undefined;
  }
  const config: TestCodeConfig = { perRule: {} };
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const mode = modeOf(v, key);
    if (!mode) continue;
    if (key === 'default') config.mode = mode;
    else {
      config.perRule![key] = mode;
      noteRule(key);
    }
  }
  return config;
}

const derived = new WeakMap<RuleSelection, Map<string, RuleSelection>>();

/**
 * The selection for one file: `selection` with the test-code settings of `config` and whether the
 * file's path is test code. Derived selections share the rule set (so the analyzer's rule index),
 * and are cached, so the editor's reuse of an earlier analysis (same selection) keeps working.
 */
export function withTestCode(
  selection: RuleSelection,
  config: { root: string; tests?: TestCodeConfig; externalSuppressions?: boolean },
  file: string,
): RuleSelection {
  const relative = path.relative(config.root, path.resolve(file)).split(path.sep).join('/');
  const pathReason = relative.startsWith('..') ? testPathReason(path.basename(file)) : testPathReason(relative);
  const tests: TestCodeSelection = {
    mode: config.tests?.mode ?? DEFAULT_TEST_MODE,
    perRule: Object.entries(config.tests?.perRule ?? {}),
    pathReason,
  };
  // The other per-configuration switch the analyzer reads rides along (externalSuppressions.ts).
  const externalSuppressions = config.externalSuppressions !== false;
  const key = JSON.stringify([tests, externalSuppressions]);
  let byKey = derived.get(selection);
  if (!byKey) derived.set(selection, (byKey = new Map()));
  let made = byKey.get(key);
  if (!made) byKey.set(key, (made = { ...selection, tests, externalSuppressions }));
  return made;
}

/** The mode for a rule: the most specific per-rule entry, else `report` for kept rules, else the default. */
export function modeFor(code: string, name: string, tests: Pick<TestCodeSelection, 'mode' | 'perRule'>): TestMode {
  let best = -1;
  let chosen: TestMode | undefined;
  for (const [entry, mode] of tests.perRule) {
    const key = entry.trim();
    let score = -1;
    if (key.toUpperCase() === 'ALL') score = 0;
    else if (key.toUpperCase() === code || key.toLowerCase() === name) score = 100;
    else if (/^MLS\d{0,2}$/i.test(key) && code.startsWith(key.toUpperCase())) score = key.length;
    if (score > best) {
      best = score;
      chosen = mode;
    }
  }
  if (chosen) return chosen;
  return (TEST_TREATMENT[code]?.treatment ?? DEFAULT_TREATMENT) === 'keep' ? 'report' : tests.mode;
}

export const IN_TEST_CODE = 'in test code';

/**
 * Marks the findings in test code and applies the mode of each rule: `demote` sets `info` and says
 * "in test code" in the message, `skip` drops the finding. Returns the findings kept.
 */
export function applyTestCodePolicy(findings: Finding[], paths: ScopePaths, selection: RuleSelection): Finding[] {
  const tests: TestCodeSelection = selection.tests ?? { mode: DEFAULT_TEST_MODE, perRule: [] };
  const kept: Finding[] = [];
  for (const finding of findings) {
    const reason = tests.pathReason ?? testCodeAround(paths, finding.span.start);
    if (!reason) {
      kept.push(finding);
      continue;
    }
    const mode = modeFor(finding.code, finding.name, tests);
    if (mode === 'skip') continue;
    const severity: Severity = finding.severity;
    finding.testCode = { reason, severity, mode };
    if (mode === 'demote' && severity !== 'info') {
      finding.severity = 'info';
      finding.message = `${finding.message} (${IN_TEST_CODE})`;
    } else if (mode === 'demote') finding.message = `${finding.message} (${IN_TEST_CODE})`;
    kept.push(finding);
  }
  return kept;
}

/**
 * Why the code at `offset` is test code (the innermost definition that makes it so), or undefined.
 * Read from the text (ScopePaths), not the tree: a syntax error elsewhere in the file moves
 * definitions around in a tree but not in the text, and the CLI (partial parse) and the editor
 * (whole parse) must agree.
 */
export function testCodeAround(paths: ScopePaths, offset: number): string | undefined {
  for (const definition of paths.definitionsAround(offset)) {
    const reason = testDefinition(definition);
    if (reason) return reason;
  }
  return undefined;
}

function testDefinition(definition: { kind: 'def' | 'class'; name: string; header: string; decorators: string[] }): string | undefined {
  const { name } = definition;
  if (definition.kind === 'def') {
    if (/^test(?:_|$|[A-Z0-9])/.test(name)) return `test function ${name}`;
    for (const decorator of definition.decorators) {
      const text = decorator.replace(/^@\s*/, '');
      if (/^(?:pytest\s*\.\s*)?fixture\b/.test(text)) return `pytest fixture ${name}`;
    }
    return undefined;
  }
  if (/^Test(?:$|[A-Z0-9_])/.test(name)) return `test class ${name}`;
  const open = definition.header.indexOf('(');
  const close = definition.header.lastIndexOf(')');
  const bases = open >= 0 && close > open ? definition.header.slice(open + 1, close) : '';
  for (const base of bases.split(',')) {
    if (/(?:^|\.)\w*TestCase$/.test(base.replace(/\s+/g, ''))) return `test class ${name}`;
  }
  return undefined;
}
