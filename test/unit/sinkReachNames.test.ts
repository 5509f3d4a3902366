/**
 * The sink check (engine/dataflow/sinkReach.ts) reads how a text binds the names of sinks (assigned
 * a dotted name, imported under another name) once per text: each flow a plan checks asks again,
 * and reach.ts keeps the answers with the text's facts (ReachView.names).
 */
import * as assert from 'node:assert/strict';
import { identifierOccurrences } from '../../server/src/engine/textScan';
import { sinkReached } from '../../server/src/engine/dataflow/sinkReach';
import type { ReachView, SinkNames } from '../../server/src/engine/dataflow/sinkReach';
import type { FlowSinkKind } from '../../server/src/engine/dataflow/words';

/** A view of a text where nothing carries, counting the names whose occurrences are read. */
function view(text: string, names: SinkNames, read: Map<string, number>): ReachView {
  const lineStart = (at: number) => text.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = (at: number) => {
    const end = text.indexOf('\n', at);
    return end < 0 ? text.length : end;
  };
  return {
    text,
    occurrences: (name) => {
      read.set(name, (read.get(name) ?? 0) + 1);
      return [...identifierOccurrences(text, name)];
    },
    reachedAt: () => false,
    inProse: () => false,
    lineStart,
    lineEnd,
    lineHolds: (at, word) => text.slice(lineStart(at), lineEnd(at)).includes(word),
    modelPlaces: () => [],
    names,
  };
}

describe('data flow: the sink check reads a text’s names once', () => {
  it('answers each flow of a text from the bindings read for the first', () => {
    const text = ['import os', 'import pickle', 'run = os.system', 'open("x")', 'run("ls")', 'pickle.loads(b"")', ''].join('\n');
    const names: SinkNames = { assigned: new Map(), bound: new Map() };
    const kinds: Array<ReadonlySet<FlowSinkKind>> = [new Set(['sql']), new Set(['code', 'html']), new Set(['sql', 'path'])];
    const first = new Map<string, number>();
    assert.equal(sinkReached(view(text, names, first), kinds[0]), false);
    assert.ok((first.get('open') ?? 0) > 0 && (first.get('run') ?? 0) > 0, 'the first flow reads how sink names are bound');
    assert.ok(names.assigned.size > 0 && names.bound.size > 0);
    for (const flow of kinds.slice(1)) {
      const again = new Map<string, number>();
      assert.equal(sinkReached(view(text, names, again), flow), false);
      // Only the calls of names that may be sinks of the flow's kinds are looked at: once each.
      for (const [name, count] of again) assert.ok(count <= 1, `${name} read ${count} times for ${[...flow].join(',')}`);
    }
    // What was read is what a fresh check reads.
    const fresh: SinkNames = { assigned: new Map(), bound: new Map() };
    sinkReached(view(text, fresh, new Map()), kinds[0]);
    assert.deepEqual([...fresh.assigned].sort(), [...names.assigned].filter(([n]) => fresh.assigned.has(n)).sort());
  });
});
