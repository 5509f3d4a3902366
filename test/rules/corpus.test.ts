/**
 * Precision and recall on test/corpus: realistic ML code (training, hub clients, serving apps,
 * notebooks) annotated with the findings a security reviewer would raise. Unlike the per-rule
 * fixtures, which must match exactly, this measures the scanner as a whole and prints the figures.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzer } from '../support/engine';
import { compareWithExpectations } from '../support/expectations';
import { CORPUS } from '../support/paths';

const TARGET = 0.95;

describe('realistic corpus', () => {
  it(`reaches ≥ ${TARGET * 100}% precision and recall`, async function () {
    const engine = await analyzer();
    const files = fs
      .readdirSync(CORPUS)
      .filter((f) => f.endsWith('.py') || f.endsWith('.ipynb'))
      .sort();
    assert.ok(files.length >= 3, 'the corpus needs several realistic files');
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const misses: string[] = [];
    for (const name of files) {
      const result = compareWithExpectations(engine, path.join(CORPUS, name));
      tp += result.truePositives.length;
      fp += result.falsePositives.length;
      fn += result.falseNegatives.length;
      misses.push(
        ...result.falsePositives.map((x) => `${name} unexpected ${x}`),
        ...result.falseNegatives.map((x) => `${name} missing ${x}`),
      );
    }
    const precision = tp / Math.max(1, tp + fp);
    const recall = tp / Math.max(1, tp + fn);
    this.test!.title += ` — precision ${(precision * 100).toFixed(1)}%, recall ${(recall * 100).toFixed(1)}% (${tp} TP, ${fp} FP, ${fn} FN in ${files.length} files)`;
    assert.ok(tp > 20, 'too few expected findings for a meaningful measure');
    assert.ok(precision >= TARGET && recall >= TARGET, `below target:\n${misses.join('\n')}`);
  });
});
