import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { IceServerConfig } from '../signaling-server/protocol.js';
import { WeriftSfu } from '../signaling-server/sfu/WeriftSfu.js';
import { SignalingServer } from '../signaling-server/SignalingServer.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.map': 'application/json', '.bin': 'application/octet-stream', '.wasm': 'application/wasm', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.webm': 'video/webm', '.mp4': 'video/mp4',
};

export interface DemoServerOptions {
  host: string;
  port: number;
  /** URL prefix -> directory, e.g. { '/': 'dist/demo', '/models/': 'models' }. */
  mounts: Record<string, string>;
  iceServers: IceServerConfig[];
  /** Address the SFU's ICE uses; 127.0.0.1 keeps media on this machine. */
  sfuHost: string;
  tokenSecret: string | undefined;
}

export interface DemoServer {
  readonly url: string;
  readonly p2p: SignalingServer;
  readonly sfu: WeriftSfu;
  close(): Promise<void>;
}

/**
 * One HTTP server for the demo: the built pages, the model files, the benchmark results, and two
 * signaling endpoints: /ws (P2P and simple-peer) and /ws-sfu (the werift SFU).
 */
export async function startDemoServer(o: DemoServerOptions): Promise<DemoServer> {
  const mounts = Object.entries(o.mounts).sort((a, b) => b[0].length - a[0].length);
  const http: Server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const mount = mounts.find(([prefix]) => path.startsWith(prefix));
    if (mount === undefined) return void res.writeHead(404).end('not found\n');
    const rel = normalize(path.slice(mount[0].length));
    const root = normalize(mount[1]).replace(/[/\\]$/, '');
    const file = join(root, rel);
    if (rel.startsWith('..') || !file.startsWith(root + sep)) return void res.writeHead(403).end();
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
    } catch {
      return void res.writeHead(404).end('not found\n');
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port, o.host, resolve);
  });
  const { port } = http.address() as AddressInfo;
  const url = `http://${o.host}:${port}`;
  const allowedOrigins = [url, `http://localhost:${port}`];
  const common = { httpServer: http, allowedOrigins, iceServers: o.iceServers, tokenSecret: o.tokenSecret };
  const sfu = new WeriftSfu({ hostAddress: o.sfuHost, loopbackOnly: o.sfuHost === '127.0.0.1' });
  const p2p = new SignalingServer({ ...common, path: '/ws' });
  const sfuServer = new SignalingServer({ ...common, path: '/ws-sfu', mode: 'sfu', mediaRouter: sfu });
  await p2p.start();
  await sfuServer.start();
  http.on('upgrade', (req, socket) => {
    const p = (req.url ?? '').split('?')[0];
    if (p !== '/ws' && p !== '/ws-sfu') socket.destroy();
  });
  return {
    url, p2p, sfu,
    async close() {
      await Promise.all([p2p.close(), sfuServer.close()]);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
