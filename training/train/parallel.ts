import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../data/dataset.js';
import { batchTensors, pixelLoss, type GeneratorState, type PixelLoss } from './GeneratorState.js';
import type { WorkerReply, WorkerRequest } from './parallelProtocol.js';
import type { Phase } from './phases.js';

function slice(b: Batch, from: number, to: number): Batch {
  const lrN = b.lrSize * b.lrSize * 3;
  const hrN = b.hrSize * b.hrSize * 3;
  return { ...b, n: to - from, lr: b.lr.subarray(from * lrN, to * lrN), hr: b.hr.subarray(from * hrN, to * hrN) };
}

/**
 * Data parallelism over worker_threads (wasm threads fail in Node): the main thread computes the gradients
 * of the first part of the batch while each worker does its part with its own wasm instance; gradients and
 * BN statistics are averaged by sample count and one Adam step is applied on the main thread. BN uses
 * per-replica batch statistics (as PyTorch DDP without SyncBN).
 */
export class ParallelGradients {
  private constructor(private readonly workers: Worker[]) {}

  static async create(count: number, backend: string, g: GeneratorState, loss: PixelLoss): Promise<ParallelGradients> {
    const url = new URL(import.meta.url.endsWith('.ts') ? './gradWorkerBoot.mjs' : './gradWorker.js', import.meta.url);
    const workers = Array.from({ length: count }, () => new Worker(url));
    const p = new ParallelGradients(workers);
    await Promise.all(workers.map((w) => p.request(w, { type: 'init', backend, config: g.config, loss })));
    return p;
  }

  private request(w: Worker, msg: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const onMessage = (r: WorkerReply): void => {
        w.off('error', onError);
        if (r.type === 'error') reject(new Error(`gradient worker: ${r.message}`));
        else resolve(r);
      };
      const onError = (e: Error): void => {
        w.off('message', onMessage);
        reject(e);
      };
      w.once('message', onMessage);
      w.once('error', onError);
      w.postMessage(msg);
    });
  }

  async step(g: GeneratorState, batch: Batch, lr: number, loss: PixelLoss): Promise<number> {
    const r = await this.gradients(g, batch, loss);
    g.setBuffers(r.stats);
    g.applyGradients(r.grads, lr);
    tf.dispose([...r.grads.values()]);
    return r.loss;
  }

  /** Sample-weighted mean of the replicas' gradients and BN statistics (caller disposes them). */
  async gradients(g: GeneratorState, batch: Batch, loss: PixelLoss): Promise<{ loss: number; grads: Map<string, tf.Tensor>; stats: Map<string, tf.Tensor> }> {
    const parts = this.workers.length + 1;
    const per = Math.ceil(batch.n / parts);
    const entries = [...g.vars, ...g.buffers];
    const names = entries.map(([n]) => n);
    const values = entries.map(([, t]) => t.dataSync() as Float32Array);
    const shapes = entries.map(([, t]) => [...t.shape]);
    const trainable = entries.map(([n]) => g.vars.has(n));
    const pending = this.workers.map((w, i) => {
      const s = slice(batch, Math.min(batch.n, per * (i + 1)), Math.min(batch.n, per * (i + 2)));
      return this.request(w, {
        type: 'step', names, shapes, values, trainable,
        lr: s.lr.slice(), lrShape: [s.n, s.lrSize, s.lrSize, 3], hr: s.hr.slice(), hrShape: [s.n, s.hrSize, s.hrSize, 3],
      }).then((r) => ({ r, n: s.n }));
    });
    const own = slice(batch, 0, Math.min(batch.n, per));
    const t = batchTensors(own);
    const mine = g.gradients(t.lr, (sr) => pixelLoss(loss, sr, t.hr));
    tf.dispose([t.lr, t.hr]);
    const replies = await Promise.all(pending);
    let total = own.n;
    let lossSum = mine.loss * own.n;
    const grads = new Map([...mine.grads].map(([k, v]) => [k, tf.mul(v, own.n)]));
    const stats = new Map([...mine.stats].map(([k, v]) => [k, tf.mul(v, own.n)]));
    tf.dispose([...mine.grads.values(), ...mine.stats.values()]);
    const accumulate = (into: Map<string, tf.Tensor>, names2: string[], vals: Float32Array[], n: number): void => {
      names2.forEach((name, i) => {
        const prev = into.get(name);
        const shape = prev?.shape ?? [];
        const add = tf.tidy(() => tf.add(prev ?? 0, tf.mul(tf.tensor(vals[i] ?? new Float32Array(0), shape), n)));
        prev?.dispose();
        into.set(name, add);
      });
    };
    for (const { r, n } of replies) {
      if (r.type !== 'grads' || n === 0) continue;
      total += n;
      lossSum += r.loss * n;
      accumulate(grads, r.gradNames, r.gradValues, n);
      accumulate(stats, r.statNames, r.statValues, n);
    }
    const avg = (m: Map<string, tf.Tensor>): Map<string, tf.Tensor> => new Map([...m].map(([k, v]) => {
      const a = tf.div(v, total);
      v.dispose();
      return [k, a];
    }));
    return { loss: lossSum / total, grads: avg(grads), stats: avg(stats) };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Phase 1 with `workers - 1` gradient workers next to the main thread. */
export async function parallelPsnrPhase(g: GeneratorState, workers: number, backend: string, loss: PixelLoss): Promise<Phase> {
  const p = await ParallelGradients.create(workers - 1, backend, g, loss);
  return {
    step: async (b, lr) => ({ loss: await p.step(g, b, lr, loss) }),
    extraTensors: () => new Map(),
    extraHeader: () => ({}),
    restore: () => undefined,
    describe: () => ({ loss, workers }),
    dispose: () => void p.close(),
  };
}
