import { RollingWindow } from './StatsAggregator.js';

export interface TierControllerOptions {
  /** Number of tiers; index 0 is the heaviest. */
  readonly count: number;
  readonly initial: number;
  /** Samples per decision window. */
  readonly window?: number;
  /**
   * A window also closes once its samples add up to this much model time, so that a model taking seconds
   * per frame is judged within seconds, not after `window` frames (30 frames of 60 s: half an hour).
   */
  readonly windowMs?: number;
  /** Step up only when p95 < headroom * budget... */
  readonly headroom?: number;
  /** ...for this many consecutive full windows. */
  readonly upWindows?: number;
}

export interface TierDecision {
  readonly from: number;
  readonly to: number;
  readonly reason: 'too-slow' | 'headroom';
}

/**
 * Steps to a lighter tier as soon as one full window's p95 exceeds the frame budget, and back up only after
 * sustained headroom. A tier that was left for being too slow soon after stepping up to it doubles the
 * headroom time needed to try it again, so the controller cannot oscillate between two tiers every window.
 */
export class TierController {
  readonly #samples: RollingWindow;
  readonly #windowMs: number;
  #windowSum = 0;
  readonly #headroom: number;
  readonly #baseUpWindows: number;
  readonly #count: number;
  #tier: number;
  #goodWindows = 0;
  /** Extra windows of headroom required before re-entering each tier. */
  readonly #penalty: number[];
  #enteredByUp = false;

  constructor(options: TierControllerOptions) {
    const { count, initial } = options;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
    if (!Number.isInteger(initial) || initial < 0 || initial >= count) throw new RangeError(`initial must be in [0, ${count - 1}], got ${initial}`);
    this.#count = count;
    this.#tier = initial;
    this.#samples = new RollingWindow(options.window ?? 30);
    this.#windowMs = options.windowMs ?? 3000;
    this.#headroom = options.headroom ?? 0.5;
    this.#baseUpWindows = options.upWindows ?? 4;
    this.#penalty = new Array<number>(count).fill(0);
  }

  get tier(): number {
    return this.#tier;
  }

  /** Feed one model time and the current frame budget; returns a decision when the tier should change. */
  observe(modelMs: number, budgetMs: number): TierDecision | null {
    this.#samples.push(modelMs);
    this.#windowSum += modelMs;
    if (!this.#samples.full && this.#windowSum < this.#windowMs) return null;
    const p95 = this.#samples.percentile(95);
    this.#samples.clear();
    this.#windowSum = 0;
    if (p95 > budgetMs && this.#tier < this.#count - 1) {
      if (this.#enteredByUp) this.#penalty[this.#tier] = Math.max(this.#baseUpWindows, (this.#penalty[this.#tier] ?? 0) * 2);
      return this.#move(this.#tier + 1, 'too-slow');
    }
    if (p95 < this.#headroom * budgetMs && this.#tier > 0) {
      this.#goodWindows++;
      if (this.#goodWindows >= this.#baseUpWindows + (this.#penalty[this.#tier - 1] ?? 0)) return this.#move(this.#tier - 1, 'headroom');
      return null;
    }
    this.#goodWindows = 0;
    return null;
  }

  /** After a model swap the old samples describe another model. */
  reset(): void {
    this.#samples.clear();
    this.#windowSum = 0;
    this.#goodWindows = 0;
  }

  #move(to: number, reason: TierDecision['reason']): TierDecision {
    const from = this.#tier;
    this.#tier = to;
    this.#enteredByUp = reason === 'headroom';
    this.reset();
    return { from, to, reason };
  }
}
