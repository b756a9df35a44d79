import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

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

/**
 * The demo pages' Content-Security-Policy: scripts, workers and fetches from this origin only (plus the
 * WebAssembly compile that TF.js and onnxruntime backends need, blob: workers and media, data:/blob: fetches,
 * and WebSockets to this machine, where the signaling servers run). `{host}` is the request's (checked) Host.
 */
export const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  // data: and blob: are inline content, not a channel out: the SDK's packaged models can be data: URLs
  // (Vite inlines small files). cspFor() leaves ws://{host} out for an IPv6 Host (Chromium rejects the literal).
  'connect-src \'self\' data: blob: ws://{host} ws://127.0.0.1:* ws://localhost:*',
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export interface StaticFilesOptions {
  /** A path ending in `/` serves its index.html. */
  index?: boolean;
  /** Content-Security-Policy for every response; `{host}` becomes the request's Host. */
  csp?: string;
  /** POST bodies (frames a page captured) go here; without it POST is refused like PUT. */
  onPost?: (url: URL, body: Buffer) => void;
  /** A longer POST body is refused with 413 and its connection closed (default MAX_POST_BYTES). */
  maxPostBytes?: number;
}

/** The largest POST body by default: a few raw 1080p RGB frames; a page never sends more in one request. */
export const MAX_POST_BYTES = 32 * 1024 * 1024;

/**
 * The CSP for one response: `{host}` becomes the (checked) Host. Chromium reports an IPv6 literal in a
 * source expression as invalid (a console error on every page) and ignores it, so `ws://{host}` is left
 * out for one (`'self'` still covers that origin's own WebSockets).
 */
export function cspFor(csp: string, host: string): string {
  if (!host.startsWith('[')) return csp.replaceAll('{host}', host);
  return csp.replaceAll(/ ws:\/\/\{host\}/g, '').replaceAll('{host}', host);
}

export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Whether a Host header names this server: `localhost` or an IP literal, on the port the request came in
 * on. A DNS name is refused, so that a site whose name an attacker rebinds to 127.0.0.1 (DNS rebinding)
 * cannot read pages or models with its own origin.
 */
export function hostAllowed(host: string | undefined, localPort: number | undefined): boolean {
  if (host === undefined || localPort === undefined) return false;
  const m = /^(localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/i.exec(host);
  return m !== null && Number(m[2]) === localPort;
}

function fail(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  const body = `${(STATUS_CODES[status] ?? 'error').toLowerCase()}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length, 'x-content-type-options': 'nosniff', ...headers }).end(body);
}

/** Where a URL path lands: a file under one mount (lexically; links are checked when opening), or an HTTP status. */
function locate(mounts: Readonly<Record<string, string>>, prefixes: readonly string[], rawUrl: string, index: boolean): { root: string; file: string } | number {
  let path: string;
  try {
    path = decodeURIComponent(new URL(rawUrl, 'http://x').pathname);
  } catch {
    return 400; // a malformed %-escape
  }
  if (path.includes('\0')) return 400;
  if (index && path.endsWith('/')) path += 'index.html';
  const prefix = prefixes.find((p) => path.startsWith(p));
  if (prefix === undefined) return 404;
  const root = (mounts[prefix] as string).replace(/[/\\]+$/, '');
  const rel = normalize(path.slice(prefix.length));
  const file = join(root, rel);
  return rel.startsWith('..') || !file.startsWith(root + sep) ? 403 : { root, file };
}

/**
 * Opens `file` only if its real path (links resolved) lies inside the mount's real path, and only if it is
 * a regular file. Opened before it is checked, so that nothing can swap it between the check and the read;
 * O_NONBLOCK so that a FIFO does not block the open.
 */
async function openInside(root: string, file: string): Promise<{ handle: FileHandle; size: number } | number> {
  let real: string;
  let realRoot: string;
  try {
    [realRoot, real] = await Promise.all([realpath(root), realpath(file)]);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? 404 : 403;
  }
  if (!real.startsWith(realRoot + sep)) return 403;
  let handle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 404 : code === 'EACCES' || code === 'EPERM' || code === 'ELOOP' ? 403 : 500;
  }
  const st = await handle.stat().catch(() => null);
  if (st === null || !st.isFile()) {
    await handle.close();
    return st === null ? 500 : 404;
  }
  return { handle, size: st.size };
}

/**
 * Serves files from `mounts` (URL prefix -> folder, longest prefix wins) to GET and HEAD: nothing outside
 * those folders is reachable (no `..`, no link out of the folder), only for a Host naming this server, with
 * `nosniff` and `options.csp`. Nothing a client sends can throw out of the handler.
 */
export function staticFiles(mounts: Readonly<Record<string, string>>, options: StaticFilesOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const allow = options.onPost === undefined ? 'GET, HEAD' : 'GET, HEAD, POST';
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = req.headers.host;
    if (!hostAllowed(host, req.socket.localPort)) return fail(res, 421);
    if (req.method === 'POST' && options.onPost !== undefined) return receivePost(req, res, options.onPost, options.maxPostBytes ?? MAX_POST_BYTES);
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, { allow });
    const target = locate(mounts, prefixes, req.url ?? '/', options.index ?? false);
    if (typeof target === 'number') return fail(res, target);
    const opened = await openInside(target.root, target.file);
    if (typeof opened === 'number') return fail(res, opened);
    const headers: Record<string, string | number> = {
      'content-type': TYPES[extname(target.file)] ?? 'application/octet-stream',
      'content-length': opened.size,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    };
    if (options.csp !== undefined) headers['content-security-policy'] = cspFor(options.csp, host as string);
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      await opened.handle.close();
      res.end();
      return;
    }
    await pipeline(opened.handle.createReadStream(), res);
  };
  return (req, res) => {
    serve(req, res).catch(() => {
      // A read that failed mid-stream (or anything else): the response cannot be repaired, only ended.
      if (!res.headersSent) fail(res, 500);
      else res.destroy();
    });
  };
}

/** Buffers a POST body up to `maxBytes` (a declared or streamed longer one gets 413 and a closed connection). */
function receivePost(req: IncomingMessage, res: ServerResponse, onPost: (url: URL, body: Buffer) => void, maxBytes: number): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const tooLarge = (): void => {
    req.removeAllListeners('data');
    req.resume();
    fail(res, 413, { connection: 'close' });
    res.once('finish', () => req.socket.destroy());
  };
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return tooLarge();
  const chunks: Buffer[] = [];
  let received = 0;
  req.on('data', (c: Buffer) => {
    received += c.length;
    if (received > maxBytes) tooLarge();
    else chunks.push(c);
  });
  req.on('error', () => res.destroy());
  req.on('end', () => {
    if (received > maxBytes) return;
    onPost(url, Buffer.concat(chunks));
    res.writeHead(204).end();
  });
}

/**
 * A static file server on 127.0.0.1 for bench and browser-test pages (see staticFiles). POST bodies (frames
 * a page captured) go to `onPost`.
 */
export async function servePages(mounts: Readonly<Record<string, string>>, onPost?: (url: URL, body: Buffer) => void, maxPostBytes = MAX_POST_BYTES): Promise<PageServer> {
  const server: Server = createServer(staticFiles(mounts, onPost === undefined ? {} : { onPost, maxPostBytes }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
