/**
 * The differential check (optimised against unoptimised findings, editor edits replayed) on
 * programs no one wrote: the top-level statements of the rule fixtures, recombined. Each program
 * takes the imports of two or three fixtures and a random part of their other statements
 * (functions, classes, module-level code, data flows, credentials), in a random order, with
 * filler functions the partial parse can leave out between them. A finding the prefilter, partial
 * parsing, the flow gates or the editor's reuse loses or moves shows up as a difference that the
 * fixtures themselves, in their written order, do not reveal.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzer } from '../support/engine';
import { checkText, random } from '../support/differential';
import { FIXTURES } from '../support/paths';

type Next = () => number;

interface Chunks {
  imports: string[];
  rest: string[];
}

/** The top-level statements of a file, as written (decorators with their definitions), imports apart. */
function chunksOf(
  parse: (text: string) => { rootNode: { namedChildren: Array<{ type: string; text: string } | null> }; delete(): void },
  text: string,
): Chunks {
  const tree = parse(text);
  try {
    const imports: string[] = [];
    const rest: string[] = [];
    for (const node of tree.rootNode.namedChildren) {
      if (!node || node.type === 'comment') continue;
      if (node.type === 'import_statement' || node.type === 'import_from_statement' || node.type === 'future_import_statement')
        imports.push(node.text);
      else rest.push(node.text);
    }
    return { imports, rest };
  } finally {
    tree.delete();
  }
}

function filler(next: Next, n: number): string {
  const lines = [`def filler_${n}(rows):`, '    total = 0'];
  const count = 2 + Math.floor(next() * 6);
  for (let i = 0; i < count; i++) lines.push(`    for row in rows[${i}:]:`, `        total += len(row) * ${i}`);
  lines.push('    return total');
  return lines.join('\n');
}

function program(next: Next, sources: readonly Chunks[]): string {
  const chosen = [...sources].sort(() => next() - 0.5).slice(0, 2 + Math.floor(next() * 2));
  const imports = chosen.flatMap((c) => c.imports);
  const body = chosen.flatMap((c) => c.rest.filter(() => next() < 0.6));
  const parts = body.map((chunk) => [next(), chunk] as const).sort((a, b) => a[0] - b[0]);
  const out: string[] = [...imports, ''];
  let n = 0;
  for (const [, chunk] of parts) {
    if (next() < 0.5) out.push(filler(next, n++), '');
    out.push(chunk, '');
  }
  return out.join('\n') + '\n';
}

describe('differential check on generated programs', () => {
  it('finds no difference on 40 programs recombined from the rule fixtures, editor edits included', async function () {
    this.timeout(300_000);
    const engine = await analyzer();
    const files = fs
      .readdirSync(FIXTURES)
      .filter((f) => /^MLS\d+.*\.py$/.test(f))
      .map((f) => path.join(FIXTURES, f));
    assert.ok(files.length >= 20, `only ${files.length} fixtures`);
    const sources = files.map((file) => chunksOf((text) => engine.parser.parse(text), fs.readFileSync(file, 'utf8')));
    const next = random(Number(process.env.MLSEC_FUZZ_SEED ?? 20261207));
    let findings = 0;
    let edits = 0;
    for (let round = 0; round < 40; round++) {
      const text = program(next, sources);
      const file = path.join(FIXTURES, `generated_${round}.py`);
      const check = checkText(engine, file, text, { edits: true, seed: round + 1 });
      if (check.differences.length > 0) {
        const saved = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlsec-generated-')), `generated_${round}.py`);
        fs.writeFileSync(saved, text);
        assert.fail(`round ${round} (program saved as ${saved}):\n${JSON.stringify(check.differences, null, 2).slice(0, 4000)}`);
      }
      findings += check.findings;
      edits += check.edits;
    }
    assert.ok(findings >= 200 && edits >= 100, `only ${findings} findings and ${edits} edits compared`);
  });
});
