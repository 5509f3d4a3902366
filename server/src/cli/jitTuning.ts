/**
 * V8 settings for a scan, which is a batch job of a few seconds. V8's defaults suit programs
 * that run for long: functions are optimised early and with deep inlining. In a scan that costs
 * more than it saves: at the benchmark's 1x corpus, TurboFan spent about 1 s of CPU per isolate
 * compiling (172 compiles), as much as half the analysis itself, and every worker thread compiles
 * the same functions again. Optimising later (a larger interrupt budget) and inlining smaller
 * functions only halves the compile work; measured with `npm run bench`, the 1x scan is about
 * 10 % faster and the 4x scan about 5 %.
 *
 * The flags are process-wide and read when code is first run and when an isolate starts, so
 * this is called before the scan starts its workers or builds its analyzer. Only the CLI sets
 * them: the language server keeps V8's defaults, which suit a process that lives for hours.
 * `MLSEC_V8_DEFAULTS=1` keeps the defaults in the CLI too (the benchmark measures both; and it
 * is a way out should some Node release handle these flags badly).
 */
import * as v8 from 'node:v8';

const SCAN_FLAGS = ['--interrupt-budget=300000', '--max-inlined-bytecode-size=100'];

let tuned = false;

/** The environment variable that keeps V8's defaults. */
export const V8_DEFAULTS_VARIABLE = 'MLSEC_V8_DEFAULTS';

export function tuneJitForScan(env: NodeJS.ProcessEnv = process.env): void {
  if (tuned || env[V8_DEFAULTS_VARIABLE]) return;
  tuned = true;
  // Only an optimisation: the scan must go on without it. (V8 reports a flag it does not know
  // on stderr and keeps its default; the try guards against a runtime that refuses changes.)
  for (const flag of SCAN_FLAGS) {
    try {
      v8.setFlagsFromString(flag);
    } catch {
      // the defaults stay
    }
  }
}
