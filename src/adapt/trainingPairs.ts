import { areaRows, areaTaps } from './areaTaps.js';
import { seededRandom } from '../model/initGeneratorWeights.js';

/** An RGB frame, channels interleaved (HWC), values in [0, 1]. */
export interface RgbFrame {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Aligned crops, NHWC: `lr` is [count, crop, crop, 3], `hr` [count, crop·scale, crop·scale, 3]. */
export interface TrainingBatch {
  readonly count: number;
  readonly crop: number;
  readonly scale: number;
  readonly lr: Float32Array;
  readonly hr: Float32Array;
}

export interface PairOptions {
  /** The model's scale: the target is the frame at send size × scale. */
  readonly scale: number;
  /** The resolution the encoder sends now (the receiver's input). */
  readonly sendWidth: number;
  readonly sendHeight: number;
  /** LR crop side in pixels (the HR crop is scale times larger). */
  readonly crop: number;
  readonly count: number;
  readonly seed: number;
  /**
   * Detail-weighted sampling: each crop is the most detailed (cropDetail of its HR) of this many uniformly
   * drawn candidates. 1 (the default) is plain uniform sampling, the same crops as before this option.
   */
  readonly candidates?: number;
  /** Each crop (LR and HR alike) gets a random one of the 8 flips / transposes of the square. Default false. */
  readonly flips?: boolean;
}

/**
 * Area (box) downscale, exact for fractional ratios: each output pixel is the mean of the input area it
 * covers, as WebRTC's libyuv box filter and ffmpeg's `area` scale camera frames for sending. Upscaling is
 * refused: it is never what a sender does.
 */
export function areaResize(frame: RgbFrame, width: number, height: number): RgbFrame {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > frame.width || height > frame.height) {
    throw new RangeError(`areaResize: ${width}x${height} must be a downscale of ${frame.width}x${frame.height}`);
  }
  if (frame.data.length !== frame.width * frame.height * 3) throw new RangeError(`areaResize: ${frame.data.length} values for a ${frame.width}x${frame.height} RGB frame`);
  if (width === frame.width && height === frame.height) return { width, height, data: Float32Array.from(frame.data) };
  const cols = areaTaps(frame.width, width);
  const { first, count, weights, width: tw } = cols;
  const mid = new Float32Array(width * frame.height * 3);
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < width; x++) {
      const n = count[x] as number;
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0, p = (y * frame.width + (first[x] as number)) * 3 + c; k < n; k++, p += 3) s += (weights[x * tw + k] as number) * (frame.data[p] as number);
        mid[(y * width + x) * 3 + c] = s;
      }
    }
  }
  return { width, height, data: areaRows(mid, width * 3, areaTaps(frame.height, height)) };
}

/** The (LR, HR) views of one camera frame: what the receiver gets and what it should paint. */
export function sendPair(frame: RgbFrame, o: Pick<PairOptions, 'scale' | 'sendWidth' | 'sendHeight'>): { lr: RgbFrame; hr: RgbFrame } {
  const hr = areaResize(frame, o.sendWidth * o.scale, o.sendHeight * o.scale);
  return { lr: areaResize(frame, o.sendWidth, o.sendHeight), hr };
}

/**
 * Copies a side x side crop at (x, y), applying one of the 8 symmetries of the square: bit 0 mirrors
 * columns, bit 1 mirrors rows, bit 2 transposes (before mirroring). 0 is a plain copy.
 */
function copyCrop(src: RgbFrame, x: number, y: number, side: number, out: Float32Array, at: number, symmetry = 0): void {
  if (symmetry === 0) {
    for (let r = 0; r < side; r++) out.set(src.data.subarray(((y + r) * src.width + x) * 3, ((y + r) * src.width + x + side) * 3), at + r * side * 3);
    return;
  }
  const [mirrorX, mirrorY, transpose] = [(symmetry & 1) !== 0, (symmetry & 2) !== 0, (symmetry & 4) !== 0];
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const rr = mirrorY ? side - 1 - r : r;
      const cc = mirrorX ? side - 1 - c : c;
      const [sr, sc] = transpose ? [cc, rr] : [rr, cc];
      const from = ((y + sr) * src.width + x + sc) * 3;
      const to = at + (r * side + c) * 3;
      out[to] = src.data[from] ?? 0;
      out[to + 1] = src.data[from + 1] ?? 0;
      out[to + 2] = src.data[from + 2] ?? 0;
    }
  }
}

