/// <reference lib="webworker" />
import { sendPair, type RgbFrame } from '../adapt/trainingPairs.js';
import { SwiftSRError } from '../sdk/errors.js';
import { CodecRoundTrip } from './CodecRoundTrip.js';
import type { ProvisionalSize, SendParameters, SenderCodec } from './protocol.js';
import { provisionalSendSize, rgbaToRgb, trainGeometry, type TrainGeometry } from './trainGeometry.js';
import { rgbToI420, yuvToRgb } from './yuv.js';

export interface PairSourceOptions {
  readonly scale: number;
  readonly crop: number;
  readonly sampleIntervalMs: number;
  readonly codec: SenderCodec | null;
  /** A training pair: LR as the receiver gets it (decoded when a codec is set), HR its target. */
  onPair(lr: RgbFrame, hr: RgbFrame, seed: number): void;
  /** The training LR size (or whether the codec degrades it) changed: pairs made before teach the wrong degradation. */
  onGeometry(geometry: TrainGeometry): void;
  /** Non-fatal trouble (codec missing or failing: pairs continue with a clean LR). */
  onError(error: Error): void;
}

/** Decoded frames whose HR is waiting: a real-time encoder has at most a couple in flight. */
const MAX_PENDING = 8;

/** What WebRTC receivers assume of VP8/VP9/H.264 frames (see yuv.ts). */
const BT601: VideoColorSpaceInit = { matrix: 'smpte170m', primaries: 'smpte170m', transfer: 'smpte170m', fullRange: false };

/** An encoder input frame from RGB, converted here with the receivers' matrix. */
function i420Frame(rgb: RgbFrame, timestamp: number): VideoFrame {
  const yuv = rgbToI420(rgb);
  return new VideoFrame(yuv.data, { format: 'I420', codedWidth: yuv.width, codedHeight: yuv.height, timestamp, colorSpace: BT601 });
}

/** A decoded frame's pixels with the receivers' matrix (I420/NV12), or as the 2D canvas draws any other format. */
async function decodedRgb(frame: VideoFrame, pixels: PixelReader, width: number, height: number): Promise<RgbFrame> {
  const format = frame.format;
  if (format !== 'I420' && format !== 'NV12') return pixels.read(frame, width, height);
  const bytes = new Uint8Array(frame.allocationSize());
  const layout = await frame.copyTo(bytes);
  return yuvToRgb(bytes, format, layout, width, height);
}

/** Draws frames into a reusable canvas and reads RGBA back (the 2D canvas applies the YUV matrix as a `<video>` does). */
class PixelReader {
  #canvas = new OffscreenCanvas(1, 1);
  #ctx = this.#canvas.getContext('2d', { willReadFrequently: true });

  read(frame: VideoFrame | OffscreenCanvas, width: number, height: number): RgbFrame {
    const ctx = this.#context(width, height);
    ctx.drawImage(frame, 0, 0, width, height);
    return rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height);
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

/**
 * Camera frames in, training pairs out, one every sampleIntervalMs: HR = the frame area-downscaled to
 * LR × scale, LR = its area downscale to the training size (trainGeometry), and with a codec every frame
 * (not only the sampled ones) runs through the encoder at that size and bitrate, the sampled ones as their
 * exact area LR, their HR kept until the decoder gives their LR back.
 */
export class PairSource {
  readonly #o: PairSourceOptions;
  readonly #pixels = new PixelReader();
  #params: SendParameters | null = null;
  /** Until #params: the send size to train at; null: camera / scale. */
  #provisional: ProvisionalSize | null = null;
  #geometry: TrainGeometry | null = null;
  /** Whether the pairs of #geometry went through the codec. */
  #coded = false;
  #codec: CodecRoundTrip | null = null;
  /** Set once the codec cannot run: pairs go on with a clean LR. */
  #codecFailed: boolean;
  readonly #pending = new Map<number, { hr: RgbFrame; seed: number }>();
  #lastSample = Number.NEGATIVE_INFINITY;
  #seed = 0;
  #tooSmallReported = false;

  constructor(options: PairSourceOptions) {
    this.#o = options;
    this.#codecFailed = options.codec === null;
  }

  get geometry(): TrainGeometry | null {
    return this.#geometry;
  }

  setParams(params: SendParameters): void {
    this.#params = params;
  }

