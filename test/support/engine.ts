import { Analyzer } from '../../server/src/engine/pipeline/analyzer';
import { ALL_RULES } from '../../server/src/rules/index';

let shared: Promise<Analyzer> | undefined;

/** One analyzer for the whole test run (the WebAssembly parser loads once). */
export function analyzer(): Promise<Analyzer> {
  shared ??= Analyzer.create(ALL_RULES);
  return shared;
}
