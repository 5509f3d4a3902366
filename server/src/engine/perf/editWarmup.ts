/**
 * What the editor's first edit of a text would build before it can re-use the last analysis,
 * built ahead (for the editor, when the server is idle after publishing an analysis).
 *
 * Edit reuse (editReuse.ts and the units it hands on to) judges an edit by the names that carry
 * the rules' values from one statement to others, found over the whole text on first use and kept
 * for the texts after it while edits leave them as they were: the names carried for the hot words
 * (EditMemo.carried, partialParse.carriedNames), for each file rule that declares what it reads
 * (fileReads.ts) and for each data-flow rule's sources (dataflow/editQuiet.ts); and the calls the
 * rules want (EditMemo.dispatched, dispatchedCalls.ts), with the tree of the text. On h2oGPT's
 * 5,670-line `gen.py` these passes are 50 to 70 ms of the first edits after opening (and of the
 * first edit after a whole analysis), against 5 ms for an edit that finds them built.
 *
 * Building them ahead changes no result: each is the value the first edit would compute, from
 * the same text and rules, stored where that edit looks for it (the memo's field it fills with
 * `??=`, the caches by text of fileReads.ts and editQuiet.ts). A cache by text keeps the last
 * few texts, so building one can only make another text's entry be found again later.
 */
import type { EditMemo } from '../pipeline/analyzer';
import { carriedNames } from './partialParse';
import { reuseIndexes } from './editReuse';
import { prepareCarried } from './fileReads';
import { prepareFlowNames } from '../dataflow/editQuiet';
import { dispatchedCalls } from './dispatchedCalls';
import type { Tree } from '../parser';
import { SemanticModel } from '../semantic';
import { SourceText } from '../textScan';

/**
 * Builds for `memo`'s text what reuseAfterEdit finds on first use (the wanted calls only with
 * `tree`, the tree of exactly that text). Returns false when there was
 * nothing to build (a text with a syntax error, or no rule able to fire: its edits are analysed
 * whole).
 */
export function prepareForEdits(memo: EditMemo, tree?: Tree): boolean {
  const gated = memo.gated;
  if (!gated || memo.hadError) return false;
  const { flowGates, rest } = reuseIndexes(gated, memo.triggerIndex);
  if (!rest.hot && flowGates.length === 0) return false;
  if (rest.hot) memo.carried ??= carriedNames(memo.text, rest.hot);
  // The calls the rules want, which an edit of a function does not hand on (a whole analysis records them).
  if (rest.hot && tree && memo.dispatched === undefined)
    memo.dispatched = dispatchedCalls(new SemanticModel(tree, memo.text), new SourceText(memo.text), gated);
  prepareCarried(gated.fileRules, memo.text);
  if (flowGates.length > 0)
    prepareFlowNames(
      flowGates.map((gate) => gate.rule.flows ?? []),
      memo.text,
    );
  gated.fileContext ??= [...new Set(gated.gates.flatMap((g) => g.derived.fileContext))];
  return true;
}
