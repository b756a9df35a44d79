import { isWorkerToMain, type LeakReport, type MainToWorker, type WorkerToMain } from '../worker/protocol.js';
import { deserializeError, InvalidStateError, SwiftSRError } from './errors.js';
import type { ReceiverEventMap, ReceiverState } from './events.js';
import { FrameFeeder } from './FrameFeeder.js';
import { ModelUpdateLink } from './ModelUpdateLink.js';
import { resolveOptions, type ReceiverOptions, type ResolvedOptions } from './options.js';
import { makeOutput, outputSize, workerConfig } from './receiverWorker.js';
import { resolveVideoTrack, type VideoSource } from './sources.js';
import type { UpdateChannelLike } from './updateChannel.js';
import { assertMinimumSupport, chooseInputPath, chooseOutputPath, detectMainThread, mainThreadMedia, type WorkerSupport } from './support.js';
import { openWorker, WorkerBackedEmitter, WorkerHost } from './workerHost.js';

/**
 * How long dispose() waits for the worker's leak report: longer than one frame on the slowest rung
 * (SwiftShader WebGPU: 15-18 s for a 270p frame), which the worker finishes before it reports.
 */
export const DISPOSE_TIMEOUT_MS = 60_000;

interface PendingAttach {
  readonly sourceId: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Upscales a remote video track in a worker and paints it into a canvas or `outputTrack`.
 * The constructor only validates; the worker, GPU and model start on the first attach().
 */
export class SwiftSRReceiver extends WorkerBackedEmitter<ReceiverEventMap, ReceiverState> {
  readonly options: ResolvedOptions;
  #host: WorkerHost<MainToWorker, WorkerToMain> | null = null;
  #hello: Promise<WorkerSupport> | null = null;
  #outputTrack: MediaStreamTrack | null = null;
  #sourceId = 0;
  #pending: PendingAttach | null = null;
  #feeder: FrameFeeder | null = null;
  #enabled: boolean;
  /** The last ModelLoadError the worker reported; with onModelError 'reject', the one attach() rejects with. */
  #modelError: Error | null = null;
  #modelFailed = false;
  /** Update messages reach the worker once it has its config (before that they would be dropped there). */
  #initSent = false;
  readonly #updates = new ModelUpdateLink({
    post: (data) => {
      if (!this.#initSent) return false;
      this.#post({ type: 'model-update', data }, [data]);
      return true;
    },
    emitUpdate: (e) => this.emit('modelupdate', e),
    emitRevert: (e) => this.emit('modelrevert', e),
    emitError: (e) => this.emit('error', e),
  });

  constructor(options: Partial<ReceiverOptions> = {}) {
    super('idle');
    this.options = resolveOptions(options);
    this.#enabled = this.options.enabled;
  }

  /** The upscaled video when no canvas was given; null until the first attach() starts. */
  get outputTrack(): MediaStreamTrack | null {
    return this.#outputTrack;
  }

