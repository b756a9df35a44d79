import { FrameLedger, FramePipeline, type FrameLike, type TrackedFrame } from './FramePipeline.js';
import { ModelLoads } from './ModelLoads.js';
import { ModelUpdates } from './ModelUpdates.js';
import { PaintTracker } from './PaintTracker.js';
import { pumpFrames } from './pumpFrames.js';
import { serializeError, type BackendKind, type LeakReport, type ModelRef, type ReceiverStats, type WorkerConfig, type WorkerToMain } from './protocol.js';
import { RendererLadder } from './RendererLadder.js';
import { renderRacingLoss, type FrameSink, type ModelRenderer, type PlainRenderer, type Platform, type RenderResult } from './renderers.js';
import { ScaleSelector } from './ScaleSelector.js';
import { StatsAggregator } from './StatsAggregator.js';

/**
 * Everything the worker does, minus the browser: frames in, latest-frame pipeline, the rung of the fallback
 * ladder that renders (RendererLadder), the model for each input size (ScaleSelector: scale, then adaptive
 * tier), model updates (ModelUpdates, swapped between frames), stats, and a paint on every frame. While a
 * rung is being brought up, a model loads (a new input size or tier), or a rung failed mid-frame, the plain
 * renderer paints, so the output never goes black or stalls.
 */
export class WorkerSession<F extends FrameLike, S> {
  readonly #ledger = new FrameLedger();
  readonly #stats = new StatsAggregator();
  readonly #pipeline: FramePipeline<TrackedFrame<F>>;
  readonly #ladder: RendererLadder<F, S>;
  readonly #abort = new AbortController();
  readonly #paints = new PaintTracker();
  /** The allowed models, read once at start (index.json or the one modelUrl); null until a rung is up. */
  #selector: ScaleSelector | null = null;
  #plain: PlainRenderer<F, S> | null = null;
  readonly #loads = new ModelLoads(this.#abort.signal);
  readonly #updates: ModelUpdates;
  /** Sequence number of the update that painted the last frame (0: shipped weights or bicubic). */
  #generation = 0;
  #enabled: boolean;
  #sourceId = -1;
  #firstFrameSent = true;
  /** Stops reading the current stream source; null for pushed sources. */
  #stopReading: (() => void) | null = null;
  #stopStats: (() => void) | null = null;
  #disposed = false;

