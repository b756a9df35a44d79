import { describe, expect, it } from 'vitest';
import { describeReadout, parseCallCurves, readoutAt } from '../../demo/receiver/callReadout.js';

/** The shape bench/callGoals.ts writes into bandwidth.json (`goals`), trimmed to what the overlay reads. */
const json = {
  goals: [
    { test: 'E/vp8/adaptive+tiny+lite32x4-x2', anchor: 'C/vp8/webrtc', rows: [{ targetKbps: 250, kbps: 250, cPsnrY: 1, deltaDb: 9 }] },
    {
      test: 'E/vp8/adaptive+tiny+tiny-x2+tiny-x3', anchor: 'C/vp8/webrtc',
      rows: [
        { targetKbps: 1000, kbps: 1000, arrivedHeight: 540, cPsnrY: 36, ePsnrY: 36.4, deltaDb: 0.4 },
        { targetKbps: 250, kbps: 250, arrivedHeight: 270, cPsnrY: 31, ePsnrY: 31.2, deltaDb: 0.2 },
        { targetKbps: 4000, kbps: 4000, arrivedHeight: 720, cPsnrY: 39, ePsnrY: 38.9, deltaDb: -0.1 },
        { bogus: true },
      ],
    },
    { test: 'E/vp8/adaptive+other', anchor: 'C/vp8/webrtc', rows: [{ targetKbps: 250, kbps: 250, cPsnrY: 1, deltaDb: 9 }] },
    { test: 'E/vp9/adaptive+tiny', anchor: 'C/vp9/webrtc', rows: [] },
    { nothing: 1 },
  ],
};

describe('receiver overlay: the browser call (bench C) and what SwiftSR adds on it (bench E)', () => {
  const curves = parseCallCurves(json);

  it('keeps well-formed rows of the ladder with the most scales per codec, sorted by rate', () => {
    expect(curves.map((c) => [c.codec, c.ladder, c.points.map((p) => p.kbps)])).toEqual([['vp8', 'tiny+tiny-x2+tiny-x3', [250, 1000, 4000]]]);
    expect(parseCallCurves(null)).toEqual([]);
    expect(parseCallCurves({ curves: [] })).toEqual([]);
  });

  it('interpolates C and E - C in log rate between measured rates', () => {
    const r = readoutAt(curves, 'VP8', 500);
    if (r.kind !== 'estimate') throw new Error(`expected an estimate, got ${r.kind}`);
    // 500 is halfway between 250 and 1000 in log rate.
    expect(r.cPsnrY).toBeCloseTo(33.5, 6);
    expect(r.deltaDb).toBeCloseTo(0.3, 6);
    expect(readoutAt(curves, 'vp8', 1000)).toMatchObject({ kind: 'estimate', cPsnrY: 36, arrivedHeight: 540 });
    expect(describeReadout(r)).toMatch(/~33\.5 dB \(bench C, vp8.*\+0\.30 dB \(bench E, tiny\+tiny-x2\+tiny-x3\)/);
  });

  it('says when the rate or the codec was not measured', () => {
    expect(readoutAt(curves, 'VP8', 100)).toEqual({ kind: 'out-of-range', codec: 'vp8', minKbps: 250, maxKbps: 4000 });
    expect(readoutAt(curves, 'H264', 500)).toEqual({ kind: 'not-measured', codec: 'h264' });
    expect(describeReadout(readoutAt(curves, 'VP8', 5000))).toMatch(/outside the measured vp8 rates \(250-4000 kbit\/s\)/);
    expect(describeReadout(readoutAt([], 'VP8', 500))).toMatch(/not measured for vp8/);
  });
});
