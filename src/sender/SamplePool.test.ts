import { describe, expect, it } from 'vitest';
import { sendPair, type RgbFrame } from '../adapt/trainingPairs.js';
import { SamplePool } from './SamplePool.js';
import { rgbaToRgb, trainGeometry } from './trainGeometry.js';

/** A frame whose every pixel encodes its position and a frame id, so crops can be traced back. */
function frame(width: number, height: number, id: number): RgbFrame {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = x / width;
      data[i + 1] = y / height;
      data[i + 2] = id / 16;
    }
  }
  return { width, height, data };
}

describe('trainGeometry', () => {
  it('trains at the send size when send x scale fits the camera', () => {
    expect(trainGeometry({ width: 1280, height: 720 }, { width: 320, height: 180 }, 4, 32)).toEqual({ lrWidth: 320, lrHeight: 180, fromCamera: false });
    expect(trainGeometry({ width: 1280, height: 720 }, { width: 640, height: 360 }, 2, 32)).toEqual({ lrWidth: 640, lrHeight: 360, fromCamera: false });
  });

  it('falls back to LR = camera / scale when send x scale exceeds the camera, and to null below one crop', () => {
    expect(trainGeometry({ width: 1280, height: 720 }, { width: 640, height: 360 }, 4, 32)).toEqual({ lrWidth: 320, lrHeight: 180, fromCamera: true });
    expect(trainGeometry({ width: 641, height: 479 }, { width: 640, height: 360 }, 3, 32)).toEqual({ lrWidth: 213, lrHeight: 159, fromCamera: true });
    expect(trainGeometry({ width: 100, height: 100 }, { width: 20, height: 20 }, 4, 32)).toBeNull();
  });

  it('converts RGBA bytes to RGB in [0, 1], dropping alpha', () => {
    const rgba = Uint8ClampedArray.from({ length: 6 * 4 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
    const rgb = rgbaToRgb(rgba, 6, 4);
    expect(rgb.data.length).toBe(6 * 4 * 3);
    expect(rgb.data[4]).toBeCloseTo(rgba[5]! / 255, 7);
    expect(rgb.data[3]).toBeCloseTo(rgba[4]! / 255, 7);
    expect(() => rgbaToRgb(rgba, 5, 4)).toThrow(RangeError);
  });
});

describe('SamplePool', () => {
  const opts = { scale: 2, crop: 4, cropsPerSample: 3, heldBack: 2, capacity: 3 };

  it('holds back the newest frames for validation and trains on the older ones, dropping the oldest', () => {
    const pool = new SamplePool(opts);
    const rand = (): number => 0.5;
    for (let id = 0; id < 2; id++) pool.add(...pairOf(id), id);
    expect(pool.trainingBatch(2, rand)).toBeNull();
    expect(pool.validationBatch()?.count).toBe(6);
    for (let id = 2; id < 7; id++) pool.add(...pairOf(id), id);
    expect([pool.trainSize, pool.heldBackSize, pool.added]).toEqual([3, 2, 7]);
    // Held back: frames 5 and 6; training: 2, 3, 4. The blue channel carries the frame id.
    expect(idsOf(pool.validationBatch()!.hr)).toEqual(new Set([5, 6]));
    const seen = new Set<number>();
    let s = 1;
    const lcg = (): number => ((s = (s * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 20; i++) for (const id of idsOf(pool.trainingBatch(4, lcg)!.hr)) seen.add(id);
    expect(seen).toEqual(new Set([2, 3, 4]));
    pool.clear();
    expect([pool.trainSize, pool.heldBackSize, pool.added]).toEqual([0, 0, 0]);
  });

  it('keeps LR and HR crops aligned (to 8 bits) and the batch shapes right', () => {
    const pool = new SamplePool(opts);
    for (let id = 0; id < 3; id++) pool.add(...pairOf(id), 100 + id);
    const b = pool.trainingBatch(5, () => 0.3)!;
    expect([b.count, b.crop, b.scale, b.lr.length, b.hr.length]).toEqual([5, 4, 2, 5 * 4 * 4 * 3, 5 * 8 * 8 * 3]);
    // LR pixel (0,0) of a crop is the mean of its HR 2x2 block (area downscale of a linear ramp: exact to 8 bits).
    for (let n = 0; n < b.count; n++) {
      const hr = (y: number, x: number, c: number): number => b.hr[n * 192 + (y * 8 + x) * 3 + c]!;
      expect(Math.abs(b.lr[n * 48]! - (hr(0, 0, 0) + hr(0, 1, 0) + hr(1, 0, 0) + hr(1, 1, 0)) / 4)).toBeLessThan(1.5 / 255);
    }
    expect(() => new SamplePool({ ...opts, crop: 0 })).toThrow(RangeError);
  });
});

function pairOf(id: number): [RgbFrame, RgbFrame] {
  const { lr, hr } = sendPair(frame(64, 48, id), { scale: 2, sendWidth: 16, sendHeight: 12 });
  return [lr, hr];
}

function idsOf(hr: Float32Array): Set<number> {
  const ids = new Set<number>();
  for (let i = 2; i < hr.length; i += 3) ids.add(Math.round((hr[i]! * 255) / 16));
  return ids;
}

describe('SamplePool crop candidates', () => {
  it('keeps the most detailed of `candidates` crops: with 8, every crop lands in the textured half of the frame', () => {
    // Left half flat grey, right half a fine checkerboard: detail lives only at x >= 32 (LR).
    const width = 64;
    const height = 32;
    const hrFrame = (scale: number): RgbFrame => {
      const w = width * scale;
      const h = height * scale;
      const data = new Float32Array(w * h * 3);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(x < w / 2 ? 0.5 : (x + y) % 2, (y * w + x) * 3, (y * w + x) * 3 + 3);
      return { width: w, height: h, data };
    };
    const hr = hrFrame(2);
    const { lr } = sendPair(hr, { scale: 2, sendWidth: width, sendHeight: height });
    const textured = (pool: SamplePool): number => {
      const b = pool.validationBatch();
      if (b === null) throw new Error('no held-back batch');
      const side = b.crop * b.scale;
      let n = 0;
      for (let c = 0; c < b.count; c++) {
        const crop = b.hr.subarray(c * side * side * 3, (c + 1) * side * side * 3);
        if (crop.some((v) => v === 0 || v === 1)) n++;
      }
      return n;
    };
    const pool = (candidates: number): SamplePool => {
      const p = new SamplePool({ scale: 2, crop: 8, cropsPerSample: 16, heldBack: 1, capacity: 4, candidates });
      p.add(lr, { width: lr.width * 2, height: lr.height * 2, data: hr.data }, 3);
      return p;
    };
    expect(textured(pool(8))).toBe(16);
    expect(textured(pool(1))).toBeLessThan(16);
  });
});
