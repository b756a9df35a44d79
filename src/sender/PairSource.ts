/// <reference lib="webworker" />
import type { RgbFrame } from '../adapt/trainingPairs.js';
import { SwiftSRError } from '../sdk/errors.js';
import { cameraPair } from './cameraPair.js';
import { CodecRoundTrip } from './CodecRoundTrip.js';
import { PixelReader } from './PixelReader.js';
import type { ProvisionalSize, SendParameters, SenderCodec } from './protocol.js';
import { provisionalSendSize, trainGeometry, type TrainGeometry } from './trainGeometry.js';
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

/**
 * Camera frames in, training pairs out, one every sampleIntervalMs: HR = the frame area-downscaled to
 * LR × scale, LR = its area downscale to the training size (trainGeometry), and with a codec every frame
 * (not only the sampled ones) runs through the encoder at that size and bitrate, the sampled ones as their
 * exact area LR, their HR kept until the decoder gives their LR back. Every VideoFrame it makes or the
 * decoder hands it is closed on every path (dropped, refused, failed, or still being read at close()):
 * `openFrames` counts the ones it holds.
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
  /** Decoded frames whose pixels are being read: close() closes them at once. */
  readonly #reading = new Set<VideoFrame>();
  #lastSample = Number.NEGATIVE_INFINITY;
  #seed = 0;
  #tooSmallReported = false;
  #closed = false;

  constructor(options: PairSourceOptions) {
    this.#o = options;
    this.#codecFailed = options.codec === null;
  }

  get geometry(): TrainGeometry | null {
    return this.#geometry;
  }

  /** VideoFrames made or received here and not closed yet (0 when idle or closed). */
  get openFrames(): number {
    return this.#reading.size;
  }

  setParams(params: SendParameters): void {
    this.#params = params;
  }

  /** The send size to assume until setParams() (null: camera / scale); pairs then skip the codec (no bitrate). */
  setProvisional(size: ProvisionalSize | null): void {
    this.#provisional = size;
  }

  /** Handles one camera frame; the caller closes it afterwards. Nothing once closed. */
  async push(frame: VideoFrame, nowMs: number): Promise<void> {
    if (this.#closed) return;
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
    if (this.#closed) return;
    const due = nowMs - this.#lastSample >= this.#o.sampleIntervalMs;
    if (!due) {
      // Every frame feeds the encoder (realistic bits per frame); these need not be exact, so the canvas scales them.
      if (codec !== null) this.#encode(codec, this.#pixels.read(frame, g.lrWidth, g.lrHeight), frame.timestamp);
      return;
    }
    const { lr, hr } = cameraPair(this.#pixels.readRgba(frame, camera.width, camera.height), camera.width, camera.height, { scale: this.#o.scale, sendWidth: g.lrWidth, sendHeight: g.lrHeight });
    const seed = ++this.#seed;
    if (codec === null) {
      this.#lastSample = nowMs;
      this.#o.onPair(lr, hr, seed);
      return;
    }
    if (this.#encode(codec, lr, frame.timestamp)) {
      this.#lastSample = nowMs;
      this.#pending.set(frame.timestamp, { hr, seed });
      if (this.#pending.size > MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value as number);
    }
  }

  /** Stops the codec and closes every frame still held; later pushes and decoder outputs are dropped. */
  close(): void {
    this.#closed = true;
    this.#codec?.close();
    this.#codec = null;
    this.#pending.clear();
    for (const f of this.#reading) f.close();
    this.#reading.clear();
  }

  /** Encodes `rgb` as an I420 frame (closed here whatever encode() does); false when the encoder dropped it. */
  #encode(codec: CodecRoundTrip, rgb: RgbFrame, timestamp: number): boolean {
    const input = i420Frame(rgb, timestamp);
    try {
      return codec.encode(input);
    } finally {
      input.close();
    }
  }

  async #codecAt(size: { width: number; height: number; bitrateBps: number }): Promise<CodecRoundTrip | null> {
    if (this.#codecFailed || this.#o.codec === null) return null;
    if (this.#codec === null) {
      const made = await CodecRoundTrip.create(this.#o.codec, size, (f) => this.#onDecoded(f), (e) => this.#fail(e.message));
      if (typeof made === 'string') {
        this.#fail(made);
        return null;
      }
      // Closed (or failed) while the browser was asked about the config: these coders are nobody's.
      if (this.#closed || this.#codecFailed) {
        made.close();
        return null;
      }
      this.#codec = made;
      return made;
    }
    const codec = this.#codec;
    const why = await codec.resize(size);
    if (why !== null) this.#fail(why);
    return this.#codec === codec ? codec : null;
  }

  #fail(why: string): void {
    if (this.#codecFailed || this.#closed) return;
    this.#codecFailed = true;
    this.#codec?.close();
    this.#codec = null;
    this.#pending.clear();
    this.#o.onError(new SwiftSRError('codec-unavailable', `codec round trip off, training on clean LR: ${why}`));
  }

  #onDecoded(frame: VideoFrame): void {
    const waiting = this.#pending.get(frame.timestamp);
    const g = this.#geometry;
    if (this.#closed || waiting === undefined || g === null || frame.displayWidth !== g.lrWidth || frame.displayHeight !== g.lrHeight) {
      frame.close();
      return;
    }
    this.#pending.delete(frame.timestamp);
    this.#reading.add(frame);
    void decodedRgb(frame, this.#pixels, g.lrWidth, g.lrHeight)
      .then((lr) => {
        if (!this.#closed) this.#o.onPair(lr, waiting.hr, waiting.seed);
      })
      .catch((e: unknown) => {
        if (!this.#closed) this.#o.onError(e as Error);
      })
      .finally(() => {
        this.#reading.delete(frame);
        frame.close();
      });
  }
}
