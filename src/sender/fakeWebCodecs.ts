/**
 * Test support: just enough of VideoFrame, VideoEncoder, VideoDecoder and OffscreenCanvas for PairSource
 * in Node, with every frame's lifetime tracked. The "codec" is lossless (a decoded frame carries the I420
 * bytes that were encoded) and delivers nothing until the test calls deliver(), so a test decides what
 * is in flight when; `encodeThrows` and `holdCopies` make the browser's rarer paths happen on demand.
 */

interface FrameInit {
  readonly format: string;
  readonly codedWidth: number;
  readonly codedHeight: number;
  readonly timestamp: number;
}

interface Chunk {
  readonly timestamp: number;
  readonly width: number;
  readonly height: number;
  readonly bytes: Uint8Array;
}

export class FakeWebCodecs {
  /** Frames made (by the code under test, by the fake decoder, or by the test) and not closed. */
  readonly open = new Set<object>();
  readonly encoders: { state: string; encoded: number }[] = [];
  readonly decoders: { state: string }[] = [];
  /** encode() throws (as a browser does for a frame it cannot take). */
  encodeThrows = false;
  /** copyTo() of decoded frames waits until releaseCopies() (which ends the hold). */
  holdCopies = false;
  /** isConfigSupported() waits until releaseConfigs() (which ends the hold). */
  holdConfigs = false;
  #heldCopies: (() => void)[] = [];
  #heldConfigs: (() => void)[] = [];
  /** Encoded chunks not yet output (per encoder), then decoded chunks not yet output (per decoder). */
  readonly #encoding = new Map<object, { chunks: Chunk[]; output: (c: Chunk) => void }>();
  readonly #decoding = new Map<object, { chunks: Chunk[]; output: (f: unknown) => void }>();

  #classes: Record<string, unknown> | null = null;

  /** The globals PairSource and CodecRoundTrip use, all backed by this instance. */
  globals(): Record<string, unknown> {
    this.#classes ??= this.#makeClasses();
    return this.#classes;
  }

  #makeClasses(): Record<string, unknown> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the fake classes report to this instance
    const fake = this;
    class VideoFrame {
      readonly format: string | null;
      readonly codedWidth: number;
      readonly codedHeight: number;
      readonly displayWidth: number;
      readonly displayHeight: number;
      readonly timestamp: number;
      readonly bytes: Uint8Array;
      constructor(data: Uint8Array, init: FrameInit) {
        this.format = init.format;
        this.codedWidth = this.displayWidth = init.codedWidth;
        this.codedHeight = this.displayHeight = init.codedHeight;
        this.timestamp = init.timestamp;
        this.bytes = Uint8Array.from(data);
        fake.open.add(this);
      }
      allocationSize(): number {
        return this.bytes.length;
      }
      async copyTo(dest: Uint8Array): Promise<{ offset: number; stride: number }[]> {
        if (!fake.open.has(this)) throw new TypeError('copyTo on a closed frame');
        if (fake.holdCopies) await new Promise<void>((r) => fake.#heldCopies.push(r));
        dest.set(this.bytes);
        const w = this.codedWidth;
        const h = this.codedHeight;
        const cw = Math.ceil(w / 2);
        const ch = Math.ceil(h / 2);
        return [{ offset: 0, stride: w }, { offset: w * h, stride: cw }, { offset: w * h + cw * ch, stride: cw }];
      }
      close(): void {
        fake.open.delete(this);
      }
    }
    const config = async (): Promise<{ supported: boolean }> => {
      if (fake.holdConfigs) await new Promise<void>((r) => fake.#heldConfigs.push(r));
      return { supported: true };
    };
    class VideoEncoder {
      static isConfigSupported = config;
      readonly #record = { state: 'unconfigured', encoded: 0 };
      constructor(init: { output: (c: Chunk) => void }) {
        fake.encoders.push(this.#record);
        fake.#encoding.set(this, { chunks: [], output: init.output });
      }
      get state(): string {
        return this.#record.state;
      }
      get encodeQueueSize(): number {
        return fake.#encoding.get(this)?.chunks.length ?? 0;
      }
      configure(): void {
        this.#record.state = 'configured';
      }
      encode(frame: VideoFrame): void {
        if (fake.encodeThrows) throw new DOMException('cannot encode this frame', 'OperationError');
        if (!fake.open.has(frame)) throw new TypeError('encode of a closed frame');
        this.#record.encoded++;
        fake.#encoding.get(this)?.chunks.push({ timestamp: frame.timestamp, width: frame.codedWidth, height: frame.codedHeight, bytes: Uint8Array.from(frame.bytes) });
      }
      close(): void {
        this.#record.state = 'closed';
        fake.#encoding.delete(this);
      }
    }
    class VideoDecoder {
      static isConfigSupported = config;
      readonly #record = { state: 'unconfigured' };
      constructor(init: { output: (f: unknown) => void }) {
        fake.decoders.push(this.#record);
        fake.#decoding.set(this, { chunks: [], output: init.output });
      }
      get state(): string {
        return this.#record.state;
      }
      configure(): void {
        this.#record.state = 'configured';
      }
      decode(chunk: Chunk): void {
        fake.#decoding.get(this)?.chunks.push(chunk);
      }
      close(): void {
        this.#record.state = 'closed';
        fake.#decoding.delete(this);
      }
    }
    class OffscreenCanvas {
      width: number;
      height: number;
      constructor(width: number, height: number) {
        this.width = width;
        this.height = height;
      }
      getContext(): unknown {
        return {
          imageSmoothingQuality: 'low',
          drawImage: () => undefined,
          getImageData: (_x: number, _y: number, w: number, h: number) => ({ data: Uint8ClampedArray.from({ length: w * h * 4 }, (_, i) => (i * 37) % 251) }),
        };
      }
    }
    return { VideoFrame, VideoEncoder, VideoDecoder, OffscreenCanvas };
  }

  /** A camera frame owned by the test (it closes it, as SenderSession does). */
  cameraFrame(width: number, height: number, timestamp: number): VideoFrame {
    const { VideoFrame } = this.globals() as { VideoFrame: new (d: Uint8Array, i: FrameInit) => VideoFrame };
    return new VideoFrame(new Uint8Array(0), { format: 'RGBX', codedWidth: width, codedHeight: height, timestamp });
  }

  /** Encoder outputs go to their decoders, then decoder outputs (new I420 frames) to their callbacks. */
  deliver(): void {
    for (const { chunks, output } of [...this.#encoding.values()]) for (const c of chunks.splice(0)) output(c);
    const { VideoFrame } = this.globals() as { VideoFrame: new (d: Uint8Array, i: FrameInit) => unknown };
    for (const { chunks, output } of [...this.#decoding.values()]) {
      for (const c of chunks.splice(0)) output(new VideoFrame(c.bytes, { format: 'I420', codedWidth: c.width, codedHeight: c.height, timestamp: c.timestamp }));
    }
  }

  releaseCopies(): void {
    this.holdCopies = false;
    for (const r of this.#heldCopies.splice(0)) r();
  }

  releaseConfigs(): void {
    this.holdConfigs = false;
    for (const r of this.#heldConfigs.splice(0)) r();
  }
}
