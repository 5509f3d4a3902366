/**
 * Pinned outputs of the rules: for every fixture under test/rules/fixtures, the text of every
 * finding (message, severity, related locations) and the result of every fix, stored next to the
 * fixture as `<fixture>.snap`. A change of wording or of a fix shows up as a diff of that file in
 * review. After an intended change, rewrite the files with
 *
 *     npx tsc -b && MLSEC_UPDATE_SNAPSHOTS=1 npx mocha --no-config out/test/rules/snapshots.test.js
 *
 * and read the diff before committing. A fixture without a snapshot file fails (it is written in
 * update mode), and so does a snapshot file left without its fixture.
 *
 * The second part parses the result of every fix of the Python fixtures and the corpus with
 * Python's own `ast` module (one python3 process for all of them): a fix must never leave code
 * that Python cannot read.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding } from '../../server/src/engine/findings';
import { applyEdits } from '../../server/src/engine/results/fixes';
import { readNotebookCells } from '../../server/src/engine/io/notebook';
import type { Fix } from '../../server/src/engine/rule';
import { analyzeText } from '../../server/src/engine/pipeline/fileAnalysis';
import { analyzer } from '../support/engine';
import { CORPUS, FIXTURES, filesUnder } from '../support/paths';

const UPDATE = process.env.MLSEC_UPDATE_SNAPSHOTS === '1';
const SNAPSHOT_SUFFIX = '.snap';

/** The fixture files that have findings to pin: Python files, notebooks and the manifest fixtures. */
function fixtureFiles(): string[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.py') || f.endsWith('.ipynb') || f.endsWith('.txt'))
    .sort();
}

/** The texts a file's edits apply to: the file itself, or per code cell for a notebook. */
function textsOf(file: string, text: string): Map<number, string> {
  if (!file.endsWith('.ipynb')) return new Map([[-1, text]]);
  return new Map(readNotebookCells(text).map((cell) => [cell.index, cell.text]));
}

interface FixResult {
  /** Where the fix was applied: the cell for a notebook, else -1. */
  cell: number;
  before: string;
  after: string;
}

/** The texts a fix leaves, one per cell it edits (one for a plain file). */
function fixResults(texts: Map<number, string>, fix: Fix): FixResult[] {
  const byCell = new Map<number, Fix['edits']>();
  for (const edit of fix.edits) {
    const cell = edit.cell ?? -1;
    byCell.set(cell, [...(byCell.get(cell) ?? []), edit]);
  }
  return [...byCell].map(([cell, edits]) => {
    const before = texts.get(cell);
    if (before === undefined) throw new Error(`a fix edits cell ${cell}, which the file does not have`);
    return { cell, before, after: applyEdits(before, edits) };
  });
}

/** The lines a change touches: `-` lines numbered as before the fix, `+` lines as after it (a one-hunk diff). */
function hunk(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const removed = a.slice(head, a.length - tail).map((line, i) => `${String(head + i + 1).padStart(5)} - ${line}`);
  const added = b.slice(head, b.length - tail).map((line, i) => `${String(head + i + 1).padStart(5)} + ${line}`);
  return removed.length + added.length > 0 ? [...removed, ...added] : ['      (no change)'];
}

const where = (f: { range: Finding['range']; cell?: number }) =>
  `${f.cell !== undefined ? `cell ${f.cell} ` : ''}${f.range.start.line + 1}:${f.range.start.character + 1}-${f.range.end.line + 1}:${f.range.end.character + 1}`;

/** The snapshot text of one fixture's findings. */
function render(file: string, text: string, findings: readonly Finding[]): string {
  const texts = textsOf(file, text);
  const out = [
    `# Findings and fix results of ${path.basename(file)}, pinned by test/rules/snapshots.test.ts.`,
    '# Regenerate with MLSEC_UPDATE_SNAPSHOTS=1 after an intended change, and review the diff.',
    '',
  ];
  for (const finding of findings) {
    out.push(`${finding.code} ${where(finding)} ${finding.severity}${finding.suppression ? ' (suppressed)' : ''}`);
    out.push(`  ${finding.message}`);
    for (const related of finding.related) out.push(`  related ${where(related)}: ${related.message}`);
    for (const fix of finding.fixes) {
      out.push(`  fix (${fix.safe ? 'safe' : 'unsafe'}): ${fix.title}`);
      for (const result of fixResults(texts, fix)) {
        if (result.cell >= 0) out.push(`    in cell ${result.cell}:`);
        out.push(...hunk(result.before, result.after).map((line) => `    ${line}`));
      }
    }
    out.push('');
  }
  if (findings.length === 0) out.push('(no findings)', '');
  return out.join('\n');
}

async function findingsOf(file: string): Promise<{ text: string; findings: Finding[] }> {
  const engine = await analyzer();
  const text = fs.readFileSync(file, 'utf8');
  const { findings, problems } = analyzeText(engine, file, text, engine.defaultSelection);
  if (problems.length > 0) throw new Error(`${file}: ${problems.map((p) => p.message).join('; ')}`);
  return { text, findings };
}

