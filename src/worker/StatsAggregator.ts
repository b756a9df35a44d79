/** Fixed-size ring of recent samples with nearest-rank percentiles. */
export class RollingWindow {
  readonly #values: number[] = [];
  #next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.#values.length;
  }

  get full(): boolean {
    return this.#values.length === this.capacity;
  }

  push(value: number): void {
    if (this.#values.length < this.capacity) this.#values.push(value);
    else this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.capacity;
  }

  clear(): void {
    this.#values.length = 0;
    this.#next = 0;
  }

  /** p in [0, 100]; NaN when empty. */
  percentile(p: number): number {
    if (this.#values.length === 0) return Number.NaN;
    const sorted = [...this.#values].sort((a, b) => a - b);
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
  }
}

/** Events per second over the last `spanMs`. */
export class RateMeter {
  readonly #times: number[] = [];

  constructor(readonly spanMs = 2000) {}

  mark(nowMs: number): void {
    this.#times.push(nowMs);
    this.#trim(nowMs);
  }

  rate(nowMs: number): number {
    this.#trim(nowMs);
    const first = this.#times[0];
    if (this.#times.length < 2 || first === undefined) return 0;
    const span = nowMs - first;
    return span > 0 ? ((this.#times.length - 1) * 1000) / span : 0;
  }

  #trim(nowMs: number): void {
    while (this.#times.length > 0 && (this.#times[0] ?? nowMs) < nowMs - this.spanMs) this.#times.shift();
  }
}

export interface FrameCounters {
  readonly inputFps: number;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly outputFps: number;
  readonly framesIn: number;
  readonly framesPainted: number;
  readonly modelMsP50: number;
  readonly modelMsP95: number;
  readonly latencyMsP50: number;
  readonly latencyMsP95: number;
}

/** Per-frame measurements in, the numbers of the 'stats' event out. Pure: the caller passes the clock. */
export class StatsAggregator {
  readonly #input = new RateMeter();
  readonly #output = new RateMeter();
  readonly #model = new RollingWindow(120);
  readonly #latency = new RollingWindow(120);
  #framesIn = 0;
  #framesPainted = 0;
  #painter = '';
  #width = 0;
  #height = 0;

  frameIn(nowMs: number, width: number, height: number): void {
    this.#framesIn++;
    this.#input.mark(nowMs);
    this.#width = width;
    this.#height = height;
  }

  /**
   * A frame reached the screen through `painter` (a backend name). Latency describes the picture being
   * shown: when the painter changes (bicubic stopgap frames while a model loads, then the model), the
   * window starts afresh instead of mixing sub-millisecond stopgaps with model frames.
   */
  painted(nowMs: number, latencyMs: number, painter = ''): void {
    this.#framesPainted++;
    this.#output.mark(nowMs);
    if (painter !== this.#painter) this.#latency.clear();
    this.#painter = painter;
    this.#latency.push(latencyMs);
  }

  modelTime(ms: number): void {
    this.#model.push(ms);
  }

  /** Model times belong to one model; a new tier or backend starts afresh. */
  resetModelTimes(): void {
    this.#model.clear();
  }

  inputFps(nowMs: number): number {
    return this.#input.rate(nowMs);
  }

  /** The time one frame may take at the input rate (30 fps until frames show a rate). */
  frameBudgetMs(nowMs: number): number {
    const fps = this.inputFps(nowMs);
    return fps > 1 ? 1000 / fps : 1000 / 30;
  }

  snapshot(nowMs: number): FrameCounters {
    const r = (x: number): number => (Number.isFinite(x) ? Math.round(x * 100) / 100 : 0);
    return {
      inputFps: r(this.#input.rate(nowMs)),
      inputWidth: this.#width,
      inputHeight: this.#height,
      outputFps: r(this.#output.rate(nowMs)),
      framesIn: this.#framesIn,
      framesPainted: this.#framesPainted,
      modelMsP50: r(this.#model.percentile(50)),
      modelMsP95: r(this.#model.percentile(95)),
      latencyMsP50: r(this.#latency.percentile(50)),
      latencyMsP95: r(this.#latency.percentile(95)),
    };
  }
}
