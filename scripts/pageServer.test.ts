import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspFor, DEMO_CSP, servePages, type PageServer } from './pageServer.js';
import { rawRequest, type RawResponse } from './rawRequest.js';

let dir: string;
let outside: string;
let server: PageServer;
let port: number;
const get = (path: string, host = `127.0.0.1:${port}`, method = 'GET'): Promise<RawResponse> => rawRequest(port, `${method} ${path} HTTP/1.1\r\nHost: ${host}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swiftsr-pages-'));
  outside = mkdtempSync(join(tmpdir(), 'swiftsr-outside-'));
  writeFileSync(join(dir, 'index.html'), '<p>ok</p>');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'leak.txt'));
  symlinkSync(outside, join(dir, 'leakdir'));
  symlinkSync(join(dir, 'index.html'), join(dir, 'alias.html'));
  mkdirSync(join(dir, 'model.json'));
  spawnSync('mkfifo', [join(dir, 'pipe.bin')]);
  server = await servePages({ '/': dir, '/models/': dir });
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('static page server (red team #2, #3, #9)', () => {
  it('answers malformed percent-escapes with 400 and keeps serving (#2)', async () => {
    for (const path of ['/%', '/%E0%A4%A', '/models/%ff', '/%00index.html']) expect((await get(path)).status).toBe(400);
    expect(await get('/index.html')).toMatchObject({ status: 200, body: '<p>ok</p>' });
  });

  it('answers a folder named like a file and a FIFO with 404 without blocking (#3)', async () => {
    expect((await get('/models/model.json')).status).toBe(404);
    expect((await get('/pipe.bin')).status).toBe(404);
    expect((await get('/index.html')).status).toBe(200);
  });

  it('does not follow links out of the served folder; links inside it work (#9)', async () => {
    expect(await get('/leak.txt')).toMatchObject({ status: 403, body: 'forbidden\n' });
    expect((await get('/leakdir/secret.txt')).status).toBe(403);
    expect(await get('/alias.html')).toMatchObject({ status: 200, body: '<p>ok</p>' });
  });

  it('serves GET and HEAD only: other methods get 405 with Allow (#9)', async () => {
    for (const method of ['PUT', 'DELETE', 'TRACE', 'OPTIONS', 'PATCH', 'POST']) {
      expect(await get('/index.html', `127.0.0.1:${port}`, method)).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
    }
    expect(await get('/index.html', `127.0.0.1:${port}`, 'HEAD')).toMatchObject({ status: 200, body: '', headers: { 'content-length': '9' } });
  });

  it('sends nosniff, and answers only a Host naming this server (DNS rebinding) (#9)', async () => {
    expect((await get('/index.html')).headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/missing')).headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/index.html', `localhost:${port}`)).status).toBe(200);
    expect((await get('/index.html', `[::1]:${port}`)).status).toBe(200);
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, `127.0.0.1.evil.example:${port}`, '']) {
      expect((await get('/index.html', host)).status).toBe(421);
    }
    expect((await rawRequest(port, 'GET /index.html HTTP/1.0')).status).toBe(421);
  });
});

describe('a file that passes stat but cannot be opened (red team #3)', () => {
  it('gets 403 and the server keeps serving (mode 000, served by an unprivileged process)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'swiftsr-locked-'));
    chmodSync(root, 0o755);
    writeFileSync(join(root, 'ok.txt'), 'ok');
    writeFileSync(join(root, 'locked.bin'), 'x');
    chmodSync(join(root, 'ok.txt'), 0o644);
    chmodSync(join(root, 'locked.bin'), 0o000);
    // Root reads a mode-000 file anyway, so the server runs as `nobody` when we are root: stat succeeds
    // (the folder is searchable), open fails with EACCES, the case the red team crashed the server with.
    const drop = process.getuid?.() === 0 ? 'process.setgid(65534); process.setuid(65534);' : '';
    const code = `const { servePages } = await import(${JSON.stringify(join(import.meta.dirname, 'pageServer.ts'))});
      const s = await servePages({ '/': ${JSON.stringify(root)} }); ${drop} console.log(s.url);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (c) => reject(new Error(`page server child exited with ${c}`)));
      });
      const p = Number(new URL(url).port);
      const req = (path: string): Promise<RawResponse> => rawRequest(p, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${p}`);
      expect((await req('/locked.bin')).status).toBe(403);
      expect(await req('/ok.txt')).toMatchObject({ status: 200, body: 'ok' });
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('CSP per Host and POST body limit', () => {
  it('names an IPv4 or localhost Host in connect-src and leaves an IPv6 literal out (Chromium rejects it)', () => {
    expect(cspFor(DEMO_CSP, '127.0.0.1:8080')).toContain("connect-src 'self' data: blob: ws://127.0.0.1:8080 ws://127.0.0.1:*");
    const v6 = cspFor(DEMO_CSP, '[::1]:8080');
    expect(v6).not.toContain('[::1]');
    expect(v6).not.toContain('{host}');
    expect(v6).toContain("connect-src 'self' data: blob: ws://127.0.0.1:* ws://localhost:*");
  });

  it('delivers a POST body up to the limit and refuses a longer one with 413, declared or streamed', async () => {
    const bodies: number[] = [];
    const posts = await servePages({ '/': dir }, (_url, body) => bodies.push(body.length), 1000);
    try {
      type Init = NonNullable<Parameters<typeof fetch>[1]>;
      const post = (body: NonNullable<Init['body']>, init: Init = {}): Promise<number> => fetch(`${posts.url}/frame`, { ...init, method: 'POST', body }).then((r) => r.status, () => -1);
      expect(await post(new Uint8Array(1000))).toBe(204);
      expect(await post(new Uint8Array(1001))).toBe(413);
      // No Content-Length: the body streams in chunks and is cut off once it passes the limit.
      const chunks = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(400));
          c.close();
        },
      });
      expect([413, -1]).toContain(await post(chunks, { duplex: 'half' }));
      expect(bodies).toEqual([1000]);
      expect(await post(new Uint8Array(10))).toBe(204);
      expect(bodies).toEqual([1000, 10]);
    } finally {
      await posts.close();
    }
  });
});