/**
 * Detail of an HR crop: mean absolute horizontal + vertical difference of (R + G + B) / 3. Flat wall and
 * skin teach a model that already has a bilinear skip almost nothing; edges and texture are what it learns.
 */
export function cropDetail(hr: RgbFrame, x: number, y: number, side: number): number {
  let sum = 0;
  const w = hr.width;
  const d = hr.data;
  for (let r = 0; r < side - 1; r++) {
    let i = ((y + r) * w + x) * 3;
    for (let c = 0; c < side - 1; c++, i += 3) {
      const v = (d[i] ?? 0) + (d[i + 1] ?? 0) + (d[i + 2] ?? 0);
      const right = (d[i + 3] ?? 0) + (d[i + 4] ?? 0) + (d[i + 5] ?? 0);
      const below = (d[i + w * 3] ?? 0) + (d[i + w * 3 + 1] ?? 0) + (d[i + w * 3 + 2] ?? 0);
      sum += Math.abs(right - v) + Math.abs(below - v);
    }
  }
  return sum / (3 * (side - 1) * (side - 1));
}

/**
 * Random aligned crops of the pair sendPair(frame) gives, seeded. The LR crop at (x, y) matches the HR crop
 * at (x·scale, y·scale). Codec artefacts are the caller's (round-trip the LR through the encoder first and
 * use cropPairs).
 */
export function buildTrainingPairs(frame: RgbFrame, o: PairOptions): TrainingBatch {
  const { lr, hr } = sendPair(frame, o);
  return cropPairs(lr, hr, o);
}

export type CropOptions = Pick<PairOptions, 'scale' | 'crop' | 'count' | 'seed' | 'candidates' | 'flips'>;

/** cropPairs on an already degraded LR frame and its HR target (hr must be lr × scale). */
export function cropPairs(lr: RgbFrame, hr: RgbFrame, o: CropOptions): TrainingBatch {
  const { scale, crop, count } = o;
  const candidates = o.candidates ?? 1;
  if (!Number.isInteger(candidates) || candidates < 1) throw new RangeError(`cropPairs: candidates must be a positive integer, got ${candidates}`);
  if (hr.width !== lr.width * scale || hr.height !== lr.height * scale) throw new RangeError(`cropPairs: HR ${hr.width}x${hr.height} is not ${scale} x LR ${lr.width}x${lr.height}`);
  if (!Number.isInteger(crop) || crop < 1 || crop > lr.width || crop > lr.height) throw new RangeError(`cropPairs: crop ${crop} does not fit ${lr.width}x${lr.height}`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`cropPairs: count must be a positive integer, got ${count}`);
  const rand = seededRandom(o.seed);
  const big = crop * scale;
  const out = { count, crop, scale, lr: new Float32Array(count * crop * crop * 3), hr: new Float32Array(count * big * big * 3) };
  for (let n = 0; n < count; n++) {
    let x = Math.floor(rand() * (lr.width - crop + 1));
    let y = Math.floor(rand() * (lr.height - crop + 1));
    if (candidates > 1) {
      let best = cropDetail(hr, x * scale, y * scale, big);
      for (let k = 1; k < candidates; k++) {
        const cx = Math.floor(rand() * (lr.width - crop + 1));
        const cy = Math.floor(rand() * (lr.height - crop + 1));
        const detail = cropDetail(hr, cx * scale, cy * scale, big);
        if (detail > best) [x, y, best] = [cx, cy, detail];
      }
    }
    const symmetry = o.flips === true ? Math.floor(rand() * 8) : 0;
    copyCrop(lr, x, y, crop, out.lr, n * crop * crop * 3, symmetry);
    copyCrop(hr, x * scale, y * scale, big, out.hr, n * big * big * 3, symmetry);
  }
  return out;
}
