import type { FrameSink } from './renderers.js';

/**
 * Renderers draw into their own OffscreenCanvas (each backend needs its own context type); the sink moves
 * the result out as an ImageBitmap, which stays on the GPU. This is what lets the ladder switch backends
 * without the visible canvas ever being reconfigured or blanked.
 */
export class CanvasSink implements FrameSink<OffscreenCanvas> {
  readonly #ctx: ImageBitmapRenderingContext;

  constructor(canvas: OffscreenCanvas, width: number, height: number) {
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('bitmaprenderer');
    if (ctx === null) throw new Error('the output canvas already has another context type');
    this.#ctx = ctx;
  }

  present(surface: OffscreenCanvas): void {
    this.#ctx.transferFromImageBitmap(surface.transferToImageBitmap());
  }

  dispose(): void {
    // The page owns the canvas; its last picture stays up.
  }
}

/** Writes VideoFrames into a MediaStreamTrackGenerator / VideoTrackGenerator writable. */
export class WritableSink implements FrameSink<OffscreenCanvas> {
  readonly #writer: WritableStreamDefaultWriter<VideoFrame>;
  #closed = false;

  constructor(writable: WritableStream<VideoFrame>) {
    this.#writer = writable.getWriter();
  }

  present(surface: OffscreenCanvas, timestampUs: number): void {
    const bitmap = surface.transferToImageBitmap();
    const frame = new VideoFrame(bitmap, { timestamp: timestampUs });
    bitmap.close();
    // Same latest-frame rule as the input: a consumer that is behind gets no backlog.
    if (this.#closed || (this.#writer.desiredSize ?? 1) <= 0) {
      frame.close();
      return;
    }
    this.#writer.write(frame).catch(() => {
      this.#closed = true;
      frame.close();
    });
  }

  dispose(): void {
    this.#closed = true;
    void this.#writer.close().catch(() => undefined);
  }
}
