import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBmp24 } from '../../imaging/bmp.js';
import { DatasetError, listImages, loadPair } from '../../imaging/imageSet.js';
import { PatchSampler } from './dataset.js';
import { Rng } from './rng.js';

let dir: string;
const W = 40;
const H = 36;
const pixels = new Uint8Array(W * H * 3).map((_, i) => (i * 37 + ((i / 3) | 0) * 11) % 256);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swiftsr-data-'));
  await mkdir(join(dir, 'imgs'));
  await mkdir(join(dir, 'empty'));
  await sharp(pixels, { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(dir, 'imgs', 'a.png'));
  await writeFile(join(dir, 'imgs', 'b.bmp'), encodeBmp24({ width: W, height: H, data: pixels }));
  const gray = new Uint8Array(W * H).map((_, i) => i % 256);
  await sharp(gray, { raw: { width: W, height: H, channels: 1 } }).png().toFile(join(dir, 'imgs', 'c.png'));
  await sharp(pixels, { raw: { width: W, height: H, channels: 3 } }).png({ palette: true, colours: 16 }).toFile(join(dir, 'imgs', 'd.png'));
  await writeFile(join(dir, 'imgs', 'notes.txt'), 'not an image');
  await sharp(pixels.subarray(0, 20 * 20 * 3), { raw: { width: 20, height: 20, channels: 3 } }).png().toFile(join(dir, 'small.png'));
});

describe('training crops', () => {
  it('gives clear errors for too-small images and bad crop sizes', async () => {
    await expect(PatchSampler.create([join(dir, 'small.png')], { scale: 4, patch: 32, augment: true, minStd: 0 })).rejects.toThrow(DatasetError);
    await expect(PatchSampler.create([join(dir, 'small.png')], { scale: 4, patch: 30, augment: true, minStd: 0 })).rejects.toThrow(/multiple of the scale/);
  });

  it('samples aligned LR/HR crops, reproducibly for a seed', async () => {
    const files = await listImages([join(dir, 'imgs')]);
    expect(files.map((f) => f.slice(-5))).toEqual(['a.png', 'b.bmp', 'c.png', 'd.png']);
    const s = await PatchSampler.create(files, { scale: 4, patch: 16, augment: true, minStd: 0 });
    const b1 = s.sample(6, new Rng(7));
    const b2 = s.sample(6, new Rng(7));
    expect(Array.from(b1.hr)).toEqual(Array.from(b2.hr));
    expect(b1.lr.length).toBe(6 * 4 * 4 * 3);
    // LR crop = the downscaled HR crop: the mean of each patch pair agrees closely.
    for (let i = 0; i < 6; i++) {
      const mean = (a: Float32Array, n: number) => a.subarray(i * n, (i + 1) * n).reduce((x, y) => x + y, 0) / n;
      expect(Math.abs(mean(b1.lr, 48) - mean(b1.hr, 768))).toBeLessThan(0.05);
    }
    const pair = await loadPair(files[0] ?? '', 4);
    expect([pair.lr.width, pair.lr.height]).toEqual([10, 9]);
  });
});
