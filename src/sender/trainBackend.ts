import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import type { TrainBackend } from './protocol.js';

const ORDER: readonly TrainBackend[] = ['webgpu', 'webgl', 'cpu'];

/**
 * Starts the first TF.js backend that works, from `preferred` down: WebGPU, WebGL, cpu. Not wasm: it
 * would fetch its .wasm files at run time from a URL the app must host, for a speed WebGL already beats.
 * A backend counts as working once a small op ran and read back.
 */
export async function startTrainBackend(preferred: 'auto' | TrainBackend): Promise<{ backend: TrainBackend; failures: string[] }> {
  const failures: string[] = [];
  for (const name of ORDER.slice(preferred === 'auto' ? 0 : ORDER.indexOf(preferred))) {
    try {
      if (!(await tf.setBackend(name))) {
        failures.push(`${name}: could not be initialised`);
        continue;
      }
      await tf.ready();
      const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
      const value = (await probe.data())[0];
      tf.dispose(probe);
      if (value === 3) return { backend: name, failures };
      failures.push(`${name}: a probe op gave ${String(value)}`);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no TF.js backend could start (${failures.join('; ')})`);
}
