/**
 * The check the declaration tests share (literalDeclaration, constantArguments, literalSinkPlaces):
 * a text with at least one finding of one rule, analysed unoptimised, with the prefilter, and
 * with partial parsing forced on (which must leave something out), gives the same findings.
 */
import * as assert from 'node:assert/strict';
import type { RuleSelection } from '../../server/src/engine/config/selection';
import type { Analyzer } from '../../server/src/engine/pipeline/analyzer';

export function assertKeptWhenOptimised(engine: Analyzer, text: string, selection: RuleSelection, code: string): void {
  const of = (options: { prefilter?: boolean; minSkipped?: number }) => {
    const result = engine.analyzePython(text, { selection, ...options });
    return { findings: result.findings.filter((f) => f.code === code).map((f) => JSON.stringify(f)), skipped: result.skippedUnits ?? 0 };
  };
  const reference = of({ prefilter: false }).findings;
  assert.ok(reference.length > 0, `no ${code} finding to keep in\n${text}`);
  assert.deepEqual(of({}).findings, reference, 'prefilter');
  const partial = of({ minSkipped: 0 });
  assert.ok(partial.skipped > 0, 'partial parsing left nothing out');
  assert.deepEqual(partial.findings, reference, 'partial parsing');
}
