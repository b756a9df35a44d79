import { ModelLoadError } from './ModelLoadError.js';

/** Reads the files of one weights directory by name; the loader needs nothing else. */
export interface ModelFiles {
  readonly location: string;
  read(name: string, signal?: AbortSignal): Promise<Uint8Array>;
}

export type FetchLike = (url: string, init: { signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; statusText?: string; arrayBuffer(): Promise<ArrayBuffer> }>;

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
    async read(name: string, signal?: AbortSignal): Promise<Uint8Array> {
      const url = new URL(name, dir).href;
      try {
        const res = await fetchImpl(url, signal === undefined ? {} : { signal });
        if (!res.ok) throw new ModelLoadError('fetch-failed', `GET ${url}: HTTP ${res.status} ${res.statusText ?? ''}`.trim());
        return new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        throw readFailure(url, e, signal);
      }
    },
  };
}

interface NodeFsPromises {
  readFile(path: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
}

/**
 * node:fs is imported on first use through a specifier bundlers cannot see, so browser and worker bundles
 * never pull it in and the DOM/worker typechecks need no Node types.
 */
export async function importNodeModule<T>(specifier: string): Promise<T> {
  return (await import(/* @vite-ignore */ specifier)) as T;
}

export function nodeDirFiles(dir: string): ModelFiles {
  const root = dir.endsWith('/') ? dir : `${dir}/`;
  return {
    location: root,
    async read(name: string, signal?: AbortSignal): Promise<Uint8Array> {
      const path = `${root}${name}`;
      try {
        const fs = await importNodeModule<NodeFsPromises>('node:fs/promises');
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
