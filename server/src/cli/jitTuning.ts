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

// The semi-spaces: a file's trees, models and reports die young, and since the main thread
// analyses files too (cli/scanner.ts) its young generation is kept as small as the workers'
// (see WORKER_YOUNG_MB there): diffusers peaked at 175-180 MB instead of 190-196 MB, in the same
// time. It must be set before the heap grows, so it is here rather than in tuneHeapForLargeScan.
const SCAN_FLAGS = ['--interrupt-budget=300000', '--max-inlined-bytecode-size=100', '--max-semi-space-size=4'];

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

/**
 * Heap settings for a scan of many files, where the main thread analyses files too (see
 * cli/scanner.ts). The workers have heap limits; the main thread cannot be given one once it
 * runs, and V8 let its old generation grow to about three times what it kept alive (30 MB live,
 * collected at 104 MB), so that the four LLM-serving trees four times over (3,776 files) peaked
 * at 286-304 MB (278-281 MB with the small semi-spaces alone) against 232-235 MB when the next
 * collection comes at 1.2 times the live size. That costs 2-3 % of the scan time on a tree of
 * 1,000-2,000 files, which does not grow as far, so only a scan of LARGE_SCAN_FILES files or
 * more asks for it, once the files are listed. `MLSEC_V8_DEFAULTS=1` keeps V8's defaults here too.
 */
const LARGE_SCAN_FLAGS = ['--heap-growing-percent=20'];

/** From this many files, a scan asks V8 to keep its heap small (tuneHeapForLargeScan). */
export const LARGE_SCAN_FILES = 3000;

let heapTuned = false;

export function tuneHeapForLargeScan(files: number, env: NodeJS.ProcessEnv = process.env): void {
  if (heapTuned || files < LARGE_SCAN_FILES || env[V8_DEFAULTS_VARIABLE]) return;
  heapTuned = true;
  for (const flag of LARGE_SCAN_FLAGS) {
    try {
      v8.setFlagsFromString(flag);
    } catch {
      // the defaults stay
    }
  }
}
