import { FallbackLadder, type Failure } from './FallbackLadder.js';
import { FrameLedger, FramePipeline, type FrameLike, type TrackedFrame } from './FramePipeline.js';
import { serializeError, type BackendKind, type LeakReport, type ReceiverStats, type WorkerConfig, type WorkerToMain } from './protocol.js';
import { BackendUnavailableError, type FrameSink, type ModelRenderer, type PlainRenderer, type Platform, type RenderResult } from './renderers.js';
import { StatsAggregator } from './StatsAggregator.js';
import { TierController } from './TierController.js';

const DEFAULT_BUDGET_MS = 1000 / 30;

/**
 * Everything the worker does, minus the browser: frames in, latest-frame pipeline, the rung of the fallback
 * ladder that renders, adaptive tiering, stats, and a paint on every frame. While a rung is being brought
 * up (or after it failed mid-frame) the plain renderer paints, so the output never goes black or stalls.
 */
export class WorkerSession<F extends FrameLike, S> {
  readonly #ledger = new FrameLedger();
  readonly #stats = new StatsAggregator();
  readonly #pipeline: FramePipeline<TrackedFrame<F>>;
  readonly #ladder: FallbackLadder;
  readonly #tiers: TierController;
  readonly #abort = new AbortController();
  #plain: PlainRenderer<F, S> | null = null;
  #renderer: ModelRenderer<F, S> | null = null;
  #bringUp: Promise<void> = Promise.resolve();
  #tierSwitch: Promise<void> = Promise.resolve();
  #enabled: boolean;
  #sourceId = -1;
  #firstFrameSent = true;
  #reader: ReadableStreamDefaultReader<F> | null = null;
  #stopStats: (() => void) | null = null;
  #disposed = false;

  constructor(
    private readonly config: WorkerConfig,
    private readonly platform: Platform<F, S>,
    private readonly sink: FrameSink<S>,
    private readonly post: (message: WorkerToMain) => void,
  ) {
    this.#enabled = config.enabled;
    this.#ladder = new FallbackLadder(config.backend === 'auto' ? 'webgpu' : config.backend);
    this.#tiers = new TierController({ count: config.models.length, initial: config.initialTier });
    this.#pipeline = new FramePipeline((f) => this.#process(f), (e) => this.#reportError(e));
  }

  get backend(): BackendKind {
    return this.#renderer !== null && this.#enabled ? this.#renderer.kind : 'bicubic';
  }

  get tierName(): string {
    return this.config.models[this.#tiers.tier]?.variant ?? 'none';
  }

  /** Resolves when the current bring-up (initial, or after a fallback) has settled. */
  whenSettled(): Promise<void> {
    return this.#bringUp.then(() => this.#tierSwitch);
  }

  whenIdle(): Promise<void> {
    return this.#pipeline.whenIdle();
  }

  start(): void {
    this.#plain = this.platform.createPlainRenderer();
    this.#stopStats = this.platform.setInterval(() => this.post({ type: 'stats', stats: this.stats() }), this.config.statsIntervalMs);
    this.#bringUp = this.#bringUpLadder();
  }

  attachStream(sourceId: number, readable: ReadableStream<F>): void {
    this.#beginSource(sourceId);
    const reader = readable.getReader();
    this.#reader = reader;
    void (async () => {
      for (;;) {
        let result: ReadableStreamReadResult<F>;
        try {
          result = await reader.read();
        } catch {
          break;
        }
        if (result.done) break;
        this.pushFrame(sourceId, result.value);
      }
      if (this.#reader === reader && !this.#disposed) {
        this.#reader = null;
        this.post({ type: 'source-ended', sourceId });
      }
    })();
  }

  /** Starts a source fed by pushFrame() (the requestVideoFrameCallback path). */
  attachPushed(sourceId: number): void {
    this.#beginSource(sourceId);
  }

  pushFrame(sourceId: number, frame: F): void {
    if (sourceId !== this.#sourceId || this.#disposed) {
      frame.close();
      return;
    }
    const now = this.platform.now();
    this.#stats.frameIn(now, frame.displayWidth, frame.displayHeight);
    this.#pipeline.push(this.#ledger.adopt(frame, now));
  }

  detach(): void {
    this.#sourceId = -1;
    const reader = this.#reader;
    this.#reader = null;
    if (reader !== null) void reader.cancel().catch(() => undefined);
  }

  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
  }

  simulateGpuLoss(): void {
    this.#renderer?.simulateLoss();
  }

  stats(): ReceiverStats {
    const now = this.platform.now();
    const r = this.#renderer;
    return {
      ...this.#stats.snapshot(now),
      outputWidth: this.config.outputWidth,
      outputHeight: this.config.outputHeight,
      framesDropped: this.#pipeline.dropped,
      backend: this.backend,
      tier: this.tierName,
      adapter: r?.adapter ?? 'none',
      timing: r?.timing ?? 'wall',
      f16: r?.f16 ?? false,
      enabled: this.#enabled,
      readbacks: this.platform.readbacks(),
      numTensors: this.platform.numTensors(),
      openFrames: this.#ledger.open,
    };
  }

