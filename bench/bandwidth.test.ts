import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '../eval/backend.js';
import { measureBandwidth } from './bandwidth.js';
import { hideBarcode } from './callCurves.js';
import { parseModelList, writeBandwidthResult, type BandwidthResult } from './bandwidthCli.js';
import { runInfo } from './machine.js';
import { bicubicUpscaler, modelUpscaler, type FrameUpscaler } from './nodeUpscalers.js';
import { MissingDataError, requirePath } from './paths.js';
import { makeRandomModel, makeTestClip } from '../imaging/testFixtures.js';

describe('bandwidth bench (smoke: generated 384x216 clip, 12 frames)', () => {
  let dir = '';
  let result: BandwidthResult;
  const ups: FrameUpscaler[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swiftsr-bw-test-'));
    const clip = await makeTestClip(dir, 384, 216, 12);
    await setupBackend('cpu');
    ups.push(bicubicUpscaler(4), await modelUpscaler(await makeRandomModel('tiny'), 'tiny-random'));
    const m = await measureBandwidth({
      source: clip,
      frames: 12,
      fps: 30,
      scoreEvery: 6,
      scale: 4,
      bitratesKbps: [40, 100, 250, 600, 1500],
      codecs: ['vp8'],
      srCodecs: ['vp8'],
      downscale: 'area',
      upscalers: ups,
      webrtc: { warmupMs: 1500, captureMs: 1500, lowRes: true },
      log: () => undefined,
    });
    result = { run: runInfo('test'), ...m };
    await writeBandwidthResult(join(dir, 'out'), result);
  });
  afterAll(async () => {
    for (const u of ups) u.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('measures direct and downscaled curves at every bitrate, cropped to a multiple of 2x scale', () => {
    expect(result.config.hrSize).toBe('384x216');
    expect(result.config.lrSize).toBe('96x54');
    expect(result.config.scoredFrames).toEqual([0, 6]);
    expect(result.curves.map((c) => c.id)).toEqual(['A/vp8/direct', 'B/vp8/bicubic', 'B/vp8/tiny-random', 'C/vp8/webrtc', 'D/vp8/call-96x54+bicubic', 'D/vp8/call-96x54+tiny-random']);
    for (const c of result.curves.slice(0, 3)) expect(c.points).toHaveLength(5);
    expect(result.config.scoredRegion).toMatch(/^top 204 of 216 rows/);
  });

  it('gets better with bitrate and spends more bits when allowed', () => {
    // At 80x44 the downscaled curve saturates at its ceiling early; direct 320x176 keeps climbing.
    for (const [c, gain] of [[result.curves[0], 5], [result.curves[1], 0.1]] as const) {
      const first = c?.points[0];
      const last = c?.points.at(-1);
      if (first === undefined || last === undefined) throw new Error('no points');
      expect(last.kbps).toBeGreaterThan(first.kbps);
      expect(last.psnrY).toBeGreaterThan(first.psnrY + gain);
      expect(last.ssimY).toBeGreaterThan(first.ssimY);
      for (const p of c?.points ?? []) {
        expect(p.psnrY).toBeGreaterThan(10);
        expect(p.psnrY).toBeLessThan(80);
        expect(p.ssimY).toBeGreaterThan(0);
        expect(p.ssimY).toBeLessThanOrEqual(1);
      }
    }
  });

  it('bounds the downscaled curve by its uncompressed ceiling', () => {
    const b = result.curves[1];
    const best = Math.max(...(b?.points ?? []).map((p) => p.psnrY));
    expect(b?.lossless?.psnrY).toBeGreaterThan(best - 0.5);
  });

  it('runs curve C through a real loopback WebRTC call, identifying frames by their barcode', () => {
    const c = result.curves[3];
    // At the lowest caps the browser may show no new frame in the short smoke window; most points must exist.
    expect(c?.points.length).toBeGreaterThanOrEqual(3);
    for (const p of c?.points ?? []) {
      expect(p.kbps).toBeGreaterThan(0);
      expect(p.kbps).toBeLessThan(p.targetKbps * 1.5);
      expect(p.psnrY).toBeGreaterThan(20);
      expect(p.sentWidth).toBeGreaterThan(0);
      expect(p.scoredFrames).toBeGreaterThanOrEqual(1);
      // Every scored frame is either received (its barcode read) or known to be missing, never lost by the page.
      expect((p.scoredReceived ?? 0) + (p.scoredNotReceived ?? 0)).toBe(p.scoredFrames);
      expect(p.framesRead).toBeGreaterThan(0);
    }
    expect(Math.max(...(c?.points ?? []).map((p) => p.scoredReceived ?? 0))).toBeGreaterThanOrEqual(1);
    // Same frames as the reference: a mismatched frame or colour matrix would sit near 20 dB. Only points
    // where every scored frame arrived: a frame the loaded encoder dropped is scored with an older one.
    const complete = (c?.points ?? []).filter((p) => p.scoredNotReceived === 0);
    expect(complete.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...complete.map((p) => p.psnrY))).toBeGreaterThan(30);
  });

  it('runs curve D: the 96x54 source through the same browser encoder, pinned to its size, then upscaled', () => {
    const [bic, model] = [result.curves[4], result.curves[5]];
    expect(bic?.points.length).toBeGreaterThanOrEqual(3);
    expect(model?.points.map((p) => p.targetKbps)).toEqual(bic?.points.map((p) => p.targetKbps));
    for (const p of bic?.points ?? []) {
      // maintain-resolution: the encoder keeps the LR size instead of scaling down further.
      expect([p.sentWidth, p.sentHeight]).toEqual([96, 54]);
      expect(p.psnrY).toBeGreaterThan(20);
      expect((p.scoredReceived ?? 0) + (p.scoredNotReceived ?? 0)).toBe(p.scoredFrames);
    }
  });

  it('compares each downscaled curve with direct and with the browser call, and writes JSON, plots and tables', async () => {
    expect(result.comparisons.map((c) => `${c.test}|${c.anchor}`)).toEqual([
      'B/vp8/bicubic|A/vp8/direct',
      'B/vp8/tiny-random|A/vp8/direct',
      'B/vp8/bicubic|C/vp8/webrtc',
      'B/vp8/tiny-random|C/vp8/webrtc',
      'D/vp8/call-96x54+bicubic|C/vp8/webrtc',
      'D/vp8/call-96x54+tiny-random|C/vp8/webrtc',
    ]);
    expect(result.equivalents).toHaveLength(10);
    const files = await readdir(join(dir, 'out'));
    expect(files.sort()).toEqual(['bandwidth-vp8-psnr.svg', 'bandwidth-vp8-ssim.svg', 'bandwidth.json', 'bandwidth.md']);
    const json = JSON.parse(await readFile(join(dir, 'out', 'bandwidth.json'), 'utf8')) as BandwidthResult;
    expect(json.curves).toHaveLength(6);
    expect(json.run.machine.cores).toBeGreaterThan(0);
    const md = await readFile(join(dir, 'out', 'bandwidth.md'), 'utf8');
    expect(md).toContain('| B/vp8/bicubic vs A/vp8/direct |');
  });
});