  /**
   * Starts upscaling `source`, replacing the current one. Resolves once the first upscaled frame has been
   * painted (by the model, or by the ladder's floor if no GPU can run it). A model that cannot be loaded
   * rejects it with that `ModelLoadError` (and every later attach() of this receiver) unless `onModelError`
   * is 'bicubic'.
   */
  async attach(source: VideoSource, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertAlive('attach');
    const { signal } = options;
    const track = await resolveVideoTrack(source, signal);
    this.assertAlive('attach');
    await this.#start();
    this.assertAlive('attach');
    signal?.throwIfAborted();
    if (this.#modelFailed && this.#modelError !== null) throw this.#modelError;
    this.#stopInput(new DOMException('replaced by a newer attach()', 'AbortError'));
    const sourceId = ++this.#sourceId;
    const firstFrame = new Promise<void>((resolve, reject) => {
      this.#pending = { sourceId, resolve, reject };
    });
    this.setState('loading');
    const support = await this.#helloOrDefault();
    const path = chooseInputPath(detectMainThread(), support);
    if (path === 'processor-main') {
      const Processor = mainThreadMedia().MediaStreamTrackProcessor;
      if (Processor === undefined) throw new SwiftSRError('unsupported', 'MediaStreamTrackProcessor vanished');
      const { readable } = new Processor({ track });
      this.#post({ type: 'attach', sourceId, input: { kind: 'stream', readable } }, [readable]);
    } else if (path === 'processor-worker') {
      this.#post({ type: 'attach', sourceId, input: { kind: 'track', track } }, [track]);
    } else {
      this.#post({ type: 'attach', sourceId, input: { kind: 'bitmaps' } });
      this.#feeder = new FrameFeeder(track, (bitmap, timestampUs) => this.#post({ type: 'frame', sourceId, bitmap, timestampUs }, [bitmap]));
    }
    const onAbort = (): void => {
      if (this.#pending?.sourceId === sourceId) this.detach();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await firstFrame;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stops upscaling the current source; the receiver can attach() again. */
  detach(): void {
    this.assertAlive('detach');
    this.#stopInput(new DOMException('detached', 'AbortError'));
    if (this.#host !== null) this.#post({ type: 'detach' });
    this.setState('idle');
  }

  /** false paints plain bicubic upscaling (for A/B comparison) without unloading the model. */
  setEnabled(enabled: boolean): void {
    this.assertAlive('setEnabled');
    if (typeof enabled !== 'boolean') throw new TypeError('setEnabled(enabled): enabled must be a boolean');
    this.#enabled = enabled;
    if (this.#host !== null) this.#post({ type: 'set-enabled', enabled });
  }

  /**
   * Applies the model updates that arrive on `channel` (an RTCDataChannel labelled UPDATE_CHANNEL_LABEL, or
   * anything with the same message events): binary messages are judged in the worker and, if valid,
   * paint from the next frame ('modelupdate'); text messages are update infos ('modelupdate' carries their
   * gainDb). ArrayBuffer messages are transferred (detached here); views are copied. Refusals are 'error'
   * events with code 'model-update-rejected'. Several channels may be attached; returns a detach function,
   * and dispose() detaches all.
   */
  attachModelUpdates(channel: UpdateChannelLike): () => void {
    this.assertAlive('attachModelUpdates');
    return this.#updates.attach(channel);
  }

  /** Diagnostics for the fallback ladder: destroys the GPU device (or loses the WebGL context). */
  simulateGpuLoss(): void {
    this.assertAlive('simulateGpuLoss');
    if (this.#host !== null) this.#post({ type: 'simulate-gpu-loss' });
  }

  /**
   * Stops everything and frees the worker with every tensor and frame it held. Idempotent. Resolves with
   * what the worker still held at the end (both zero unless something leaked), once the frame in flight is
   * done; -1 in both fields means the worker gave no report within DISPOSE_TIMEOUT_MS (it is terminated
   * anyway, which frees its memory, but what it held is unknown).
   */
  dispose(): Promise<LeakReport> {
    const teardown = (): void => {
      this.#stopInput(new InvalidStateError('the receiver was disposed'));
      this.#updates.dispose();
      this.#outputTrack?.stop();
    };
    return this.disposeOnce(teardown, this.#host, DISPOSE_TIMEOUT_MS);
  }

  /** The worker fell back to bicubic because no model loaded: loud unless the app chose bicubic. */
  #onModelFailed(detail: string): void {
    if (this.options.onModelError !== 'reject') return;
    this.#modelFailed = true;
    this.#modelError ??= new SwiftSRError('model-load-failed', detail);
    if (this.#pending === null) return;
    this.#stopInput(this.#modelError);
    this.#post({ type: 'detach' });
    this.setState('idle');
  }

  #post(message: MainToWorker, transfer: Transferable[] = []): void {
    this.#host?.post(message, transfer);
  }

  #stopInput(reason: unknown): void {
    this.#feeder?.stop();
    this.#feeder = null;
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(reason);
  }

  #helloOrDefault(): Promise<WorkerSupport> {
    return this.#hello ?? Promise.resolve({ trackProcessor: false, trackGenerator: false });
  }

  #start(): Promise<void> {
    return this.startOnce(() => this.#startWorker());
  }

  async #startWorker(): Promise<void> {
    const main = detectMainThread();
    assertMinimumSupport(main);
    const worker = openWorker(this.options.workerUrl, 'swiftsr', () => new Worker(new URL('../worker/sr.worker.js', import.meta.url), { type: 'module', name: 'swiftsr' }));
    const host = new WorkerHost<MainToWorker, WorkerToMain>(worker, {
      label: 'the SwiftSR worker',
      isMessage: isWorkerToMain,
      onMessage: (m) => this.#onMessage(m),
      onFailed: (error) => {
        this.#stopInput(error);
        this.emit('error', error);
      },
    });
    this.#host = host;
    this.#hello = host.hello.then((h) => ({ trackProcessor: h.workerHasTrackProcessor, trackGenerator: h.workerHasTrackGenerator }));
    const support = await this.#hello;
    const size = outputSize(this.options);
    const output = makeOutput(this.options, chooseOutputPath(main, support), size);
    if (output.track !== null) this.#outputTrack = output.track;
    this.#post({ type: 'init', config: workerConfig(this.options, this.#enabled, size), output: output.target }, output.transfer);
    this.#initSent = true;
    this.#updates.flush();
  }

  #onMessage(m: WorkerToMain): void {
    switch (m.type) {
      case 'hello':
        return;
      case 'output-track':
        this.#outputTrack = m.track as unknown as MediaStreamTrack;
        return;
      case 'first-frame':
        if (this.#pending?.sourceId !== m.sourceId) return;
        this.#pending.resolve();
        this.#pending = null;
        this.setState(m.backend === 'webgpu' || !this.#enabled ? 'running' : 'fallback');
        return;
      case 'stats':
        // Refusals the worker never saw (update info text, oversize Blobs) are counted here.
        this.emit('stats', { ...m.stats, updatesRejected: m.stats.updatesRejected + this.#updates.rejected, updateBytesReceived: m.stats.updateBytesReceived + this.#updates.bytes });
        return;
      case 'modelupdate':
      case 'modelrevert':
      case 'update-rejected':
        this.#updates.onWorkerMessage(m);
        return;
      case 'fallback':
        if (m.reason === 'model-load-failed') this.#onModelFailed(m.detail);
        if (m.to !== 'webgpu' && (this.state === 'running' || this.state === 'loading')) this.setState(this.state === 'running' ? 'fallback' : 'loading');
        this.emit('fallback', { from: m.from, to: m.to, reason: m.reason, detail: m.detail });
        return;
      case 'tierchange':
        this.emit('tierchange', { from: m.from, to: m.to, reason: m.reason });
        return;
      case 'scalechange':
        this.emit('scalechange', { from: m.from, to: m.to, inputWidth: m.inputWidth, inputHeight: m.inputHeight, model: m.model });
        return;
      case 'source-ended':
        if (m.sourceId !== this.#sourceId) return;
        this.#stopInput(new SwiftSRError('no-video-track', 'the source track ended before its first frame'));
        this.setState('idle');
        return;
      case 'error': {
        const error = deserializeError(m.error);
        if (m.fatal) this.#stopInput(error);
        if (error.name === 'ModelLoadError') this.#modelError = error;
        this.emit('error', error);
        return;
      }
      case 'disposed':
        return;
    }
  }
}
