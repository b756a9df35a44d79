import * as tf from '@tensorflow/tfjs-core';
import { quantize, type RgbImage } from '../../imaging/image.js';
import { psnrY } from '../../imaging/metrics.js';
import { FineTuner, trainLastUnits } from '../../src/adapt/fineTune.js';
import { decodeModelUpdate, encodeModelUpdate, updateBytes, type UpdateEncoding } from '../../src/adapt/modelUpdate.js';
import { PublishPolicy } from '../../src/adapt/publishPolicy.js';
import { cropPairs } from '../../src/adapt/trainingPairs.js';
import { valuesToWeights, type UpdateBase } from '../../src/adapt/updateBase.js';
import { createGenerator } from '../../src/model/createGenerator.js';
import type { GeneratorWeights } from '../../src/model/types.js';
import type { Pair } from './clips.js';

/** How the sender fine-tunes: FineTuner and cropPairs options. */
export interface TuneOptions {
  readonly crop: number;
  readonly batch: number;
  readonly lr: number;
  /** cropPairs candidates (1 = uniform crops). */
  readonly candidates: number;
  readonly flips: boolean;
  /** Train only the last N conv units (0 = all). */
  readonly trainLast: number;
  readonly seed: number;
}

/** A sender that may send updates of at most `share` of `videoKbps` (PublishPolicy, SessionInput.encoding updates). */
export interface CapSpec {
  readonly share: number;
  readonly videoKbps: number;
  readonly minGainDb: number;
}

export interface CurvePoint {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly steps: number;
  readonly trainL1: number | null;
  /** The sender's current weights as a receiver would decode them (an update in SessionInput.encoding). */
  readonly yPsnr: number;
  readonly gain: number;
  /** Per cap share: what a receiver paints under that cap (the last published weights). */
  readonly received: readonly ReceivedPoint[];
}

export interface ReceivedPoint {
  readonly share: number;
  readonly updates: number;
  readonly updateKbps: number;
  readonly lastPublishedAt: number | null;
  readonly yPsnr: number;
  readonly gain: number;
}

/** Mean Y-PSNR (border = scale) of 8-bit outputs over the pairs, as a screen shows them. */
export function scorePairs(pairs: readonly Pair[], scale: number, up: (lr: RgbImage) => RgbImage): number {
  const values = pairs.map((p) => psnrY(quantize(up(p.lr)), p.hr, scale));
  return Number((values.reduce((a, b) => a + b, 0) / values.length).toFixed(3));
}

export function scoreValues(base: UpdateBase, values: readonly Float32Array[], pairs: readonly Pair[]): number {
  const weights = valuesToWeights(base, values);
  const gen = createGenerator(base.config, base.variant, weights);
  try {
    return scorePairs(pairs, base.config.scale, (lr) => {
      const y = tf.tidy(() => gen.predict(tf.tensor4d(lr.data, [1, lr.height, lr.width, 3])));
      const data = y.dataSync() as Float32Array;
      y.dispose();
      return { width: y.shape[2], height: y.shape[1], data };
    });
  } finally {
    gen.dispose();
  }
}

/** The weights a receiver decodes from the update of `values`. */
function received(base: UpdateBase, values: readonly Float32Array[], encoding: UpdateEncoding): Float32Array[] {
  return decodeModelUpdate(encodeModelUpdate(base, values, 1, { encoding }), base).values;
}

interface Snapshot {
  readonly at: number;
  readonly steps: number;
  readonly values: readonly Float32Array[];
  psnr?: number;
}

export interface SessionInput {
  readonly base: UpdateBase;
  readonly folded: GeneratorWeights;
  /** Training samples in call order; the last `holdBack` are the sender's validation, never trained on. */
  readonly train: readonly Pair[];
  readonly holdBack: number;
  readonly test: readonly Pair[];
  /** Adaptation seconds (of `clock`, training steps only) at which the models are scored. */
  readonly checkpoints: readonly number[];
  /**
   * What a second of adaptation is: 'cpu' (default) counts this process's CPU time, i.e. a core given to
   * the sender, so a shared machine's load does not change the curve; 'wall' counts the wall clock.
   */
  readonly clockKind?: 'cpu' | 'wall';
  /** Stop at a step count instead of seconds (checkpoints then count steps). */
  readonly bySteps?: boolean;
  readonly caps: readonly CapSpec[];
  /** The checkpoints at which the receivers' weights are scored too (each a scoring per cap); default all. */
  readonly receivedAt?: readonly number[];
  readonly tune: TuneOptions;
  /** How updates travel: what receivers decode and what PublishPolicy charges; default 'int8'. */
  readonly encoding?: UpdateEncoding;
  readonly log?: (line: string) => void;
  /** Milliseconds, monotonic; default performance.now (tests pass a fake one to make the policy deterministic). */
  readonly clock?: () => number;
}

export interface SessionResult {
  readonly staticYPsnr: number;
  readonly curve: CurvePoint[];
  readonly encoding: UpdateEncoding;
  /** One update's size in `encoding`. */
  readonly updateBytes: number;
  /** Seconds spent outside the adaptation clock: sender validation and scoring. */
  readonly validationSeconds: number;
  readonly scoringSeconds: number;
}

/**
 * One sender session: fine-tunes from the shipped base on the training samples (one sample per step, in
 * turn), and at each checkpoint scores on the following frames (a) the sender's weights as an update
 * and (b) for each cap, the weights a receiver holds: the last ones PublishPolicy let through. The policy
 * sees held-back validation (Y-PSNR of the held-back samples) every time its budget would allow a message.
 * Validation and scoring are not counted in the adaptation seconds.
 */
