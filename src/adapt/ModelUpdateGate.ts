import { decodeModelUpdate, maxUpdateBytes, type DecodedUpdate } from './modelUpdate.js';
import { ModelUpdateError, type ModelUpdateErrorCode } from './ModelUpdateError.js';
import type { UpdateBase } from './updateBase.js';

export interface GateOptions {
  /** Messages judged per second (token bucket, burst of one second's worth, at least 1). Default 2. */
  readonly maxMessagesPerSecond?: number;
  /**
   * Bytes judged per second (token bucket; the burst is at least one largest valid update, so a slow rate
   * still lets one through every maxUpdateBytes / rate seconds). Default: one largest update per second.
   */
  readonly maxBytesPerSecond?: number;
  /** Passed to decodeModelUpdate. */
  readonly maxAbsWeight?: number;
}

export type GateVerdict =
  | { readonly apply: true; readonly update: DecodedUpdate; readonly generation: number }
  | { readonly apply: false; readonly error: ModelUpdateError };

class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  constructor(
    private readonly rate: number,
    private readonly capacity: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes `n` tokens if there are enough at time `now` (ms); a clock going backwards refills nothing. */
  take(n: number, now: number): boolean {
    if (this.last !== undefined && now > this.last) this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    if (this.last === undefined || now > this.last) this.last = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  refund(n: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + n);
  }
}

function positive(name: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a positive finite number, got ${v}`);
  return v;
}

/**
 * The receiver's judge of update messages: rate limits first (a flood costs a comparison per message, not a
 * decode), then decodeModelUpdate against the base and the last applied sequence. Pure and synchronous: the
 * caller passes the time and applies the weights it is handed; every refusal is counted by code.
 */
export class ModelUpdateGate {
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private lastSeqValue = 0;
  private generationValue = 0;
  private readonly counts = new Map<ModelUpdateErrorCode, number>();

  constructor(
    readonly base: UpdateBase,
    private readonly opts: GateOptions = {},
  ) {
    const perSecond = positive('maxMessagesPerSecond', opts.maxMessagesPerSecond ?? 2);
    const limit = maxUpdateBytes(base);
    const byteRate = positive('maxBytesPerSecond', opts.maxBytesPerSecond ?? limit);
    this.messages = new TokenBucket(perSecond, Math.max(1, perSecond));
    this.bytes = new TokenBucket(byteRate, Math.max(limit, byteRate));
  }

  /** The sequence number of the weights in use (0: the base). */
  get lastSeq(): number {
    return this.lastSeqValue;
  }

  /** How many updates were applied since the base (the model generation receivers show in stats). */
  get generation(): number {
    return this.generationValue;
  }

  /** Refusals so far, by code. */
  get rejections(): ReadonlyMap<ModelUpdateErrorCode, number> {
    return this.counts;
  }

  get rejected(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  /** Judges one message received at `nowMs` (a monotonic clock, e.g. performance.now()). */
  offer(message: unknown, nowMs: number): GateVerdict {
    try {
      const size = message instanceof Uint8Array || message instanceof ArrayBuffer ? message.byteLength : 0;
      // Over-long messages are charged only the limit: the decoder refuses them without reading them.
      const charge = Math.min(size, maxUpdateBytes(this.base));
      if (!this.messages.take(1, nowMs)) throw new ModelUpdateError('rate-limited', 'more update messages per second than allowed');
      if (!this.bytes.take(charge, nowMs)) {
        this.messages.refund(1);
        throw new ModelUpdateError('rate-limited', 'more update bytes per second than allowed');
      }
      const update = decodeModelUpdate(message, this.base, {
        after: this.lastSeqValue,
        ...(this.opts.maxAbsWeight === undefined ? {} : { maxAbsWeight: this.opts.maxAbsWeight }),
      });
      this.lastSeqValue = update.seq;
      this.generationValue++;
      return { apply: true, update, generation: this.generationValue };
    } catch (e) {
      const error = e instanceof ModelUpdateError ? e : new ModelUpdateError('bad-payload', `unexpected failure: ${String(e)}`);
      this.counts.set(error.code, (this.counts.get(error.code) ?? 0) + 1);
      return { apply: false, error };
    }
  }

  /**
   * Back to the base (e.g. the receiver fell back after applying failed). Sequence numbers keep rising: a
   * replay of an update applied before stays stale.
   */
  resetToBase(): void {
    this.generationValue = 0;
  }
}
