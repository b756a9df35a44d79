import { fitRect } from '../fitRect.js';
import { gamutRestoreMatrix, mat3Uniform } from './colour.js';
import { inputShader, outputShader, type Precision } from './shaders.js';

/**
 * The hand-written GPU work around the generator, and everything that depends on the input size.
 * convert() rebuilds the input buffer when the frame size changes, so a resolution switch costs one
 * allocation and no blank frame.
 */
export class GpuPasses {
  readonly canvas: OffscreenCanvas;
  readonly timestamps: boolean;
  readonly #context: GPUCanvasContext;
  readonly #input: GPUComputePipeline;
  readonly #output: GPURenderPipeline;
  readonly #inputParams: GPUBuffer;
  readonly #outputParams: GPUBuffer;
  #inputBuffer: GPUBuffer | null = null;
  #inputSize = '';
  /** Size and colour space the input pass's uniforms were last written for. */
  #inputParamsKey = '';
  readonly #querySet: GPUQuerySet | null = null;
  readonly #resolve: GPUBuffer | null = null;
  readonly #readback: GPUBuffer | null = null;
  #readbackBusy = false;
  #stamped = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly outputWidth: number,
    private readonly outputHeight: number,
    readonly precision: Precision,
  ) {
    this.canvas = new OffscreenCanvas(outputWidth, outputHeight);
    const context = this.canvas.getContext('webgpu');
    if (context === null) throw new Error('OffscreenCanvas has no webgpu context');
    this.#context = context;
    const format = navigator.gpu.getPreferredCanvasFormat();
    context.configure({ device, format, alphaMode: 'opaque' });
    const inModule = device.createShaderModule({ code: inputShader(precision) });
    this.#input = device.createComputePipeline({ layout: 'auto', compute: { module: inModule, entryPoint: 'main' } });
    const outModule = device.createShaderModule({ code: outputShader(precision) });
    this.#output = device.createRenderPipeline({
      layout: 'auto',
      vertex: { module: outModule, entryPoint: 'vs' },
      fragment: { module: outModule, entryPoint: 'fs', targets: [{ format }] },
      primitive: { topology: 'triangle-list' },
    });
    this.#inputParams = device.createBuffer({ size: 64, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.#outputParams = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.timestamps = device.features.has('timestamp-query');
    if (this.timestamps) {
      this.#querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
      this.#resolve = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      this.#readback = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
  }

  /**
   * Frame -> float32 NHWC buffer (STORAGE | COPY_SRC, as TF.js requires of tensor buffers), with WebGPU's
   * gamut mapping of non-BT.709 frames (every WebRTC frame) undone, as colour.ts explains.
   */
  convert(frame: VideoFrame, width: number, height: number): GPUBuffer {
    const size = `${width}x${height}`;
    if (this.#inputBuffer === null || this.#inputSize !== size) {
      this.#inputBuffer?.destroy();
      this.#inputBuffer = this.device.createBuffer({ size: width * height * 3 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      this.#inputSize = size;
    }
    const space = frame.colorSpace;
    const paramsKey = `${size}/${space.primaries ?? ''}/${space.transfer ?? ''}`;
    if (this.#inputParamsKey !== paramsKey) {
      this.#inputParamsKey = paramsKey;
      const restore = gamutRestoreMatrix(space);
      const params = new ArrayBuffer(64);
      new Uint32Array(params, 0, 4).set([width, height, restore === null ? 0 : 1, 0]);
      if (restore !== null) new Float32Array(params, 16, 12).set(mat3Uniform(restore));
      this.device.queue.writeBuffer(this.#inputParams, 0, params);
    }
    const external = this.device.importExternalTexture({ source: frame });
    const bindGroup = this.device.createBindGroup({
      layout: this.#input.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: external },
        { binding: 1, resource: { buffer: this.#inputBuffer } },
        { binding: 2, resource: { buffer: this.#inputParams } },
      ],
    });
    const encoder = this.device.createCommandEncoder();
    const stamp = this.#querySet !== null && !this.#readbackBusy;
    this.#stamped = stamp;
    const pass = encoder.beginComputePass(stamp && this.#querySet !== null ? { timestampWrites: { querySet: this.#querySet, endOfPassWriteIndex: 0 } } : {});
    pass.setPipeline(this.#input);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(width / 8), Math.ceil(height / 8));
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    return this.#inputBuffer;
  }

  /** Generator output buffer (NHWC float32, width x height) -> this.canvas, fitted to the output size. */
  paint(buffer: GPUBuffer, width: number, height: number): void {
    const r = fitRect(width, height, this.outputWidth, this.outputHeight);
    this.device.queue.writeBuffer(this.#outputParams, 0, new Float32Array([width, height, r.x, r.y, r.width, r.height, 0, 0]));
    const bindGroup = this.device.createBindGroup({
      layout: this.#output.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer, size: width * height * 3 * 4 } },
        { binding: 1, resource: { buffer: this.#outputParams } },
      ],
    });
    const encoder = this.device.createCommandEncoder();
    const stamp = this.#stamped && this.#querySet !== null;
    const pass = encoder.beginRenderPass({
      colorAttachments: [{ view: this.#context.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 0, g: 0, b: 0, a: 1 } }],
      ...(stamp && this.#querySet !== null ? { timestampWrites: { querySet: this.#querySet, beginningOfPassWriteIndex: 1 } } : {}),
    });
    pass.setPipeline(this.#output);
    pass.setBindGroup(0, bindGroup);
    pass.draw(3);
    pass.end();
    if (stamp && this.#querySet !== null && this.#resolve !== null && this.#readback !== null) {
      encoder.resolveQuerySet(this.#querySet, 0, 2, this.#resolve, 0);
      encoder.copyBufferToBuffer(this.#resolve, 0, this.#readback, 0, 16);
    }
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * GPU time between the end of the input pass and the start of the render pass, i.e. the generator
   * (and TF.js's buffer copies). null when this frame was not stamped.
   */
  async readTimestamps(): Promise<number | null> {
    const rb = this.#readback;
    if (!this.#stamped || rb === null) return null;
    this.#stamped = false;
    this.#readbackBusy = true;
    try {
      await rb.mapAsync(GPUMapMode.READ);
      const [t0, t1] = new BigUint64Array(rb.getMappedRange().slice(0));
      rb.unmap();
      if (t0 === undefined || t1 === undefined || t1 < t0) return null;
      return Number(t1 - t0) / 1e6;
    } catch {
      return null;
    } finally {
      this.#readbackBusy = false;
    }
  }

  dispose(): void {
    this.#inputBuffer?.destroy();
    this.#inputBuffer = null;
    this.#inputParams.destroy();
    this.#outputParams.destroy();
    this.#querySet?.destroy();
    this.#resolve?.destroy();
    this.#readback?.destroy();
    this.#context.unconfigure();
  }
}
