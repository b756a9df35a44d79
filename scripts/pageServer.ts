import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
  '.onnx': 'application/octet-stream',
};

export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves files from `mounts` (URL prefix -> folder, longest prefix wins); nothing outside those folders is
 * reachable (no `..`). `index`: a path ending in `/` serves its index.html.
 */
export function staticFiles(mounts: Readonly<Record<string, string>>, options: { index?: boolean } = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  return (req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if ((options.index ?? false) && path.endsWith('/')) path += 'index.html';
    const prefix = prefixes.find((p) => path.startsWith(p));
    const root = prefix === undefined ? undefined : mounts[prefix]?.replace(/[/\\]+$/, '');
    const rel = prefix === undefined ? '' : normalize(path.slice(prefix.length));
    const file = root === undefined ? undefined : join(root, rel);
    if (file === undefined || root === undefined || rel.startsWith('..') || !file.startsWith(root + sep)) {
      res.writeHead(prefix === undefined ? 404 : 403).end(prefix === undefined ? 'not found\n' : '');
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  };
}

/**
 * A static file server on 127.0.0.1 for bench and browser-test pages (see staticFiles). POST bodies (frames
 * a page captured) go to `onPost`.
 */
export async function servePages(mounts: Readonly<Record<string, string>>, onPost?: (url: URL, body: Buffer) => void): Promise<PageServer> {
  const files = staticFiles(mounts);
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && onPost !== undefined) {
      const url = new URL(req.url ?? '/', 'http://x');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        onPost(url, Buffer.concat(chunks));
        res.writeHead(204).end();
      });
      return;
    }
    files(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
