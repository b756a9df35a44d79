import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { generatorForward, type GeneratorConfig } from '../../src/model/index.js';
import { setupBackend, type BackendName } from '../tf/backend.js';
import { pixelLoss, type PixelLoss } from './GeneratorState.js';
import type { WorkerReply, WorkerRequest } from './parallelProtocol.js';

/**
 * One data-parallel replica: its own TF.js backend instance (a separate wasm module per thread), given the
 * current weights and a slice of the batch, it returns the loss, the gradients and the updated BN statistics.
 */
const port = parentPort;
if (port === null) throw new Error('gradWorker must run in a worker thread');
let config: GeneratorConfig | null = null;
let loss: PixelLoss = 'l1';

port.on('message', (msg: WorkerRequest) => {
  void handle(msg).then(
    (reply) => port.postMessage(reply, reply.type === 'grads' ? reply.buffers : []),
    (e: unknown) => port.postMessage({ type: 'error', message: (e as Error).stack ?? String(e) } satisfies WorkerReply),
  );
});

async function handle(msg: WorkerRequest): Promise<WorkerReply> {
  switch (msg.type) {
    case 'init':
      await setupBackend(msg.backend as BackendName);
      config = msg.config;
      loss = msg.loss;
      return { type: 'ready' };
    case 'step': {
      if (config === null) throw new Error('worker not initialised');
      const cfg = config;
      const weights = new Map<string, tf.Tensor>();
      const vars: tf.Variable[] = [];
      msg.names.forEach((name, i) => {
        const t = tf.tensor(msg.values[i] ?? new Float32Array(0), msg.shapes[i] ?? [], 'float32');
        if (msg.trainable[i] === true) {
          const v = tf.variable(t, true, `w${i}`);
          t.dispose();
          vars.push(v);
          weights.set(name, v);
        } else weights.set(name, t);
      });
      const lr = tf.tensor4d(msg.lr, msg.lrShape);
      const hr = tf.tensor4d(msg.hr, msg.hrShape);
      const stats = new Map<string, tf.Tensor>();
      const { value, grads } = tf.variableGrads(() => pixelLoss(loss, generatorForward(cfg, weights, lr, { training: true, runningStatsOut: stats }), hr), vars);
      const gradNames: string[] = [];
      const gradValues: Float32Array[] = [];
      msg.names.forEach((name, i) => {
        if (msg.trainable[i] !== true) return;
        const g = grads[`w${i}`];
        if (g === undefined) return;
        gradNames.push(name);
        gradValues.push(g.dataSync() as Float32Array);
      });
      const statNames = [...stats.keys()];
      const statValues = statNames.map((n) => stats.get(n)?.dataSync() as Float32Array);
      const l = value.dataSync()[0] ?? NaN;
      tf.dispose([value, lr, hr, ...Object.values(grads), ...stats.values(), ...weights.values()]);
      return { type: 'grads', loss: l, gradNames, gradValues, statNames, statValues, buffers: [...gradValues, ...statValues].map((a) => a.buffer as ArrayBuffer) };
    }
    default: {
      const never: never = msg;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
}
