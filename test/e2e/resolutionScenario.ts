import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import { openPage, until, type PairAddress } from '../../scripts/demoHeadless.js';
import type { LaunchedBrowser } from '../browser/chromium.js';
import { meanLevel, psnr, referenceUpscale, rgbaBase64ToRgb, screenshotRgb, type RgbImage } from '../browser/fixtures.js';
import { mirror, openCallRig } from './callRig.js';
import { installSenderHook } from './senderHook.js';
import { separableBicubic } from './separableBicubic.js';

export const RESOLUTION_RESULT = 'RESOLUTION_RESULT';

export interface Phase {
  /** scaleResolutionDownBy of the sender's camera. */
  readonly downBy: number;
  /** What the receiver should get and run. */
  readonly width: number;
  readonly height: number;
  readonly model: string;
  readonly scale: 2 | 3 | 4;
}

export interface ResolutionOptions {
  pagesDir: string;
  /** Served at /test-models/: index.json and the models of every phase. */
  modelsDir: string;
  /** The camera: a still .y4m at the largest phase size. */
  y4m: string;
  backend: 'webgpu' | 'webgl';
  phases: Phase[];
  outDir: string;
}

export interface ReceiverStatsView {
  inputWidth: number; inputHeight: number; outputWidth: number; outputHeight: number; framesPainted: number; framesDropped: number;
  backend: string; model: string | null; modelScale: number | null; ratio: number; numTensors: number; openFrames: number; modelMsP50: number;
}

export interface PhaseReport {
  phase: Phase;
  psnr: number;
  psnrMirrored: number;
  stats: ReceiverStatsView;
  /** Mean level (0-255) of every screenshot taken from the switch until the scored frame: black is ~0. */
  levels: number[];
  sender: { width: number; height: number } | null;
  seconds: number;
}

export interface ResolutionReport {
  phases: PhaseReport[];
  events: Array<{ type: string; detail: string }>;
  /** After the sender left: the frames the receiver still holds (0), its tensors (the loaded weights only). */
  after: { sdkState: string; openFrames: number; numTensors: number } | null;
  pairs: PairAddress[];
  log: string[];
}

interface Snapshot { phase: string; error: string | null; sdkState: string; stats: ReceiverStatsView | null; events: Array<{ type: string; detail: string }> }
const snapshot = (p: Page): Promise<Snapshot> => p.evaluate('window.__receiver.snapshot') as Promise<Snapshot>;

/** Time for the encoder to converge after a resolution switch (its first keyframe at a new size is coarse). */
const SETTLE_MS = 6_000;

/**
 * One call whose sender switches resolution between phases (scaleResolutionDownBy on its RTCRtpSender); the
 * receiver paints 1920x1080 throughout. Per phase: the receiver's stats must show the input size, model and
 * scale of the phase; the second frame its model paints after the encoder settled is scored against the
 * same model run on the CPU over the sender's own frame at that size; screenshots taken every few seconds
 * from the switch on must never be black.
 */
