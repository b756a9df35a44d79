/// <reference lib="webworker" />
import type { RgbFrame } from '../adapt/trainingPairs.js';
import { rgbaToRgb } from './trainGeometry.js';

/** Draws frames into a reusable canvas and reads RGBA back (the 2D canvas applies the YUV matrix as a `<video>` does). */
export class PixelReader {
  #canvas = new OffscreenCanvas(1, 1);
  #ctx = this.#canvas.getContext('2d', { willReadFrequently: true });

  /** `frame` drawn at width × height, as RGBA bytes. */
  readRgba(frame: VideoFrame | OffscreenCanvas, width: number, height: number): Uint8ClampedArray {
    const ctx = this.#context(width, height);
    ctx.drawImage(frame, 0, 0, width, height);
    return ctx.getImageData(0, 0, width, height).data;
  }

  read(frame: VideoFrame | OffscreenCanvas, width: number, height: number): RgbFrame {
    return rgbaToRgb(this.readRgba(frame, width, height), width, height);
  }

  #context(width: number, height: number): OffscreenCanvasRenderingContext2D {
    if (this.#canvas.width !== width || this.#canvas.height !== height) {
      this.#canvas.width = width;
      this.#canvas.height = height;
    }
    if (this.#ctx === null) throw new Error('OffscreenCanvas 2D context is unavailable in this worker');
    this.#ctx.imageSmoothingQuality = 'high';
    return this.#ctx;
  }
}
