import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.css': 'text/css',
  '.png': 'image/png',
};

export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A static file server on 127.0.0.1 for bench and browser-test pages: each URL prefix maps to one folder, and nothing
 * outside those folders is reachable (no `..`). POST bodies (frames a page captured) go to `onPost`.
 */
export async function servePages(mounts: Readonly<Record<string, string>>, onPost?: (url: URL, body: Buffer) => void): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && onPost !== undefined) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        onPost(url, Buffer.concat(chunks));
        res.writeHead(204).end();
      });
      return;
    }
    const path = decodeURIComponent(url.pathname);
    const prefix = Object.keys(mounts).sort((a, b) => b.length - a.length).find((p) => path.startsWith(p));
    const root = prefix === undefined ? undefined : mounts[prefix]?.replace(/[/\\]+$/, '');
    const rel = prefix === undefined ? '' : normalize(path.slice(prefix.length));
    const file = root === undefined ? undefined : join(root, rel);
    if (file === undefined || root === undefined || rel.startsWith('..') || !file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
