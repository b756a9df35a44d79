import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startDemoServer, type DemoServer } from './demoServer.js';
import { rawRequest } from './rawRequest.js';

let dir: string;
let server: DemoServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swiftsr-demo-server-'));
  writeFileSync(join(dir, 'index.html'), '<p>demo</p>');
  server = await startDemoServer({ host: '127.0.0.1', port: 0, mounts: { '/': dir }, iceServers: [], sfuHost: '127.0.0.1', tokenSecret: undefined, upgradeTimeoutMs: 500 });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw GET, so that `..` reaches the server undecoded by a URL parser. */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server.url);
    const req = request({ host: hostname, port, path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgrade(path: string): Promise<'open' | 'refused'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, { origin: server.url });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('error', () => resolve('refused'));
  });
}

describe('demo server', () => {
  it('serves index.html for a folder and nothing outside its mounts', async () => {
    expect(await get('/')).toEqual({ status: 200, body: '<p>demo</p>' });
    expect((await get('/missing.js')).status).toBe(404);
    // The URL parser resolves dot segments (also %2e%2e) before the mount lookup: /etc/passwd is not mounted.
    expect(await get('/%2e%2e/%2e%2e/etc/passwd')).toEqual({ status: 404, body: 'not found\n' });
    expect(await get('/../../etc/passwd')).toEqual({ status: 404, body: 'not found\n' });
  });

  it('without the mediasoup package: /ws-mediasoup is not mounted, says why, and refuses upgrades; /ws and /ws-sfu work', async () => {
    expect(server.mediasoup.mounted).toBe(false);
    if (!server.mediasoup.mounted) expect(server.mediasoup.reason).toMatch(/"mediasoup" package is not installed/);
    expect(await upgrade('/ws-mediasoup')).toBe('refused');
    expect(await upgrade('/ws')).toBe('open');
    expect(await upgrade('/ws-sfu')).toBe('open');
    expect(await upgrade('/elsewhere')).toBe('refused');
  });

  it('sends a CSP that allows this origin, WebAssembly and loopback WebSockets only, and refuses other Hosts (red team #9)', async () => {
    const port = Number(new URL(server.url).port);
    const r = await rawRequest(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}`);
    expect(r.status).toBe(200);
    const csp = r.headers['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain(`connect-src 'self' data: blob: ws://127.0.0.1:${port} `);
    expect(csp).toContain("object-src 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect((await rawRequest(port, `GET / HTTP/1.1\r\nHost: rebound.example:${port}`)).status).toBe(421);
  });

  it('closes a half-open request on the shared HTTP server (red team #6)', { timeout: 10_000 }, async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    await new Promise((resolve) => socket.once('close', resolve));
  });
});
