/** The Refresh Checklist progress lasts until VS Code has read the refreshed tree (renderTracker.ts). */
import * as assert from 'node:assert/strict';
import { RenderTracker } from '../../client/src/checklist/renderTracker';

/** Lets pending timers of 0 ms and promise callbacks run. */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function settledAfterTurns(promise: Promise<void>, turns = 3): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let i = 0; i < turns; i++) await turn();
  return settled;
}

describe('checklist render tracker', () => {
  let tracker: RenderTracker;
  afterEach(() => tracker.dispose());

  it('has nothing to wait for before a change', async () => {
    tracker = new RenderTracker({ quietMs: 0, limitMs: 60_000 });
    assert.equal(await settledAfterTurns(tracker.rendered()), true);
  });

  it('waits for the root to be read after a change, then for the reads to stop', async () => {
    tracker = new RenderTracker({ quietMs: 0, limitMs: 60_000 });
    tracker.changed();
    const rendered = tracker.rendered();
    assert.equal(await settledAfterTurns(rendered), false, 'nothing was read yet');
    tracker.read(false); // a child read left over from before the change does not count
    assert.equal(await settledAfterTurns(rendered), false, 'the root was not read yet');
    tracker.read(true);
    tracker.read(false);
    assert.equal(await settledAfterTurns(rendered), true, 'the root and an expanded node were read');
  });

  it('waits for a new root read when the data changes again meanwhile', async () => {
    tracker = new RenderTracker({ quietMs: 0, limitMs: 60_000 });
    tracker.changed();
    const rendered = tracker.rendered();
    tracker.read(true);
    tracker.changed(); // before the quiet period ended: that read may show the old data
    assert.equal(await settledAfterTurns(rendered), false);
    assert.equal(tracker.rendered(), rendered, 'one wait covers both changes');
    tracker.read(true);
    assert.equal(await settledAfterTurns(rendered), true);
  });

  it('gives up after its limit when the tree is never read (a hidden view)', async () => {
    tracker = new RenderTracker({ quietMs: 0, limitMs: 0 });
    tracker.changed();
    assert.equal(await settledAfterTurns(tracker.rendered()), true);
  });
});