export async function runResolutionScenario(o: ResolutionOptions): Promise<ResolutionReport> {
  const log: string[] = [];
  const t0 = Date.now();
  const step = (what: string): void => console.error(`[e2e resolution +${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}`);
  // Not /models/: the demo build's default model folder, which the SDK maps to the package's own files.
  const rig = await openCallRig({ '/': o.pagesDir, '/test-models/': o.modelsDir }, o.y4m);
  const { server } = rig;
  const launch = (): Promise<LaunchedBrowser> => rig.launch();
  try {
    const q = 'mode=p2p&room=resolution&loopback=1';
    const first = o.phases[0];
    if (first === undefined) throw new Error('no phases');
    const senderBrowser = await launch();
    const senderPage = await openPageWithHook(senderBrowser, `${server.url}/sender/index.html?${q}&source=camera&autostart=1&bitrate=2500&codec=VP8`, first.downBy, log);
    await until('the sender to go live', async () => (await senderPage.evaluate('window.__sender.phase')) === 'live', 30_000);
    const f = (await senderPage.evaluate('window.__sender.grabFrame()')) as { width: number; height: number; rgba: string };
    const camera = rgbaBase64ToRgb(f.rgba, f.width, f.height);
    step(`camera ${camera.width}x${camera.height}`);

    const receiverBrowser = await launch();
    const receiver = await openPage(receiverBrowser.browser, `${server.url}/receiver/index.html?${q}&layout=bare&tier=auto&backend=${o.backend}&models=/test-models/`, log);
    const phases: PhaseReport[] = [];
    for (const [i, phase] of o.phases.entries()) {
      const started = Date.now();
      if (i > 0) await senderPage.evaluate((d) => (globalThis as unknown as { __forceDownBy: (x: number) => Promise<number> }).__forceDownBy(d), phase.downBy);
      step(`phase ${i}: ${phase.width}x${phase.height} (downBy ${phase.downBy}), waiting for ${phase.model}`);
      const levels: number[] = [];
      let lastShot = 0;
      let base: number | undefined;
      let last: Snapshot | undefined;
      const s = await until(`${phase.model} painting ${phase.width}x${phase.height}`, async () => {
        const now = await snapshot(receiver);
        last = now;
        if (now.error !== null) throw new Error(`receiver page error: ${now.error}`);
        if (now.phase === 'running' && Date.now() - lastShot > 5000) {
          lastShot = Date.now();
          levels.push(meanLevel(await screenshotRgb(receiver, 1920, 1080)));
        }
        const st = now.stats;
        if (st === null || st.inputWidth !== phase.width || st.model !== phase.model || st.backend !== o.backend || Date.now() - started < SETTLE_MS) return null;
        // The frame in flight when the encoder had settled may predate it; the one after it cannot.
        base ??= st.framesPainted;
        return st.framesPainted >= base + 2 ? st : null;
      }, 400_000).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}; last ${JSON.stringify(last)}\n${log.join('\n')}`);
      });
      const shot = await screenshotRgb(receiver, 1920, 1080);
      levels.push(meanLevel(shot));
      const sent = sentFrame(camera, phase);
      const ref = await referenceUpscale(join(o.modelsDir, phase.model), sent);
      await sharp(Buffer.from(shot.data), { raw: { width: shot.width, height: shot.height, channels: 3 } }).png().toFile(join(o.outDir, `resolution-phase${i}.png`));
      const senderStats = (await senderPage.evaluate('window.__sender.stats')) as Record<string, { width: number; height: number } | null>;
      const up = Object.values(senderStats).find((x) => x !== null) ?? null;
      phases.push({ phase, psnr: psnr(shot, ref), psnrMirrored: psnr(shot, mirror(ref)), stats: s, levels, sender: up === null ? null : { width: up.width, height: up.height }, seconds: (Date.now() - started) / 1000 });
      step(`phase ${i}: ${psnr(shot, ref).toFixed(2)} dB after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    const pairs = (await receiver.evaluate('window.__receiver.selectedPairs()')) as PairAddress[];
    await senderPage.close();
    await until('the receiver to notice the sender left', async () => (await snapshot(receiver)).phase === 'waiting', 30_000);
    // The frame in flight (a model frame: up to a minute on SwiftShader) finishes; the one waiting was closed
    // at once. Then the stats show what is left.
    const settled = await until('no open frame after the sender left', async () => {
      const now = await snapshot(receiver);
      return now.stats !== null && now.stats.openFrames === 0 ? now : null;
    }, 180_000);
    const after = settled.stats === null ? null : { sdkState: settled.sdkState, openFrames: settled.stats.openFrames, numTensors: settled.stats.numTensors };
    const report: ResolutionReport = { phases, events: settled.events, after, pairs, log };
    writeFileSync(join(o.outDir, 'resolution-report.json'), JSON.stringify(report, null, 2));
    return report;
  } finally {
    await rig.close();
  }
}

/**
 * The camera frame as the sender's encoder gets it: libyuv (WebRTC's scaler) averages 2x2 blocks for an exact
 * half and filters other downscales bilinearly; the smooth source keeps the rest of the difference small.
 */
function sentFrame(camera: RgbImage, phase: Phase): RgbImage {
  if (phase.downBy === 1) return camera;
  if (phase.downBy !== 2) return separableBicubic(camera, phase.width, phase.height);
  const data = new Uint8Array(phase.width * phase.height * 3);
  for (let y = 0; y < phase.height; y++) {
    for (let x = 0; x < phase.width; x++) {
      for (let c = 0; c < 3; c++) {
        const at = (dx: number, dy: number): number => camera.data[((2 * y + dy) * camera.width + 2 * x + dx) * 3 + c] ?? 0;
        data[(y * phase.width + x) * 3 + c] = Math.round((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) / 4);
      }
    }
  }
  return { width: phase.width, height: phase.height, data };
}

async function openPageWithHook(b: LaunchedBrowser, url: string, downBy: number, log: string[]): Promise<Page> {
  const page = await b.browser.newPage();
  await page.setViewport({ width: 1280, height: 720, deviceScaleFactor: 1 });
  await page.evaluateOnNewDocument(installSenderHook, downBy);
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') log.push(`[sender ${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => log.push(`[sender pageerror] ${e instanceof Error ? e.message : String(e)}`));
  await page.goto(url);
  return page;
}
