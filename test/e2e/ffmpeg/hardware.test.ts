import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hardwareProbes, probeHardware } from '../../../addon/src/modules/ffmpeg/hardware.js';

/** `GET /api/ffmpeg/hardware`'s list, go2rtc's shape: one row per engine and codec, OK when the encode ran. */
describe('ffmpeg hardware probe', () => {
  it("probes go2rtc's engines for the architecture", () => {
    assert.deepEqual(
      hardwareProbes('x64').map((p) => `${p.engine}/${p.codec}`),
      ['vaapi/h264', 'vaapi/h265', 'vaapi/mjpeg', 'cuda/h264', 'cuda/h265'],
    );
    assert.deepEqual(
      hardwareProbes('arm64').map((p) => `${p.engine}/${p.codec}`),
      ['v4l2m2m/h264', 'v4l2m2m/h265', 'rkmpp/h264', 'rkmpp/h265', 'rkmpp/mjpeg'],
    );
  });

  it('runs the real ffmpeg: every row is OK or ERROR with the source to use', async (t) => {
    const rows = await probeHardware('ffmpeg');
    t.diagnostic(rows.map((r) => `${r.info}: ${r.name}`).join(', '));
    assert.equal(rows.length, hardwareProbes().length);
    for (const row of rows) {
      assert.ok(row.name === 'OK' || row.name === 'ERROR');
      assert.match(row.url, /^ffmpeg:\.\.\.#video=(h264|h265|mjpeg)#hardware=[a-z0-9]+$/);
    }
  });

  it('a missing binary is ERROR everywhere, not a crash', async () => {
    const rows = await probeHardware('/nonexistent/ffmpeg');
    assert.deepEqual(new Set(rows.map((r) => r.name)), new Set(['ERROR']));
  });
});
