import { ModelLoadError } from './ModelLoadError.js';

/** Reads the files of one weights directory by name; the loader needs nothing else. */
export interface ModelFiles {
  readonly location: string;
  /**
   * A file's bytes. With `maxBytes` (the loader always passes it: the JSON limit, or a shard's recorded
   * size), a reader stops after maxBytes + 1 bytes: a longer result means the file is larger than allowed,
   * which the caller reports, and a hostile file never costs more than that.
   */
  read(name: string, signal?: AbortSignal, maxBytes?: number): Promise<Uint8Array>;
}

/** What the loader reads from a response body; a fetch() Response is one. */
interface BodyReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * fetch() or a stand-in. With a `body` stream the read stops at the cap; a stand-in with only
 * `arrayBuffer()` is read whole (and its length checked afterwards).
 */
export type FetchLike = (url: string, init: { signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  statusText?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  body?: { getReader(): BodyReader } | null;
}>;

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new ModelLoadError('aborted', 'model load aborted', { cause: signal.reason });
}

/** An error during a read is an abort when the caller aborted, a fetch failure otherwise. */
function readFailure(location: string, e: unknown, signal: AbortSignal | undefined): ModelLoadError {
  if (e instanceof ModelLoadError) return e;
  if (signal?.aborted === true) return new ModelLoadError('aborted', 'model load aborted', { cause: signal.reason });
  return new ModelLoadError('fetch-failed', `cannot read ${location}: ${(e as Error).message}`, { cause: e });
}

export function urlFiles(base: string, fetchImpl: FetchLike): ModelFiles {
  const dir = base.endsWith('/') ? base : `${base}/`;
  return {
    location: dir,
    async read(name: string, signal?: AbortSignal, maxBytes?: number): Promise<Uint8Array> {
      const url = new URL(name, dir).href;
      try {
        const res = await fetchImpl(url, signal === undefined ? {} : { signal });
        if (!res.ok) throw new ModelLoadError('fetch-failed', `GET ${url}: HTTP ${res.status} ${res.statusText ?? ''}`.trim());
        if (maxBytes === undefined || res.body === undefined || res.body === null) return new Uint8Array(await res.arrayBuffer());
        return await readAtMost(res.body.getReader(), maxBytes + 1);
      } catch (e) {
        throw readFailure(url, e, signal);
      }
    },
  };
}

/** Reads a body stream until it ends or `cap` bytes arrived, then cancels it: never holds more than cap. */
async function readAtMost(reader: BodyReader, cap: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done || value === undefined) break;
    const part = value.length > cap - total ? value.subarray(0, cap - total) : value;
    parts.push(part);
    total += part.length;
    if (total >= cap) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return concatBytes(parts);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface NodeFileHandle {
  stat(): Promise<{ size: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

interface NodeFsPromises {
  readFile(path: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
  open(path: string, flags: string): Promise<NodeFileHandle>;
}

/** At most `cap` bytes of a file, sized by fstat first (a 512 MB shard declared as 13 KB costs 13 KB). */
async function readFileAtMost(fs: NodeFsPromises, path: string, cap: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
  const fh = await fs.open(path, 'r');
  try {
    const { size } = await fh.stat();
    // size + 1: a file that grew since fstat still shows as longer than it should be.
    const buf = new Uint8Array(Math.min(cap, size + 1));
    let got = 0;
    while (got < buf.length) {
      throwIfAborted(signal);
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/**
 * node:fs is imported on first use through a specifier bundlers cannot see, so browser and worker bundles
 * never pull it in and the DOM/worker typechecks need no Node types.
 */
export async function importNodeModule<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as T;
}

export function nodeDirFiles(dir: string): ModelFiles {
  const root = dir.endsWith('/') ? dir : `${dir}/`;
  return {
    location: root,
    async read(name: string, signal?: AbortSignal, maxBytes?: number): Promise<Uint8Array> {
      const path = `${root}${name}`;
      try {
        const fs = await importNodeModule<NodeFsPromises>('node:fs/promises');
        if (maxBytes !== undefined) return await readFileAtMost(fs, path, maxBytes + 1, signal);
        return await fs.readFile(path, signal === undefined ? {} : { signal });
      } catch (e) {
        throw readFailure(path, e, signal);
      }
    },
  };
}

const runsInNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/**
 * A URL (http/https/blob, or relative to the page in a browser) or, in Node, a directory path or file: URL.
 * Pointing at model.json or swiftsr.json means their directory.
 */
export function resolveModelFiles(source: string | URL, fetchImpl: FetchLike | undefined): ModelFiles {
  let s = source instanceof URL ? source.href : source;
  s = s.replace(/(^|\/)(model|swiftsr)\.json$/, '$1');
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(s);
  if (runsInNode() && (!hasScheme || s.startsWith('file:'))) {
    return nodeDirFiles(s.startsWith('file:') ? decodeURIComponent(new URL(s).pathname) : s === '' ? '.' : s);
  }
  const f = fetchImpl ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (f === undefined) throw new ModelLoadError('fetch-failed', 'no fetch() in this environment; pass options.fetch');
  let base: string;
  try {
    base = hasScheme ? s : new URL(s, (globalThis as { location?: { href: string } }).location?.href).href;
  } catch (e) {
    throw new ModelLoadError('fetch-failed', `'${s}' is not a URL this environment can fetch`, { cause: e });
  }
  return urlFiles(base, f);
}
