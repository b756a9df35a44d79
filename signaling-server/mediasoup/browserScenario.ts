import type { Page } from 'puppeteer-core';
import { CALL_FLAGS, openPage, until } from '../../scripts/demoHeadless.js';
import { startDemoServer } from '../../scripts/demoServer.js';
import { launchChromium } from '../../test/browser/chromium.js';
import type { JsonObject } from '../mediasoupProtocol.js';
import { SignalingServer } from '../SignalingServer.js';
import { fakeMediasoupModule } from '../testing/FakeMediasoup.js';
import { MediasoupRouter } from './MediasoupRouter.js';

export interface MediasoupPagesReport {
  senderError: string | null;
  receiver: { phase: string; error: string | null; sdkState: string };
  /** What the fake mediasoup got from Chromium's mediasoup-client (its Chrome handler, not FakeHandler). */
  sendDtls: JsonObject | undefined;
  recvDtls: JsonObject | undefined;
  producerRtp: JsonObject | undefined;
  consumerPaused: boolean | undefined;
  /** After the sender page closed. */
  afterSenderLeft: { phase: string; error: string | null; sdkState: string };
  routerAfter: ReturnType<MediasoupRouter['stats']>;
  log: string[];
}

export const BITRATE_KBPS = 700;

type Snapshot = { phase: string; error: string | null; sdkState: string };
const snapshot = async (page: Page): Promise<Snapshot> => {
  const s = (await page.evaluate('window.__receiver.snapshot')) as Snapshot;
  return { phase: s.phase, error: s.error, sdkState: s.sdkState };
};

/**
 * The demo's sender and receiver pages in mode=mediasoup, in headless Chromium, against the signaling
 * server's mediasoup mode backed by the fake mediasoup: the real mediasoup-client (Chrome handler) runs
 * its whole negotiation (capabilities, transports, DTLS connect, produce, consume, resume). No media
 * flows (the fake has no RTP engine), so the receiver stops at "negotiating" with the consumer's track.
 */
export async function runMediasoupPages(pagesDir: string, y4m: string): Promise<MediasoupPagesReport> {
  const demo = await startDemoServer({ host: '127.0.0.1', port: 0, mounts: { '/': pagesDir, '/models/': 'models' }, iceServers: [], sfuHost: '127.0.0.1', tokenSecret: undefined });
  const mod = fakeMediasoupModule();
  const router = await MediasoupRouter.create({}, () => Promise.resolve(mod));
  const ms = new SignalingServer({ mode: 'mediasoup', mediaRouter: router, allowedOrigins: [demo.url], requireOrigin: true });
  const chrome = await launchChromium({ webgpu: false, fakeVideo: y4m, loopbackWebRTC: true, extraArgs: CALL_FLAGS });
  const log: string[] = [];
  try {
    const q = `mode=mediasoup&room=ms&loopback=1&signaling=${encodeURIComponent(await ms.start())}`;
    const receiver = await openPage(chrome.browser, `${demo.url}/receiver/index.html?${q}&tier=bicubic&backend=bicubic`, log);
    const sender = await openPage(chrome.browser, `${demo.url}/sender/index.html?${q}&source=camera&autostart=1&codec=VP8&bitrate=${BITRATE_KBPS}`, log);
    const fakeRouter = (): NonNullable<(typeof mod.workers)[number]['routers'][number]> | undefined => mod.workers[0]?.routers[0];
    await until('the receiver page to consume and resume', async () => {
      const r = await snapshot(receiver);
      const senderError = (await sender.evaluate('window.__sender.error')) as string | null;
      if (r.error !== null || senderError !== null) throw new Error(`page error: ${r.error ?? senderError ?? ''}\n${log.join('\n')}`);
      // "loading": the SDK got the consumer's track (attachConsumer) and waits for its first frame.
      return fakeRouter()?.transports[1]?.consumers[0]?.paused === false && r.sdkState === 'loading';
    }, 60_000);
    const [send, recv] = fakeRouter()?.transports ?? [];
    const report = {
      senderError: (await sender.evaluate('window.__sender.error')) as string | null,
      receiver: await snapshot(receiver),
      sendDtls: send?.remoteDtls,
      recvDtls: recv?.remoteDtls,
      producerRtp: send?.producers[0]?.rtpParameters,
      consumerPaused: recv?.consumers[0]?.paused,
    };
    await sender.close();
    const afterSenderLeft = await until('the receiver page to go back to waiting', async () => {
      const r = await snapshot(receiver);
      return r.phase === 'waiting' && r.sdkState === 'idle' ? r : null;
    }, 20_000);
    return { ...report, afterSenderLeft, routerAfter: router.stats(), log };
  } finally {
    await chrome.close();
    await ms.close();
    await demo.close();
  }
}
