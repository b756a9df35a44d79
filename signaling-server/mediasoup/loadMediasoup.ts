import type { MediasoupModule } from './types.js';

/** The package name; a variable, so that TypeScript and bundlers do not try to resolve the absent module. */
const MEDIASOUP_PACKAGE = 'mediasoup';

/** `mediasoup` is not installed (or failed to load): mode "mediasoup" cannot start. */
export class MediasoupUnavailableError extends Error {
  override readonly name = 'MediasoupUnavailableError';
  readonly code = 'mediasoup_not_installed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type ModuleImporter = (specifier: string) => Promise<unknown>;

const nativeImport: ModuleImporter = (specifier) => import(specifier);

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  // Vite (vitest, a bundled server) replaces an absent optional peer dependency with a module that throws
  // this message and no code; mediasoup is one since signaling-server/package.json declares it so.
  return error instanceof Error && /^Could not resolve "[^"]+" imported by "[^"]+"/.test(error.message);
}

/**
 * Imports the optional `mediasoup` server package on demand, so that the other media modes never need
 * it. Rejects with MediasoupUnavailableError when it is missing or is not the mediasoup v3 API.
 */
export async function loadMediasoup(importer: ModuleImporter = nativeImport, specifier = MEDIASOUP_PACKAGE): Promise<MediasoupModule> {
  let mod: unknown;
  try {
    mod = await importer(specifier);
  } catch (error) {
    if (isModuleNotFound(error)) {
      throw new MediasoupUnavailableError(`the "${specifier}" package is not installed; mode "mediasoup" needs it (npm install mediasoup, on Node >= 22 with its worker binary)`, { cause: error });
    }
    throw new MediasoupUnavailableError(`the "${specifier}" package failed to load: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const api = (mod as { createWorker?: unknown; default?: { createWorker?: unknown } } | null);
  const createWorker = api?.createWorker ?? api?.default?.createWorker;
  if (typeof createWorker !== 'function') throw new MediasoupUnavailableError(`"${specifier}" does not export createWorker(); mediasoup v3 is required`);
  return (typeof api?.createWorker === 'function' ? api : api?.default) as MediasoupModule;
}