  async dispose(): Promise<LeakReport> {
    if (!this.#disposed) {
      this.#disposed = true;
      this.detach();
      this.#abort.abort();
      this.#stopStats?.();
      await this.#pipeline.close();
      await this.#bringUp.catch(() => undefined);
      await this.#tierSwitch.catch(() => undefined);
      this.#renderer?.dispose();
      this.#renderer = null;
      this.#plain?.dispose();
      this.#plain = null;
      this.sink.dispose();
    }
    return { numTensors: this.platform.numTensors(), openFrames: this.#ledger.open };
  }

  #beginSource(sourceId: number): void {
    this.detach();
    this.#sourceId = sourceId;
    this.#firstFrameSent = false;
  }

  async #process(t: TrackedFrame<F>): Promise<void> {
    const renderer = this.#enabled ? this.#renderer : null;
    let result: RenderResult<S> | null = null;
    if (renderer !== null) {
      let lost = false;
      try {
        // A lost context can leave a read pending forever (WebGL fences never signal): the loss wins the race.
        const onLoss = renderer.lost.then((reason) => {
          lost = true;
          throw new Error(reason);
        });
        result = await Promise.race([renderer.render(t.frame), onLoss]);
      } catch (error) {
        // The frame still gets painted below; the rung is replaced for the next ones.
        if (this.#renderer === renderer) this.#failRenderer(renderer, lost ? 'device-lost' : 'error', error);
      }
    }
    const used: BackendKind = result !== null && renderer !== null ? renderer.kind : 'bicubic';
    if (result === null) {
      if (this.#plain === null) return;
      result = await this.#plain.render(t.frame);
    }
    this.sink.present(result.surface, t.timestamp);
    const now = this.platform.now();
    this.#stats.painted(now, now - t.arrivedMs, used);
    if (result.modelMs !== null && used !== 'bicubic') this.#observeModelTime(result.modelMs);
    // attach() resolves on a frame from the rung the ladder settled on, not on a stopgap bicubic one.
    if (!this.#firstFrameSent && (used === this.#ladder.current || !this.#enabled)) {
      this.#firstFrameSent = true;
      this.post({ type: 'first-frame', sourceId: this.#sourceId, backend: used });
    }
  }

  #observeModelTime(ms: number): void {
    this.#stats.modelTime(ms);
    if (!this.config.adaptive || this.config.models.length < 2) return;
    const fps = this.#stats.inputFps(this.platform.now());
    const decision = this.#tiers.observe(ms, fps > 1 ? 1000 / fps : DEFAULT_BUDGET_MS);
    if (decision === null) return;
    const renderer = this.#renderer;
    const model = this.config.models[decision.to];
    const from = this.config.models[decision.from];
    if (renderer === null || model === undefined || from === undefined) return;
    this.#tierSwitch = this.#tierSwitch.then(async () => {
      try {
        await renderer.prepare(model, this.#abort.signal);
        if (this.#renderer !== renderer) return;
        renderer.select(model);
        this.#stats.resetModelTimes();
        this.#tiers.reset();
        this.post({ type: 'tierchange', from: from.variant, to: model.variant, reason: decision.reason });
      } catch (error) {
        // A renderer replaced meanwhile (device lost) takes its half-loaded tier with it: not an error.
        if (!this.#abort.signal.aborted && this.#renderer === renderer) this.#reportError(error);
      }
    });
  }

  async #bringUpLadder(): Promise<void> {
    while (!this.#disposed) {
      const kind = this.#ladder.current;
      if (kind === 'bicubic') return;
      let renderer: ModelRenderer<F, S> | null = null;
      try {
        renderer = await this.platform.createModelRenderer(kind);
        const model = this.config.models[this.#tiers.tier];
        if (model === undefined) throw new RangeError('no model for the current tier');
        try {
          await renderer.prepare(model, this.#abort.signal);
        } catch (error) {
          if (this.#abort.signal.aborted) throw error;
          renderer.dispose();
          this.#reportError(error);
          this.#step('model-load-failed', error);
          return;
        }
        renderer.select(model);
        if (this.#disposed) {
          renderer.dispose();
          return;
        }
        this.#renderer = renderer;
        this.#stats.resetModelTimes();
        const live = renderer;
        void live.lost.then((reason) => {
          if (this.#renderer === live) this.#failRenderer(live, 'device-lost', new Error(reason));
        });
        return;
      } catch (error) {
        renderer?.dispose();
        if (this.#disposed || this.#abort.signal.aborted) return;
        this.#step(error instanceof BackendUnavailableError ? 'unavailable' : 'error', error);
      }
    }
  }

  #failRenderer(renderer: ModelRenderer<F, S>, failure: Failure, error: unknown): void {
    this.#renderer = null;
    renderer.dispose();
    if (this.#disposed) return;
    if (failure === 'error') this.#reportError(error);
    if (this.#step(failure, error)) this.#bringUp = this.#bringUp.then(() => this.#bringUpLadder());
  }

  /** Moves down the ladder and announces it; false at the floor. */
  #step(failure: Failure, error: unknown): boolean {
    const step = this.#ladder.fail(failure);
    if (step === null) return false;
    const detail = error instanceof Error ? error.message : String(error);
    this.post({ type: 'fallback', from: step.from, to: step.to, reason: step.reason, detail });
    return true;
  }

  #reportError(error: unknown): void {
    this.post({ type: 'error', error: serializeError(error), fatal: false });
  }
}
