/**
 * Metamorphic tests: a file written differently but meaning the same to Python must give the
 * same findings, suppressions and fixes. Over every rule fixture, the corpus and the examples,
 * each file is analysed as written and as a variant (CRLF, lone-CR line endings, a UTF-8 BOM,
 * tabs for indentation, one notebook cell, one cell per top-level statement); the variant's
 * positions are mapped back and its fixes applied and transformed back, and everything is
 * compared with the original's. A variant that loses or gains a finding fails, and so does a run
 * that compared too few findings to mean anything.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import type { Finding } from '../../server/src/engine/findings';
import { readNotebookCells } from '../../server/src/engine/io/notebook';
import type { NotebookCell } from '../../server/src/engine/io/notebook';
import type { Fix, TextEdit } from '../../server/src/engine/rule';
import type { Position } from '../../server/src/engine/text';
import { analyzer } from '../support/engine';
import { CORPUS, FIXTURES, REPO_ROOT, filesUnder } from '../support/paths';

/** A variant of a file: its findings in the original's terms. */
interface Variant {
  name: string;
  /** Undefined when the transformation does not apply to this text. */
  findings(engine: Analyzer, text: string): Finding[] | undefined;
  /** Maps a position of the variant to the original text. */
  toOriginal(text: string, position: Position): Position;
  /** The variant with a fix applied, transformed back to the original's form. */
  fixed(text: string, fix: Fix): string;
  /** Notebook variants: the cells (findings are per cell). */
  cells?(engine: Analyzer, text: string): NotebookCell[] | undefined;
}

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  return [...edits]
    .sort((a, b) => b.start - a.start || b.end - a.end)
    .reduce((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), text);
}

/** A variant that rewrites the text and maps positions back with `toOriginal`. */
function rewritten(
  name: string,
  make: (text: string) => string | undefined,
  back: (variant: string) => string,
  toOriginal: Variant['toOriginal'] = (_, p) => p,
): Variant {
  return {
    name,
    findings: (engine, text) => {
      const variant = make(text);
      return variant === undefined ? undefined : engine.analyzePython(variant).findings;
    },
    toOriginal,
    fixed: (text, fix) => back(applyEdits(make(text)!, fix.edits)),
  };
}

/** Leading runs of four spaces as tabs, in a text without tabs. */
function withTabs(text: string): string | undefined {
  if (text.includes('\t')) return undefined;
  return text.replace(/^(?: {4})+/gm, (run) => '\t'.repeat(run.length / 4));
}

/** Cells whose texts joined give the text back: one, or one per top-level statement. */
function asCells(engine: Analyzer, text: string, split: boolean): NotebookCell[] | undefined {
  // A notebook masks IPython syntax: a file whose lines could be read as such is not comparable.
  if (/^[ \t]*[%!?]|^[ \t]*[\w.]+\?{1,2}[ \t]*$/m.test(text)) return undefined;
  if (!split) return [{ index: 0, text }];
  const tree = engine.parser.parse(text);
  try {
    if (tree.rootNode.hasError) return undefined;
    const cuts = [0];
    for (const node of tree.rootNode.namedChildren) {
      if (!node || node.type === 'comment') continue;
      const lineStart = text.lastIndexOf('\n', node.startIndex - 1) + 1;
      if (lineStart > cuts[cuts.length - 1] && text.slice(lineStart, node.startIndex).trim() === '') cuts.push(lineStart);
    }
    if (cuts.length < 2) return undefined;
    return cuts.map((start, i) => ({ index: i, text: text.slice(start, cuts[i + 1] ?? text.length) }));
  } finally {
    tree.delete();
  }
}

/** A notebook variant: offsets and positions are per cell; the cells joined are the text. */
function notebook(name: string, split: boolean): Variant {
  const cellsOf = new Map<string, NotebookCell[] | undefined>();
  let engineRef: Analyzer | undefined;
  const cells = (text: string) => {
    if (!cellsOf.has(text)) cellsOf.set(text, asCells(engineRef!, text, split));
    return cellsOf.get(text);
  };
  return {
    name,
    findings: (engine, text) => {
      engineRef = engine;
      const list = cells(text);
      return list && engine.analyzeNotebookCells(list).findings;
    },
    toOriginal: (_text, position) => position,
    cells: (engine, text) => {
      engineRef = engine;
      return cells(text);
    },
    fixed: (text, fix) =>
      cells(text)!
        .map((cell) =>
          applyEdits(
            cell.text,
            fix.edits.filter((e) => e.cell === cell.index),
          ),
        )
        .join(''),
  };
}

