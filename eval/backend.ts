import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

export const BACKENDS = ['wasm', 'cpu', 'webgpu', 'tensorflow'] as const;
export type BackendName = (typeof BACKENDS)[number];

export class BackendError extends Error {
  override readonly name = 'BackendError';
}

const require = createRequire(import.meta.url);

async function importOptional(name: string, hint: string): Promise<void> {
  try {
    await import(name);
  } catch (e) {
    throw new BackendError(`backend needs '${name}', which cannot be imported (${(e as Error).message}). ${hint}`);
  }
}

/**
 * Selects and initialises a TF.js backend in Node for inference (eval, upscale, bench). wasm runs
 * single-threaded: its threaded build fails in Node (ERR_WORKER_PATH).
 */
export async function setupBackend(name: BackendName): Promise<void> {
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      break;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      // A plain path prefix (not file://): emscripten in Node reads it with fs.
      wasm.setWasmPaths(join(dist, '/'));
      wasm.setThreadsCount(1);
      break;
    }
    case 'webgpu': {
      await importOptional('webgpu', 'Install the `webgpu` npm package (Dawn for Node).');
      const { create, globals } = (await import('webgpu')) as unknown as { create: (o: string[]) => unknown; globals: object };
      Object.assign(globalThis, globals);
      const g = globalThis as { navigator?: object };
      g.navigator ??= {};
      Object.defineProperty(g.navigator, 'gpu', { value: create([]), configurable: true });
      await importOptional('@tensorflow/tfjs-backend-webgpu', '');
      break;
    }
    case 'tensorflow':
      await importOptional('@tensorflow/tfjs-node', 'Install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu (native TensorFlow) to use --backend tensorflow.');
      break;
    default: {
      const never: never = name;
      throw new BackendError(`unknown backend ${String(never)}`);
    }
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new BackendError(`TF.js backend '${name}' failed to initialise`);
  await tf.ready();
}
