/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs-core';
import type { UpdateBase } from '../adapt/updateBase.js';
import { SwiftSRError } from '../sdk/errors.js';
import { serializeError } from '../worker/protocol.js';
import { AdaptLoop } from './AdaptLoop.js';
import { loadBase } from './loadBase.js';
import { PairSource } from './PairSource.js';
import type { PauseReason, ProvisionalSize, SendParameters, SenderFromWorker, SenderLeakReport, SenderState, SenderStats, SenderWorkerConfig, TrainBackend } from './protocol.js';
import { SamplePool } from './SamplePool.js';
import { startTrainBackend } from './trainBackend.js';

/** Crops kept per sampled frame, held-back frames, training frames kept: bounded memory (crops, not frames). */
const CROPS_PER_SAMPLE = 8;
const HELD_BACK = 2;
const POOL_CAPACITY = 24;

type Post = (message: SenderFromWorker, transfer?: Transferable[]) => void;

/** Everything the sender worker does; sender.worker.ts only dispatches messages to it. */
export class SenderSession {
  readonly #config: SenderWorkerConfig;
  readonly #post: Post;
  readonly #abort = new AbortController();
  readonly #ready: Promise<{ base: UpdateBase; loop: AdaptLoop; pool: SamplePool; backend: TrainBackend } | null>;
  #parts: { base: UpdateBase; loop: AdaptLoop; pool: SamplePool; backend: TrainBackend } | null = null;
  #pairs: PairSource | null = null;
  #sourceId = 0;
  #reader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  #params: SendParameters | null = null;
  #provisional: ProvisionalSize | null = null;
  #pausedReason: PauseReason | null = null;
  #announced = -1;
  #openFrames = 0;
  #stopStats: () => void = () => undefined;
  #disposed = false;
  /** Why the model or backend did not load: every later attach() is refused with it. */
  #loadError: unknown = null;

  constructor(config: SenderWorkerConfig, post: Post) {
    this.#config = config;
    this.#post = post;
    this.#ready = this.#load().catch((e: unknown) => {
      this.#loadError = e;
      if (!this.#disposed) this.#post({ type: 'error', error: serializeError(e), fatal: true });
      return null;
    });
    const id = setInterval(() => this.#postStats(), config.statsIntervalMs);
    this.#stopStats = () => clearInterval(id);
  }

  async #load(): Promise<{ base: UpdateBase; loop: AdaptLoop; pool: SamplePool; backend: TrainBackend }> {
    const c = this.#config;
    const { backend } = await startTrainBackend(c.backend);
    const base = await loadBase(c.model, this.#abort.signal);
    const pool = new SamplePool({ scale: base.config.scale, crop: c.crop, candidates: c.cropCandidates, cropsPerSample: Math.max(CROPS_PER_SAMPLE, c.batch), heldBack: HELD_BACK, capacity: POOL_CAPACITY });
    const onError = (e: unknown): void => {
      if (!this.#disposed) this.#post({ type: 'error', error: serializeError(new SwiftSRError('training-failed', `fine-tuning stopped: ${(e as Error).message}`)), fatal: false });
    };
    const loop = await AdaptLoop.create(base, pool, { ...c, onError }, (u) => {
      this.#post({ type: 'update', seq: u.seq, message: u.message.buffer, gainDb: u.gainDb, encoding: u.encoding, variant: u.variant }, [u.message.buffer]);
    });
    if (this.#params !== null) loop.setVideoBitrate(this.#params.bitrateBps);
    if (this.#disposed) {
      await loop.dispose();
      throw new Error('disposed while loading');
    }
    this.#parts = { base, loop, pool, backend };
    return this.#parts;
  }

  /**
   * Reads camera frames from `readable` (replacing any earlier source) once the model is ready; until
   * send parameters arrive, pairs are built at `provisional` (null: camera / scale).
   */
  attach(sourceId: number, readable: ReadableStream<VideoFrame>, provisional: ProvisionalSize | null): void {
    this.#sourceId = sourceId;
    this.#provisional = provisional;
    void this.#reader?.cancel().catch(() => undefined);
    this.#pairs?.close();
    this.#pairs = null;
    const reader = readable.getReader();
    this.#reader = reader;
    void this.#read(sourceId, reader).catch((e: unknown) => {
      // Nothing reads this source any more: stop it rather than leave the camera queueing frames.
      void reader.cancel().catch(() => undefined);
      this.#post({ type: 'error', error: serializeError(e), fatal: false });
    });
  }

  setParams(params: SendParameters): void {
    this.#params = params;
    this.#pairs?.setParams(params);
    this.#parts?.loop.setVideoBitrate(params.bitrateBps);
  }

