/**
 * A token bucket per connection: `burst` messages at once, refilled at `perSecond`. The clock is
 * injectable so that tests count messages, not milliseconds.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perSecond > 0)) throw new RangeError(`rate limit perSecond must be > 0, got ${perSecond}`);
    if (!(burst >= 1)) throw new RangeError(`rate limit burst must be >= 1, got ${burst}`);
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `cost` tokens (one message, or a message's bytes); false, taking none, when fewer are left. */
  take(cost = 1): boolean {
    this.refill();
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Whether the bucket has refilled to `burst` (nothing of its history matters any more). */
  full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }
}

/** A count that leaks away at `perSecond`: rate-limit violations are forgiven over time, not held for ever. */
export class DecayingCount {
  private value = 0;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.last = now();
  }

  /** Adds one and returns the count, after what has leaked away since the last call. */
  add(): number {
    const t = this.now();
    this.value = Math.max(0, this.value - ((t - this.last) / 1000) * this.perSecond) + 1;
    this.last = t;
    return this.value;
  }
}
