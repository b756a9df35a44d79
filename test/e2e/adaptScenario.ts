import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import { openPage, until, type PairAddress } from '../../scripts/demoHeadless.js';
import { rgbaBase64ToRgb, screenshotRgb, type RgbImage } from '../browser/fixtures.js';
import { adaptedReference, psnrY8 } from './adaptReference.js';
import { openCallRig } from './callRig.js';

/** The marker of the scenario child's result line. */
export const ADAPT_RESULT = 'ADAPT_RESULT';

export interface AdaptOptions {
  mode: 'p2p' | 'sfu';
  pagesDir: string;
  /** Served at /test-models/: index.json and the model the sender adapts and the receivers paint with. */
  modelsDir: string;
  model: string;
  /** A still .y4m camera. */
  y4m: string;
  /** Rows the sender pins its encoder to (maintain-resolution): camera / scale, so the model paints the camera's size. */
  sendRows: number;
  /** The receivers' painted size. */
  out: { width: number; height: number };
  /** Sender page query keys for SwiftSRSender (adaptBackend, adaptCrop, ...). */
  senderKnobs: Record<string, string | number>;
  outDir: string;
}

export interface ReceiverStatsView {
  framesPainted: number; backend: string; model: string | null; modelGeneration: number; updatesApplied: number; updatesRejected: number;
  inputWidth: number; inputHeight: number; outputWidth: number; outputHeight: number;
}

export interface AdaptReceiverReport {
  /** 'first' joined before any update; 'late' after the sender paused at its last generation. */
  role: 'first' | 'late';
  /** Y-PSNR of the painted frame vs the adapted model (decoded from the received update) on the received frame. */
  psnrY: number;
  /** The control: the same painted frame vs the base model on that frame. */
  psnrYBase: number;
  /** Y-PSNR between the adapted and base references: how far the update moved the picture. */
  adaptedVsBase: number;
  stats: ReceiverStatsView;
  events: Array<{ type: string; detail: string }>;
  pairs: PairAddress[];
  /** Seconds from opening the page to painting with the scored generation. */
  seconds: number;
}

export interface SenderAdaptStats {
  state: string; backend: string | null; variant: string; sendWidth: number; sendHeight: number; steps: number; trainMsPerSecond: number;
  validationGainDb: number | null; generation: number; updateBytes: number; updateBitrateBps: number; videoBitrateBps: number;
}

export interface AdaptReport {
  mode: string;
  /** The generation the sender stopped at (paused) and both receivers were scored with. */
  generation: number;
  sender: SenderAdaptStats;
  senderUpdates: number;
  senderPairs: PairAddress[];
  /** Seconds from the sender going live to the first receiver painting an update. */
  firstUpdateSeconds: number;
  receivers: AdaptReceiverReport[];
  sfu: unknown;
  log: string[];
}

interface Snapshot { phase: string; error: string | null; stats: ReceiverStatsView | null; events: Array<{ type: string; detail: string }> }
const snapshot = (p: Page): Promise<Snapshot> => p.evaluate('window.__receiver.snapshot') as Promise<Snapshot>;
const senderAdapt = async (p: Page): Promise<{ stats: SenderAdaptStats | null; updates: number }> =>
  (await p.evaluate('({ stats: window.__sender.adapt.stats, updates: window.__sender.adapt.updates })')) as { stats: SenderAdaptStats | null; updates: number };

/** A new connection's encoder starts from a coarse keyframe: frames painted this long after it opened are scored. */
const SETTLE_MS = 8_000;

/**
 * Waits until `page` paints `generation` with the model on WebGPU, two frames after its connection settled,
 * then scores the painted frame against the adapted model on the frame it received.
 */
