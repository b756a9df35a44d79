import * as tf from '@tensorflow/tfjs-core';
import { FineTuner } from '../adapt/fineTune.js';
import { decodeModelUpdate, encodeModelUpdate, updateBytes, type UpdateEncoding } from '../adapt/modelUpdate.js';
import { PublishPolicy } from '../adapt/publishPolicy.js';
import type { TrainingBatch } from '../adapt/trainingPairs.js';
import { valuesToWeights, type UpdateBase } from '../adapt/updateBase.js';
import { generatorForward } from '../model/generator.js';
import { seededRandom } from '../model/initGeneratorWeights.js';
import type { GeneratorWeights } from '../model/types.js';
import type { SenderStats } from './protocol.js';
import type { SamplePool } from './SamplePool.js';
import { nextSequence } from './sequence.js';
import { Waker } from './Waker.js';

export interface AdaptLoopOptions {
  readonly budgetMsPerSecond: number;
  readonly batch: number;
  readonly learningRate: number;
  readonly encoding: UpdateEncoding;
  readonly maxUpdateShare: number;
  readonly minGainDb: number;
  /** Steps between two validations (and publish decisions). Default 8. */
  readonly validateEverySteps?: number;
  readonly seed?: number;
  /** The wall clock (ms since 1970) update sequence numbers follow (sequence.ts). Default Date.now. */
  readonly clock?: () => number;
  /** A step or validation threw (e.g. the GPU device was lost): training stops; the published weights stand. */
  readonly onError?: (error: unknown) => void;
}

export interface PublishedUpdate {
  readonly seq: number;
  readonly message: Uint8Array<ArrayBuffer>;
  /** Y-PSNR gain of the published (decoded) weights over the base on the held-back frames, in [-20, 20]. */
  readonly gainDb: number;
  readonly encoding: UpdateEncoding;
  readonly variant: string;
}

/** The SenderStats fields the loop owns. */
export type AdaptLoopStats = Pick<SenderStats, 'steps' | 'trainMsPerSecond' | 'validationGainDb' | 'publishedGainDb' | 'generation' | 'updateBytes' | 'updateBitrateBps'>;

/** The window over which trainMsPerSecond is measured. */
const DUTY_WINDOW_MS = 5000;

/** Y-PSNR (BT.601 luma, peak 1) of the model with `weights` on a held-back batch; gains are differences, so Y's offset and range cancel. */
async function psnrY(base: UpdateBase, weights: GeneratorWeights, b: TrainingBatch): Promise<number> {
  const big = b.crop * b.scale;
  const mse = tf.tidy(() => {
    const x = tf.tensor4d(b.lr, [b.count, b.crop, b.crop, 3]);
    const hr = tf.tensor4d(b.hr, [b.count, big, big, 3]);
    const coeffs = tf.tensor1d([0.299, 0.587, 0.114]);
    const y = (t: tf.Tensor): tf.Tensor => tf.sum(tf.mul(t, coeffs), -1);
    return tf.mean(tf.square(tf.sub(y(generatorForward(base.config, weights, x, { training: false })), y(hr))));
  });
  // data(), not dataSync(): WebGPU reads back asynchronously only.
  const value = (await mse.data())[0] ?? Number.NaN;
  mse.dispose();
  return -10 * Math.log10(Math.max(value, 1e-12));
}

/**
 * Fine-tunes within a compute budget and publishes when it pays: each step is timed and followed by a
 * sleep of (1000 / budgetMsPerSecond - 1) times its length, so training takes at most that share of the
 * GPU (validation included). Every `validateEverySteps` steps the held-back frames are scored with the
 * base, the published and the current weights; when the current ones beat both the base and the published
 * by minGainDb, their update is encoded, decoded again (receivers run the quantised weights, so those are
 * what is scored) and sent if it still beats both and the PublishPolicy's byte budget allows. The held-back
 * frames move with the call: published weights that now score below the base show as a negative
 * publishedGainDb, and only weights that beat the base again replace them.
 */
