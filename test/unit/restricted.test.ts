/**
 * Fixed text that is not a literal (rules/restricted.ts, rules/support.ts isFixedText): a
 * container stays fixed only while nothing but literals is put into it (changedInPlace, read from
 * the text so that partial parsing cannot change the answer), a loop or comprehension variable
 * over fixed values or allowed by its comprehension's `if`, and either branch of a conditional.
 */
import * as assert from 'node:assert/strict';
import type { Node } from '../../server/src/engine/parser';
import { PythonParser } from '../../server/src/engine/parser';
import { SemanticModel } from '../../server/src/engine/semantic';
import { changedInPlace } from '../../server/src/rules/restricted';
import { isFixedText } from '../../server/src/rules/support';
import { analyzer, partialAndWhole } from '../support/engine';

async function model(source: string): Promise<SemanticModel> {
  const parser = await PythonParser.get();
  return new SemanticModel(parser.parse(source), source);
}

/** Whether `name` is changed in place with anything but literals, for its binding at its first occurrence. */
async function changed(lines: string[], name = 'parts'): Promise<boolean> {
  const source = lines.join('\n');
  const semantic = await model(source);
  const at = new RegExp(`\\b${name}\\b`).exec(source)!.index;
  return changedInPlace(semantic, name, semantic.lookup(name, at + name.length + 4));
}

/** Whether the last call's first argument is fixed text. */
async function fixedArgument(lines: string[]): Promise<boolean> {
  const source = lines.join('\n');
  const semantic = await model(source);
  const calls = semantic.tree.rootNode.descendantsOfType('call').filter((c): c is Node => !!c);
  const last = calls.reduce((a, b) => (b.startIndex > a.startIndex ? b : a));
  return isFixedText(semantic, last.childForFieldName('arguments')!.namedChildren[0]);
}

describe('fixed text: containers changed in place', () => {
  it('keeps a container fixed while only literals are put into it', async () => {
    for (const change of [
      'parts.append("a")',
      "parts.append(r'a\\b')",
      'parts.append(f"plain")',
      'parts.extend(["-q", "-v"])',
      'parts.insert(0, "first")',
      'parts.append(\n    "a)b"  # a comment with (brackets\n)',
      'parts[0] = "a"',
      'parts += ["-q"]',
      'parts.append(None)',
      'parts[0] == x',
      'other_parts.append(x)',
      'self.parts.append(x)',
      'parts.pop()',
      'print(parts[x])',
      'other = parts[0]',
      'same = parts == other',
      'n = len(parts)',
    ])
      assert.equal(await changed(['parts = ["x"]', change]), false, change);
  });

  it('counts anything else put into it, or a change it cannot read, as a change', async () => {
    for (const change of [
      'parts.append(x)',
      'parts.append(f"{x}")',
      'parts.append("a" + x)',
      'parts.extend(xs)',
      'parts.insert(0, x)',
      'parts.add(x)',
      'parts.update(other)',
      'parts.setdefault("k", x)',
      'parts[i] = "a"',
      'parts[0] = x',
      'parts[0] += x',
      'parts += xs',
      'parts *= n',
      'parts.append(1e5)',
      'parts.append(',
      'parts.append("unterminated)',
      'add = parts.append\nadd(x)',
      'grow = parts.extend',
      'list.append(parts, x)',
      'parts.__iadd__([x])',
      'alias = parts\nalias.append(x)',
    ])
      assert.equal(await changed(['parts = ["x"]', change]), true, change);
  });

  it("reads a function's own list in that function only, a module's anywhere", async () => {
    const local = ['def run():', '    parts = []', '    parts.append("a")', '', 'def other(x):', '    parts = []', '    parts.append(x)'];
    assert.equal(await changed(local), false);
    assert.equal(await changed(['parts = []', '', 'def add(x):', '    parts.append(x)']), true);
  });
});

describe('fixed text: values restricted to constants', () => {
  it('judges joined lists, loops, comprehensions and conditionals', async () => {
    const cases: Array<[string[], boolean]> = [
      [['parts = []', 'parts.append("-q")', 'run(" ".join(parts))'], true],
      [['parts = []', 'parts.append(user)', 'run(" ".join(parts))'], false],
      [['parts = ["a"]', 'parts += ["b"]', 'run(" ".join(parts))'], true],
      [['parts = ["a"]', 'parts += [user]', 'run(" ".join(parts))'], false],
      [['T = {"a": "x", "b": "y"}', 'for k, v in T.items():', '    run(k + v)'], true],
      [['T = {"a": "x", "b": "y"}', 'for k, v in T.items():', '    run(k + v + user)'], false],
      [['def f(t):', '    for k, v in t.items():', '        run(k)'], false],
      [['T = {"a": user}', 'for k, v in T.items():', '    run(k)'], true],
      [['T = {"a": user}', 'for k, v in T.items():', '    run(v)'], false],
      [['for i, s in enumerate(("a", "b")):', '    run(f"{i}{s}")'], true],
      [['for i, s in enumerate(names):', '    run(f"{s}")'], false],
      [['for s in sorted(("b", "a")):', '    run(s)'], true],
      [['run(" ".join(o for o in opts if o in ("a", "b")))'], true],
      [['run(" ".join(o for o in opts if o not in ("a", "b")))'], false],
      [['run(" ".join(o for o in opts))'], false],
      [['run(" ".join([f"--{o}" for o in ("a", "b")]))'], true],
      [['ALLOWED = {"a", "b"}', 'f = {k: v for k, v in kw.items() if k in ALLOWED}', 'run(", ".join(f"{k}=?" for k in f))'], true],
      [['f = {k: v for k, v in kw.items()}', 'run(", ".join(f"{k}=?" for k in f))'], false],
      [['x = "a" if c else ""', 'run(x)'], true],
      [['x = "a" if c else user', 'run(x)'], false],
    ];
    for (const [lines, fixed] of cases) assert.equal(await fixedArgument(lines), fixed, lines.join(' / '));
  });

  it('gives the same findings with partial parsing when another function changes a list', async () => {
    const engine = await analyzer();
    const text = [
      'import os',
      '',
      'PARTS = []',
      '',
      '',
      'def add(x):',
      '    PARTS.append(x)',
      '',
      '',
      'def quiet():',
      '    PARTS.append("-q")',
      '',
      '',
      'def run():',
      '    os.system(" ".join(PARTS))',
      '',
    ].join('\n');
    const { whole, partial, result } = partialAndWhole(engine, text);
    assert.deepEqual(partial, whole);
    assert.equal(whole.length, 1, 'the list is changed with data in add()');
    assert.ok((result.skippedUnits ?? 0) > 0, 'the functions that change it were left out of the parse');
    const literal = text.replace('PARTS.append(x)', 'PARTS.append("-v")');
    const again = partialAndWhole(engine, literal);
    assert.deepEqual(again.partial, again.whole);
    assert.equal(again.whole.length, 0);
    // A table of commands (constantTableLookup) changed where the parse does not look.
    const table = [
      'import os',
      '',
      'TABLE = {"a": "ls"}',
      '',
      '',
      'def add(x):',
      '    TABLE["b"] = x',
      '',
      '',
      'def run(k):',
      '    os.system(TABLE[k])',
      '',
    ];
    const tabled = partialAndWhole(engine, table.join('\n'));
    assert.deepEqual(tabled.partial, tabled.whole);
    assert.equal(tabled.whole.length, 1);
  });
});
