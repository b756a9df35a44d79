import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeIdleSockets, httpTimeouts } from '../signaling-server/admission.js';
import { MediasoupUnavailableError } from '../signaling-server/mediasoup/loadMediasoup.js';
import { MediasoupRouter } from '../signaling-server/mediasoup/MediasoupRouter.js';
import type { IceServerConfig } from '../signaling-server/protocol.js';
import { WeriftSfu } from '../signaling-server/sfu/WeriftSfu.js';
import { SignalingServer } from '../signaling-server/SignalingServer.js';
import { DEMO_CSP, staticFiles } from './pageServer.js';

export interface DemoServerOptions {
  host: string;
  port: number;
  /** URL prefix -> directory, e.g. { '/': 'dist/demo', '/models/': 'models' }. */
  mounts: Record<string, string>;
  iceServers: IceServerConfig[];
  /** Address the SFU's ICE uses; 127.0.0.1 keeps media on this machine. */
  sfuHost: string;
  tokenSecret: string | undefined;
  /** 'auto' (default): mount /ws-mediasoup when the optional `mediasoup` package loads; 'off': never. */
  mediasoup?: 'auto' | 'off';
  /** Time to finish an HTTP request or upgrade, and idle time before a socket is closed (default 5000). */
  upgradeTimeoutMs?: number;
}

export interface DemoServer {
  readonly url: string;
  readonly p2p: SignalingServer;
  readonly sfu: WeriftSfu;
  /** Whether /ws-mediasoup is served, or why not. */
  readonly mediasoup: { mounted: true } | { mounted: false; reason: string };
  close(): Promise<void>;
}

/**
 * One HTTP server for the demo: the built pages, the model files, the benchmark results, and the
 * signaling endpoints: /ws (P2P and simple-peer), /ws-sfu (the werift SFU) and, where the optional
 * `mediasoup` package is installed, /ws-mediasoup.
 */
export async function startDemoServer(o: DemoServerOptions): Promise<DemoServer> {
  const upgradeTimeoutMs = o.upgradeTimeoutMs ?? 5_000;
  const http: Server = createServer(httpTimeouts(upgradeTimeoutMs), staticFiles(o.mounts, { index: true, csp: DEMO_CSP }));
  closeIdleSockets(http, upgradeTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port, o.host, resolve);
  });
  const { port } = http.address() as AddressInfo;
  const url = `http://${o.host}:${port}`;
  const allowedOrigins = [url, `http://localhost:${port}`];
  const common = { httpServer: http, allowedOrigins, upgradeTimeoutMs, iceServers: o.iceServers, tokenSecret: o.tokenSecret };
  const sfu = new WeriftSfu({ hostAddress: o.sfuHost, loopbackOnly: o.sfuHost === '127.0.0.1' });
  const p2p = new SignalingServer({ ...common, path: '/ws' });
  const sfuServer = new SignalingServer({ ...common, path: '/ws-sfu', mode: 'sfu', mediaRouter: sfu });
  const servers = [p2p, sfuServer];
  let mediasoup: DemoServer['mediasoup'] = { mounted: false, reason: 'disabled (mediasoup: off)' };
  if ((o.mediasoup ?? 'auto') === 'auto') {
    try {
      const router = await MediasoupRouter.create({ listenIp: o.sfuHost });
      servers.push(new SignalingServer({ ...common, path: '/ws-mediasoup', mode: 'mediasoup', mediaRouter: router }));
      mediasoup = { mounted: true };
    } catch (error) {
      if (!(error instanceof MediasoupUnavailableError)) throw error;
      mediasoup = { mounted: false, reason: error.message };
    }
  }
  for (const s of servers) await s.start();
  const paths = new Set(servers.map((s) => s.options.path));
  http.on('upgrade', (req, socket) => {
    if (!paths.has((req.url ?? '').split('?')[0] ?? '')) socket.destroy();
  });
  return {
    url, p2p, sfu, mediasoup,
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