  constructor(
    private readonly config: WorkerConfig,
    private readonly platform: Platform<F, S>,
    private readonly sink: FrameSink<S>,
    private readonly post: (message: WorkerToMain) => void,
  ) {
    this.#enabled = config.enabled;
    this.#updates = new ModelUpdates({ loadBase: (m, signal) => platform.loadUpdateBase(m, signal), post, now: () => platform.now(), signal: this.#abort.signal });
    this.#ladder = new RendererLadder(config.backend === 'auto' ? 'webgpu' : config.backend, {
      signal: this.#abort.signal,
      createModelRenderer: (kind) => platform.createModelRenderer(kind),
      ready: (renderer, models) => this.#rungReady(renderer, models),
      post,
      reportError: (error) => this.#reportError(error),
    });
    this.#pipeline = new FramePipeline((f) => this.#process(f), (e) => this.#reportError(e));
  }

  /** The rung that painted the last frame (before the first paint: the one that will). */
  get backend(): BackendKind {
    const renderer = this.#ladder.renderer;
    return this.#paints.state.backend ?? (renderer !== null && this.#enabled ? renderer.kind : 'bicubic');
  }

  /** Resolves when the current bring-up (initial, or after a fallback) and every model load have settled. */
  async whenSettled(): Promise<void> {
    await this.#ladder.settled();
    await this.#loads.settled();
    await this.#updates.settled();
  }

  whenIdle(): Promise<void> {
    return this.#pipeline.whenIdle();
  }

  start(): void {
    this.#plain = this.platform.createPlainRenderer();
    this.#stopStats = this.platform.setInterval(() => this.post({ type: 'stats', stats: this.stats() }), this.config.statsIntervalMs);
    // The catalogue downloads while the GPU comes up; the ladder waits for it before it declares a rung ready.
    this.#ladder.start(this.#ladder.rung === 'bicubic' ? Promise.resolve(new Error('no models')) : this.#loadModels());
  }

  attachStream(sourceId: number, readable: ReadableStream<F>): void {
    this.#beginSource(sourceId);
    const stop = pumpFrames(readable, (frame) => this.pushFrame(sourceId, frame), () => {
      // Not after detach() or a newer source: those stopped it on purpose.
      if (this.#stopReading !== stop || this.#disposed) return;
      this.#stopReading = null;
      this.post({ type: 'source-ended', sourceId });
    });
    this.#stopReading = stop;
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
    this.#pipeline.dropPending();
    const stop = this.#stopReading;
    this.#stopReading = null;
    stop?.();
  }

  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
  }

  simulateGpuLoss(): void {
    this.#ladder.renderer?.simulateLoss();
  }

  /** One binary message from a model update channel; applied, if valid, between frames. Never throws. */
  receiveModelUpdate(data: unknown): void {
    if (!this.#disposed) this.#updates.receive(data, this.platform.now());
  }

  stats(): ReceiverStats {
    const now = this.platform.now();
    const r = this.#ladder.renderer;
    const { model, ratio } = this.#paints.state;
    return {
      ...this.#stats.snapshot(now),
      outputWidth: this.config.outputWidth,
      outputHeight: this.config.outputHeight,
      framesDropped: this.#pipeline.dropped,
      backend: this.backend,
      model: model?.name ?? null,
      modelScale: model?.scale ?? null,
      ratio: Math.round(ratio * 1000) / 1000,
      tier: model?.name ?? 'none',
      adapter: r?.adapter ?? 'none', timing: r?.timing ?? 'wall', f16: r?.f16 ?? false,
      enabled: this.#enabled,
      readbacks: this.platform.readbacks(),
      numTensors: this.platform.numTensors(),
      openFrames: this.#ledger.open,
      modelGeneration: this.#generation,
      ...this.#updates.counts(),
    };
  }

  async dispose(): Promise<LeakReport> {
    if (!this.#disposed) {
      this.#disposed = true;
      this.detach();
      this.#abort.abort();
      this.#stopStats?.();
      await this.#pipeline.close();
      await this.#ladder.settled().catch(() => undefined);
      await this.#loads.settled();
      this.#ladder.dispose();
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
    const { displayWidth: w, displayHeight: h } = t;
    const choice = this.#selector?.choose(w, h) ?? null;
    // Weights change only here, between frames: no frame is ever rendered half with the old ones.
    const live = this.#ladder.renderer;
    if (live !== null) this.#updates.sync(live);
    const renderer = this.#enabled ? live : null;
    if (renderer !== null && choice?.model != null) this.#ensureLoaded(renderer, choice.model);
    let model = renderer !== null && choice?.model != null ? (this.#selector?.runnable(choice.model, (m) => renderer.has(m)) ?? null) : null;
    let result: RenderResult<S> | null = null;
    if (renderer !== null && model !== null) {
      const outcome = await renderRacingLoss(renderer, t.frame, model);
      if ('result' in outcome) result = outcome.result;
      // The frame still gets painted below. Adapted weights are blamed first (that model goes back to its
      // shipped weights); otherwise the rung is replaced for the next frames.
      else if (this.#ladder.renderer === renderer && (outcome.lost || !this.#updates.renderFailed(renderer, model, outcome.error))) {
        this.#ladder.fail(renderer, outcome.lost ? 'device-lost' : 'error', outcome.error);
      }
    }
    const used: BackendKind = result !== null && renderer !== null ? renderer.kind : 'bicubic';
    if (result === null) {
      model = null;
      if (this.#plain === null) return;
      result = await this.#plain.render(t.frame);
    }
    this.sink.present(result.surface, t.timestamp);
    const now = this.platform.now();
    this.#stats.painted(now, now - t.arrivedMs, used);
    const ratio = choice?.plan.ratio ?? Math.min(this.config.outputWidth / w, this.config.outputHeight / h);
    this.#generation = renderer !== null && model !== null ? this.#updates.generation(renderer, model) : 0;
    this.#paintedWith(used, model, ratio, w, h);
    if (result.modelMs !== null && model !== null) this.#observeModelTime(model, result.modelMs);
    // attach() resolves on a frame from the rung the ladder settled on, not on a stopgap bicubic one.
    if (!this.#firstFrameSent && (used === this.#ladder.rung || !this.#enabled)) {
      this.#firstFrameSent = true;
      this.post({ type: 'first-frame', sourceId: this.#sourceId, backend: used });
    }
  }

  #paintedWith(used: BackendKind, model: ModelRef | null, ratio: number, w: number, h: number): void {
    const previous = this.#paints.state.model;
    for (const event of this.#paints.painted(used, model, ratio, w, h)) this.post(event);
    if (model === previous || model === null) return;
    this.#stats.resetModelTimes();
    const renderer = this.#ladder.renderer;
    for (const m of this.#selector?.switchedTo(model) ?? []) if (renderer !== null) this.#ensureLoaded(renderer, m);
  }

  #ensureLoaded(renderer: ModelRenderer<F, S>, model: ModelRef): void {
    this.#loads.ensure(renderer, model, () => this.#updates.modelLoaded(model), (error) => {
      // A renderer replaced meanwhile (device lost) takes its half-loaded models with it: not an error.
      if (this.#abort.signal.aborted || this.#ladder.renderer !== renderer) return;
      this.#reportError(error);
      // Weights that fail on one backend fail on every backend: that model is gone for this session.
      this.#selector?.drop(model);
      if (this.#selector?.empty === true) this.#ladder.fail(renderer, 'model-load-failed', error);
    });
  }

  #observeModelTime(model: ModelRef, ms: number): void {
    this.#stats.modelTime(ms);
    const selector = this.#selector;
    const renderer = this.#ladder.renderer;
    if (!this.config.adaptive || selector === null || renderer === null) return;
    const decision = selector.observe(model, ms, this.#stats.frameBudgetMs(this.platform.now()));
    if (decision === null) return;
    this.#paints.expectTierChange(model.scale, decision.reason);
    this.#ensureLoaded(renderer, decision.to);
  }

  #loadModels(): Promise<ScaleSelector | Error> {
    const { models, outputWidth, outputHeight } = this.config;
    return this.platform.loadModels(models, this.#abort.signal).then(
      (refs) => new ScaleSelector(refs, { outputWidth, outputHeight, initial: models.kind === 'index' ? models.initial : null }),
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** A rung came up: its models are the session's, and frames already arrived load theirs now rather than on the next one. */
  #rungReady(renderer: ModelRenderer<F, S>, models: ScaleSelector): void {
    this.#selector = models;
    this.#stats.resetModelTimes();
    const { inputWidth: w, inputHeight: h } = this.#stats.snapshot(this.platform.now());
    const wanted = w > 0 ? models.choose(w, h).model : null;
    if (wanted !== null) this.#ensureLoaded(renderer, wanted);
  }

  #reportError(error: unknown): void {
    this.post({ type: 'error', error: serializeError(error), fatal: false });
  }
}