async function scoreReceiver(o: AdaptOptions, page: Page, role: AdaptReceiverReport['role'], generation: number, openedAt: number, log: string[]): Promise<AdaptReceiverReport> {
  let base: number | undefined;
  let last: Snapshot | undefined;
  const s = await until(`the ${role} receiver painting generation ${generation}`, async () => {
    const now = await snapshot(page);
    last = now;
    if (now.error !== null) throw new Error(`receiver page error: ${now.error}`);
    const st = now.stats;
    if (now.phase !== 'running' || st === null || st.backend !== 'webgpu' || st.modelGeneration !== generation || Date.now() < openedAt + SETTLE_MS) return null;
    base ??= st.framesPainted;
    return st.framesPainted >= base + 2 ? st : null;
  }, 180_000).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last ${JSON.stringify(last)}\n${log.join('\n')}`);
  });
  const seconds = (Date.now() - openedAt) / 1000;
  const shot = await screenshotRgb(page, o.out.width, o.out.height);
  const f = (await page.evaluate('window.__receiver.grabInput()')) as { width: number; height: number; rgba: string };
  const input = rgbaBase64ToRgb(f.rgba, f.width, f.height);
  const messages = ((await page.evaluate('window.__receiver.updates()')) as string[]).map((b) => new Uint8Array(Buffer.from(b, 'base64')));
  const { adapted, base: baseRef } = await adaptedReference(join(o.modelsDir, o.model), o.model, messages, generation, input);
  await writePng(shot, join(o.outDir, `adapt-${o.mode}-${role}.png`));
  const pairs = (await page.evaluate('window.__receiver.selectedPairs()')) as PairAddress[];
  const events = (await snapshot(page)).events;
  return { role, psnrY: psnrY8(shot, adapted), psnrYBase: psnrY8(shot, baseRef), adaptedVsBase: psnrY8(adapted, baseRef), stats: s, events, pairs, seconds };
}

function writePng(img: RgbImage, path: string): Promise<unknown> {
  return sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(path);
}

/**
 * One call: the sender page adapts the model on its camera (SwiftSRSender) and streams updates on the
 * `swiftsr-model` data channel; a first receiver joins at once and paints with the updates as they come;
 * once it paints one, the sender pauses (its generation is then final) and a late receiver joins, which
 * gets the newest update on its own (P2P: the sender's channel sends it when it opens; SFU: the SFU replays
 * it). Both are scored against the adapted model decoded from the bytes they received.
 */
export async function runAdaptScenario(o: AdaptOptions): Promise<AdaptReport> {
  const log: string[] = [];
  const t0 = Date.now();
  const step = (what: string): void => console.error(`[e2e adapt ${o.mode} +${((Date.now() - t0) / 1000).toFixed(1)}s] ${what}`);
  const rig = await openCallRig({ '/': o.pagesDir, '/test-models/': o.modelsDir }, o.y4m);
  const { server } = rig;
  try {
    const q = `mode=${o.mode}&room=adapt&loopback=1`;
    const knobs = Object.entries(o.senderKnobs).map(([k, v]) => `&${k}=${encodeURIComponent(String(v))}`).join('');
    const senderBrowser = await rig.launch();
    const sender = await openPage(senderBrowser.browser, `${server.url}/sender/index.html?${q}&source=camera&autostart=1&bitrate=2500&codec=VP8&send=pin&cap=${o.sendRows}&adapt=1&adaptModel=${o.model}&models=/test-models/${knobs}`, log);
    sender.on('console', (m) => { if (m.text().startsWith('[adapt]')) log.push(`[sender] ${m.text()}`); });
    await until('the sender to go live', async () => (await sender.evaluate('window.__sender.phase')) === 'live', 30_000);
    const live = Date.now();
    step('sender live, adapting');
    const receiverUrl = `${server.url}/receiver/index.html?${q}&layout=bare&tier=${o.model}&backend=webgpu&models=/test-models/&out=${o.out.width}x${o.out.height}`;
    const firstOpened = Date.now();
    const first = await openPage((await rig.launch()).browser, receiverUrl, log);
    let last: Snapshot | undefined;
    await until('the first receiver to paint an update', async () => {
      const now = await snapshot(first);
      last = now;
      const senderError = (await sender.evaluate('window.__sender.error')) as string | null;
      if (senderError !== null) throw new Error(`sender page error: ${senderError}`);
      if (now.error !== null) throw new Error(`receiver page error: ${now.error}`);
      return (now.stats?.modelGeneration ?? 0) >= 1;
      // ~20-90 s alone (testsrc2's held-back gain over the static tiny model turns positive after 50-250
      // steps); two busy test files on two cores can double it.
    }, 300_000).catch(async (error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; receiver ${JSON.stringify(last)}; sender ${JSON.stringify(await senderAdapt(sender))}\n${log.join('\n')}`);
    });
    const firstUpdateSeconds = (Date.now() - live) / 1000;
    step(`first receiver paints an update after ${firstUpdateSeconds.toFixed(0)} s; pausing the sender`);
    // pause() resolves once the sender's worker confirms that nothing more is published (the step in flight
    // ended; an update it made was delivered first): the last update's seq is then final.
    await sender.evaluate('window.__sender.adapt.pause()');
    const paused = await senderAdapt(sender);
    const generation = (await sender.evaluate('window.__sender.adapt.lastSeq')) as number;
    step(`sender paused at generation ${generation} after ${paused.stats?.steps ?? 0} steps; a late receiver joins`);
    const lateOpened = Date.now();
    const late = await openPage((await rig.launch()).browser, receiverUrl, log);
    const receivers = [await scoreReceiver(o, first, 'first', generation, firstOpened, log)];
    step(`first receiver scored: ${receivers[0]?.psnrY.toFixed(2)} dB`);
    receivers.push(await scoreReceiver(o, late, 'late', generation, lateOpened, log));
    step(`late receiver scored: ${receivers[1]?.psnrY.toFixed(2)} dB`);
    const final = await senderAdapt(sender);
    if (final.stats === null) throw new Error('the sender has no adaptation stats');
    const senderPairs = (await sender.evaluate('window.__sender.selectedPairs()')) as PairAddress[];
    const report: AdaptReport = {
      mode: o.mode, generation, sender: final.stats, senderUpdates: final.updates, senderPairs, firstUpdateSeconds, receivers,
      sfu: o.mode === 'sfu' ? server.sfu.stats('adapt') : null, log,
    };
    writeFileSync(join(o.outDir, `adapt-${o.mode}-report.json`), JSON.stringify(report, null, 2));
    step('done');
    return report;
  } finally {
    await rig.close();
  }
}
