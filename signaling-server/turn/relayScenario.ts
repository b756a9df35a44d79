import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium } from '../../test/browser/chromium.js';
import type { IceServerConfig } from '../protocol.js';
import { SignalingServer } from '../SignalingServer.js';
import { startCoturn } from './Coturn.js';

/** What relayPage.html's sample() returns. */
export interface RelaySample {
  phase: string;
  error: string | null;
  iceServers: IceServerConfig[] | null;
  candidates: Array<{ type: string; address: string | null; relatedAddress: string | null }>;
  pairs: Array<{ localType: string; local: string; relayProtocol: string | null; remoteType: string; remote: string; bytesReceived: number; bytesSent: number }>;
  framesDecoded: number;
  framesSent: number;
  pixels: { width: number; height: number; left: number[]; right: number[] } | null;
}

export interface RelayReport {
  /** The relay the signaling server was configured with. */
  configured: IceServerConfig;
  sender: RelaySample;
  receiver: RelaySample;
  turnLog: string;
}

const PAGE = readFileSync(new URL('./relayPage.html', import.meta.url), 'utf8');
/** Decoded frames the receiver must count before the sample is taken. */
export const MIN_FRAMES = 30;

/**
 * coturn on 127.0.0.1, our signaling server configured with it as the only ICE server, and two Chromium
 * pages that may only use relay candidates: a 480x270 canvas stream goes sender → TURN → receiver.
 */
export async function runRelayScenario(timeoutMs = 40_000): Promise<RelayReport> {
  const turn = await startCoturn({ username: 'swiftsr', password: randomBytes(12).toString('hex'), realm: 'swiftsr.test' });
  const http = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] !== '/relay.html') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  });
  let signaling: SignalingServer | undefined;
  let chrome: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', resolve);
    });
    const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    signaling = new SignalingServer({ httpServer: http, path: '/ws', allowedOrigins: [origin], requireOrigin: true, iceServers: [turn.iceServer], heartbeatMs: 0 });
    await signaling.start();
    // Two pages of one browser: keep the background one's timers and rendering at full rate.
    chrome = await launchChromium({ webgpu: false, loopbackWebRTC: true, extraArgs: ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'] });
    const senderPage = await chrome.browser.newPage();
    await senderPage.goto(`${origin}/relay.html?role=sender`);
    const receiverPage = await chrome.browser.newPage();
    await receiverPage.goto(`${origin}/relay.html?role=receiver`);
    const sample = async (page: typeof senderPage): Promise<RelaySample> => (await page.evaluate('window.__relay.sample()')) as RelaySample;
    const deadline = Date.now() + timeoutMs;
    let receiver = await sample(receiverPage);
    while (receiver.error === null && (receiver.framesDecoded < MIN_FRAMES || receiver.pixels === null) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      receiver = await sample(receiverPage);
    }
    const sender = await sample(senderPage);
    // Closing the connections deallocates both relays; coturn then logs each session's traffic and peer.
    await Promise.all([senderPage, receiverPage].map((p) => p.evaluate('window.__relay.close()')));
    await chrome.close();
    chrome = undefined;
    await new Promise((r) => setTimeout(r, 1000));
    return { configured: turn.iceServer, sender, receiver, turnLog: turn.log() };
  } finally {
    await chrome?.close();
    await signaling?.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await turn.stop();
  }
}
