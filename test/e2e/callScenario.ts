import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import { openPage, until, type PairAddress } from '../../scripts/demoHeadless.js';
import type { LaunchedBrowser } from '../browser/chromium.js';
import { mirror, openCallRig } from './callRig.js';
import { separableBicubic } from './separableBicubic.js';
import { psnr, referenceUpscale, rgbaBase64ToRgb, screenshotRgb, type RgbImage } from '../browser/fixtures.js';

/** The marker of the scenario child's result line. */
export const SCENARIO_RESULT = 'SCENARIO_RESULT';

export interface ScenarioOptions {
  mode: 'p2p' | 'simple-peer' | 'sfu';
  pagesDir: string;
  modelsDir: string;
  /** A still 480x270 .y4m for the fake camera: every frame is the same, so any painted frame has a reference. */
  y4m: string;
  /** Receivers in waves; each wave replaces the previous one. tier 'bicubic' is the SDK's plain upscale view. */
  waves: Array<Array<'tiny' | 'bicubic'>>;
  outDir: string;
}

export interface ReceiverReport {
  /** Which wave, and how many receivers it had. */
  wave: number;
  receivers: number;
  tier: string;
  psnr: number;
  /** PSNR against the mirrored reference: what a picture with the same colours but the wrong layout scores. */
  psnrMirrored: number;
  stats: { framesPainted: number; outputWidth: number; outputHeight: number; backend: string; tier: string } | null;
  statsEvents: number;
  statsEventsLater: number;
  pairs: PairAddress[];
  /** Last wave only: the receiver's state after the sender left. */
  after: { phase: string; sdkState: string; connection: string; error: string | null } | null;
}

export interface ScenarioReport {
  mode: string;
  receivers: ReceiverReport[];
  senderPairs: PairAddress[];
  senderStats: Record<string, { codec: string; width: number; height: number; kbps: number } | null>;
  sfu: { candidates: string[]; before: unknown; after: unknown } | null;
  log: string[];
}

interface Snapshot {
  phase: string;
  error: string | null;
  sdkState: string;
  statsEvents: number;
  connection: string;
  stats: ReceiverReport['stats'];
}

const snapshot = (p: Page): Promise<Snapshot> => p.evaluate('window.__receiver.snapshot') as Promise<Snapshot>;