const VARIANTS: Variant[] = [
  rewritten(
    'CRLF',
    (t) => (t.includes('\r') ? undefined : t.replace(/\n/g, '\r\n')),
    (t) => t.replace(/\r\n/g, '\n'),
  ),
  rewritten(
    'lone CR',
    (t) => (t.includes('\r') ? undefined : t.replace(/\n/g, '\r')),
    (t) => t.replace(/\r/g, '\n'),
  ),
  rewritten(
    'UTF-8 BOM',
    (t) => (t.startsWith('\uFEFF') ? undefined : '\uFEFF' + t),
    (t) => t.replace(/^\uFEFF/, ''),
    (_, p) => (p.line === 0 ? { line: 0, character: Math.max(0, p.character - 1) } : p),
  ),
  rewritten(
    'tabs',
    withTabs,
    (t) => t.replace(/^\t+/gm, (run) => '    '.repeat(run.length)),
    (text, p) => {
      const tabs = /^\t*/.exec(withTabs(text)!.split('\n')[p.line] ?? '')![0].length;
      return { line: p.line, character: p.character >= tabs ? p.character + 3 * tabs : p.character * 4 };
    },
  ),
];

/** What must not change: every field a user sees, in the original's positions. */
function view(findings: Finding[], text: string, variant: Variant | undefined): string[] {
  const at = (p: Position) => {
    const q = variant ? variant.toOriginal(text, p) : p;
    return `${q.line}:${q.character}`;
  };
  return findings
    .map((f) => {
      const fixes = f.fixes.map(
        (fix) =>
          `${fix.title} (${fix.safe ? 'safe' : 'unsafe'}) => ${JSON.stringify(variant ? variant.fixed(text, fix) : applyEdits(text, fix.edits))}`,
      );
      return [
        `${f.code} ${f.severity} ${at(f.range.start)}-${at(f.range.end)} ${f.message}`,
        f.suppression ? `  suppressed ${f.suppression.kind} "${f.suppression.justification}"` : '  open',
        ...f.related.map((r) => `  related ${at(r.range.start)}-${at(r.range.end)} ${r.message}`),
        ...fixes.map((x) => `  fix ${x}`),
      ].join('\n');
    })
    .sort();
}

/** The findings of cell variants, with positions moved from each cell to the joined text. */
function joinedPositions(findings: Finding[], cells: NotebookCell[]): Finding[] {
  const firstLine = new Map<number, number>();
  let line = 0;
  for (const cell of cells) {
    firstLine.set(cell.index, line);
    line += cell.text.split('\n').length - 1;
  }
  const move = (cell: number | undefined, p: Position): Position => ({
    line: p.line + (firstLine.get(cell ?? 0) ?? 0),
    character: p.character,
  });
  return findings.map((f) => ({
    ...f,
    range: { start: move(f.cell, f.range.start), end: move(f.cell, f.range.end) },
    related: f.related.map((r) => ({
      ...r,
      range: { start: move(r.cell ?? f.cell, r.range.start), end: move(r.cell ?? f.cell, r.range.end) },
    })),
  }));
}

/** Every form of suppression comment, used and not, with and without a reason. */
const SUPPRESSIONS = [
  '# mlsec: ignore-file[MLS301] the sandbox evaluates these on purpose',
  'import pickle',
  'import torch',
  '',
  'a = torch.load("a.pt")  # mlsec: ignore[MLS102] our own checkpoint',
  '# mlsec: ignore[weights-only-false, MLS102] checked by the loader',
  'b = torch.load("b.pt")',
  'c = torch.load("c.pt")  # mlsec: ignore[MLS102]',
  'd = pickle.loads(blob)  # mlsec: ignore[MLS101] signed upstream  # noqa',
  'e = torch.load("e.pt")  # mlsec: ignore[MLS999] no such rule',
  'f = torch.load(  # mlsec: ignore',
  '    "f.pt",',
  ')',
  'eval(input())',
  '',
  'def load(path):',
  '    # mlsec: ignore[MLS102] an unused one',
  '    return open(path).read()',
  '',
].join('\n');

