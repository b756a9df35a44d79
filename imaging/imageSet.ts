import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { IMAGE_EXTENSIONS, modcrop, quantize, readImage, type RgbImage } from './image.js';
import { imresize } from './imresize.js';

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

/** Image files of the given folders (not recursive), sorted for determinism; clear errors for bad folders. */
export async function listImages(dirs: readonly string[]): Promise<string[]> {
  if (dirs.length === 0) throw new DatasetError('no data folder given (--data <dir>[,<dir>])');
  const out: string[] = [];
  for (const dir of dirs) {
    const abs = resolve(dir);
    let names: string[];
    try {
      if (!(await stat(abs)).isDirectory()) throw new DatasetError(`data path is not a folder: ${abs}`);
      names = await readdir(abs);
    } catch (e) {
      if (e instanceof DatasetError) throw e;
      throw new DatasetError(`data folder not found: ${abs}`);
    }
    const files = names.filter((n) => (IMAGE_EXTENSIONS as readonly string[]).includes(extname(n).toLowerCase())).sort();
    if (files.length === 0) throw new DatasetError(`data folder holds no PNG, JPEG or BMP images: ${abs}`);
    out.push(...files.map((n) => join(abs, n)));
  }
  return out;
}

/** An HR image (modcropped to the scale) and its LR: MATLAB-bicubic downscaled, rounded to 8 bit. */
export interface ImagePair {
  readonly path: string;
  readonly hr: RgbImage;
  readonly lr: RgbImage;
}

const cache = new Map<string, Promise<ImagePair>>();

/** Decoded and downscaled once per process (the trainer revisits every image thousands of times). */
export function loadPair(path: string, scale: number): Promise<ImagePair> {
  const key = `${scale}:${path}`;
  let p = cache.get(key);
  if (p === undefined) {
    p = readImage(path).then((img) => {
      const hr = modcrop(img, scale);
      return { path, hr, lr: quantize(imresize(hr, 1 / scale)) };
    });
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
