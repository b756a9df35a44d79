import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '../eval/backend.js';
import type { RgbImage } from '../imaging/image.js';
import { makeRandomModel, makeTestClip } from '../imaging/testFixtures.js';
import { planScale } from '../src/model/scalePlan.js';
import { capOneStepLower, nativeBarcodeRows, resizeTo, scaleLadder, upscaleToOutput } from './adaptiveCurves.js';
import { writeSourceY4m } from '../imaging/callDegrade.js';
import { decodeImages, measureBandwidth, type BandwidthMeasurement } from './bandwidth.js';
import type { Curve } from './bandwidthAnalysis.js';
import { goalChecks } from './callGoals.js';
import { runInfo } from './machine.js';
import { modelUpscaler, type FrameUpscaler } from './nodeUpscalers.js';
import { rescoreCurves } from './rescoreCalls.js';

const flat = (w: number, h: number, v = 0.5): RgbImage => ({ width: w, height: h, data: new Float32Array(w * h * 3).fill(v) });

/** A stand-in model that records the sizes it was asked to upscale. */
function recording(scale: number, seen: string[]): FrameUpscaler {
  return { name: `fake-x${scale}`, scale, upscale: (lr) => (seen.push(`x${scale} ${lr.width}x${lr.height}`), flat(lr.width * scale, lr.height * scale, 0.25)), dispose: () => undefined };
}

describe('curve E/F helpers', () => {
  it('resamples to exactly the output size, cropping an off-grid input', () => {
    expect([resizeTo(flat(640, 360), 1920, 1080)].map((i) => [i.width, i.height])).toEqual([[1920, 1080]]);
    const odd = resizeTo(flat(638, 360), 1920, 1080);
    expect([odd.width, odd.height]).toEqual([1920, 1080]);
    expect(odd.data[0]).toBeCloseTo(0.5, 5);
  });

  it('runs the model scale planScale picks, then resamples to the output', () => {
    const seen: string[] = [];
    const ladder = scaleLadder('fake', [recording(2, seen), recording(3, seen), recording(4, seen)]);
    const cases: [number, number][] = [[480, 270], [640, 360], [960, 540], [1280, 720], [320, 180], [1920, 1080]];
    for (const [w, h] of cases) {
      const r = upscaleToOutput(flat(w, h), 1920, 1080, ladder);
      expect([r.image.width, r.image.height]).toEqual([1920, 1080]);
      expect(r.modelScale).toBe(planScale(w, h, 1920, 1080, [2, 3, 4]).modelScale);
    }
    expect(seen).toEqual(['x4 480x270', 'x3 640x360', 'x2 960x540', 'x2 1280x720', 'x4 320x180']);
    // No model below 1.3x: the frame passes through untouched.
    expect(upscaleToOutput(flat(1920, 1080, 0.7), 1920, 1080, ladder).image.data[5]).toBeCloseTo(0.7, 6);
    expect(() => scaleLadder('dup', [recording(2, seen), recording(2, seen)])).toThrow(/both 2x/);
  });

  it('caps one step below the height the browser chose, never below 180 rows', () => {
    expect(capOneStepLower(540, 1080)).toBe(3);
    expect(capOneStepLower(360, 1080)).toBe(4);
    expect(capOneStepLower(270, 1080)).toBe(6);
    expect(capOneStepLower(1080, 1080)).toBe(1.5);
    expect(capOneStepLower(180, 1080)).toBeNull();
    expect(capOneStepLower(720, 720)).toBe(720 / 540);
    expect(nativeBarcodeRows(64, 270, 1080)).toBe(18);
  });

  it('checks the goals point to point against C of the same codec', () => {
    const pt = (targetKbps: number, psnrY: number, arrivedHeight?: number) => ({ targetKbps, kbps: targetKbps, psnrY, ssimY: 0.9, ...(arrivedHeight !== undefined ? { arrivedHeight } : {}) });
    const c: Curve = { id: 'C/vp8/webrtc', kind: 'webrtc', codec: 'vp8', upscaler: 'browser', points: [pt(200, 30), pt(500, 33), pt(1000, 36), pt(2000, 38)] };
    const e: Curve = { id: 'E/vp8/adaptive+m', kind: 'webrtc-sr', codec: 'vp8', upscaler: 'm', points: [pt(200, 30.5, 270), pt(500, 33.1, 360), pt(1000, 35.97, 720), pt(2000, 38.2, 720)] };
    const [g] = goalChecks([c, e, { ...e, id: 'E/vp8/adaptive+bicubic', upscaler: 'bicubic' }]);
    expect(g?.rows.map((r) => [r.needDb, r.met])).toEqual([[0.3, true], [0.3, false], [-0.05, true], [-0.05, true]]);
    expect(g?.everyRate).toBe(true);
    expect(g?.lowRes).toBe(false);
    expect(g?.summary).toMatch(/1 of 2/);
  });
});

