import { isSenderFromWorker, SENDER_PROTOCOL_VERSION, type PauseReason, type ProvisionalSize, type SendParameters, type SenderFromWorker, type SenderLeakReport, type SenderState, type SenderStats, type SenderToWorker, type SenderWorkerConfig } from '../sender/protocol.js';
import { deserializeError, InvalidStateError, SwiftSRError } from './errors.js';
import { packageModelUrls } from './packageModels.js';
import type { SenderEventMap } from './senderEvents.js';
import { checkSendParameters, resolveSenderOptions, type ResolvedSenderOptions, type SenderOptions } from './senderOptions.js';
import { PauseRequests } from './senderPause.js';
import { provisionalFromRtpSender, watchRtpSender } from './sendStats.js';
import { detectMainThread, mainThreadMedia } from './support.js';
import { encodeUpdateInfo, type UpdateChannelLike } from './updateChannel.js';
import { UpdateFanout } from './UpdateFanout.js';
import { openWorker, WorkerBackedEmitter, WorkerHost } from './workerHost.js';

/** How long dispose() waits for the worker's leak report (a fine-tuning step on SwiftShader takes seconds). */
export const SENDER_DISPOSE_TIMEOUT_MS = 60_000;
/** How often an RTCRtpSender's stats are read for the send size, bitrate and CPU limitation. */
export const SEND_STATS_INTERVAL_MS = 1000;

interface PendingAttach {
  readonly sourceId: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Fine-tunes the receivers' model on the local camera while the call runs and streams the weights: a
 * worker builds training pairs exactly as the call degrades the frames, trains within a compute budget,
 * and publishes an update when held-back frames improve and the byte budget allows; every channel given
 * to addChannel() gets it. The constructor only validates; the worker starts on the first attach().
 */
export class SwiftSRSender extends WorkerBackedEmitter<SenderEventMap, SenderState> {
  readonly options: ResolvedSenderOptions;
  #host: WorkerHost<SenderToWorker, SenderFromWorker> | null = null;
  #sourceId = 0;
  #pending: PendingAttach | null = null;
  #track: MediaStreamTrack | null = null;
  #params: SendParameters | null = null;
  #unwatchRtp: (() => void) | null = null;
  #appPaused = false;
  #hidden = false;
  #cpuLimited = false;
  #reason: PauseReason | null = null;
  readonly #pauses = new PauseRequests();
  /** Set once 'init' is posted: pause requests before it are sent with it. */
  #initialised = false;
  #stats: SenderStats | null = null;
  readonly #fanout = new UpdateFanout();
  readonly #onVisibility = (): void => {
    this.#hidden = document.visibilityState === 'hidden';
    this.#updatePause();
  };

  constructor(options: Partial<SenderOptions> = {}) {
    super('idle');
    this.options = resolveSenderOptions(options);
  }

  /** The last stats the worker sent; null before the first. */
  get stats(): SenderStats | null {
    return this.#stats;
  }

