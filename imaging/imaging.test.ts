import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBmp, encodeBmp24 } from './bmp.js';
import { listImages, loadPair } from './imageSet.js';
import { crop, modcrop, readImage } from './image.js';
import { imresize } from './imresize.js';

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

describe('image IO', () => {
  it('BMP 24-bit round-trips and an 8-bit palette BMP decodes', () => {
    const back = decodeBmp(encodeBmp24({ width: W, height: H, data: pixels }));
    expect(Array.from(back.data)).toEqual(Array.from(pixels));
    // 2x2, 8 bit, palette [red, blue], rows bottom-up, stride 4.
    const buf = new Uint8Array(54 + 8 + 8);
    const dv = new DataView(buf.buffer);
    buf.set([0x42, 0x4d]);
    dv.setUint32(10, 62, true);
    dv.setUint32(14, 40, true);
    dv.setInt32(18, 2, true);
    dv.setInt32(22, 2, true);
    dv.setUint16(28, 8, true);
    dv.setUint32(46, 2, true);
    buf.set([0, 0, 255, 0, 255, 0, 0, 0], 54);
    buf.set([0, 1, 0, 0, 1, 1, 0, 0], 62);
    const img = decodeBmp(buf);
    expect(Array.from(img.data)).toEqual([0, 0, 255, 0, 0, 255, 255, 0, 0, 0, 0, 255]);
  });

  it('reads PNG, BMP, grayscale and palette files as RGB', async () => {
    const a = await readImage(join(dir, 'imgs', 'a.png'));
    const b = await readImage(join(dir, 'imgs', 'b.bmp'));
    expect([a.width, a.height]).toEqual([W, H]);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(a.data[5]).toBeCloseTo((pixels[5] ?? 0) / 255, 6);
    const c = await readImage(join(dir, 'imgs', 'c.png'));
    expect(c.data.length).toBe(W * H * 3);
    expect([c.data[3 * 7], c.data[3 * 7 + 1], c.data[3 * 7 + 2]].map((v) => Math.round((v ?? 0) * 255))).toEqual([7, 7, 7]);
    const d = await readImage(join(dir, 'imgs', 'd.png'));
    expect(d.data.length).toBe(W * H * 3);
  });

  it('modcrop and crop keep the top-left pixels', async () => {
    const a = await readImage(join(dir, 'imgs', 'a.png'));
    const m = modcrop(a, 16);
    expect([m.width, m.height]).toEqual([32, 32]);
    expect(m.data[(1 * 32 + 2) * 3]).toBe(a.data[(1 * W + 2) * 3]);
    expect(() => crop(a, 30, 0, 20, 10)).toThrow(RangeError);
  });
});

describe('MATLAB bicubic imresize', () => {
  const ramp = (w: number, h: number, f: (x: number, y: number, c: number) => number) => {
    const data = new Float32Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = f(x, y, c);
    return { width: w, height: h, data };
  };

  it('matches antialiased bicubic (a = -0.5) away from the borders, values pinned from PyTorch', () => {
    const img = ramp(32, 32, (x, y, c) => 0.5 + 0.4 * Math.sin(x * 0.7 + c) * Math.cos(y * 0.45));
    const out = imresize(img, 0.25);
    expect([out.width, out.height]).toEqual([8, 8]);
    const at = (y: number, x: number, c: number) => out.data[(y * 8 + x) * 3 + c] ?? NaN;
    expect(at(2, 2, 0)).toBeCloseTo(0.466165, 5);
    expect(at(3, 4, 1)).toBeCloseTo(0.63764, 5);
    expect(at(5, 3, 2)).toBeCloseTo(0.693892, 5);
    expect(at(4, 5, 0)).toBeCloseTo(0.497137, 5);
  });

  it('keeps constants everywhere and reproduces a linear ramp (mirrored borders)', () => {
    const k = imresize(ramp(20, 12, () => 0.3), 0.5);
    expect(Math.max(...Array.from(k.data, (v) => Math.abs(v - 0.3)))).toBeLessThan(1e-6);
    const up = imresize(ramp(16, 16, (x) => x / 16), 4);
    // Output pixel u (0-based) samples input x = (u + 0.5) / 4 - 0.5.
    const u = 30;
    expect(up.data[(20 * 64 + u) * 3]).toBeCloseTo(((u + 0.5) / 4 - 0.5) / 16, 5);
  });
});

describe('image sets', () => {
  it('lists images sorted, with clear errors for missing and empty folders', async () => {
    await expect(listImages([join(dir, 'nope')])).rejects.toThrow(/not found/);
    await expect(listImages([join(dir, 'empty')])).rejects.toThrow(/no PNG, JPEG or BMP/);
    const files = await listImages([join(dir, 'imgs')]);
    expect(files.map((f) => f.slice(-5))).toEqual(['a.png', 'b.bmp', 'c.png', 'd.png']);
  });

  it('loadPair modcrops the HR image and makes the 8-bit bicubic LR', async () => {
    const [file] = await listImages([join(dir, 'imgs')]);
    const pair = await loadPair(file ?? '', 3);
    expect([pair.hr.width, pair.hr.height, pair.lr.width, pair.lr.height]).toEqual([39, 36, 13, 12]);
    expect(pair.lr.data.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4)).toBe(true);
  });
});