describe('metamorphic: the same code written differently gives the same results', () => {
  const files = [
    ...filesUnder(FIXTURES, ['.py']),
    ...filesUnder(CORPUS, ['.py']),
    ...filesUnder(path.join(REPO_ROOT, 'examples'), ['.py']),
    'suppressions',
  ];
  const all: Variant[] = [...VARIANTS, notebook('one notebook cell', false), notebook('a cell per top-level statement', true)];

  for (const variant of all) {
    it(`${variant.name}: same findings, suppressions and fixes on ${files.length} files`, async () => {
      const engine = await analyzer();
      let compared = 0;
      let suppressed = 0;
      let fixes = 0;
      let applied = 0;
      for (const file of files) {
        const text = file === 'suppressions' ? SUPPRESSIONS : fs.readFileSync(file, 'utf8');
        const base = engine.analyzePython(text).findings;
        let findings = variant.findings(engine, text);
        if (!findings) continue;
        applied++;
        if (variant.cells) findings = joinedPositions(findings, variant.cells(engine, text)!);
        assert.deepEqual(
          view(findings, text, variant),
          view(base, text, undefined),
          `${path.relative(REPO_ROOT, file)} as ${variant.name}`,
        );
        compared += base.length;
        suppressed += base.filter((f) => f.suppression).length;
        fixes += base.reduce((n, f) => n + f.fixes.length, 0);
      }
      // Not a vacuous pass: the variant applied to most files and the files hold many findings.
      assert.ok(applied >= files.length * 0.8, `${variant.name} applied to only ${applied} of ${files.length} files`);
      assert.ok(
        compared >= 200 && suppressed >= 8 && fixes >= 50,
        `${variant.name}: only ${compared} findings, ${suppressed} suppressed, ${fixes} fixes compared`,
      );
    });
  }
});

describe('metamorphic: notebooks with other line endings in their cells', () => {
  const notebooks = [...filesUnder(CORPUS, ['.ipynb']), ...filesUnder(path.join(REPO_ROOT, 'examples'), ['.ipynb'])];
  it(`gives the same findings and fixes for CRLF and lone-CR cells in ${notebooks.length} notebooks`, async () => {
    const engine = await analyzer();
    let compared = 0;
    for (const file of notebooks) {
      const cells = readNotebookCells(fs.readFileSync(file, 'utf8'));
      const base = engine.analyzeNotebookCells(cells).findings;
      const fixedCells = (list: NotebookCell[], fix: Fix) =>
        list.map((c) =>
          applyEdits(
            c.text,
            fix.edits.filter((e) => e.cell === c.index),
          ),
        );
      const summary = (findings: Finding[], list: NotebookCell[], back: (t: string) => string) =>
        findings
          .map((f) =>
            [
              f.cell,
              f.code,
              f.range.start.line,
              f.range.start.character,
              f.range.end.line,
              f.range.end.character,
              f.message,
              f.suppression?.justification,
              ...f.fixes.map((x) => JSON.stringify(fixedCells(list, x).map(back))),
            ].join(' | '),
          )
          .sort();
      const expected = summary(base, cells, (t) => t);
      for (const eol of ['\r\n', '\r']) {
        const variant = cells.map((c) => ({ ...c, text: c.text.replace(/\n/g, eol) }));
        const back = (t: string) => t.split(eol).join('\n');
        assert.deepEqual(
          summary(engine.analyzeNotebookCells(variant).findings, variant, back),
          expected,
          `${path.basename(file)} with ${JSON.stringify(eol)}`,
        );
      }
      compared += base.length;
    }
    assert.ok(compared >= 10, `only ${compared} findings compared`);
  });
});
