import * as tf from '@tensorflow/tfjs-core';
import { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { fitRect } from '../fitRect.js';
import { GeneratorHost } from '../ModelStore.js';
import type { ModelRef } from '../protocol.js';
import { countReadbacks } from '../readbacks.js';
import { BackendUnavailableError, type ModelRenderer, type RenderResult } from '../renderers.js';
import { unregisterBackend } from '../tfBackends.js';

export interface WebGLRendererOptions {
  readonly outputWidth: number;
  readonly outputHeight: number;
  /** Input tile edge: whole 270p frames overflow WebGL's texture size limit inside the paper model. */
  readonly tileSize: number;
}

/** Context pixels each tile borrows from its neighbours, so tile seams match a whole-frame pass. */
const TILE_MARGIN = 16;

/**
 * Second rung: TF.js on WebGL, tiled. This rung reads each output tile back to the CPU and paints it
 * with putImageData: it only runs when WebGPU is gone, where a slower but correct picture beats none.
 */
export class WebGLRenderer extends GeneratorHost implements ModelRenderer<VideoFrame, OffscreenCanvas> {
  readonly kind = 'webgl';
  readonly timing = 'wall';
  readonly f16 = false;
  readonly lost: Promise<string>;
  readonly canvas: OffscreenCanvas;
  readonly #context: OffscreenCanvasRenderingContext2D;
  #isLost = false;
  #disposed = false;
  #staging: OffscreenCanvas = new OffscreenCanvas(1, 1);
  /** Tensors of the frame in flight: a lost context strands them in a read that never returns. */
  readonly #live = new Set<tf.Tensor>();

  private constructor(
    private readonly glCanvas: OffscreenCanvas,
    private readonly gl: WebGL2RenderingContext,
    readonly adapter: string,
    private readonly options: WebGLRendererOptions,
  ) {
    super();
    this.canvas = new OffscreenCanvas(options.outputWidth, options.outputHeight);
    const ctx = this.canvas.getContext('2d');
    if (ctx === null) throw new Error('no 2d context');
    this.#context = ctx;
    this.lost = new Promise((resolve) => {
      glCanvas.addEventListener('webglcontextlost', () => {
        this.#isLost = true;
        resolve('WebGL context lost');
      });
    });
  }

  static async create(options: WebGLRendererOptions): Promise<WebGLRenderer> {
    const glCanvas = new OffscreenCanvas(1, 1);
    let backend: MathBackendWebGL;
    try {
      backend = new MathBackendWebGL(glCanvas);
    } catch (error) {
      throw new BackendUnavailableError(`WebGL2 unavailable: ${(error as Error).message}`);
    }
    countReadbacks(backend);
    unregisterBackend('webgl');
    tf.registerBackend('webgl', () => backend);
    if (!(await tf.setBackend('webgl'))) throw new BackendUnavailableError('TF.js could not initialise its WebGL backend');
    const gl = backend.gpgpu.gl as WebGL2RenderingContext;
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    const name = dbg !== null ? String(gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL)) : 'WebGL2';
    return new WebGLRenderer(glCanvas, gl, name, options);
  }

  async render(frame: VideoFrame, model: ModelRef): Promise<RenderResult<OffscreenCanvas>> {
    const g = this.generator(model);
    const started = performance.now();
    const w = frame.displayWidth;
    const h = frame.displayHeight;
    const s = g.config.scale;
    const bitmap = await createImageBitmap(frame);
    const input = tf.tidy(() => tf.expandDims<tf.Tensor4D>(tf.div(tf.cast(tf.browser.fromPixels(bitmap), 'float32'), 255), 0));
    bitmap.close();
    this.#live.add(input);
    const image = new ImageData(w * s, h * s);
    try {
      const t = this.options.tileSize;
      for (let ty = 0; ty < h; ty += t) {
        for (let tx = 0; tx < w; tx += t) {
          const tw = Math.min(t, w - tx);
          const th = Math.min(t, h - ty);
          const x0 = Math.max(0, tx - TILE_MARGIN);
          const y0 = Math.max(0, ty - TILE_MARGIN);
          const x1 = Math.min(w, tx + tw + TILE_MARGIN);
          const y1 = Math.min(h, ty + th + TILE_MARGIN);
          const tile = tf.tidy(() => {
            const out = g.predict(tf.slice(input, [0, y0, x0, 0], [1, y1 - y0, x1 - x0, 3]));
            return tf.slice(out, [0, (ty - y0) * s, (tx - x0) * s, 0], [1, th * s, tw * s, 3]);
          });
          this.#live.add(tile);
          const data = await tile.data();
          this.#live.delete(tile);
          tile.dispose();
          writeTile(image, data, tx * s, ty * s, tw * s, th * s);
        }
      }
    } finally {
      this.#live.delete(input);
      input.dispose();
    }
    if (this.#isLost || this.gl.isContextLost()) throw new Error('WebGL context lost during the frame');
    if (this.#staging.width !== w * s || this.#staging.height !== h * s) this.#staging = new OffscreenCanvas(w * s, h * s);
    const staging = this.#staging.getContext('2d');
    if (staging === null) throw new Error('no 2d context');
    staging.putImageData(image, 0, 0);
    const r = fitRect(w * s, h * s, this.options.outputWidth, this.options.outputHeight);
    this.#context.fillStyle = '#000';
    this.#context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    // The fit is a resample whenever the model scale is not the ratio: the canvas's best filter.
    this.#context.imageSmoothingQuality = 'high';
    this.#context.drawImage(this.#staging, r.x, r.y, r.width, r.height);
    return { surface: this.canvas, modelMs: performance.now() - started };
  }

  simulateLoss(): void {
    this.gl.getExtension('WEBGL_lose_context')?.loseContext();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.disposeModels();
    for (const t of this.#live) t.dispose();
    this.#live.clear();
    unregisterBackend('webgl');
    this.glCanvas.width = 1;
  }
}

/** Uint8ClampedArray stores round(v * 255), clamped: the same quantisation a canvas applies. */
function writeTile(image: ImageData, rgb: ArrayLike<number>, x: number, y: number, w: number, h: number): void {
  const stride = image.width * 4;
  for (let row = 0; row < h; row++) {
    let o = (y + row) * stride + x * 4;
    let i = row * w * 3;
    for (let col = 0; col < w; col++, o += 4, i += 3) {
      image.data[o] = (rgb[i] ?? 0) * 255;
      image.data[o + 1] = (rgb[i + 1] ?? 0) * 255;
      image.data[o + 2] = (rgb[i + 2] ?? 0) * 255;
      image.data[o + 3] = 255;
    }
  }
}
