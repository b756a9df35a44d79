import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeBmp, isBmp } from './bmp.js';

/** An RGB image, channels interleaved, values in [0, 1]. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export class ImageReadError extends Error {
  override readonly name = 'ImageReadError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp'] as const;

export function fromBytes(width: number, height: number, rgb: Uint8Array): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (rgb[i] ?? 0) / 255;
  return { width, height, data };
}

export function toBytes(img: RgbImage): Uint8Array {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, img.data[i] ?? 0)) * 255);
  return out;
}

/** Rounds to the 8-bit grid, as a saved PNG would. */
export function quantize(img: RgbImage): RgbImage {
  return fromBytes(img.width, img.height, toBytes(img));
}

/** Decodes PNG/JPEG/BMP (grayscale, palette and alpha files become RGB; alpha is dropped). */
export async function readImage(path: string): Promise<RgbImage> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new ImageReadError(path, (e as Error).message);
  }
  if (isBmp(buf)) {
    try {
      const d = decodeBmp(buf);
      return fromBytes(d.width, d.height, d.data);
    } catch (e) {
      throw new ImageReadError(path, (e as Error).message);
    }
  }
  try {
    const { data, info } = await sharp(buf)
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const n = info.width * info.height;
    let rgb: Uint8Array = data;
    if (info.channels === 1) {
      rgb = new Uint8Array(n * 3);
      for (let i = 0; i < n; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = data[i] ?? 0;
    } else if (info.channels !== 3) {
      throw new Error(`unexpected channel count ${info.channels}`);
    }
    return fromBytes(info.width, info.height, rgb);
  } catch (e) {
    throw new ImageReadError(path, `cannot decode image (${(e as Error).message})`);
  }
}

export async function writePng(path: string, img: RgbImage): Promise<void> {
  await sharp(toBytes(img), { raw: { width: img.width, height: img.height, channels: 3 } })
    .png()
    .toFile(path);
}

/** Crops to a multiple of `scale` in both dimensions (top-left anchored, as SR benchmarks do). */
export function modcrop(img: RgbImage, scale: number): RgbImage {
  const w = img.width - (img.width % scale);
  const h = img.height - (img.height % scale);
  return crop(img, 0, 0, w, h);
}

export function crop(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  if (x < 0 || y < 0 || x + w > img.width || y + h > img.height) {
    throw new RangeError(`crop ${w}x${h}+${x}+${y} is outside ${img.width}x${img.height}`);
  }
  if (x === 0 && y === 0 && w === img.width && h === img.height) return img;
  const data = new Float32Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const src = ((y + r) * img.width + x) * 3;
    data.set(img.data.subarray(src, src + w * 3), r * w * 3);
  }
  return { width: w, height: h, data };
}