describe('rule snapshots (messages and fix results)', () => {
  const files = fixtureFiles();

  it('has fixtures to pin', () => assert.ok(files.length > 0));

  for (const name of files) {
    it(name, async () => {
      const file = path.join(FIXTURES, name);
      const { text, findings } = await findingsOf(file);
      const actual = render(file, text, findings);
      const snapshot = file + SNAPSHOT_SUFFIX;
      if (UPDATE) {
        fs.writeFileSync(snapshot, actual);
        return;
      }
      assert.ok(
        fs.existsSync(snapshot),
        `${name}: no snapshot ${path.basename(snapshot)}; write it with MLSEC_UPDATE_SNAPSHOTS=1 and review it`,
      );
      assert.equal(
        actual,
        fs.readFileSync(snapshot, 'utf8'),
        `${name}: findings or fixes differ from ${path.basename(snapshot)} (MLSEC_UPDATE_SNAPSHOTS=1 rewrites it)`,
      );
    });
  }

  it('has no snapshot without its fixture', () => {
    const orphans = fs
      .readdirSync(FIXTURES)
      .filter((f) => f.endsWith(SNAPSHOT_SUFFIX) && !files.includes(f.slice(0, -SNAPSHOT_SUFFIX.length)));
    if (UPDATE) for (const orphan of orphans) fs.rmSync(path.join(FIXTURES, orphan));
    else assert.deepEqual(orphans, [], 'snapshot files whose fixture is gone (MLSEC_UPDATE_SNAPSHOTS=1 deletes them)');
  });
});

/** Reads each text given on stdin (a JSON list) with ast.parse; prints a JSON list of errors. */
const PYTHON_CHECK = `
import ast, json, sys
items = json.load(sys.stdin)
errors = []
for item in items:
    try:
        ast.parse(item["text"], filename=item["name"])
    except SyntaxError as error:
        errors.append({"name": item["name"], "line": error.lineno, "message": error.msg})
print(json.dumps({"checked": len(items), "errors": errors}))
`;

function python3(): string | undefined {
  for (const command of ['python3', 'python']) {
    const run = spawnSync(command, ['-c', 'import sys; print(sys.version_info[0])'], { encoding: 'utf8' });
    if (run.status === 0 && run.stdout.trim() === '3') return command;
  }
  return undefined;
}

describe('fix results are valid Python (parsed by python3 -c "import ast")', () => {
  it('parses the result of every fix of the Python fixtures and the corpus', async function () {
    const python = python3();
    if (!python) {
      if (process.env.CI) assert.fail('python3 is needed to check the fix results and is not installed (CI must install it)');
      console.log('      (skipped: python3 not found; the fix results were not checked with Python)');
      this.skip();
    }
    const sources = [
      ...fixtureFiles()
        .filter((f) => f.endsWith('.py') || f.endsWith('.ipynb'))
        .map((f) => path.join(FIXTURES, f)),
      ...filesUnder(CORPUS, ['.py', '.ipynb']),
    ];
    // The originals are checked too: a fix can only be blamed for an error its file did not have.
    const items: Array<{ name: string; text: string }> = [];
    for (const file of sources) {
      const { text, findings } = await findingsOf(file);
      const texts = textsOf(file, text);
      for (const [cell, original] of texts)
        items.push({ name: `${path.basename(file)}${cell >= 0 ? ` cell ${cell}` : ''}`, text: original });
      for (const finding of findings) {
        for (const fix of finding.fixes) {
          for (const result of fixResults(texts, fix)) {
            const cell = result.cell >= 0 ? ` cell ${result.cell}` : '';
            items.push({
              name: `${path.basename(file)}${cell} after "${fix.title}" (${finding.code} at line ${finding.range.start.line + 1})`,
              text: result.after,
            });
          }
        }
      }
    }
    const fixCount = items.filter((item) => item.name.includes(' after "')).length;
    assert.ok(fixCount > 0, 'no fix results found to check');
    // Notebook cells may hold IPython syntax (`!pip`, `%time`), which ast cannot read: such cells are not parsed.
    const python3Items = items.filter((item) => !(item.name.includes(' cell ') && /^\s*[!%]/m.test(item.text)));
    const run = spawnSync(python!, ['-c', PYTHON_CHECK], {
      input: JSON.stringify(python3Items),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(run.status, 0, `python3 failed: ${run.stderr}`);
    const { checked, errors } = JSON.parse(run.stdout) as {
      checked: number;
      errors: Array<{ name: string; line: number; message: string }>;
    };
    assert.equal(checked, python3Items.length);
    assert.deepEqual(
      errors.map((e) => `${e.name}: line ${e.line}: ${e.message}`),
      [],
      'fix results (or their originals) that Python cannot parse',
    );
  });
});
