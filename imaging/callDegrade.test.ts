import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { degradationKey, degradeClip, parseDegradation } from './callDegrade.js';
import { toBytes } from './image.js';
import { psnrY } from './metrics.js';
import { makeTestClip } from './testFixtures.js';

let clip: string;

beforeAll(async () => {
  // 130x76: neither side a multiple of 8, so the crop to 2 x scale is exercised (128x72, LR 32x18).
  clip = await makeTestClip(await mkdtemp(join(tmpdir(), 'swiftsr-call-')), 130, 76, 20);
});

describe('call degradation', () => {
  it('parses call:<codec>@<kbit/s> and rejects anything else', () => {
    expect(parseDegradation('call:vp8@300')).toEqual({ codec: 'vp8', kbps: 300 });
    expect(parseDegradation('call:h264@1500')).toEqual({ codec: 'h264', kbps: 1500 });
    expect(degradationKey({ codec: 'vp9', kbps: 750 }, 'FourPeople')).toBe('call:vp9@750/FourPeople');
    for (const bad of ['vp8@300', 'call:av1@300', 'call:vp8@0', 'call:vp8@-5', 'call:vp8']) expect(() => parseDegradation(bad), bad).toThrow(RangeError);
  });

  it('crops to 2 x scale, downscales, encodes with inter frames at the rate, and hands back the scored frames', async () => {
    const c = await degradeClip({ source: clip, scale: 4, degradation: { codec: 'vp8', kbps: 40 }, frames: 20, fps: 30, scored: [5, 10, 15] });
    expect([c.config.hrSize, c.config.lrSize]).toEqual(['128x72', '32x18']);
    expect([...c.lr.keys()]).toEqual([5, 10, 15]);
    for (const i of [5, 10, 15]) {
      const [hr, clean, lr] = [c.hr.get(i), c.lrClean.get(i), c.lr.get(i)];
      if (hr === undefined || clean === undefined || lr === undefined) throw new Error(`frame ${i} missing`);
      expect([hr.width, hr.height, lr.width, lr.height, clean.width]).toEqual([128, 72, 32, 18, 32]);
      // The codec damaged the LR, but it is still the same picture.
      const p = psnrY(lr, clean, 0);
      expect(Array.from(toBytes(lr))).not.toEqual(Array.from(toBytes(clean)));
      expect(p).toBeLessThan(45);
      expect(p).toBeGreaterThan(15);
    }
    expect(c.kbps).toBeGreaterThan(5);
    expect(c.kbps).toBeLessThan(200);
    expect(c.config.ffmpegArgs).toMatch(/-cpu-used -4 .*-b:v <bitrate>/);
  });

  it('is reproducible, and a higher rate damages less', async () => {
    const opts = { source: clip, scale: 4, frames: 20, fps: 30, scored: [10, 19] } as const;
    const a = await degradeClip({ ...opts, degradation: { codec: 'vp8', kbps: 40 } });
    const b = await degradeClip({ ...opts, degradation: { codec: 'vp8', kbps: 40 } });
    const hi = await degradeClip({ ...opts, degradation: { codec: 'vp8', kbps: 400 } });
    for (const i of [10, 19]) {
      expect(Array.from(toBytes(b.lr.get(i)!))).toEqual(Array.from(toBytes(a.lr.get(i)!)));
    }
    const mean = (m: typeof a) => [10, 19].reduce((s, i) => s + psnrY(m.lr.get(i)!, m.lrClean.get(i)!, 0), 0) / 2;
    expect(mean(hi)).toBeGreaterThan(mean(a) + 1);
  });

  it.each(['vp9', 'h264'] as const)('%s encodes and decodes at the LR size', async (codec) => {
    const c = await degradeClip({ source: clip, scale: 2, degradation: { codec, kbps: 60 }, frames: 8, fps: 30, scored: [4] });
    expect(c.config.lrSize).toBe('64x38');
    const lr = c.lr.get(4)!;
    expect([lr.width, lr.height]).toEqual([64, 38]);
    expect(psnrY(lr, c.lrClean.get(4)!, 0)).toBeLessThan(45);
  });

  it('asks for more frames than the clip has: a RangeError that says so', async () => {
    await expect(degradeClip({ source: clip, scale: 4, degradation: { codec: 'vp8', kbps: 40 }, frames: 40, fps: 30, scored: [30] })).rejects.toThrow(/shorter than the frames/);
    await expect(degradeClip({ source: clip, scale: 4, degradation: { codec: 'vp8', kbps: 40 }, frames: 10, fps: 30, scored: [10] })).rejects.toThrow(RangeError);
  });
});
