import { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import type { AnalysisOptions, AnalysisResult } from '../../server/src/engine/pipeline/analyzer';
import { ALL_RULES } from '../../server/src/rules/index';

let shared: Promise<Analyzer> | undefined;

/** One analyzer for the whole test run (the WebAssembly parser loads once). */
export function analyzer(): Promise<Analyzer> {
  shared ??= Analyzer.create(ALL_RULES);
  return shared;
}

/**
 * The findings of the unoptimised analysis of a text (no prefilter, no partial parsing) and of
 * the default one with `options` (partial parsing forced on small texts with `minSkipped: 0`),
 * each finding as its JSON: what the partial-parsing tests compare.
 */
export function partialAndWhole(
  engine: Analyzer,
  text: string,
  options: AnalysisOptions = { minSkipped: 0 },
): { whole: string[]; partial: string[]; result: AnalysisResult } {
  const strip = (findings: unknown[]) => findings.map((f) => JSON.stringify(f));
  const result = engine.analyzePython(text, options);
  return { whole: strip(engine.analyzePython(text, { prefilter: false }).findings), partial: strip(result.findings), result };
}