export class AdaptLoop {
  readonly #base: UpdateBase;
  readonly #baseWeights: GeneratorWeights;
  #published: GeneratorWeights | null = null;
  #tuner: FineTuner;
  readonly #pool: SamplePool;
  readonly #opts: AdaptLoopOptions;
  readonly #policy: PublishPolicy;
  readonly #rand: () => number;
  /** Waits for data or resume (cut short by new samples); the pacing sleep is cut short by dispose() only. */
  readonly #idle = new Waker();
  readonly #pace = new Waker();
  readonly #onPublish: (u: PublishedUpdate) => void;
  readonly #busy: [number, number][] = [];
  readonly #startedAt: number;
  #steps = 0;
  /** Start of the step in flight (counted as busy so far), null between steps. */
  #stepStart: number | null = null;
  #gainDb: number | null = null;
  /** The published weights' gain over the base on the latest held-back frames; null before a publish. */
  #publishedGainDb: number | null = null;
  /** pause(true) callers waiting for the step in flight to end. */
  #settled: (() => void)[] = [];
  #inStep = false;
  /** Sequence number of the last published update; 0: none yet. */
  #seq = 0;
  #paused = true;
  #stopped = false;
  #running: Promise<void> | null = null;

  private constructor(base: UpdateBase, tuner: FineTuner, pool: SamplePool, opts: AdaptLoopOptions, onPublish: (u: PublishedUpdate) => void) {
    this.#base = base;
    this.#baseWeights = valuesToWeights(base, base.values);
    this.#tuner = tuner;
    this.#pool = pool;
    this.#opts = opts;
    this.#startedAt = performance.now();
    this.#policy = new PublishPolicy(this.#startedAt, { maxUpdateShare: opts.maxUpdateShare, minGainDb: opts.minGainDb });
    this.#rand = seededRandom(opts.seed ?? 1);
    this.#onPublish = onPublish;
  }

  /** Runs on the current TF.js backend; the caller keeps `pool` fed. */
  static async create(base: UpdateBase, pool: SamplePool, opts: AdaptLoopOptions, onPublish: (u: PublishedUpdate) => void): Promise<AdaptLoop> {
    const weights = valuesToWeights(base, base.values);
    try {
      return new AdaptLoop(base, await FineTuner.create(base.config, weights, { learningRate: opts.learningRate }), pool, opts, onPublish);
    } finally {
      tf.dispose([...weights.values()]);
    }
  }

  setVideoBitrate(bps: number): void {
    this.#policy.setVideoBitrate(bps, performance.now());
  }

