import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FfmpegError } from './ffmpeg.js';
import { fromBytes, toBytes, type RgbImage } from './image.js';
import { psnr } from './metrics.js';
import { parseQuantizers, vp8RoundTrip } from './vp8Intra.js';

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

  it('a missing ffmpeg is an FfmpegError that says so', async () => {
    const err = await vp8RoundTrip(img, 31, { cacheDir, ffmpeg: '/nonexistent/ffmpeg' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegError);
    expect((err as Error).message).toMatch(/ffmpeg not found/);
  });

  it('rejects quantizers outside 0..63', async () => {
    await expect(vp8RoundTrip(img, 64, { cacheDir })).rejects.toThrow(RangeError);
    expect(() => parseQuantizers('20,x')).toThrow(/0\.\.63/);
    expect(parseQuantizers('20,35,50')).toEqual([20, 35, 50]);
  });
});