describe('curves E and F (smoke: generated 384x216 clip, a real loopback call)', () => {
  let dir = '';
  let m: BandwidthMeasurement;
  let clipY4m = '';
  const ups: FrameUpscaler[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swiftsr-ef-test-'));
    const clip = await makeTestClip(dir, 384, 216, 12);
    clipY4m = join(dir, 'hr.y4m');
    await writeSourceY4m(clip, clipY4m, { fps: 30, frames: 12, width: 384, height: 216 });
    await setupBackend('cpu');
    ups.push(await modelUpscaler(await makeRandomModel('tiny-x2'), 'rand-x2'), await modelUpscaler(await makeRandomModel('tiny'), 'rand-x4'));
    m = await measureBandwidth({
      source: clip, frames: 12, fps: 30, scoreEvery: 6, scale: 4, bitratesKbps: [60, 400], codecs: [], srCodecs: [], downscale: 'area', upscalers: [],
      webrtc: { warmupMs: 1500, captureMs: 1500, lowRes: false, codecs: ['vp8'], ladders: [scaleLadder('bicubic', []), scaleLadder('rand', ups)], capLower: ['vp8'], keepFrames: join(dir, 'kept') },
      log: () => undefined,
    });
  });
  afterAll(async () => {
    for (const u of ups) u.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('scores E on the same call points as C, at the size each frame arrived in', () => {
    const c = m.curves.find((x) => x.id === 'C/vp8/webrtc');
    const e = m.curves.find((x) => x.id === 'E/vp8/adaptive+rand');
    expect(m.curves.find((x) => x.id === 'E/vp8/adaptive+bicubic')?.points.length).toBe(e?.points.length);
    expect(c?.points.length).toBeGreaterThanOrEqual(1);
    expect(e?.points.map((p) => [p.targetKbps, p.kbps])).toEqual(c?.points.map((p) => [p.targetKbps, p.kbps]));
    for (const p of e?.points ?? []) {
      const sizes = Object.keys(p.arrived ?? {});
      expect(sizes.length).toBeGreaterThanOrEqual(1);
      expect(Object.values(p.arrived ?? {}).reduce((a, b) => a + b, 0)).toBe(p.scoredFrames);
      // The scales used are exactly what planScale gives for the sizes that arrived.
      const planned = sizes.map((s) => {
        const [w = 0, h = 0] = s.split('x').map(Number);
        const k = planScale(w, h, 384, 216, [2, 4]).modelScale;
        return k === null ? 'none' : `x${k}`;
      });
      expect(Object.keys(p.modelScales ?? {}).sort()).toEqual([...new Set(planned)].sort());
      expect(p.psnrY).toBeGreaterThan(15);
    }
    expect(m.goals.map((g) => g.test)).toEqual(['E/vp8/adaptive+rand']);
  });

  it('runs F capped below what C sent, and compares E and F with C', () => {
    const f = m.curves.find((x) => x.id === 'F/vp8/cap-1-step+rand');
    for (const p of f?.points ?? []) {
      const cap = p.scaleResolutionDownBy ?? 0;
      expect(cap).toBeGreaterThan(1);
      expect(p.arrivedHeight).toBeLessThanOrEqual(Math.ceil(216 / cap));
    }
    const pairs = m.comparisons.map((x) => `${x.test}|${x.anchor}`);
    expect(pairs).toContain('E/vp8/adaptive+rand|C/vp8/webrtc');
    if ((f?.points.length ?? 0) >= 1) expect(pairs).toContain('F/vp8/cap-1-step+rand|E/vp8/adaptive+rand');
  });

  it('re-scores the kept frames: the same ladder gives the same numbers, a new ladder adds curves', async () => {
    const ref = await decodeImages(clipY4m, 384, 216, (i) => m.config.scoredFrames.includes(i));
    const result = { run: runInfo('test'), ...m };
    const curves = await rescoreCurves(result, join(dir, 'kept'), [scaleLadder('rand', ups), scaleLadder('x4only', [ups[1] as FrameUpscaler])], ref, () => undefined);
    const live = m.curves.find((x) => x.id === 'E/vp8/adaptive+rand');
    const again = curves.find((x) => x.id === 'E/vp8/adaptive+rand');
    expect(again?.points.map((p) => p.psnrY)).toEqual(live?.points.map((p) => p.psnrY));
    expect(curves.filter((x) => x.id === 'E/vp8/adaptive+rand')).toHaveLength(1);
    const x4 = curves.find((x) => x.id === 'E/vp8/adaptive+x4only');
    expect(x4?.points.map((p) => p.kbps)).toEqual(live?.points.map((p) => p.kbps));
    for (const p of x4?.points ?? []) expect(Object.keys(p.modelScales ?? {}).every((k) => k === 'x4' || k === 'none')).toBe(true);
  });
});
