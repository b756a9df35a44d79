import { mkdtemp, readdir } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError, parseTrainArgs } from '../cli.js';
import { evaluateImages } from '../eval/evaluate.js';
import { setupBackend } from '../tf/backend.js';
import { psnr } from '../metrics.js';
import { PatchSampler, type ImagePair } from './dataset.js';
import { fromBytes, toBytes, type RgbImage } from './image.js';
import { Rng } from './rng.js';
import { CodecError, parseQuantizers, vp8RoundTrip } from './vp8.js';

// Odd size on purpose: T91's LR images are, and 4:2:0 chroma must still round-trip to the same size.
const W = 45;
const H = 31;
let img: RgbImage;
let cacheDir: string;

beforeAll(async () => {
  const px = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) px[(y * W + x) * 3 + c] = 128 + 90 * Math.sin(x * 0.45 + c) * Math.cos(y * 0.31 - c) + ((x * 7 + y * 13) % 11);
    }
  }
  img = fromBytes(W, H, px);
  cacheDir = await mkdtemp(join(tmpdir(), 'swiftsr-vp8-test-'));
});

const psnrOf = (a: RgbImage, b: RgbImage): number => psnr(Float64Array.from(toBytes(a)), Float64Array.from(toBytes(b)));

describe('vp8RoundTrip', () => {
  it('returns an image of the same size that a coarser quantizer damages more', async () => {
    const fine = await vp8RoundTrip(img, 10, { cacheDir });
    const coarse = await vp8RoundTrip(img, 56, { cacheDir });
    expect([fine.width, fine.height, fine.data.length]).toEqual([W, H, W * H * 3]);
    const pFine = psnrOf(fine, img);
    const pCoarse = psnrOf(coarse, img);
    expect(pFine).toBeGreaterThan(20);
    expect(pFine).toBeLessThan(50);
    expect(pCoarse).toBeGreaterThan(15);
    expect(pCoarse).toBeLessThan(pFine - 1);
  });

  it('caches by content: a second call reads the same bytes from the cache folder', async () => {
    const a = await vp8RoundTrip(img, 30, { cacheDir });
    const files = (await readdir(cacheDir)).filter((f) => f.endsWith('.rgb'));
    const b = await vp8RoundTrip(img, 30, { cacheDir, ffmpeg: '/nonexistent/ffmpeg' });
    expect(Array.from(toBytes(b))).toEqual(Array.from(toBytes(a)));
    expect((await readdir(cacheDir)).filter((f) => f.endsWith('.rgb'))).toEqual(files);
  });

  it('a missing ffmpeg is a CodecError that says so', async () => {
    const err = await vp8RoundTrip(img, 31, { cacheDir, ffmpeg: '/nonexistent/ffmpeg' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect((err as Error).message).toMatch(/ffmpeg not found/);
  });

  it('rejects quantizers outside 0..63', async () => {
    await expect(vp8RoundTrip(img, 64, { cacheDir })).rejects.toThrow(RangeError);
    expect(() => parseQuantizers('20,x')).toThrow(/0\.\.63/);
    expect(parseQuantizers('20,35,50')).toEqual([20, 35, 50]);
  });
});

describe('codec LR variants in training', () => {
  it('the sampler takes LR crops from the variants and keeps HR clean', async () => {
    const hr = fromBytes(W * 4, H * 4, new Uint8Array(W * 4 * H * 4 * 3).fill(200));
    const dark = fromBytes(W, H, new Uint8Array(W * H * 3).fill(10));
    const pair: ImagePair = { path: 'mem', hr, lr: img };
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

describe('eval on codec-compressed LR', () => {
  it('feeds the compressed LR to both model and bicubic, against the clean HR', async () => {
    await setupBackend('cpu');
    const w = 64;
    const px = new Uint8Array(w * w * 3).map((_, i) => 128 + 100 * Math.sin((i % (w * 3)) * 0.05) * Math.cos(Math.floor(i / (w * 3)) * 0.2));
    const file = join(cacheDir, 'hr.png');
    await sharp(px, { raw: { width: w, height: w, channels: 3 } }).png().toFile(file);
    const up = (x: tf.Tensor4D): tf.Tensor4D => tf.image.resizeBilinear(x, [x.shape[1] * 4, x.shape[2] * 4]);
    const clean = await evaluateImages(up, [file], 4);
    const same = await evaluateImages(up, [file], 4, undefined, (lr) => Promise.resolve(lr));
    const coded = await evaluateImages(up, [file], 4, undefined, (lr) => vp8RoundTrip(lr, 60, { cacheDir }));
    expect(same.mean).toEqual(clean.mean);
    expect(coded.mean.bicubic.psnrY).toBeLessThan(clean.mean.bicubic.psnrY - 0.5);
    expect(coded.mean.model.psnrY).toBeLessThan(clean.mean.model.psnrY - 0.5);
  });
});