  /** Applies pause request `id`, then answers 'paused' (after the step in flight when pausing: see the protocol). */
  async pause(reason: PauseReason | null, id: number): Promise<void> {
    this.#pausedReason = reason;
    await this.#parts?.loop.pause(reason !== null || this.#announced !== this.#sourceId);
    if (this.#disposed) return;
    this.#post({ type: 'paused', id });
    this.#postStats();
  }

  async #read(sourceId: number, reader: ReadableStreamDefaultReader<VideoFrame>): Promise<void> {
    const parts = await this.#ready;
    if (sourceId !== this.#sourceId) return;
    if (parts === null) {
      this.#post({ type: 'error', error: serializeError(this.#loadError), fatal: true });
      return;
    }
    const pairs = new PairSource({
      scale: parts.base.config.scale,
      crop: this.#config.crop,
      sampleIntervalMs: this.#config.sampleIntervalMs,
      codec: this.#config.codec,
      onPair: (lr, hr, seed) => this.#onPair(sourceId, lr, hr, seed),
      onGeometry: () => parts.pool.clear(),
      onError: (e) => this.#post({ type: 'error', error: serializeError(e), fatal: false }),
    });
    if (this.#params !== null) pairs.setParams(this.#params);
    else pairs.setProvisional(this.#provisional);
    this.#pairs = pairs;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      this.#openFrames++;
      try {
        if (sourceId !== this.#sourceId || this.#disposed) break;
        if (this.#pausedReason === null) await pairs.push(value, performance.now());
      } finally {
        value.close();
        this.#openFrames--;
      }
    }
    if (sourceId !== this.#sourceId || this.#disposed) return;
    // No camera, no new frames: stop spending the budget on the old ones (a new attach() starts again).
    this.#announced = -1;
    void parts.loop.pause(true);
    this.#post({ type: 'source-ended', sourceId });
  }

  #onPair(sourceId: number, lr: Parameters<SamplePool['add']>[0], hr: Parameters<SamplePool['add']>[1], seed: number): void {
    const parts = this.#parts;
    if (parts === null || sourceId !== this.#sourceId) return;
    parts.pool.add(lr, hr, seed);
    if (this.#announced !== sourceId) {
      this.#announced = sourceId;
      this.#post({ type: 'adapting', sourceId, backend: parts.backend, variant: parts.base.variant });
      void parts.loop.pause(this.#pausedReason !== null);
    }
    parts.loop.poke();
  }

  #state(): SenderState {
    if (this.#disposed) return 'disposed';
    if (this.#parts === null) return 'loading';
    if (this.#pausedReason !== null) return 'paused';
    return this.#announced === this.#sourceId && this.#sourceId > 0 ? 'adapting' : 'idle';
  }

  stats(): SenderStats {
    const p = this.#parts;
    const s = p?.loop.stats();
    const g = this.#pairs?.geometry ?? null;
    return {
      state: this.#state(),
      backend: p?.backend ?? null,
      variant: p?.base.variant ?? '',
      sendWidth: this.#params?.width ?? 0,
      sendHeight: this.#params?.height ?? 0,
      videoBitrateBps: this.#params?.bitrateBps ?? 0,
      trainWidth: g?.lrWidth ?? 0,
      trainHeight: g?.lrHeight ?? 0,
      samples: p?.pool.added ?? 0,
      steps: s?.steps ?? 0,
      trainMsPerSecond: s?.trainMsPerSecond ?? 0,
      validationGainDb: s?.validationGainDb ?? null,
      publishedGainDb: s?.publishedGainDb ?? null,
      generation: s?.generation ?? 0,
      updateBytes: s?.updateBytes ?? 0,
      updateBitrateBps: s?.updateBitrateBps ?? 0,
      pausedReason: this.#pausedReason,
      numTensors: tf.engine().state.numTensors,
    };
  }

  #postStats(): void {
    if (!this.#disposed) this.#post({ type: 'stats', stats: this.stats() });
  }

  /** Stops reading, training and the codec; resolves with what is still held (both 0 unless something leaked). */
  async dispose(): Promise<SenderLeakReport> {
    this.#disposed = true;
    this.#stopStats();
    this.#abort.abort();
    this.#sourceId = -1;
    await this.#reader?.cancel().catch(() => undefined);
    this.#pairs?.close();
    const parts = await this.#ready;
    await parts?.loop.dispose();
    return { numTensors: tf.engine().state.numTensors, openFrames: this.#openFrames + (this.#pairs?.openFrames ?? 0) };
  }
}