export async function runSession(s: SessionInput): Promise<SessionResult> {
  const { base, tune } = s;
  const now = s.clock ?? (() => performance.now());
  const scale = base.config.scale;
  if (!(s.holdBack >= 0 && s.holdBack < s.train.length)) throw new RangeError(`holdBack must leave training samples: ${s.holdBack} of ${s.train.length}`);
  const trainSet = s.train.slice(0, s.train.length - s.holdBack);
  const held = s.train.slice(s.train.length - s.holdBack);
  const encoding = s.encoding ?? 'int8';
  const bytes = updateBytes(base, encoding);
  const scoreCache = new Map<number, number>();
  let scoringSeconds = 0;
  const score = (steps: number, values: readonly Float32Array[]): number => {
    const hit = scoreCache.get(steps);
    if (hit !== undefined) return hit;
    const t0 = now();
    const v = scoreValues(base, values, s.test);
    scoringSeconds += (now() - t0) / 1000;
    scoreCache.set(steps, v);
    return v;
  };
  const staticYPsnr = score(0, base.values);
  const tuner = await FineTuner.create(base.config, s.folded, {
    learningRate: tune.lr,
    ...(tune.trainLast > 0 ? { trainable: trainLastUnits(base.config, tune.trainLast) } : {}),
  });
  const heldPsnr = (values: readonly Float32Array[]): number => (held.length === 0 ? 0 : scoreValues(base, values, held));
  const basePsnr = heldPsnr(base.values);
  const senders = s.caps.map((cap) => {
    const policy = new PublishPolicy(0, { maxUpdateShare: cap.share, minGainDb: cap.minGainDb });
    policy.setVideoBitrate(cap.videoKbps * 1000, 0);
    const periodS = (bytes * 8) / (cap.share * cap.videoKbps * 1000);
    const published: Snapshot = { at: 0, steps: 0, values: base.values, psnr: basePsnr };
    return { cap, policy, periodS, nextCheck: periodS, published };
  });
  let validationSeconds = 0;
  const curve: CurvePoint[] = [];
  let wall = 0;
  let cpu = 0;
  // The call's clock: what checkpoints, the policy and the update bitrate count.
  const elapsed = (): number => (s.clockKind === 'wall' ? wall : cpu);
  let lastLoss: number | null = null;
  const point = (values: readonly Float32Array[], withReceived: boolean): CurvePoint => {
    const y = score(tuner.steps, values);
    return {
      seconds: Number(wall.toFixed(1)), cpuSeconds: Number(cpu.toFixed(1)), steps: tuner.steps,
      trainL1: lastLoss === null ? null : Number(lastLoss.toFixed(5)), yPsnr: y, gain: Number((y - staticYPsnr).toFixed(3)),
      received: !withReceived ? [] : senders.map((x) => {
        const yr = x.published.steps === tuner.steps ? y : score(x.published.steps, x.published.values);
        return {
          share: x.cap.share, updates: x.policy.published, updateKbps: elapsed() > 0 ? Number(((x.policy.publishedBytes * 8) / elapsed() / 1000).toFixed(2)) : 0,
          lastPublishedAt: x.policy.published > 0 ? x.published.at : null, yPsnr: yr, gain: Number((yr - staticYPsnr).toFixed(3)),
        };
      }),
    };
  };
  // A receiver-side view needs validation whenever some cap's budget allows a message.
  const validate = async (): Promise<void> => {
    const t = elapsed();
    const due = senders.filter((x) => t >= x.nextCheck);
    if (due.length === 0 || held.length === 0) return;
    const t0 = now();
    const values = received(base, await tuner.values(), encoding);
    const psnr = heldPsnr(values);
    validationSeconds += (now() - t0) / 1000;
    for (const x of due) {
      const nowMs = t * 1000;
      const verdict = x.policy.decide(psnr, x.published.psnr ?? basePsnr, bytes, nowMs);
      if (verdict.publish) {
        x.policy.commit(psnr, bytes, nowMs);
        x.published = { at: Number(t.toFixed(1)), steps: tuner.steps, values, psnr };
        x.nextCheck = t + x.periodS;
      } else {
        x.nextCheck = t + Math.max(verdict.waitMs / 1000, Math.min(x.periodS, 2));
      }
    }
  };
  curve.push(point(base.values, true));
  for (const until of s.checkpoints) {
    while ((s.bySteps === true ? tuner.steps : elapsed()) < until) {
      const t0 = now();
      const c0 = process.cpuUsage();
      const k = tuner.steps;
      const p = trainSet[k % trainSet.length] as Pair;
      lastLoss = await tuner.step(cropPairs(p.lr, p.hr, { scale, crop: tune.crop, count: tune.batch, seed: tune.seed * 1_000_003 + k, candidates: tune.candidates, flips: tune.flips }));
      wall += (now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1e6;
      await validate();
    }
    const pt = point(received(base, await tuner.values(), encoding), s.receivedAt?.includes(until) ?? true);
    curve.push(pt);
    s.log?.(`  ${base.variant} ${pt.cpuSeconds} CPU s (${pt.seconds} s wall), ${pt.steps} steps: ${pt.yPsnr} dB (${pt.gain >= 0 ? '+' : ''}${pt.gain}); received ${pt.received.length === 0 ? '-' : pt.received.map((r) => `${r.share * 100} %: ${r.gain >= 0 ? '+' : ''}${r.gain} (${r.updates} updates, ${r.updateKbps} kbit/s)`).join(', ')}`);
  }
  tuner.dispose();
  return { staticYPsnr, curve, encoding, updateBytes: bytes, validationSeconds: Number(validationSeconds.toFixed(1)), scoringSeconds: Number(scoringSeconds.toFixed(1)) };
}
