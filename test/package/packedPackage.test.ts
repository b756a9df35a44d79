import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_MODEL_FILES } from '../../src/sdk/shippedModels.js';
import { launchChromium, type LaunchedBrowser } from '../browser/chromium.js';
import { checkEmbedding, type EmbedResult } from './embedCheck.js';
import { installApp, packRepo, run, serveVite, tarballFiles, typecheckApp, viteBuild, webpackBuild, writeAppSources, writeWorkerUrlApp, type Served } from './packedApp.js';

/**
 * The package as an app gets it: `npm pack` once, one fresh app that installs the tarball, the README's
 * Embedding code verbatim in it, built by Vite (build + preview, dev server) and webpack 5 with no
 * configuration, each run in headless Chromium on SwiftShader WebGPU with a 120x68 canvas-captured track.
 */
const INSTALL_LIMIT_BYTES = 120 * 1024 * 1024;
const SHIPPED_MODELS = new Set(Object.keys(SHIPPED_MODEL_FILES).map((f) => dirname(f)).filter((d) => d !== '.'));

let tarball = '';
let app = '';
let nodeModulesBytes = 0;
let browser: LaunchedBrowser | null = null;
const servers: Served[] = [];

beforeAll(() => {
  tarball = packRepo();
  ({ dir: app, nodeModulesBytes } = installApp(tarball));
  writeAppSources(app);
}, 600_000);

afterAll(async () => {
  for (const s of servers) s.stop();
  await browser?.close();
  if (app !== '') rmSync(app, { recursive: true, force: true });
  if (tarball !== '') rmSync(dirname(tarball), { recursive: true, force: true });
});

/** The app behind `server` in the shared Chromium; the server stops afterwards. */
async function runServed(server: Served): Promise<EmbedResult> {
  servers.push(server);
  try {
    browser ??= await launchChromium({ webgpu: true });
    return await checkEmbedding(browser.browser, `${server.url}/`);
  } finally {
    server.stop();
  }
}

function expectModelRunning(r: EmbedResult): void {
  expect(r.rejections).toEqual([]);
  expect(r.fallbacks).toEqual([]);
  expect(r.errors).toEqual([]);
  expect(r.pageErrors).toEqual([]);
  expect(r.running.backend).toBe('webgpu');
  expect(SHIPPED_MODELS.has(r.running.model ?? '')).toBe(true);
  expect(r.running.modelScale).toBe(4);
  // Real pixels: not black, the source's picture (area-downscaled back: well above noise), and not plain bicubic.
  expect(r.meanLevel).toBeGreaterThan(40);
  expect(r.psnrVsSource).toBeGreaterThan(20);
  expect(r.bicubicStats.backend).toBe('bicubic');
  expect(r.diffVsBicubic).toBeGreaterThan(1);
  expect(r.leaks).toEqual({ numTensors: 0, openFrames: 0 });
}

describe('the npm package in a fresh app', () => {
  it('ships the SDK, the prebundled worker, the CLI, LICENSE, the SDK README and the fast/quality models; no sources, tests, trainer or paper weights', () => {
    const files = tarballFiles(tarball);
    for (const f of ['LICENSE', 'README.md', 'src/sdk/README.md', 'package.json', 'dist/sdk/index.js', 'dist/sdk/index.d.ts', 'dist/worker/sr.worker.js', 'dist/cli/swiftsr.js', 'bin/swiftsr.mjs']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('models/')).sort()).toEqual(Object.keys(SHIPPED_MODEL_FILES).map((f) => `models/${f}`).sort());
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(training|testing|testSupport|bench|signaling-server)\b|\.test\./.test(f))).toEqual([]);
  });

  it(`installs in at most ${INSTALL_LIMIT_BYTES / 2 ** 20} MiB of node_modules`, () => {
    console.log(`package smoke: node_modules of an app with only swiftsr: ${(nodeModulesBytes / 2 ** 20).toFixed(1)} MiB`);
    expect(nodeModulesBytes).toBeLessThanOrEqual(INSTALL_LIMIT_BYTES);
  });

  it('the installed CLI (`npx swiftsr upscale`) upscales a PNG 4x with a shipped model, without tsx', async () => {
    const input = join(app, 'cli-in.png');
    const output = join(app, 'cli-out.png');
    await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toFile(input);
    const r = run(join(app, 'node_modules/.bin/swiftsr'), ['upscale', input, output, '--model', join(app, 'node_modules/swiftsr/models/tiny')], app);
    expect(r.status, r.output).toBe(0);
    expect(await sharp(output).metadata()).toMatchObject({ width: 96, height: 64 });
    expect(existsSync(join(app, 'node_modules/tsx'))).toBe(false);
  });

  it('the README code and the browser entry points (swiftsr, swiftsr/worker) typecheck in a strict app with skipLibCheck off', () => {
    const r = typecheckApp(app, 'tsconfig.json');
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('Vite build + preview: a shipped model paints on WebGPU, real pixels, dispose() 0/0', async () => {
    const built = viteBuild(app);
    expect(built.status, built.output).toBe(0);
    expectModelRunning(await runServed(await serveVite(app, 'preview')));
  });

  it('Vite build with the escape hatch `workerUrl: WORKER_URL` (swiftsr/worker): the same', async () => {
    const root = writeWorkerUrlApp(app);
    const built = viteBuild(root);
    expect(built.status, built.output).toBe(0);
    expectModelRunning(await runServed(await serveVite(root, 'preview')));
  });

  it('Vite dev server: the same, with no optimizeDeps or plugin', async () => {
    expectModelRunning(await runServed(await serveVite(app, 'dev')));
  });

  it('webpack 5, no configuration file: the same', async () => {
    const built = webpackBuild(app);
    expect(built.status, built.output).toBe(0);
    // webpack's only remark may be its size hint for the 1 MB worker chunk (TF.js), never a dependency it cannot follow.
    expect(built.output).not.toMatch(/Critical dependency|Module not found|ERROR/);
    expectModelRunning(await runServed(await serveVite(app, 'preview', 'dist-webpack')));
  });
});
