/**
 * "Publish an update now?" for online adaptation: the sender's rule (src/sender) and the bench's
 * (bench/adaptGain.ts) are this one class. Pure: the caller passes the clock, so it runs the same in a
 * worker, in Node and in a simulation.
 */

/** A byte budget that refills at `rateBytesPerSecond` up to `capacityBytes`. */
export class TokenBucket {
  #tokens: number;
  #rate = 0;
  #capacity: number;
  #at: number;

  /** `initialBytes` 0 makes the long-run total never exceed rate × elapsed time (the cap holds from t0). */
  constructor(capacityBytes: number, nowMs: number, initialBytes = 0) {
    if (!(capacityBytes >= 0) || !Number.isFinite(capacityBytes)) throw new RangeError(`TokenBucket: capacity must be a finite number >= 0, got ${capacityBytes}`);
    this.#capacity = capacityBytes;
    this.#tokens = Math.min(capacityBytes, Math.max(0, initialBytes));
    this.#at = nowMs;
  }

  get rateBytesPerSecond(): number {
    return this.#rate;
  }

  get capacityBytes(): number {
    return this.#capacity;
  }

  /** Changes the refill rate from `nowMs` on (what was earned until then stays). */
  setRate(rateBytesPerSecond: number, nowMs: number): void {
    if (!(rateBytesPerSecond >= 0) || !Number.isFinite(rateBytesPerSecond)) throw new RangeError(`TokenBucket: rate must be a finite number >= 0, got ${rateBytesPerSecond}`);
    this.#refill(nowMs);
    this.#rate = rateBytesPerSecond;
  }

  /** Raises (never lowers) the capacity: one message must always fit, or it would never be sent. */
  ensureCapacity(bytes: number): void {
    this.#capacity = Math.max(this.#capacity, bytes);
  }

  tokens(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens;
  }

  /** Milliseconds until `bytes` are available at the current rate (Infinity at rate 0 or beyond capacity). */
  waitMs(bytes: number, nowMs: number): number {
    const missing = bytes - this.tokens(nowMs);
    if (missing <= 0) return 0;
    if (this.#rate <= 0 || bytes > this.#capacity) return Number.POSITIVE_INFINITY;
    return (1000 * missing) / this.#rate;
  }

  /** Takes `bytes` if available; false (and nothing taken) otherwise. */
  take(bytes: number, nowMs: number): boolean {
    if (this.tokens(nowMs) < bytes) return false;
    this.#tokens -= bytes;
    return true;
  }

  #refill(nowMs: number): void {
    const dt = Math.max(0, nowMs - this.#at);
    this.#at = Math.max(this.#at, nowMs);
    this.#tokens = Math.min(this.#capacity, this.#tokens + (this.#rate * dt) / 1000);
  }
}

export interface PublishPolicyOptions {
  /** Update bytes may use at most this share of the video bitrate (per channel). Default 0.05. */
  readonly maxUpdateShare?: number;
  /** Publish only when validation beats the last published weights by this many dB. Default 0.05. */
  readonly minGainDb?: number;
}

export type PublishVerdict =
  | { readonly publish: true }
  /** 'no-gain': not better than what receivers have by minGainDb; 'budget': the byte budget is short (waitMs until it is not). */
  | { readonly publish: false; readonly reason: 'no-gain' | 'budget'; readonly waitMs: number };

/**
 * Decides when adapted weights are worth a message: the held-back validation PSNR of the current weights
 * must beat the last published ones (the base at first) by `minGainDb`, and a token bucket refilled at
 * `maxUpdateShare × video bitrate / 8` bytes per second must hold the message. The bucket starts empty,
 * so from the first call on the bytes published never exceed the share of the video bits sent meanwhile
 * (plus nothing: no initial burst); its capacity is one message, so an idle minute buys no later flood.
 */
export class PublishPolicy {
  readonly maxUpdateShare: number;
  readonly minGainDb: number;
  readonly #bucket: TokenBucket;
  /** Validation PSNR of the published weights; null: receivers run the base. */
  #publishedPsnr: number | null = null;
  #publishedBytes = 0;
  #publishedCount = 0;

  constructor(nowMs: number, opts: PublishPolicyOptions = {}) {
    const share = opts.maxUpdateShare ?? 0.05;
    const gain = opts.minGainDb ?? 0.05;
    if (!Number.isFinite(share) || share <= 0 || share > 1) throw new RangeError(`maxUpdateShare must be in (0, 1], got ${share}`);
    if (!Number.isFinite(gain) || gain < 0 || gain > 20) throw new RangeError(`minGainDb must be in [0, 20], got ${gain}`);
    this.maxUpdateShare = share;
    this.minGainDb = gain;
    this.#bucket = new TokenBucket(0, nowMs);
  }

  /** The current video bitrate (bits per second); the byte budget refills at its share from now on. */
  setVideoBitrate(bps: number, nowMs: number): void {
    if (!Number.isFinite(bps) || bps < 0) throw new RangeError(`video bitrate must be a finite number >= 0, got ${bps}`);
    this.#bucket.setRate((this.maxUpdateShare * bps) / 8, nowMs);
  }

  /** The cap in bits per second at the current video bitrate. */
  get capBps(): number {
    return this.#bucket.rateBytesPerSecond * 8;
  }

  get publishedBytes(): number {
    return this.#publishedBytes;
  }

  get published(): number {
    return this.#publishedCount;
  }

  /**
   * `candidatePsnr`, `publishedPsnr` and `basePsnr` are measured on the same held-back frames now (the set
   * moves with the call, so an old figure is not comparable); `publishedPsnr` is the base's while nothing
   * was published. The candidate must beat the better of the published and the base by minGainDb: on
   * frames where the published weights fell below the base, "better than the published" can still be worse
   * than the static model, and an update must never make a receiver worse than not adapting at all.
   */
  decide(candidatePsnr: number, publishedPsnr: number, bytes: number, nowMs: number, basePsnr = Number.NEGATIVE_INFINITY): PublishVerdict {
    const reference = Math.max(publishedPsnr, basePsnr);
    if (!Number.isFinite(candidatePsnr) || candidatePsnr - reference < this.minGainDb) return { publish: false, reason: 'no-gain', waitMs: 0 };
    this.#bucket.ensureCapacity(bytes);
    const waitMs = this.#bucket.waitMs(bytes, nowMs);
    if (waitMs > 0) return { publish: false, reason: 'budget', waitMs };
    return { publish: true };
  }

  /** Records a publish that decide() allowed: charges the bucket. */
  commit(candidatePsnr: number, bytes: number, nowMs: number): void {
    if (!this.#bucket.take(bytes, nowMs)) throw new RangeError(`PublishPolicy.commit: ${bytes} bytes exceed the budget (call decide() first)`);
    this.#publishedPsnr = candidatePsnr;
    this.#publishedBytes += bytes;
    this.#publishedCount++;
  }

  /** Validation PSNR of the last published weights when they were published (null before the first). */
  get lastPublishedPsnr(): number | null {
    return this.#publishedPsnr;
  }
}
