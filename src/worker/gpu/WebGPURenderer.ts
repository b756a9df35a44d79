import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { Generator } from '../../model/types.js';
import { GeneratorHost } from '../ModelStore.js';
import type { ModelRef, TimingSource } from '../protocol.js';
import { countReadbacks } from '../readbacks.js';
import { unregisterBackend } from '../tfBackends.js';
import { BackendUnavailableError, type ModelRenderer, type RenderResult } from '../renderers.js';
import { GpuPasses } from './GpuPasses.js';
import { choosePrecision } from './shaders.js';

export interface WebGPURendererOptions {
  readonly outputWidth: number;
  readonly outputHeight: number;
  readonly preferF16: boolean;
}

/**
 * The main rung. The frame never leaves the GPU: external texture -> compute pass into a float32 buffer
 * that becomes the input tensor (zero copy) on the same GPUDevice TF.js runs on -> generator ->
 * dataToGPU() -> render pass into this renderer's canvas. The only CPU reads are 16-byte timestamp pairs.
 */
export class WebGPURenderer extends GeneratorHost implements ModelRenderer<VideoFrame, OffscreenCanvas> {
  readonly kind = 'webgpu';
  readonly lost: Promise<string>;
  readonly timing: TimingSource;
  readonly f16: boolean;
  #disposed = false;
  #isLost = false;

  private constructor(
    private readonly device: GPUDevice,
    readonly adapter: string,
    private readonly passes: GpuPasses,
  ) {
    super();
    this.f16 = passes.precision === 'f16';
    this.timing = passes.timestamps ? 'timestamp-query' : 'submitted-work-done';
    this.lost = device.lost.then((info) => {
      this.#isLost = true;
      return `${info.reason}: ${info.message}`;
    });
  }

  static async create(options: WebGPURendererOptions): Promise<WebGPURenderer> {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    if (gpu === undefined) throw new BackendUnavailableError('navigator.gpu is missing (WebGPU disabled or unsupported)');
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter === null) throw new BackendUnavailableError('no WebGPU adapter');
    const wanted: GPUFeatureName[] = ['timestamp-query', 'bgra8unorm-storage'];
    if (options.preferF16) wanted.push('shader-f16');
    const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
    const l = adapter.limits;
    // The limits TF.js asks for when it makes its own device; its kernels assume them.
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      },
    });
    const info = adapter.info;
    const backend = new WebGPUBackend(device, info);
    countReadbacks(backend);
    unregisterBackend('webgpu');
    tf.registerBackend('webgpu', () => backend);
    if (!(await tf.setBackend('webgpu'))) {
      device.destroy();
      throw new BackendUnavailableError('TF.js could not initialise its WebGPU backend');
    }
    const passes = new GpuPasses(device, options.outputWidth, options.outputHeight, choosePrecision(device.features, options.preferF16));
    const name = [info.vendor, info.architecture, info.description].filter((s) => s.length > 0).join(' ') || 'WebGPU adapter';
    return new WebGPURenderer(device, name, passes);
  }

  async render(frame: VideoFrame, model: ModelRef): Promise<RenderResult<OffscreenCanvas>> {
    const g = this.generator(model);
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const started = performance.now();
    // WebGPU reports validation and memory errors asynchronously, not by throwing: without the scopes a
    // broken frame would silently paint black.
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    let scopes: Promise<(GPUError | null)[]>;
    try {
      this.#encode(g, frame, width, height);
    } finally {
      const pop = (): Promise<GPUError | null> => this.device.popErrorScope().catch(() => null);
      scopes = Promise.all([pop(), pop()]);
    }
    const gpuError = (await scopes).find((e) => e !== null);
    if (gpuError !== undefined) throw new Error(`WebGPU error during the frame: ${gpuError.message}`);
    await this.device.queue.onSubmittedWorkDone();
    // A destroyed device completes work without doing it: never present what it left behind.
    if (this.#isLost) throw new Error('GPU device lost during the frame');
    const gpuMs = await this.passes.readTimestamps();
    return { surface: this.passes.canvas, modelMs: gpuMs ?? performance.now() - started };
  }

  /** Input pass, generator, output pass: all queued on the GPU, nothing waited for. */
  #encode(g: Generator, frame: VideoFrame, width: number, height: number): void {
    const inputBuffer = this.passes.convert(frame, width, height);
    const input: tf.Tensor4D = tf.tensor({ buffer: inputBuffer, zeroCopy: true }, [1, height, width, 3], 'float32');
    let output: tf.Tensor4D | null = null;
    try {
      output = g.predict(input);
      const [, outH, outW] = output.shape;
      const gpuData = output.dataToGPU();
      try {
        if (gpuData.buffer === undefined) throw new Error('dataToGPU gave no buffer');
        this.passes.paint(gpuData.buffer, outW, outH);
      } finally {
        gpuData.tensorRef.dispose();
      }
    } finally {
      input.dispose();
      output?.dispose();
    }
  }

  simulateLoss(): void {
    this.device.destroy();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.disposeModels();
    this.passes.dispose();
    unregisterBackend('webgpu');
    this.device.destroy();
  }
}