  /**
   * Starts (or resumes) stepping. pause(true) stops after the step in flight: it resolves once that step
   * (and any publish it made, onPublish included) is over, so nothing is published after it resolves until
   * pause(false). Resolves at once when no step is in flight.
   */
  pause(paused: boolean): Promise<void> {
    this.#paused = paused;
    if (!paused) {
      this.#running ??= this.#loop()
        .catch((e: unknown) => {
          this.#stopped = true;
          this.#opts.onError?.(e);
        })
        .finally(() => this.#settle());
      this.#idle.wake();
      return Promise.resolve();
    }
    if (!this.#inStep) return Promise.resolve();
    return new Promise((resolve) => this.#settled.push(resolve));
  }

  /** Wakes a loop that waits for training data. */
  poke(): void {
    this.#idle.wake();
  }

  stats(): AdaptLoopStats {
    const now = performance.now();
    const since = Math.max(1, now - this.#startedAt);
    return {
      steps: this.#steps,
      trainMsPerSecond: Math.round((1000 * this.#busyMs(now)) / Math.min(DUTY_WINDOW_MS, since)),
      validationGainDb: this.#gainDb,
      publishedGainDb: this.#publishedGainDb,
      generation: this.#seq,
      updateBytes: this.#policy.publishedBytes,
      updateBitrateBps: Math.round((this.#policy.publishedBytes * 8 * 1000) / since),
    };
  }

  /** Stops after the step in flight and frees every tensor. */
  async dispose(): Promise<void> {
    this.#stopped = true;
    this.#idle.wake();
    this.#pace.wake();
    await this.#running;
    this.#settle();
    this.#tuner.dispose();
    tf.dispose([...this.#baseWeights.values(), ...(this.#published?.values() ?? [])]);
  }

  #settle(): void {
    this.#inStep = false;
    for (const resolve of this.#settled.splice(0)) resolve();
  }

  #busyMs(now: number): number {
    const from = now - DUTY_WINDOW_MS;
    while (this.#busy.length > 0 && (this.#busy[0] as [number, number])[1] < from) this.#busy.shift();
    const inFlight = this.#stepStart === null ? 0 : now - Math.max(this.#stepStart, from);
    return this.#busy.reduce((s, [a, b]) => s + b - Math.max(a, from), inFlight);
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const batch = this.#paused ? null : this.#pool.trainingBatch(this.#opts.batch, this.#rand);
      if (batch === null) {
        await this.#idle.wait(1000);
        continue;
      }
      const t0 = performance.now();
      this.#stepStart = t0;
      this.#inStep = true;
      const loss = await this.#tuner.step(batch);
      if (!Number.isFinite(loss)) await this.#restart();
      this.#steps++;
      if (this.#steps % (this.#opts.validateEverySteps ?? 8) === 0) await this.#validate();
      const t1 = performance.now();
      this.#stepStart = null;
      this.#settle();
      this.#busy.push([t0, t1]);
      await this.#pace.wait((t1 - t0) * (1000 / this.#opts.budgetMsPerSecond - 1));
    }
  }

  /** A diverged step (NaN/Inf loss): start again from what receivers run. */
  async #restart(): Promise<void> {
    this.#tuner.dispose();
    this.#tuner = await FineTuner.create(this.#base.config, this.#published ?? this.#baseWeights, { learningRate: this.#opts.learningRate });
  }

  async #validate(): Promise<void> {
    const held = this.#pool.validationBatch();
    if (held === null) return;
    const basePsnr = await psnrY(this.#base, this.#baseWeights, held);
    const current = await psnrY(this.#base, this.#tuner.weights, held);
    this.#gainDb = current - basePsnr;
    const publishedPsnr = this.#published === null ? basePsnr : await psnrY(this.#base, this.#published, held);
    if (this.#published !== null) this.#publishedGainDb = publishedPsnr - basePsnr;
    const bytes = updateBytes(this.#base, this.#opts.encoding);
    const now = performance.now();
    // Against the better of the base and the published: both are what receivers may run on these frames.
    if (!this.#policy.decide(current, publishedPsnr, bytes, now, basePsnr).publish) return;
    const seq = nextSequence(this.#seq, this.#opts.clock?.() ?? Date.now());
    const message = encodeModelUpdate(this.#base, await this.#tuner.values(), seq, { encoding: this.#opts.encoding }) as Uint8Array<ArrayBuffer>;
    const decoded = valuesToWeights(this.#base, decodeModelUpdate(message, this.#base).values);
    const sent = await psnrY(this.#base, decoded, held);
    if (!this.#policy.decide(sent, publishedPsnr, bytes, now, basePsnr).publish) {
      tf.dispose([...decoded.values()]);
      return;
    }
    this.#policy.commit(sent, message.length, now);
    this.#seq = seq;
    tf.dispose([...(this.#published?.values() ?? [])]);
    this.#published = decoded;
    const gainDb = Math.max(-20, Math.min(20, sent - basePsnr));
    this.#publishedGainDb = sent - basePsnr;
    this.#onPublish({ seq, message, gainDb, encoding: this.#opts.encoding, variant: this.#base.variant });
  }
}
