import { sendPair, type RgbFrame } from '../../src/adapt/trainingPairs.js';
import { percentile } from '../speedRows.js';
import { cameraPair } from '../../src/sender/cameraPair.js';
import { rgbaToRgb } from '../../src/sender/trainGeometry.js';
import { rgbToI420 } from '../../src/sender/yuv.js';

/** One sender geometry: the camera readback size and the send size (LR), at the model's scale. */
export interface PairCase {
  readonly camera: { readonly width: number; readonly height: number };
  readonly send: { readonly width: number; readonly height: number };
  readonly scale: number;
}

export interface StageTimes {
  /** Median and 90th percentile over the timed repetitions, ms. */
  readonly medianMs: number;
  readonly p90Ms: number;
}

export interface PairTiming {
  /** rgbaToRgb of the whole readback, then sendPair (HR and LR by areaResize): the sender before cameraPair. */
  readonly before: StageTimes;
  /** cameraPair on the readback bytes. */
  readonly after: StageTimes;
  /** Every LR and HR value of both paths has the same float32 bits. */
  readonly identical: boolean;
}

export const caseLabel = (c: PairCase): string => `${c.camera.width}x${c.camera.height} -> send ${c.send.width}x${c.send.height} x${c.scale}`;

/** A camera-like RGBA readback: gradients, fine stripes and hashed noise (deterministic). */
export function syntheticRgba(width: number, height: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 4) {
      const noise = (Math.imul(x * 73_856_093 ^ y * 19_349_663, 2_654_435_761) >>> 27) - 16;
      rgba[i] = (255 * x) / width + noise;
      rgba[i + 1] = 128 + 100 * Math.sin(x * 0.7) * Math.cos(y * 0.3) + noise;
      rgba[i + 2] = (255 * y) / height - noise;
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}

/** syntheticRgba as the I420 bytes of a camera frame (BT.601, as the sender's codec round trip converts). */
export function cameraI420(width: number, height: number): Uint8Array {
  return rgbToI420(rgbaToRgb(syntheticRgba(width, height), width, height)).data;
}

export function stageTimes(samples: readonly number[]): StageTimes {
  return { medianMs: Number(percentile(samples, 50).toFixed(2)), p90Ms: Number(percentile(samples, 90).toFixed(2)) };
}

const sameBits = (a: RgbFrame, b: RgbFrame): boolean => {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length) return false;
  const x = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const y = new Uint32Array(b.data.buffer, b.data.byteOffset, b.data.length);
  return x.every((v, i) => v === y[i]);
};

/** Times both paths on `rgba`, alternating them (warm-up round untimed) so load drifts hit both alike. */
export function timePair(c: PairCase, rgba: Uint8ClampedArray, reps: number, now: () => number): PairTiming {
  const { width, height } = c.camera;
  const o = { scale: c.scale, sendWidth: c.send.width, sendHeight: c.send.height };
  const before: number[] = [];
  const after: number[] = [];
  let identical = true;
  for (let r = -1; r < reps; r++) {
    const t0 = now();
    const old = sendPair(rgbaToRgb(rgba, width, height), o);
    const t1 = now();
    const fast = cameraPair(rgba, width, height, o);
    const t2 = now();
    if (r < 0) identical = sameBits(old.lr, fast.lr) && sameBits(old.hr, fast.hr);
    else {
      before.push(t1 - t0);
      after.push(t2 - t1);
    }
  }
  return { before: stageTimes(before), after: stageTimes(after), identical };
}
