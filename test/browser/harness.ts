import type { Page } from 'puppeteer-core';
import { ensurePagesBuilt } from './buildPages.js';
import { launchChromium, type LaunchedBrowser, type LaunchOptions } from './chromium.js';
import { prepareModels, rgbaBase64ToRgb, waitFor, type ModelDir, type RgbImage } from './fixtures.js';
import type { PageApi, StatsView } from './pageApi.js';
import { servePages, type PageServer } from '../../scripts/pageServer.js';

export interface Harness {
  readonly page: Page;
  readonly models: ModelDir;
  readonly modelBaseUrl: string;
  call<K extends keyof PageApi>(name: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>>;
  stats(): Promise<StatsView | null>;
  /** Waits until `n` more frames were painted (by `backend` when given). */
  paintedMore(n: number, backend?: string): Promise<StatsView>;
  sourceFrame(): Promise<RgbImage>;
  /** A fresh page (and so a fresh receiver and worker). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** Vite-built test page on a loopback server, headless Chromium, models for `variants`. */
export async function openHarness(variants: readonly string[], launch: LaunchOptions): Promise<Harness> {
  const [dir, models] = await Promise.all([ensurePagesBuilt(), prepareModels(variants)]);
  // Not /models/: the built page's DEFAULT_MODEL_BASE_URL resolves there, and the SDK redirects that folder
  // to the package's own (bundled) model files, which would shadow the ones prepared for the spec.
  const server: PageServer = await servePages({ '/test-models/': models.root, '/': dir });
  const browser: LaunchedBrowser = await launchChromium(launch);
  const page = await browser.browser.newPage();
  await page.setViewport({ width: 1920, height: 1080, deviceScaleFactor: 1 });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().includes('404')) console.error('[page]', msg.text());
  });
  page.on('pageerror', (e) => console.error('[page error]', e));
  const url = `${server.url}/receiver.html`;
  await page.goto(url);
  const call = <K extends keyof PageApi>(name: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>> =>
    page.evaluate(
      (n, a) => {
        const api = (globalThis as unknown as { swiftsrTest: Record<string, (...x: unknown[]) => unknown> }).swiftsrTest;
        const fn = api[n];
        if (fn === undefined) throw new Error(`no ${n}`);
        return fn(...a);
      },
      name,
      args,
    ) as Promise<Awaited<ReturnType<PageApi[K]>>>;
  const stats = async (): Promise<StatsView | null> => (await call('lastStats')) as StatsView | null;
  return {
    page,
    models,
    modelBaseUrl: `${server.url}/test-models/`,
    call,
    stats,
    async paintedMore(n, backend) {
      const base = (await stats())?.framesPainted ?? 0;
      return waitFor(`${n} more frames${backend === undefined ? '' : ` on ${backend}`}`, async () => {
        const s = await stats();
        return s !== null && s.framesPainted >= base + n && (backend === undefined || s.backend === backend) ? s : null;
      }, 300_000);
    },
    async sourceFrame() {
      const f = await call('grabFrame');
      return rgbaBase64ToRgb(f.rgba, f.width, f.height);
    },
    async reload() {
      await page.goto(url);
    },
    async close() {
      await browser.close();
      await server.close();
      models.dispose();
    },
  };
}
