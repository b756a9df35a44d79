import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-web/webgpu';
import { loadGenerator } from '../../src/model/loadGenerator.js';
import type { SpeedCellRequest, SpeedCellResult } from './speedTypes.js';
import { sampleTimes } from './sampleTimes.js';

type OnnxSubject = Extract<SpeedCellRequest['subject'], { kind: 'onnx' }>;

/** Served from node_modules by the bench's page server; one thread, as TF.js wasm (no cross-origin isolation). */
export function configureOrt(ortPath: string): void {
  ort.env.wasm.wasmPaths = ortPath;
  ort.env.wasm.numThreads = 1;
}

/** The same random NHWC input as the TF.js cells (seed 7), as NCHW for onnxruntime. */
function inputs(w: number, h: number): { nhwc: tf.Tensor4D; nchw: Float32Array } {
  const nhwc = tf.tidy(() => tf.randomUniform<tf.Rank.R4>([1, h, w, 3], 0, 1, 'float32', 7));
  const nchw = tf.tidy(() => tf.transpose(nhwc, [0, 3, 1, 2]).dataSync() as Float32Array);
  return { nhwc, nchw: Float32Array.from(nchw) };
}

async function session(s: OnnxSubject, gpuOutput: boolean): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(s.url, { executionProviders: [s.ep], ...(gpuOutput ? { preferredOutputLocation: 'gpu-buffer' as const } : {}) });
}

/**
 * onnxruntime's output against TF.js on a small input. TF.js runs on wasm here whatever the page's backend:
 * on SwiftShader the paper model takes minutes on WebGPU even at this size.
 */
async function check(s: OnnxSubject): Promise<NonNullable<SpeedCellResult['check']> & { outputStd: number }> {
  const [w, h] = s.checkSize;
  const { nhwc, nchw } = inputs(w, h);
  const backend = tf.getBackend();
  await tf.setBackend('wasm');
  const g = await loadGenerator(s.refUrl);
  const want = tf.tidy(() => {
    const x = tf.tensor4d(nhwc.dataSync(), nhwc.shape);
    return tf.transpose(g.predict(x), [0, 3, 1, 2]).dataSync() as Float32Array;
  });
  g.dispose();
  await tf.setBackend(backend);
  nhwc.dispose();
  const sess = await session(s, false);
  const out = (await sess.run({ input: new ort.Tensor('float32', nchw, [1, 3, h, w]) })).output;
  if (out === undefined) throw new Error('ONNX model has no output named output');
  const got = (await out.getData()) as Float32Array;
  await sess.release();
  let se = 0;
  let maxAbsDiff = 0;
  for (let i = 0; i < want.length; i++) {
    const d = (got[i] ?? Number.NaN) - (want[i] ?? 0);
    se += d * d;
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(d));
  }
  const mse = se / want.length;
  const mean = got.reduce((a, b) => a + b, 0) / got.length;
  const outputStd = Math.sqrt(got.reduce((a, b) => a + (b - mean) ** 2, 0) / got.length);
  return { psnrDb: mse === 0 ? 99 : 10 * Math.log10(1 / mse), maxAbsDiff, width: w, height: h, outputStd };
}

/**
 * Model-only time of the ONNX export on one execution provider. WebGPU keeps the output on the GPU and
 * waits for the queue to drain (like the TF.js cells, which read back one value, not the frame).
 */
export async function runOrt(req: SpeedCellRequest): Promise<SpeedCellResult> {
  const s = req.subject;
  if (s.kind !== 'onnx') throw new TypeError('not an ONNX subject');
  const { outputStd, ...verdict } = await check(s);
  const { nhwc, nchw } = inputs(req.width, req.height);
  nhwc.dispose();
  const gpu = s.ep === 'webgpu';
  const sess = await session(s, gpu);
  const input = new ort.Tensor('float32', nchw, [1, 3, req.height, req.width]);
  const device = gpu ? await ort.env.webgpu.device : null;
  const once = async (): Promise<[number, ort.Tensor]> => {
    const t0 = performance.now();
    const y = (await sess.run({ input })).output;
    if (y === undefined) throw new Error('ONNX model has no output named output');
    if (device !== null) await device.queue.onSubmittedWorkDone();
    return [performance.now() - t0, y];
  };
  const [warmupMs, first] = await once();
  const outputShape = [first.dims[0] ?? 0, first.dims[2] ?? 0, first.dims[3] ?? 0, first.dims[1] ?? 0];
  first.dispose();
  const samplesMs = await sampleTimes(once, req.iterations, req.budgetMs);
  await sess.release();
  return { warmupMs, samplesMs, outputShape, outputStd, check: verdict };
}
