/// <reference lib="webworker" />
import type { SenderCodec } from './protocol.js';

/** WebCodecs names: VP8, VP9 profile 0 8-bit, H.264 constrained baseline 3.1 (what WebRTC negotiates by default). */
const CODEC_STRINGS: Readonly<Record<SenderCodec, string>> = { vp8: 'vp8', vp9: 'vp09.00.10.08', h264: 'avc1.42E01F' };

/**
 * A bitrate change smaller than this share is not passed on: WebRTC's target moves every second, and each
 * reconfiguration may cost the encoder a key frame, which a call would not send.
 */
const RECONFIGURE_SHARE = 0.15;

/** Frames the encoder may hold before new ones are dropped: a real-time encoder never builds a queue. */
const MAX_ENCODE_QUEUE = 2;

export interface RoundTripSize {
  readonly width: number;
  readonly height: number;
  readonly bitrateBps: number;
}

/**
 * The call's degradation, in the worker: every camera frame (scaled to the training LR size) goes through a
 * real-time WebCodecs encoder at the current bitrate and back through a decoder, so the bits per frame,
 * the rate control and the inter prediction match a call's; `onDecoded` gets every decoded frame (the
 * caller closes it). Size or codec changes rebuild both ends; a bitrate change reconfigures the encoder.
 */
export class CodecRoundTrip {
  readonly codec: SenderCodec;
  #encoder: VideoEncoder | null = null;
  #decoder: VideoDecoder | null = null;
  #size: RoundTripSize | null = null;
  #closed = false;
  readonly #onDecoded: (frame: VideoFrame) => void;
  readonly #onError: (error: Error) => void;

  private constructor(codec: SenderCodec, onDecoded: (frame: VideoFrame) => void, onError: (error: Error) => void) {
    this.codec = codec;
    this.#onDecoded = onDecoded;
    this.#onError = onError;
  }

  /** Null (with the reason) when this browser cannot encode and decode `codec` at that size. */
  static async create(codec: SenderCodec, size: RoundTripSize, onDecoded: (frame: VideoFrame) => void, onError: (error: Error) => void): Promise<CodecRoundTrip | string> {
    if (typeof VideoEncoder === 'undefined' || typeof VideoDecoder === 'undefined') return 'WebCodecs (VideoEncoder/VideoDecoder) is missing in this worker';
    const rt = new CodecRoundTrip(codec, onDecoded, onError);
    const why = await rt.resize(size);
    if (why !== null) {
      rt.close();
      return why;
    }
    return rt;
  }

  /** Applies a new size or bitrate; a reason string when the encoder refuses it. */
  async resize(size: RoundTripSize): Promise<string | null> {
    const old = this.#size;
    if (old !== null && old.width === size.width && old.height === size.height) {
      if (Math.abs(old.bitrateBps - size.bitrateBps) > RECONFIGURE_SHARE * old.bitrateBps && this.#encoder?.state === 'configured') {
        this.#encoder.configure(this.#encoderConfig(size));
        this.#size = size;
      }
      return null;
    }
    const config = this.#encoderConfig(size);
    const support = await VideoEncoder.isConfigSupported(config);
    if (support.supported !== true) return `${this.codec} encoding at ${size.width}x${size.height} is not supported here`;
    const dec = await VideoDecoder.isConfigSupported({ codec: CODEC_STRINGS[this.codec] });
    if (dec.supported !== true) return `${this.codec} decoding is not supported here`;
    // close() ran while the browser answered: coders made now would never be closed.
    if (this.#closed) return 'the codec round trip was closed';
    this.#closeCoders();
    const decoder = new VideoDecoder({ output: (f) => this.#onDecoded(f), error: (e) => this.#onError(e) });
    decoder.configure({ codec: CODEC_STRINGS[this.codec], optimizeForLatency: true });
    const encoder = new VideoEncoder({
      output: (chunk) => {
        if (decoder.state !== 'configured') return;
        try {
          decoder.decode(chunk);
        } catch (e) {
          this.#onError(e as Error);
        }
      },
      error: (e) => this.#onError(e),
    });
    encoder.configure(config);
    this.#encoder = encoder;
    this.#decoder = decoder;
    this.#size = size;
    return null;
  }

  /** Encodes `frame` (at the configured size; the caller keeps ownership). False when dropped: the encoder is behind. */
  encode(frame: VideoFrame): boolean {
    const encoder = this.#encoder;
    if (encoder === null || encoder.state !== 'configured' || encoder.encodeQueueSize >= MAX_ENCODE_QUEUE) return false;
    encoder.encode(frame);
    return true;
  }

  close(): void {
    this.#closed = true;
    this.#closeCoders();
    this.#size = null;
  }

  #encoderConfig(size: RoundTripSize): VideoEncoderConfig {
    return {
      codec: CODEC_STRINGS[this.codec],
      width: size.width,
      height: size.height,
      bitrate: Math.max(10_000, Math.round(size.bitrateBps)),
      framerate: 30,
      latencyMode: 'realtime',
      ...(this.codec === 'h264' ? { avc: { format: 'annexb' as const } } : {}),
    };
  }

  #closeCoders(): void {
    for (const c of [this.#encoder, this.#decoder]) {
      if (c !== null && c.state !== 'closed') c.close();
    }
    this.#encoder = null;
    this.#decoder = null;
  }
}
