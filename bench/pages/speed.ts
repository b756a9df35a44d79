import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import thick from '@upscalerjs/esrgan-thick/4x';
import { loadGenerator } from '../../src/model/loadGenerator.js';
import { configureOrt, runOrt } from './ortCell.js';
import type { BackendInfo, SpeedBackend, SpeedCellRequest, SpeedCellResult, SpeedPageApi, SpeedSubject } from './speedTypes.js';
import { sampleTimes } from './sampleTimes.js';

type Predict = (x: tf.Tensor4D) => tf.Tensor4D;

const loaded = new Map<string, { predict: Predict; dispose(): void }>();
let layersRegistered = false;

async function load(subject: SpeedSubject): Promise<Predict> {
  const hit = loaded.get(subject.name);
  if (hit !== undefined) return hit.predict;
  if (subject.kind === 'swiftsr') {
    const g = await loadGenerator(subject.url);
    loaded.set(subject.name, { predict: (x) => g.predict(x), dispose: () => g.dispose() });
    return (x) => g.predict(x);
  }
  if (subject.kind === 'upscalerjs') {
    if (!layersRegistered) {
      // Only thick (RRDN) has custom layers; its setup registers them through tf.layers and tf.serialization.
      (thick as { setup?: (t: unknown) => void }).setup?.({ ...tf, layers: tfl.layers, serialization: tf.serialization });
      layersRegistered = true;
    }
    const m = await tfl.loadLayersModel(subject.url);
    const k = subject.inputMax;
    const predict: Predict = (x) => tf.tidy(() => tf.div(m.predict(tf.mul(x, k)) as tf.Tensor4D, k));
    loaded.set(subject.name, { predict, dispose: () => m.dispose() });
    return predict;
  }
  throw new TypeError(`no tensor model for ${subject.kind}`);
}

/** Waits for the backend to finish by reading one output value: a full readback would dominate on GPUs. */
async function settle(y: tf.Tensor4D): Promise<void> {
  const one = tf.slice(y, [0, 0, 0, 0], [1, 1, 1, 1]);
  await one.data();
  one.dispose();
}

async function runTensor(req: SpeedCellRequest): Promise<SpeedCellResult> {
  const predict = await load(req.subject);
  const x = tf.tidy(() => tf.randomUniform<tf.Rank.R4>([1, req.height, req.width, 3], 0, 1, 'float32', 7));
  const once = async (): Promise<[number, tf.Tensor4D]> => {
    const t0 = performance.now();
    const y = predict(x);
    await settle(y);
    return [performance.now() - t0, y];
  };
  const [warmupMs, first] = await once();
  const outputShape = first.shape;
  const outputStd = tf.tidy(() => tf.sqrt(tf.moments(first).variance).dataSync()[0] ?? 0);
  first.dispose();
  const samplesMs = await sampleTimes(once, req.iterations, req.budgetMs);
  x.dispose();
  return { warmupMs, samplesMs, outputShape, outputStd };
}

/** The no-model baseline a browser gives for free: a 2D canvas scaled with high-quality smoothing. */
async function runCanvas(req: SpeedCellRequest, scale: number): Promise<SpeedCellResult> {
  const src = new OffscreenCanvas(req.width, req.height);
  const sctx = src.getContext('2d');
  const dst = new OffscreenCanvas(req.width * scale, req.height * scale);
  const dctx = dst.getContext('2d', { willReadFrequently: false });
  if (sctx === null || dctx === null) throw new Error('2D canvas unavailable');
  const img = sctx.createImageData(req.width, req.height);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 7919) % 251;
  sctx.putImageData(img, 0, 0);
  const frame = await createImageBitmap(src);
  dctx.imageSmoothingEnabled = true;
  dctx.imageSmoothingQuality = 'high';
  const once = (): number => {
    const t0 = performance.now();
    dctx.drawImage(frame, 0, 0, dst.width, dst.height);
    dctx.getImageData(0, 0, 1, 1);
    return performance.now() - t0;
  };
  const warmupMs = once();
  const samplesMs: number[] = [];
  const start = performance.now();
  while (samplesMs.length < req.iterations && (samplesMs.length === 0 || performance.now() - start < req.budgetMs)) samplesMs.push(once());
  const px = dctx.getImageData(0, 0, dst.width, 1).data;
  let m = 0;
  for (const v of px) m += v / px.length;
  let v2 = 0;
  for (const v of px) v2 += (v - m) ** 2 / px.length;
  frame.close();
  return { warmupMs, samplesMs, outputShape: [1, dst.height, dst.width, 4], outputStd: Math.sqrt(v2) / 255 };
}

async function init(backend: SpeedBackend, wasmPath: string, ortPath: string): Promise<BackendInfo> {
  setWasmPaths(wasmPath);
  configureOrt(ortPath);
  let adapter: string | null = null;
  if (backend === 'webgpu') {
    const a = await navigator.gpu?.requestAdapter();
    if (a === null || a === undefined) throw new Error('WebGPU: no adapter');
    adapter = `${a.info.vendor} ${a.info.architecture} ${a.info.description}`.trim();
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend '${backend}' failed to initialise`);
  await tf.ready();
  if (backend === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    adapter = gl === null || gl === undefined ? null : String(gl.getParameter(ext?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER));
  }
  return { backend: tf.getBackend(), adapter, userAgent: navigator.userAgent };
}

const api: SpeedPageApi = {
  init,
  run: (req) => (req.subject.kind === 'canvas-bicubic' ? runCanvas(req, req.subject.scale) : req.subject.kind === 'onnx' ? runOrt(req) : runTensor(req)),
};
(window as unknown as { swiftsrBench: SpeedPageApi }).swiftsrBench = api;
document.title = 'ready';
