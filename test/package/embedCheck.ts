import type { Browser, Page } from 'puppeteer-core';
import sharp from 'sharp';
import { waitFor } from '../browser/fixtures.js';
import { OUTPUT_HEIGHT, OUTPUT_WIDTH, SOURCE_HEIGHT, SOURCE_WIDTH } from './packedApp.js';

/** The parts of the SDK's stats, fallback events and leak report this check reads (Node has no DOM types). */
interface ReceiverStats {
  readonly backend: string;
  readonly model: string | null;
  readonly modelScale: number | null;
  readonly framesPainted: number;
  readonly enabled: boolean;
}
interface FallbackEvent {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}
interface LeakReport {
  readonly numTensors: number;
  readonly openFrames: number;
}

interface Probe {
  readonly stats: ReceiverStats | null;
  readonly fallbacks: readonly FallbackEvent[];
  readonly errors: readonly string[];
  readonly rejections: readonly string[];
}

export interface EmbedResult {
  /** The stats once a model painted on WebGPU. */
  readonly running: ReceiverStats;
  /** Mean of the upscaled picture (0..255): far from 0 when it is not black. */
  readonly meanLevel: number;
  /** PSNR (dB) of the upscaled picture, area-downscaled to the source size, against the source. */
  readonly psnrVsSource: number;
  /** Mean absolute difference (0..255) between the model's picture and plain bicubic of the same frame. */
  readonly diffVsBicubic: number;
  readonly bicubicStats: ReceiverStats;
  readonly fallbacks: readonly FallbackEvent[];
  readonly errors: readonly string[];
  readonly rejections: readonly string[];
  readonly pageErrors: readonly string[];
  readonly leaks: LeakReport;
}

const probe = (page: Page): Promise<Probe> => page.evaluate(() => (globalThis as unknown as { swiftsrProbe: Probe }).swiftsrProbe);

async function canvasRgb(page: Page, width: number, height: number): Promise<Buffer> {
  const canvas = await page.$('canvas');
  if (canvas === null) throw new Error('no canvas on the page');
  const png = await canvas.screenshot({ type: 'png' });
  return sharp(png).removeAlpha().resize(width, height, { kernel: 'cubic', fit: 'fill' }).raw().toBuffer();
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / a.length;
}

/**
 * Opens the app, waits for a model to paint on WebGPU, reads the canvas, flips the README's A/B toggle to
 * bicubic and reads it again, then disposes. Fails fast when the page reports a rejection or a fallback.
 */
export async function checkEmbedding(browser: Browser, url: string, timeoutMs = 150_000): Promise<EmbedResult> {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  try {
    await page.goto(url);
    const painted = (p: Probe, enabled: boolean, after: number): ReceiverStats | null => {
      const s = p.stats;
      if (p.rejections.length > 0 || p.fallbacks.length > 0 || pageErrors.length > 0) {
        throw new Error(`the page failed: ${JSON.stringify({ rejections: p.rejections, fallbacks: p.fallbacks, errors: p.errors, pageErrors })}`);
      }
      return s !== null && s.enabled === enabled && s.framesPainted >= after + 2 && (!enabled || (s.backend === 'webgpu' && s.model !== null)) ? s : null;
    };
    const running = await waitFor('a model painting on WebGPU', async () => painted(await probe(page), true, 0), timeoutMs);
    const sr = await canvasRgb(page, OUTPUT_WIDTH, OUTPUT_HEIGHT);
    const small = await canvasRgb(page, SOURCE_WIDTH, SOURCE_HEIGHT);
    const rgba = await page.evaluate(() => (globalThis as unknown as { swiftsrSource: () => number[] }).swiftsrSource());
    const source = new Uint8Array(SOURCE_WIDTH * SOURCE_HEIGHT * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4) {
      source[j++] = rgba[i] ?? 0;
      source[j++] = rgba[i + 1] ?? 0;
      source[j++] = rgba[i + 2] ?? 0;
    }
    let sum = 0;
    for (const v of sr) sum += v;
    await page.click('#ab');
    const toggled = await waitFor('stats after the A/B toggle', async () => painted(await probe(page), false, -2), 60_000);
    // Two more paints, so that the canvas shows a bicubic frame and not the last model frame.
    const settled = await waitFor('two bicubic paints', async () => painted(await probe(page), false, toggled.framesPainted), 60_000);
    const bicubic = await canvasRgb(page, OUTPUT_WIDTH, OUTPUT_HEIGHT);
    const leaks = await page.evaluate(() => (globalThis as unknown as { swiftsrDispose: () => Promise<LeakReport> }).swiftsrDispose());
    const p = await probe(page);
    return {
      running,
      meanLevel: sum / sr.length,
      psnrVsSource: psnr(small, source),
      diffVsBicubic: meanAbsDiff(sr, bicubic),
      bicubicStats: settled,
      fallbacks: p.fallbacks,
      errors: p.errors,
      rejections: p.rejections,
      pageErrors,
      leaks,
    };
  } finally {
    await page.close().catch(() => undefined);
  }
}
