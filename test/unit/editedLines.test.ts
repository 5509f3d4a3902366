/**
 * The logical lines of an edited text moved from those of the text before (perf/editedLines.ts):
 * after identifier characters typed or deleted all over the fixtures, the corpus and the
 * examples, the moved lines equal a fresh computation, and the edits that could change the lines
 * (a line's first character, a string's prefix, anything but identifier characters) get none.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { logicalLines } from '../../server/src/engine/perf/partialParse';
import { editedLogicalLines, movedLines } from '../../server/src/engine/perf/editedLines';

const ROOT = path.join(__dirname, '..', '..', '..');
const SEED = Number(process.env.MLSEC_FUZZ_SEED ?? 21);

function pythonFiles(): string[] {
  const dirs = [path.join(ROOT, 'test', 'rules', 'fixtures'), path.join(ROOT, 'test', 'corpus'), path.join(ROOT, 'examples')];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.py')) files.push(full);
    }
  };
  for (const dir of dirs) if (fs.existsSync(dir)) walk(dir);
  return files;
}

/** A small deterministic random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORD = 'abcXYZ_019';

describe('logical lines moved over an edit', () => {
  it('equal a fresh computation after identifier characters typed and deleted anywhere', () => {
    const next = random(SEED);
    const files = pythonFiles();
    assert.ok(files.length > 50, 'the fixtures, the corpus and the examples');
    let moved = 0;
    let refused = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const lines = logicalLines(text);
      for (let step = 0; step < 40; step++) {
        const at = Math.floor(next() * (text.length + 1));
        // Typed (one or two characters), or deleted (the character at the offset).
        const typed = next() < 0.6;
        const inserted = typed ? WORD[Math.floor(next() * WORD.length)].repeat(1 + Math.floor(next() * 2)) : '';
        const after = typed ? text.slice(0, at) + inserted + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
        const found = movedLines(lines, text, after);
        if (!found) {
          refused++;
          continue;
        }
        moved++;
        assert.deepEqual(found, logicalLines(after), `${path.basename(file)}: ${typed ? `typing ${inserted}` : 'deleting'} at ${at}`);
      }
    }
    assert.ok(moved > 1000, `moved ${moved}`);
    assert.ok(refused > 100, `refused ${refused}`);
  });

  it('refuses the edits that can change the lines', () => {
    const text = ['def f(x):', '    return r"\\d" + b"a"', 'y = 1', ''].join('\n');
    const lines = logicalLines(text);
    const at = (what: string) => text.indexOf(what);
    const cases: Array<[string, string]> = [
      ["typed before a line's indentation", text.slice(0, at('    return')) + 'q' + text.slice(at('    return'))],
      ['a raw string made plain', text.slice(0, at('r"')) + text.slice(at('r"') + 1)],
      ['a prefix typed before a quote', text.slice(0, at('"a"')) + 'r' + text.slice(at('"a"'))],
      ['a name deleted whole', text.slice(0, at('y = 1')) + text.slice(at('y = 1') + 1)],
      ['a bracket typed', text.slice(0, at('x)')) + '(' + text.slice(at('x)'))],
      ['a blank typed', text.slice(0, at('x)')) + ' ' + text.slice(at('x)'))],
    ];
    for (const [what, after] of cases) assert.equal(movedLines(lines, text, after), undefined, what);
    // An identifier character typed at a name's end, at a line's end: moved, and equal.
    const typed = text.slice(0, at(' = 1')) + 'q' + text.slice(at(' = 1'));
    assert.deepEqual(movedLines(lines, text, typed), logicalLines(typed));
  });

  it('follows a document through its edits and undos', () => {
    let text = ['import functools', 'X = 1', '', '@functools.lru_cache()', 'def f(a):', '    return a', ''].join('\n');
    const check = () => assert.deepEqual(editedLogicalLines(text), logicalLines(text), JSON.stringify(text));
    check();
    for (const [what, insert] of [
      ['functools', '_'],
      ['X', 'Y'],
      ['return a', 'bc'],
    ] as const) {
      const at = text.indexOf(what) + what.length;
      text = text.slice(0, at) + insert + text.slice(at);
      check();
      text = text.slice(0, at) + text.slice(at + insert.length);
      check();
    }
  });
});