describe('requirePath', () => {
  it('names the missing data and the flag to use instead', () => {
    expect(() => requirePath('/nonexistent/clip.mp4', 'source clip', '--source')).toThrow(MissingDataError);
    expect(() => requirePath('/nonexistent/clip.mp4', 'source clip', '--source')).toThrow(/--source <path>/);
  });
});

describe('hideBarcode', () => {
  it('copies the row above the barcode over its rows and leaves the rest alone', () => {
    const img = { width: 2, height: 4, data: Float32Array.from({ length: 24 }, (_, i) => i / 24) };
    const out = hideBarcode(img, 2);
    expect([...out.data.subarray(0, 12)]).toEqual([...img.data.subarray(0, 12)]);
    expect([...out.data.subarray(12, 18)]).toEqual([...img.data.subarray(6, 12)]);
    expect([...out.data.subarray(18, 24)]).toEqual([...img.data.subarray(6, 12)]);
    expect(img.data[23]).toBeCloseTo(23 / 24);
  });
});

describe('--models list', () => {
  it('limits a slow model to some of the bitrates and rejects bitrates not measured', () => {
    const m = parseModelList('tiny, paper-skip@500+1500', [200, 500, 1500]);
    expect([...m]).toEqual([
      ['tiny', null],
      ['paper-skip', [500, 1500]],
    ]);
    expect(() => parseModelList('paper-skip@750', [200, 500])).toThrow(/750 is not one of --bitrates/);
    expect(() => parseModelList('@500', [500])).toThrow(RangeError);
  });
});
