/** The Refresh Checklist progress lasts until VS Code has read the refreshed tree (renderTracker.ts). */
import * as assert from 'node:assert/strict';
import { RenderTracker } from '../../client/src/checklist/renderTracker';
import type { ReadChild } from '../../client/src/checklist/renderTracker';

/** Lets pending timers of 0 ms and promise callbacks run. */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function settledAfterTurns(promise: Promise<void>, turns = 3): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let i = 0; i < turns; i++) await turn();
  return settled;
}

const node = (id: string, expanded: boolean, hasChildren = true): ReadChild => ({ id, expanded, hasChildren });

describe('checklist render tracker', () => {
  let tracker: RenderTracker;
  afterEach(() => tracker.dispose());

  it('has nothing to wait for before a change', async () => {
    tracker = new RenderTracker({ graceMs: 0, limitMs: 60_000 });
    assert.equal(await settledAfterTurns(tracker.rendered()), true);
  });

  it('waits for the root and every expanded node to be read after a change', async () => {
    tracker = new RenderTracker({ graceMs: 0, limitMs: 60_000 });
    tracker.changed();
    const rendered = tracker.rendered();
    assert.equal(await settledAfterTurns(rendered), false, 'nothing was read yet');
    tracker.read('threats', []); // left over from a walk before the change: does not count
    assert.equal(await settledAfterTurns(rendered), false, 'the root was not read yet');
    tracker.read(undefined, [node('threats', true), node('practices', true), node('closed', false), node('leaf', true, false)]);
    assert.equal(await settledAfterTurns(rendered), false, 'two expanded groups are still to be read');
    tracker.read('threats', [node('tampering', true)]);
    tracker.read('practices', []);
    assert.equal(await settledAfterTurns(rendered), false, 'an expanded threat under them is still to be read');
    tracker.read('tampering', [node('finding', false, false)]);
    assert.equal(await settledAfterTurns(rendered), true, 'every expanded node was read; collapsed ones and leaves are not awaited');
  });

  it('waits for a new walk when the data changes again meanwhile', async () => {
    tracker = new RenderTracker({ graceMs: 0, limitMs: 60_000 });
    tracker.changed();
    const rendered = tracker.rendered();
    tracker.read(undefined, [node('threats', true)]);
    tracker.changed(); // that walk may show the old data
    tracker.read('threats', []);
    assert.equal(await settledAfterTurns(rendered), false);
    assert.equal(tracker.rendered(), rendered, 'one wait covers both changes');
    tracker.read(undefined, [node('threats', true)]);
    tracker.read('threats', []);
    assert.equal(await settledAfterTurns(rendered), true);
  });

  it('gives up after its limit when the tree is never read (a hidden view)', async () => {
    tracker = new RenderTracker({ graceMs: 0, limitMs: 0 });
    tracker.changed();
    assert.equal(await settledAfterTurns(tracker.rendered()), true);
  });
});