  /** The send size to assume until setParams() (null: camera / scale); pairs then skip the codec (no bitrate). */
  setProvisional(size: ProvisionalSize | null): void {
    this.#provisional = size;
  }

  /** Handles one camera frame; the caller closes it afterwards. */
  async push(frame: VideoFrame, nowMs: number): Promise<void> {
    const params = this.#params;
    const camera = { width: frame.displayWidth, height: frame.displayHeight };
    const send = params ?? provisionalSendSize(camera, this.#provisional, this.#o.scale);
    const g = trainGeometry(camera, send, this.#o.scale, this.#o.crop);
    if (g === null) {
      if (!this.#tooSmallReported) this.#o.onError(new SwiftSRError('send-size-too-small', `send size ${send.width}x${send.height} (camera ${camera.width}x${camera.height}) leaves less than one ${this.#o.crop}-pixel crop to train on`));
      this.#tooSmallReported = true;
      return;
    }
    // The codec needs the bitrate: provisional pairs are clean, and the first coded ones start a new pool.
    const coded = params !== null && !this.#codecFailed && this.#o.codec !== null;
    if (this.#geometry === null || g.lrWidth !== this.#geometry.lrWidth || g.lrHeight !== this.#geometry.lrHeight || coded !== this.#coded) {
      this.#geometry = g;
      this.#coded = coded;
      this.#pending.clear();
      this.#o.onGeometry(g);
    }
    // Bits per pixel of the real send size, when training runs at another size (fromCamera).
    const codec = params === null ? null : await this.#codecAt({ width: g.lrWidth, height: g.lrHeight, bitrateBps: (params.bitrateBps * g.lrWidth * g.lrHeight) / (params.width * params.height) });
    const due = nowMs - this.#lastSample >= this.#o.sampleIntervalMs;
    if (!due) {
      // Every frame feeds the encoder (realistic bits per frame); these need not be exact, so the canvas scales them.
      if (codec !== null) {
        const input = i420Frame(this.#pixels.read(frame, g.lrWidth, g.lrHeight), frame.timestamp);
        codec.encode(input);
        input.close();
      }
      return;
    }
    const { lr, hr } = sendPair(this.#pixels.read(frame, camera.width, camera.height), { scale: this.#o.scale, sendWidth: g.lrWidth, sendHeight: g.lrHeight });
    const seed = ++this.#seed;
    if (codec === null) {
      this.#lastSample = nowMs;
      this.#o.onPair(lr, hr, seed);
      return;
    }
    const exact = i420Frame(lr, frame.timestamp);
    if (codec.encode(exact)) {
      this.#lastSample = nowMs;
      this.#pending.set(frame.timestamp, { hr, seed });
      if (this.#pending.size > MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value as number);
    }
    exact.close();
  }

  close(): void {
    this.#codec?.close();
    this.#codec = null;
    this.#pending.clear();
  }

  async #codecAt(size: { width: number; height: number; bitrateBps: number }): Promise<CodecRoundTrip | null> {
    if (this.#codecFailed || this.#o.codec === null) return null;
    if (this.#codec === null) {
      const made = await CodecRoundTrip.create(this.#o.codec, size, (f) => this.#onDecoded(f), (e) => this.#fail(e.message));
      if (typeof made === 'string') {
        this.#fail(made);
        return null;
      }
      this.#codec = made;
      return made;
    }
    const why = await this.#codec.resize(size);
    if (why !== null) this.#fail(why);
    return this.#codec;
  }

  #fail(why: string): void {
    if (this.#codecFailed) return;
    this.#codecFailed = true;
    this.#codec?.close();
    this.#codec = null;
    this.#pending.clear();
    this.#o.onError(new SwiftSRError('codec-unavailable', `codec round trip off, training on clean LR: ${why}`));
  }

  #onDecoded(frame: VideoFrame): void {
    const waiting = this.#pending.get(frame.timestamp);
    const g = this.#geometry;
    if (waiting === undefined || g === null || frame.displayWidth !== g.lrWidth || frame.displayHeight !== g.lrHeight) {
      frame.close();
      return;
    }
    this.#pending.delete(frame.timestamp);
    void decodedRgb(frame, this.#pixels, g.lrWidth, g.lrHeight)
      .then((lr) => this.#o.onPair(lr, waiting.hr, waiting.seed))
      .catch((e: unknown) => this.#o.onError(e as Error))
      .finally(() => frame.close());
  }
}
