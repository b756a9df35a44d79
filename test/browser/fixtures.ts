import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import { loadGenerator } from '../../src/model/loadGenerator.js';
import { saveGenerator } from '../../src/model/saveGenerator.js';
import { randomTestWeights } from '../../src/model/testSupport.js';
import { getVariant } from '../../src/model/variants.js';
import { setupBackend } from '../../eval/backend.js';
import { writeModelIndex } from '../../scripts/modelsIndex.js';

const REPO_MODELS = fileURLToPath(new URL('../../models/', import.meta.url));

export interface ModelDir {
  readonly root: string;
  /** Per variant: 'shipped' (the trained weights in models/) or 'random' (seeded, made for this run). */
  readonly kinds: Record<string, 'shipped' | 'random'>;
  dispose(): void;
}

/** Variants the repository ships trained: the specs run exactly those weights, never a stand-in. */
const SHIPPED = new Set(['tiny', 'lite32x4']);

/**
 * A models folder for the page: the shipped trained weights for the shipped variants (missing ones are an
 * error), seeded random weights of the same architecture for the others (the paper variant is not shipped),
 * and its index.json, which the receiver reads first.
 */
export async function prepareModels(variants: readonly string[]): Promise<ModelDir> {
  await tf.setBackend('cpu');
  const root = mkdtempSync(join(tmpdir(), 'swiftsr-models-'));
  const kinds: Record<string, 'shipped' | 'random'> = {};
  for (const v of variants) {
    const shipped = join(REPO_MODELS, v);
    if (existsSync(join(shipped, 'model.json'))) {
      // A copy, not a link: the page server refuses links out of its mount (scripts/pageServer.ts).
      cpSync(shipped, join(root, v), { recursive: true });
      kinds[v] = 'shipped';
    } else if (SHIPPED.has(v)) {
      throw new Error(`models/${v}/model.json is missing: the browser specs run the shipped trained weights`);
    } else {
      const config = getVariant(v).config;
      const weights = randomTestWeights(config, 7);
      await saveGenerator(join(root, v), { variant: v, config, weights });
      for (const t of weights.values()) t.dispose();
      kinds[v] = 'random';
    }
  }
  writeModelIndex(root);
  return { root, kinds, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** RGB, 8 bits, row-major. */
  readonly data: Uint8Array;
}

export function rgbaBase64ToRgb(b64: string, width: number, height: number): RgbImage {
  const rgba = Buffer.from(b64, 'base64');
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
    data[o] = rgba[i] ?? 0;
    data[o + 1] = rgba[i + 1] ?? 0;
    data[o + 2] = rgba[i + 2] ?? 0;
  }
  return { width, height, data };
}

let wasmReady: Promise<void> | undefined;

/**
 * The same generator on the CPU in Node (TF.js wasm, XNNPACK: within 1e-5 of the cpu backend and ~25x
 * faster at 270p), output quantised to 8 bits as a canvas would.
 */
export async function referenceUpscale(modelDir: string, input: RgbImage): Promise<RgbImage> {
  wasmReady ??= setupBackend('wasm');
  await wasmReady;
  await tf.setBackend('wasm');
  const g = await loadGenerator(modelDir);
  try {
    const out = tf.tidy(() => {
      const x = tf.div<tf.Tensor4D>(tf.tensor4d(input.data, [1, input.height, input.width, 3], 'float32'), 255);
      return tf.round(tf.mul(tf.clipByValue(g.predict(x), 0, 1), 255));
    });
    const [, h, w] = out.shape as [number, number, number, number];
    const data = Uint8Array.from(await out.data());
    out.dispose();
    return { width: w, height: h, data };
  } finally {
    g.dispose();
  }
}

function keys(x: number): number {
  const a = Math.abs(x);
  if (a <= 1) return (1.5 * a - 2.5) * a * a + 1;
  if (a < 2) return ((-0.5 * a + 2.5) * a - 4) * a + 2;
  return 0;
}

/** Keys (a = -0.5) bicubic with clamped edges and pixel-centre alignment: the definition the worker implements. */
export function bicubicReference(input: RgbImage, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const px = (x: number, y: number, c: number): number => {
    const cx = Math.min(input.width - 1, Math.max(0, x));
    const cy = Math.min(input.height - 1, Math.max(0, y));
    return input.data[(cy * input.width + cx) * 3 + c] ?? 0;
  };
  for (let y = 0; y < height; y++) {
    const sy = ((y + 0.5) * input.height) / height - 0.5;
    const fy = Math.floor(sy);
    for (let x = 0; x < width; x++) {
      const sx = ((x + 0.5) * input.width) / width - 0.5;
      const fx = Math.floor(sx);
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let j = -1; j <= 2; j++) {
          const wy = keys(j - (sy - fy));
          for (let i = -1; i <= 2; i++) acc += keys(i - (sx - fx)) * wy * px(fx + i, fy + j, c);
        }
        data[(y * width + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  return { width, height, data };
}

export function psnr(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let se = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = (a.data[i] ?? 0) - (b.data[i] ?? 0);
    se += d * d;
  }
  const mse = se / a.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

export function meanLevel(a: RgbImage): number {
  let s = 0;
  for (const v of a.data) s += v;
  return s / a.data.length;
}

/** What is on screen in the output canvas's box: the only way to read a transferred canvas back. */
export async function screenshotRgb(page: Page, width: number, height: number): Promise<RgbImage> {
  const png = await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width, height }, captureBeyondViewport: false });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
