import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from '../test/browser/chromium.js';
import { makeY4m } from './demoMedia.js';

/**
 * Chromium flags for calls between pages of one headless browser: loopback candidates (the launcher's
 * loopbackWebRTC), real IPs instead of mDNS names (resolving `.local` names would multicast on the LAN),
 * and no throttling of pages that are not in front.
 */
export const CALL_FLAGS = [
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

export interface PairAddress { local: string; remote: string }

export interface HeadlessOptions {
  baseUrl: string;
  mode: 'p2p' | 'simple-peer' | 'sfu';
  seconds: number;
  tier: string;
  /** Sender resolution mode (demo/sender/encoding.ts: adapt, pin270, cap) and the cap in rows. */
  send: string;
  cap: string;
  outDir: string;
  root: string;
}

export async function pageQuery(page: Page, expr: string): Promise<unknown> {
  return page.evaluate(expr);
}

/** Polls `probe` in Node until it returns a value, or throws naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function openPage(browser: Browser, url: string, log: string[]): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1920, height: 1080, deviceScaleFactor: 1 });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') log.push(`[${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => log.push(`[pageerror] ${e instanceof Error ? e.message : String(e)}`));
  await page.goto(url);
  return page;
}

/** Runs sender and receiver pages for `seconds`, screenshots the receiver, returns its stats. */
export async function runHeadless(o: HeadlessOptions): Promise<{ screenshot: string; stats: unknown; summary: string }> {
  const clip = join(o.root, '../shared/datasets/video/Big_Buck_Bunny_180_10s.webm');
  const hasClip = existsSync(clip);
  if (!hasClip) console.warn(`demo: ${clip} is absent; sending the bundled Big Buck Bunny clip (demo/public/media/) instead.`);
  const work = mkdtempSync(join(tmpdir(), 'swiftsr-demo-'));
  const log: string[] = [];
  const launched = await (async () => {
    const y4m = await makeY4m(join(work, 'source.y4m'), { source: hasClip ? clip : null, frames: Math.min(300, Math.ceil(o.seconds * 30)), fps: 30 });
    return launchChromium({ webgpu: true, fakeVideo: y4m, loopbackWebRTC: true, extraArgs: CALL_FLAGS });
  })();
  try {
    const q = `mode=${o.mode}&room=headless&loopback=1`;
    const receiver = await openPage(launched.browser, `${o.baseUrl}/receiver/index.html?${q}&layout=screen&compare=slider&tier=${encodeURIComponent(o.tier)}`, log);
    // With ../shared: its 180p clip as a 480x270 fake camera; without: the page's bundled 1080p clip.
    const sender = await openPage(launched.browser, `${o.baseUrl}/sender/index.html?${q}&source=${hasClip ? 'camera' : 'clip'}&autostart=1&bitrate=600&send=${encodeURIComponent(o.send)}&cap=${encodeURIComponent(o.cap)}`, log);
    await until('the receiver to paint upscaled frames', async () => {
      const s = (await pageQuery(receiver, 'window.__receiver.snapshot')) as { phase: string; error: string | null; statsEvents: number };
      if (s.error !== null) throw new Error(`receiver page: ${s.error}\n${log.join('\n')}`);
      return s.phase === 'running' && s.statsEvents > 0;
    }, 180_000);
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
    const screenshot = join(o.outDir, 'receiver.png');
    await receiver.screenshot({ path: screenshot });
    const receiverState = await pageQuery(receiver, 'window.__receiver.snapshot');
    const senderStats = await pageQuery(sender, 'window.__sender.stats');
    const pairs = {
      sender: (await pageQuery(sender, 'window.__sender.selectedPairs()')) as PairAddress[],
      receiver: (await pageQuery(receiver, 'window.__receiver.selectedPairs()')) as PairAddress[],
    };
    const all = [...pairs.sender, ...pairs.receiver];
    const loopbackOnly = all.length > 0 && all.every((p) => p.local === '127.0.0.1' && p.remote === '127.0.0.1');
    const r = receiverState as { stats: { outputFps: number; tier: string; backend: string; modelMsP50: number } | null; inbound: { kbps: number } | null };
    const summary = r.stats === null
      ? 'no receiver stats'
      : `${o.mode}: ${r.stats.outputFps.toFixed(1)} fps out, tier ${r.stats.tier} on ${r.stats.backend}, model ${r.stats.modelMsP50.toFixed(1)} ms, received ${r.inbound?.kbps.toFixed(0) ?? '?'} kbit/s, candidate pairs loopback-only: ${loopbackOnly}`;
    return {
      screenshot,
      stats: { mode: o.mode, send: o.send, cap: o.cap, seconds: o.seconds, source: hasClip ? clip : 'demo/public/media/big-buck-bunny-1080p-2s.webm', receiver: receiverState, sender: senderStats, selectedPairs: pairs, loopbackOnly, pageLog: log },
      summary,
    };
  } finally {
    await launched.close();
    rmSync(work, { recursive: true, force: true });
  }
}
