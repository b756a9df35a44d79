import { describe, expect, it } from 'vitest';
import { fromBytes } from '../../imaging/image.js';
import { UsageError, parseTrainArgs } from '../cli.js';
import type { ImagePair } from '../../imaging/imageSet.js';
import { PatchSampler } from './dataset.js';
import { Rng } from './rng.js';

const W = 45;
const H = 31;

describe('codec LR variants in training', () => {
  it('the sampler takes LR crops from the variants and keeps HR clean', async () => {
    const hr = fromBytes(W * 4, H * 4, new Uint8Array(W * 4 * H * 4 * 3).fill(200));
    const dark = fromBytes(W, H, new Uint8Array(W * H * 3).fill(10));
    const pair: ImagePair = { path: 'mem', hr, lr: fromBytes(W, H, new Uint8Array(W * H * 3).fill(90)) };
    const sampler = await PatchSampler.createFromPairs([pair], { scale: 4, patch: 16, augment: false, minStd: 0, lrVariants: () => Promise.resolve([dark]) });
    const b = sampler.sample(2, new Rng(1));
    expect(Array.from(new Set(b.lr))).toEqual([Math.fround(10 / 255)]);
    expect(Array.from(new Set(b.hr))).toEqual([Math.fround(200 / 255)]);
  });

  it('--vp8 and --vp8-clean parse, with clear errors', () => {
    const o = parseTrainArgs(['--data', 'd', '--variant', 'tiny', '--out', 'o', '--vp8', '20,40', '--vp8-clean']);
    expect(o.vp8).toEqual([20, 40]);
    expect(o.vp8Clean).toBe(true);
    expect(parseTrainArgs(['--data', 'd', '--variant', 'tiny', '--out', 'o']).vp8).toEqual([]);
    expect(() => parseTrainArgs(['--data', 'd', '--variant', 'tiny', '--out', 'o', '--vp8', '99'])).toThrow(UsageError);
    expect(() => parseTrainArgs(['--data', 'd', '--variant', 'tiny', '--out', 'o', '--vp8-clean'])).toThrow(/needs --vp8/);
  });
});

