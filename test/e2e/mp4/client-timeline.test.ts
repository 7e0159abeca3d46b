import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientTimeline, type PlacedFragment } from '../../../addon/src/modules/mp4/client-timeline.js';

/** How one client re-times shared fragments (pure; lives here with the module's other tests). */

const SCALES = [90000, 48000];

function v(sequence: number, decodeTime: number, keyframe = false, duration = 3600): PlacedFragment {
  return { trackIndex: 0, sequence, decodeTime, duration, keyframe };
}

function a(sequence: number, decodeTime: number): PlacedFragment {
  return { trackIndex: 1, sequence, decodeTime, duration: 960, keyframe: false };
}

function place(timeline: ClientTimeline, f: PlacedFragment) {
  return timeline.place(f, f.trackIndex === 0);
}

describe('ClientTimeline', () => {
  it('sends the cached frames back to back from 0 (1 ms each), drops cached audio, then continues live in sync', () => {
    const t = new ClientTimeline(SCALES, 5);
    // Session times: key frame at 10 s, frames every 40 ms; audio every 20 ms.
    assert.deepEqual(place(t, v(1, 900000, true)), { decodeTime: 0, duration: 91 });
    assert.equal(place(t, a(2, 480000)), undefined);
    assert.deepEqual(place(t, v(3, 903600)), { decodeTime: 91, duration: 91 });
    assert.equal(place(t, a(4, 481920)), undefined);
    // Live: the replay ended at 182 ticks (2.02 ms) = session 10.08 s (the last cached frame's end).
    assert.deepEqual(place(t, v(5, 907200)), { decodeTime: 182 });
    assert.deepEqual(place(t, a(6, 483840 + 960)), { decodeTime: 97 + 960 }, 'audio on the same offset');
    assert.deepEqual(place(t, v(7, 910800)), { decodeTime: 3782 });
    assert.deepEqual(t.stats, { replayed: 2, skipped: 2, rebases: 0 });
  });

  it('starts a client without cached frames at its first fragment', () => {
    const t = new ClientTimeline(SCALES, 1);
    assert.deepEqual(place(t, v(1, 450000, true)), { decodeTime: 0 });
    assert.deepEqual(place(t, a(2, 240960)), { decodeTime: 960 });
    assert.deepEqual(place(t, v(3, 453600)), { decodeTime: 3600 });
  });

  it('closes the gap left by dropped frames: the next key frame continues where the client stopped', () => {
    const t = new ClientTimeline(SCALES, 1);
    place(t, v(1, 0, true));
    for (let i = 0; i < 5; i++) place(t, a(2 + i, 960 * i));
    place(t, v(7, 3600));
    // Sequences 8..99 were dropped by the client's queue; 100 is the next key frame, 10 s later: it goes
    // right after the last video sent (7200), so the offset becomes 10 s - 80 ms.
    assert.deepEqual(place(t, v(100, 900000, true)), { decodeTime: 7200 });
    // Audio follows the new offset; a frame that would overlap audio already sent (up to 3840) is left out.
    assert.equal(place(t, a(101, 478000)), undefined);
    assert.deepEqual(place(t, a(102, 481000)), { decodeTime: 4840 });
    assert.deepEqual(t.stats, { replayed: 0, skipped: 1, rebases: 1 });
  });

  it("keeps video decode times rising even when the source's do not", () => {
    const t = new ClientTimeline(SCALES, 1);
    place(t, v(1, 1000, true));
    assert.deepEqual(place(t, v(2, 900)), { decodeTime: 1 });
  });

  it('times an audio-only session from its first fragment', () => {
    const t = new ClientTimeline([8000], 1);
    assert.deepEqual(
      t.place({ trackIndex: 0, sequence: 1, decodeTime: 123456, duration: 160, keyframe: false }, false),
      { decodeTime: 0 },
    );
    assert.deepEqual(
      t.place({ trackIndex: 0, sequence: 2, decodeTime: 123616, duration: 160, keyframe: false }, false),
      { decodeTime: 160 },
    );
  });
});