function subsample(img: RgbImage, step: number): RgbImage {
  const width = Math.ceil(img.width / step);
  const height = Math.ceil(img.height / step);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * step * img.width + x * step) * 3;
      data.set(img.data.subarray(s, s + 3), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

/**
 * Waits until attach() resolved (page phase 'running') and the call has settled (`settledAt`), then for
 * `frames` more frames painted by `backend`. Frames painted while the model loads are bicubic stopgaps and
 * do not count, and neither do the first ones of a P2P call: a fresh encoder's first keyframe is coarse
 * (the tiny model scored 31 dB on it, 50 dB a few seconds later). With the latest-frame policy the second
 * frame painted after `settledAt` was also decoded after it.
 */
async function paintedByBackend(page: Page, backend: string, frames: number, settledAt: number, log: string[]): Promise<Snapshot> {
  let last: Snapshot | undefined;
  let base: number | undefined;
  try {
    return await until(`a frame painted by ${backend}`, async () => {
      const s = await snapshot(page);
      last = s;
      if (s.error !== null) throw new Error(`receiver page error: ${s.error}`);
      if (s.phase !== 'running' || s.stats === null || s.stats.backend !== backend || Date.now() < settledAt) return null;
      base ??= s.stats.framesPainted;
      return s.stats.framesPainted >= base + frames ? s : null;
    }, Number(process.env.E2E_PAINT_TIMEOUT_MS ?? 200_000));
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last receiver state ${JSON.stringify(last)}\n${log.join('\n')}`);
  }
}

/** Time for a new connection's encoder to ramp up from its first, coarse keyframe. */
const SETTLE_MS = 8_000;

/** One call: a sender page, receivers in waves, pixels and stats checked, then the sender leaves. */
export async function runCallScenario(o: ScenarioOptions): Promise<ScenarioReport> {
  const log: string[] = [];
  const t0 = Date.now();
  const step = (what: string): void => console.error(`[e2e ${o.mode} +${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}`);
  const rig = await openCallRig({ '/': o.pagesDir, '/models/': o.modelsDir }, o.y4m);
  const { server } = rig;
  const launch = (): Promise<LaunchedBrowser> => rig.launch();
  try {
    const launched = await launch();
    const q = `mode=${o.mode}&room=e2e&loopback=1`;
    // pin270 (maintain-resolution): with the demo's default, browser adaptation, a CPU-starved encoder drops
    // to 320x180 and the receivers no longer get the frame the reference is made from.
    const sender = await openPage(launched.browser, `${server.url}/sender/index.html?${q}&source=camera&autostart=1&bitrate=2500&codec=VP8&send=pin270`, log);
    await until('the sender to go live', async () => (await sender.evaluate('window.__sender.phase')) === 'live', 30_000);
    const f = (await sender.evaluate('window.__sender.grabFrame()')) as { width: number; height: number; rgba: string };
    const source = rgbaBase64ToRgb(f.rgba, f.width, f.height);
    const refs = new Map<string, RgbImage>();
    const reference = async (tier: string, img: RgbImage): Promise<RgbImage> =>
      tier === 'bicubic' ? separableBicubic(img, 1920, 1080) : referenceUpscale(join(o.modelsDir, tier), img);

    const reports: ReceiverReport[] = [];
    let senderPairs: PairAddress[] = [];
    let senderStats: ScenarioReport['senderStats'] = {};
    let sfuBefore: unknown = null;
    let sfuCandidates: string[] = [];
    for (const [w, wave] of o.waves.entries()) {
      const last = w === o.waves.length - 1;
      const settledAt = Date.now() + SETTLE_MS;
      const opened = await Promise.all(wave.map(async (tier) => {
        const b = await launch();
        // Receivers painting every frame (bicubic) stall Chromium's screenshot: they use the SDK's other
        // output, outputTrack, read back in the page.
        const output = tier === 'bicubic' ? '&output=track' : '';
        const page = await openPage(b.browser, `${server.url}/receiver/index.html?${q}&layout=bare&tier=${tier}&backend=webgpu${output}`, log);
        return { page, tier, browser: b };
      }));
      const waveReports: ReceiverReport[] = [];
      for (const { page, tier } of opened) {
        step(`wave ${w}: waiting for the ${tier} receiver to paint`);
        const s = await paintedByBackend(page, tier === 'bicubic' ? 'bicubic' : 'webgpu', 2, settledAt, log);
        step(`wave ${w}: ${tier} receiver painted ${s.stats?.framesPainted ?? 0} frames; scoring`);
        let shot: RgbImage;
        if (!refs.has(tier)) refs.set(tier, await reference(tier, source));
        let ref = refs.get(tier) as RgbImage;
        if (tier === 'bicubic') {
          // Every 2nd pixel of every 2nd row of the 1920x1080 frame, scored against the same grid.
          const g = (await page.evaluate('window.__receiver.grabOutput(2)')) as { width: number; height: number; rgb: string };
          shot = { width: g.width, height: g.height, data: new Uint8Array(Buffer.from(g.rgb, 'base64')) };
          ref = subsample(ref, 2);
        } else {
          shot = await screenshotRgb(page, 1920, 1080);
        }
        await sharp(Buffer.from(shot.data), { raw: { width: shot.width, height: shot.height, channels: 3 } }).png().toFile(join(o.outDir, `${o.mode}-wave${w}-receiver${waveReports.length}.png`));
        waveReports.push({
          wave: w, receivers: wave.length, tier, psnr: psnr(shot, ref), psnrMirrored: psnr(shot, mirror(ref)), stats: s.stats,
          statsEvents: s.statsEvents, statsEventsLater: 0, pairs: [], after: null,
        });
      }
      // Stats keep flowing on every receiver of the wave once all of them are connected.
      step(`wave ${w}: checking stats and candidate pairs`);
      for (const [i, { page }] of opened.entries()) {
        const r = waveReports[i] as ReceiverReport;
        const s = await until('more stats events', async () => {
          const now = await snapshot(page);
          return now.statsEvents > r.statsEvents ? now : null;
        }, 60_000);
        r.statsEventsLater = s.statsEvents;
        r.pairs = (await page.evaluate('window.__receiver.selectedPairs()')) as PairAddress[];
      }
      reports.push(...waveReports);
      step(`wave ${w}: checked`);
      if (!last) {
        // The next wave replaces this one: SwiftShader cannot run a model for four pages on two cores.
        for (const { browser } of opened) await browser.close();
        continue;
      }
      senderPairs = (await sender.evaluate('window.__sender.selectedPairs()')) as PairAddress[];
      senderStats = (await sender.evaluate('window.__sender.stats')) as ScenarioReport['senderStats'];
      sfuBefore = server.sfu.stats('e2e');
      sfuCandidates = server.sfu.localCandidateAddresses();
      step('closing the sender');
      await sender.close();
      for (const [i, { page }] of opened.entries()) {
        const s = await until('the receiver to notice the sender left', async () => {
          const now = await snapshot(page);
          return now.phase === 'waiting' ? now : null;
        }, 30_000);
        (waveReports[i] as ReceiverReport).after = { phase: s.phase, sdkState: s.sdkState, connection: s.connection, error: s.error };
      }
    }
    const sfu = o.mode === 'sfu' ? { candidates: sfuCandidates, before: sfuBefore, after: server.sfu.stats('e2e') } : null;
    step('done');
    const report: ScenarioReport = { mode: o.mode, receivers: reports, senderPairs, senderStats, sfu, log };
    writeFileSync(join(o.outDir, `${o.mode}-report.json`), JSON.stringify(report, null, 2));
    return report;
  } finally {
    await rig.close();
  }
}
