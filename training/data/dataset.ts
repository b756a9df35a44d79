import { DatasetError, loadPair, type ImagePair } from '../../imaging/imageSet.js';
import type { RgbImage } from '../../imaging/image.js';
import type { Rng } from './rng.js';

export interface Batch {
  /** [n, patch/scale, patch/scale, 3] */
  readonly lr: Float32Array;
  /** [n, patch, patch, 3] */
  readonly hr: Float32Array;
  readonly n: number;
  readonly lrSize: number;
  readonly hrSize: number;
}

/**
 * Copies a size x size patch at (x, y) into out at offset, under one of the 8 dihedral transforms
 * (bit 0: flip x, bit 1: flip y, bit 2: transpose). LR and HR get the same transform, and bicubic
 * downscaling commutes with all of them, so the pair stays consistent.
 */
function copyPatch(img: RgbImage, x: number, y: number, size: number, t: number, out: Float32Array, offset: number): void {
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let sr = t & 4 ? c : r;
      let sc = t & 4 ? r : c;
      if (t & 1) sc = size - 1 - sc;
      if (t & 2) sr = size - 1 - sr;
      const s = ((y + sr) * img.width + x + sc) * 3;
      const o = offset + (r * size + c) * 3;
      out[o] = img.data[s] ?? 0;
      out[o + 1] = img.data[s + 1] ?? 0;
      out[o + 2] = img.data[s + 2] ?? 0;
    }
  }
}

function patchStd(img: RgbImage, x: number, y: number, size: number): number {
  let s = 0;
  let s2 = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const i = ((y + r) * img.width + x + c) * 3;
      const v = ((img.data[i] ?? 0) + (img.data[i + 1] ?? 0) + (img.data[i + 2] ?? 0)) / 3;
      s += v;
      s2 += v * v;
    }
  }
  const n = size * size;
  return Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
}

export interface PatchOptions {
  readonly scale: number;
  /** HR crop size, a multiple of the scale. */
  readonly patch: number;
  readonly augment: boolean;
  /**
   * Flat crops (std of the LR patch below this, values in [0, 1]) are redrawn up to 4 times: they
   * teach nothing and cost as much as any other crop.
   */
  readonly minStd: number;
  /** Drop images smaller than the crop (reported through `onSkip`) instead of failing. */
  readonly skipSmall?: boolean;
  readonly onSkip?: (message: string) => void;
  /**
   * Degraded versions of an image's clean LR (e.g. codec-compressed); each crop then takes its LR from
   * one of them, drawn uniformly. The HR target stays clean.
   */
  readonly lrVariants?: (pair: ImagePair) => Promise<readonly RgbImage[]>;
}

/** Random aligned LR/HR crops from cached images; every draw comes from the given Rng. */
export class PatchSampler {
  private readonly cumulative: number[];

  private constructor(
    private readonly pairs: readonly ImagePair[],
    private readonly opts: PatchOptions,
    private readonly variants: readonly (readonly RgbImage[])[] | null,
  ) {
    let acc = 0;
    // Pick images by area so that every pixel is equally likely (T91 sizes differ by 10x).
    this.cumulative = pairs.map((p) => (acc += p.hr.width * p.hr.height));
  }

  static async create(files: readonly string[], opts: PatchOptions): Promise<PatchSampler> {
    return PatchSampler.createFromPairs(await Promise.all(files.map((f) => loadPair(f, opts.scale))), opts);
  }

  /** From already loaded pairs (tests, or data that is not a folder of files). */
  static async createFromPairs(loaded: readonly ImagePair[], opts: PatchOptions): Promise<PatchSampler> {
    if (opts.patch % opts.scale !== 0 || opts.patch <= 0) throw new RangeError(`crop size ${opts.patch} must be a positive multiple of the scale ${opts.scale}`);
    let pairs = loaded;
    const small = pairs.filter((p) => p.hr.width < opts.patch || p.hr.height < opts.patch);
    if (small.length > 0 && opts.skipSmall === true && small.length < pairs.length) {
      opts.onSkip?.(`skipping ${small.length} image(s) smaller than the ${opts.patch} px crop: ${small.map((p) => p.path).join(', ')}`);
      pairs = pairs.filter((p) => !small.includes(p));
    } else if (small.length > 0) {
      const list = small.slice(0, 5).map((p) => `${p.path} (${p.hr.width}x${p.hr.height})`).join(', ');
      throw new DatasetError(`${small.length} image(s) smaller than the ${opts.patch} px crop: ${list}${small.length > 5 ? ', ...' : ''} (use a smaller --patch, or --skip-small to leave them out)`);
    }
    let variants: RgbImage[][] | null = null;
    if (opts.lrVariants !== undefined) {
      variants = [];
      // Sequential: each variant may spawn encoder processes, and the machine has few cores.
      for (const p of pairs) {
        const v = [...(await opts.lrVariants(p))];
        if (v.length === 0 || v.some((x) => x.width !== p.lr.width || x.height !== p.lr.height)) throw new DatasetError(`LR variants of ${p.path} must be non-empty and ${p.lr.width}x${p.lr.height}`);
        variants.push(v);
      }
    }
    return new PatchSampler(pairs, opts, variants);
  }

  get size(): number {
    return this.pairs.length;
  }

  sample(n: number, rng: Rng): Batch {
    const { scale, patch } = this.opts;
    const lrSize = patch / scale;
    const lr = new Float32Array(n * lrSize * lrSize * 3);
    const hr = new Float32Array(n * patch * patch * 3);
    const total = this.cumulative[this.cumulative.length - 1] ?? 0;
    for (let b = 0; b < n; b++) {
      let pair: ImagePair | undefined;
      let idx = 0;
      let lx = 0;
      let ly = 0;
      for (let attempt = 0; attempt < 5; attempt++) {
        const u = rng.next() * total;
        idx = Math.min(this.pairs.length - 1, this.cumulative.findIndex((c) => c > u));
        pair = this.pairs[idx];
        if (pair === undefined) throw new Error('sampler has no images');
        lx = rng.int(pair.lr.width - lrSize + 1);
        ly = rng.int(pair.lr.height - lrSize + 1);
        if (this.opts.minStd <= 0 || patchStd(pair.lr, lx, ly, lrSize) >= this.opts.minStd) break;
      }
      if (pair === undefined) throw new Error('sampler has no images');
      const t = this.opts.augment ? rng.int(8) : 0;
      // Only drawn with variants, so runs without them keep their exact random sequence.
      const vs = this.variants?.[idx];
      const src = vs === undefined ? pair.lr : (vs[rng.int(vs.length)] ?? pair.lr);
      copyPatch(src, lx, ly, lrSize, t, lr, b * lrSize * lrSize * 3);
      copyPatch(pair.hr, lx * scale, ly * scale, patch, t, hr, b * patch * patch * 3);
    }
    return { lr, hr, n, lrSize, hrSize: patch };
  }
}
