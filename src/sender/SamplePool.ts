import { cropPairs, type RgbFrame, type TrainingBatch } from '../adapt/trainingPairs.js';

export interface SamplePoolOptions {
  /** Model scale: HR crops are crop × scale. */
  readonly scale: number;
  readonly crop: number;
  /** Each crop is the most detailed of this many random candidates (cropPairs); default 1, uniform. */
  readonly candidates?: number;
  /** Aligned random crops kept per sampled frame (the frame itself is not kept). */
  readonly cropsPerSample: number;
  /** The newest this many samples are held back: validation only, never trained on while there. */
  readonly heldBack: number;
  /** Training samples kept (oldest dropped first). */
  readonly capacity: number;
}

/** Crops of one sampled frame, 8 bits per value: a quarter of float32's memory, below the codec's own noise. */
interface Sample {
  readonly lr: Uint8Array;
  readonly hr: Uint8Array;
}

const quantise = (v: Float32Array): Uint8Array => Uint8Array.from(v, (x) => Math.round(Math.min(1, Math.max(0, x)) * 255));

/**
 * The sender's training data. Every sampled frame first joins the held-back set (the `heldBack` newest
 * frames, what validation scores: frames the model has not trained on, the nearest stand-in for the call's
 * next seconds); when a newer one arrives, the oldest held-back frame moves to the training set.
 */
export class SamplePool {
  readonly options: SamplePoolOptions;
  readonly #train: Sample[] = [];
  readonly #heldBack: Sample[] = [];
  #added = 0;

  constructor(options: SamplePoolOptions) {
    for (const k of ['scale', 'crop', 'cropsPerSample', 'heldBack', 'capacity'] as const) {
      if (!Number.isInteger(options[k]) || options[k] < 1) throw new RangeError(`SamplePool: ${k} must be a positive integer, got ${options[k]}`);
    }
    this.options = options;
  }

  get trainSize(): number {
    return this.#train.length;
  }

  get heldBackSize(): number {
    return this.#heldBack.length;
  }

  /** Frames added since the last clear(). */
  get added(): number {
    return this.#added;
  }

  /** Adds the pair of one sampled frame (hr = lr × scale); `seed` picks its crops. */
  add(lr: RgbFrame, hr: RgbFrame, seed: number): void {
    const { crop, scale, cropsPerSample: count, candidates = 1 } = this.options;
    const b = cropPairs(lr, hr, { crop, scale, count, seed, candidates });
    this.#heldBack.push({ lr: quantise(b.lr), hr: quantise(b.hr) });
    this.#added++;
    while (this.#heldBack.length > this.options.heldBack) {
      this.#train.push(this.#heldBack.shift() as Sample);
      if (this.#train.length > this.options.capacity) this.#train.shift();
    }
  }

  /** Drops everything (the send size changed: old pairs teach the wrong degradation). */
  clear(): void {
    this.#train.length = 0;
    this.#heldBack.length = 0;
    this.#added = 0;
  }

  /** `count` crops drawn uniformly from the training set with `rand`; null while it is empty. */
  trainingBatch(count: number, rand: () => number): TrainingBatch | null {
    if (this.#train.length === 0) return null;
    const per = this.options.cropsPerSample;
    const picks = Array.from({ length: count }, () => {
      const i = Math.floor(rand() * this.#train.length * per);
      return { sample: this.#train[Math.floor(i / per)] as Sample, crop: i % per };
    });
    return this.#batch(picks);
  }

  /** Every crop of the held-back frames; null while there are none. */
  validationBatch(): TrainingBatch | null {
    if (this.#heldBack.length === 0) return null;
    const per = this.options.cropsPerSample;
    return this.#batch(this.#heldBack.flatMap((sample) => Array.from({ length: per }, (_, crop) => ({ sample, crop }))));
  }

  #batch(picks: readonly { sample: Sample; crop: number }[]): TrainingBatch {
    const { crop, scale } = this.options;
    const lrSize = crop * crop * 3;
    const hrSize = lrSize * scale * scale;
    const out = { count: picks.length, crop, scale, lr: new Float32Array(picks.length * lrSize), hr: new Float32Array(picks.length * hrSize) };
    picks.forEach((p, n) => {
      for (let i = 0; i < lrSize; i++) out.lr[n * lrSize + i] = (p.sample.lr[p.crop * lrSize + i] ?? 0) / 255;
      for (let i = 0; i < hrSize; i++) out.hr[n * hrSize + i] = (p.sample.hr[p.crop * hrSize + i] ?? 0) / 255;
    });
    return out;
  }
}
