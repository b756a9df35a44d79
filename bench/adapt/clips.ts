import { join } from 'node:path';
import { degradeClip, parseDegradation } from '../../imaging/callDegrade.js';
import type { RgbImage } from '../../imaging/image.js';

/** One sampled instant of a clip: what the receiver decodes (lr) and the camera frame at LR x scale (hr). */
export interface Pair {
  readonly lr: RgbImage;
  readonly hr: RgbImage;
}

/**
 * An evaluation clip: `frames` frames at `fps` are encoded from its start, every `every`-th one is sampled
 * (the sender's sample interval). The first `train` samples are the call so far (the sender adapts on
 * them), the rest are the following frames, scored and never trained on.
 */
export interface ClipSpec {
  readonly name: string;
  /** Path relative to the shared datasets folder. */
  readonly file: string;
  readonly fps: number;
  readonly every: number;
  readonly samples: number;
  readonly train: number;
  /** Score every n-th of the following samples (scoring 1080p frames costs as much as adapting). */
  readonly scoreEvery: number;
  readonly note: string;
}

export const CLIPS: ReadonlyMap<string, ClipSpec> = new Map([
  ['FourPeople', {
    name: 'FourPeople', file: 'conference/FourPeople_1280x720_60.mp4', fps: 60, every: 25, samples: 24, train: 12, scoreEvery: 1,
    note: 'talking heads, 1280x720 60 fps, 10 s: samples every 25 frames (0.42 s); the first 5 s train, the last 5 s are scored',
  }],
  ['BBB', {
    name: 'BBB', file: 'video/video-1080p-60fps-2s.mp4', fps: 60, every: 5, samples: 24, train: 12, scoreEvery: 2,
    note: 'Big Buck Bunny 1920x1080 60 fps, 2 s (the longest 1080p BBB in the datasets; the 10 s one is 320x180): samples every 5 frames (83 ms); the first 1 s trains, every other sample of the last 1 s (6) is scored',
  }],
]);

export function clipSpec(name: string): ClipSpec {
  const c = CLIPS.get(name);
  if (c === undefined) throw new RangeError(`unknown clip '${name}': one of ${[...CLIPS.keys()].join(', ')}`);
  return c;
}

/** A rate token of the grid: a bitrate in kbit/s (the call encoder's target) or 'clean' (no codec). */
export type Rate = number | 'clean';

export function parseRate(token: string): Rate {
  if (token === 'clean') return 'clean';
  const kbps = Number(token);
  if (!(kbps > 0) || !Number.isFinite(kbps)) throw new RangeError(`rate '${token}' must be a positive kbit/s or 'clean'`);
  return kbps;
}

export interface ClipPairs {
  readonly train: Pair[];
  readonly test: Pair[];
  /** Measured rate of the encoded clip (null for clean). */
  readonly kbps: number | null;
  readonly encoder: string | null;
  readonly hrSize: string;
  readonly lrSize: string;
}

/**
 * The clip through a call at `rate` (imaging/callDegrade: box downscale to 1/scale, real-time encode,
 * decode), sampled; 'clean' takes the sender's downscale before the encoder. One encode serves every
 * tier of the same scale.
 */
export async function loadClip(datasets: string, spec: ClipSpec, rate: Rate, codec: string, scale: number): Promise<ClipPairs> {
  const scored = Array.from({ length: spec.samples }, (_, i) => spec.every * (i + 1) - 1);
  const degradation = parseDegradation(`call:${codec}@${rate === 'clean' ? 1000 : rate}`);
  const call = await degradeClip({ source: join(datasets, spec.file), scale, degradation, frames: spec.every * spec.samples, fps: spec.fps, scored });
  const pairs = scored.map((i) => ({ lr: (rate === 'clean' ? call.lrClean : call.lr).get(i) as RgbImage, hr: call.hr.get(i) as RgbImage }));
  return {
    train: pairs.slice(0, spec.train),
    test: pairs.slice(spec.train).filter((_, i) => i % spec.scoreEvery === 0),
    kbps: rate === 'clean' ? null : Number(call.kbps.toFixed(1)),
    encoder: rate === 'clean' ? null : call.config.encoder,
    hrSize: call.config.hrSize,
    lrSize: call.config.lrSize,
  };
}