  /**
   * Starts adapting on `track` (the local camera, the track the RTCRtpSender sends; a clone is read, the
   * track itself is untouched), replacing any earlier one. The send size and bitrate come from
   * `rtpSender`'s stats, or from setSendParameters() (called before or after). Until they are known,
   * training runs at a provisional send size (the track's size over rtpSender's scaleResolutionDownBy;
   * without an rtpSender, the camera over the model's scale) and nothing is published (the byte cap needs
   * the bitrate); a real send size that differs drops the provisional samples. Resolves once the model is
   * loaded, the backend up and the first training pair built.
   */
  async attach(track: MediaStreamTrack, options: { rtpSender?: RTCRtpSender; signal?: AbortSignal } = {}): Promise<void> {
    this.assertAlive('attach');
    if (typeof track !== 'object' || track === null || track.kind !== 'video') throw new TypeError('attach(track): track must be a video MediaStreamTrack');
    const { rtpSender, signal } = options;
    signal?.throwIfAborted();
    const provisional: ProvisionalSize | null = rtpSender === undefined ? null : provisionalFromRtpSender(rtpSender, track.getSettings());
    const workerHasProcessor = await this.#start();
    this.assertAlive('attach');
    this.#stopSource(new DOMException('replaced by a newer attach()', 'AbortError'));
    const sourceId = ++this.#sourceId;
    const clone = track.clone();
    this.#track = clone;
    const Processor = mainThreadMedia().MediaStreamTrackProcessor;
    if (Processor !== undefined) {
      const { readable } = new Processor({ track: clone });
      this.#post({ type: 'attach', sourceId, input: { kind: 'stream', readable }, provisional }, [readable]);
    } else if (workerHasProcessor) {
      this.#post({ type: 'attach', sourceId, input: { kind: 'track', track: clone }, provisional }, [clone]);
    } else {
      clone.stop();
      throw new SwiftSRError('unsupported', 'the sender needs MediaStreamTrackProcessor (on the main thread or in workers)');
    }
    if (rtpSender !== undefined) this.#pollRtpSender(rtpSender);
    this.setState('loading');
    const adapting = new Promise<void>((resolve, reject) => {
      this.#pending = { sourceId, resolve, reject };
    });
    const onAbort = (): void => this.#stopSource(signal?.reason ?? new DOMException('aborted', 'AbortError'));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await adapting;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** What the encoder sends now, when there is no RTCRtpSender to read (or to override its stats). */
  setSendParameters(params: SendParameters): void {
    this.assertAlive('setSendParameters');
    this.#applyParams(checkSendParameters(params));
  }

  /** Sends the latest update at once when `channel` is open, then every new one; returns a remove function. */
  addChannel(channel: UpdateChannelLike): () => void {
    this.assertAlive('addChannel');
    return this.#fanout.add(channel);
  }

  /**
   * Stops training, sampling and publishing until resume(). Resolves once the worker confirms it: the
   * step in flight has ended (an update it made was emitted and sent before this resolves) and nothing
   * more is published until resume(); `state` turns 'paused' at that moment. At once when not started.
   */
  pause(): Promise<void> {
    this.assertAlive('pause');
    this.#appPaused = true;
    this.#updatePause();
    return this.#pauses.settled();
  }

  resume(): void {
    this.assertAlive('resume');
    this.#appPaused = false;
    this.#updatePause();
  }

  /** Stops everything; resolves with what the worker still held (0/0), or -1/-1 when it gave no report in time. */
  dispose(): Promise<SenderLeakReport> {
    const teardown = (): void => {
      this.#pauses.release();
      this.#stopSource(new InvalidStateError('the sender was disposed'));
      this.#fanout.close();
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.#onVisibility);
    };
    return this.disposeOnce(teardown, this.#host, SENDER_DISPOSE_TIMEOUT_MS);
  }

  #post(message: SenderToWorker, transfer: Transferable[] = []): void {
    this.#host?.post(message, transfer);
  }

  #applyParams(params: SendParameters): void {
    this.#params = params;
    this.#fanout.setRate((this.options.maxUpdateShare * params.bitrateBps) / 8);
    // Before 'init' the worker has no session: #startWorker sends them right after it.
    if (this.#initialised) this.#post({ type: 'send-parameters', params });
  }

  /** Sends a pause request when the reason changed; the state follows the worker's 'paused' answer. */
  #updatePause(): void {
    const reason: PauseReason | null = this.#appPaused ? 'app' : this.#hidden ? 'hidden' : this.#cpuLimited ? 'cpu-limited' : null;
    if (reason === this.#reason || !this.#initialised) return;
    this.#reason = reason;
    this.#post({ type: 'pause', reason, id: this.#pauses.next() });
  }

  #pollRtpSender(rtpSender: RTCRtpSender): void {
    this.#unwatchRtp?.();
    this.#unwatchRtp = watchRtpSender(rtpSender, SEND_STATS_INTERVAL_MS, {
      params: (p) => this.#applyParams(p),
      cpuLimited: (limited) => {
        this.#cpuLimited = limited;
        this.#updatePause();
      },
      error: (e) => this.emit('error', e),
    });
  }

  #stopSource(reason: unknown): void {
    this.#unwatchRtp?.();
    this.#unwatchRtp = null;
    this.#track?.stop();
    this.#track = null;
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(reason);
  }

  #start(): Promise<boolean> {
    return this.startOnce(() => this.#startWorker());
  }

  async #startWorker(): Promise<boolean> {
    const main = detectMainThread();
    if (!main.worker) throw new SwiftSRError('unsupported', 'the sender needs Worker');
    const worker = openWorker(this.options.workerUrl, 'swiftsr-sender', () => new Worker(new URL('../sender/sender.worker.js', import.meta.url), { type: 'module', name: 'swiftsr-sender' }));
    const host = new WorkerHost<SenderToWorker, SenderFromWorker>(worker, {
      label: 'the SwiftSR sender worker',
      isMessage: isSenderFromWorker,
      onMessage: (m) => this.#onMessage(m),
      onFailed: (error) => {
        // A dead worker publishes nothing more: pause() callers need not wait.
        this.#pauses.release();
        this.#stopSource(error);
        this.emit('error', error);
      },
    });
    this.#host = host;
    const { workerHasTrackProcessor: workerHasProcessor } = await host.hello;
    this.#post({ type: 'init', config: this.#workerConfig() });
    this.#initialised = true;
    if (this.#params !== null) this.#post({ type: 'send-parameters', params: this.#params });
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#hidden = document.visibilityState === 'hidden';
    this.#reason = null;
    this.#updatePause();
    return workerHasProcessor;
  }

  #workerConfig(): SenderWorkerConfig {
    const o = this.options;
    const base = new URL(o.modelBaseUrl, document.baseURI).href;
    return {
      protocolVersion: SENDER_PROTOCOL_VERSION,
      fileUrls: packageModelUrls(base),
      model: o.modelUrl !== null ? { kind: 'single', url: new URL(o.modelUrl, document.baseURI).href } : { kind: 'index', base, name: o.model },
      backend: o.backend,
      budgetMsPerSecond: o.budgetMsPerSecond,
      crop: o.crop,
      batch: o.batch,
      cropCandidates: o.cropCandidates,
      learningRate: o.learningRate,
      sampleIntervalMs: o.sampleIntervalMs,
      codec: o.codec,
      encoding: o.encoding,
      maxUpdateShare: o.maxUpdateShare,
      minGainDb: o.minGainDb,
      statsIntervalMs: o.statsIntervalMs,
    };
  }

  #onMessage(m: SenderFromWorker): void {
    switch (m.type) {
      case 'hello':
        return;
      case 'adapting':
        if (this.#pending?.sourceId !== m.sourceId) return;
        this.#pending.resolve();
        this.#pending = null;
        this.setState(this.#reason === null ? 'adapting' : 'paused');
        return;
      case 'update': {
        const info = encodeUpdateInfo({ seq: m.seq, gainDb: m.gainDb, variant: m.variant });
        this.#fanout.publish({ seq: m.seq, message: m.message, info });
        this.emit('update', { seq: m.seq, bytes: m.message.byteLength, gainDb: m.gainDb, encoding: m.encoding, variant: m.variant });
        return;
      }
      case 'paused':
        if (this.#pauses.confirm(m.id) && (this.state === 'adapting' || this.state === 'paused')) this.setState(this.#reason === null ? 'adapting' : 'paused');
        return;
      case 'stats':
        this.#stats = { ...m.stats, state: this.state, pausedReason: this.#reason };
        this.emit('stats', this.#stats);
        return;
      case 'source-ended':
        if (m.sourceId !== this.#sourceId) return;
        this.#stopSource(new SwiftSRError('no-video-track', 'the camera track ended'));
        this.setState('idle');
        return;
      case 'error': {
        const error = deserializeError(m.error);
        if (m.fatal) {
          this.#stopSource(error);
          this.setState('idle');
        }
        this.emit('error', error);
        return;
      }
      case 'disposed':
        return;
    }
  }
}
