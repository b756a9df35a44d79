import { planScale, type ScalePlan } from '../model/scalePlan.js';
import type { ModelRef, ModelScale } from './protocol.js';
import { TierController, type TierControllerOptions } from './TierController.js';

export interface Choice {
  readonly plan: ScalePlan;
  /** The model this input size should run (the current tier of the planned scale); null: no model. */
  readonly model: ModelRef | null;
}

export interface ModelTierDecision {
  readonly from: ModelRef;
  readonly to: ModelRef;
  readonly reason: 'too-slow' | 'headroom';
}

export interface ScaleSelectorOptions {
  readonly outputWidth: number;
  readonly outputHeight: number;
  /** Name of the model to start with; its scale starts there, the others at a comparable cost. */
  readonly initial: string | null;
  readonly tiers?: Omit<TierControllerOptions, 'count' | 'initial'>;
}

/**
 * Which model paints an input size: planScale (the one policy) over the scales the models cover, then,
 * within that scale, the tier its own TierController holds. Pure and synchronous; the session loads
 * and paints what it says.
 *
 * A scale seen for the first time starts at the heaviest of its models that costs no more per output
 * pixel than the model painting now (the output size is the same, so MACs per output megapixel compare
 * across scales): after stepping down to tiny at x4, a switch to x3 starts at tiny-x3, not lite32x4-x3.
 */
export class ScaleSelector {
  /** Per scale, heaviest first (the order TierController walks). */
  readonly #byScale = new Map<ModelScale, ModelRef[]>();
  readonly #controllers = new Map<ModelScale, TierController>();
  readonly #plans = new Map<string, ScalePlan>();
  /** Cost of the model painting now, or of the initial one before any painted. */
  #referenceMacs: number | null = null;

  constructor(models: readonly ModelRef[], private readonly options: ScaleSelectorOptions) {
    for (const m of models) {
      const list = this.#byScale.get(m.scale) ?? [];
      list.push(m);
      this.#byScale.set(m.scale, list);
    }
    for (const list of this.#byScale.values()) list.sort((a, b) => b.macsPerOutputMegapixel - a.macsPerOutputMegapixel || (a.name < b.name ? -1 : 1));
    const initial = models.find((m) => m.name === options.initial);
    if (initial !== undefined) this.#referenceMacs = initial.macsPerOutputMegapixel;
  }

  /** Scales with at least one model, ascending. */
  get scales(): ModelScale[] {
    return [...this.#byScale.keys()].sort((a, b) => a - b);
  }

  get empty(): boolean {
    return this.#byScale.size === 0;
  }

  choose(width: number, height: number): Choice {
    const key = `${width}x${height}`;
    let plan = this.#plans.get(key);
    if (plan === undefined) {
      plan = planScale(width, height, this.options.outputWidth, this.options.outputHeight, this.scales);
      this.#plans.set(key, plan);
    }
    return { plan, model: plan.modelScale === null ? null : this.current(plan.modelScale) };
  }

  /** The model the scale's tier controller holds; null when no model has that scale. */
  current(scale: ModelScale): ModelRef | null {
    const list = this.#byScale.get(scale);
    if (list === undefined) return null;
    return list[this.#controller(scale, list).tier] ?? null;
  }

  /**
   * The model to paint with now: `wanted` when loaded, else a loaded model of the same scale (the tier
   * being left, while the new one loads), else null (bicubic paints while `wanted` loads).
   */
  runnable(wanted: ModelRef, loaded: (m: ModelRef) => boolean): ModelRef | null {
    return loaded(wanted) ? wanted : (this.others(wanted.scale).find(loaded) ?? null);
  }

  /** Models of `scale` other than the current one, nearest tier first: stopgaps while the current one loads. */
  others(scale: ModelScale): ModelRef[] {
    const current = this.current(scale);
    const list = this.#byScale.get(scale) ?? [];
    const at = current === null ? 0 : list.indexOf(current);
    return list.filter((m) => m !== current).sort((a, b) => Math.abs(list.indexOf(a) - at) - Math.abs(list.indexOf(b) - at));
  }

  /** The current models of the scales next to `scale` (the likely next switch), for preloading. */
  neighbours(scale: ModelScale): ModelRef[] {
    const scales = this.scales;
    const i = scales.indexOf(scale);
    const near = [scales[i - 1], scales[i + 1]].filter((s): s is ModelScale => s !== undefined && i >= 0);
    return near.map((s) => this.current(s)).filter((m): m is ModelRef => m !== null);
  }

  /** A model painted a frame: it sets the cost that scales seen later start from. */
  painting(model: ModelRef): void {
    this.#referenceMacs = model.macsPerOutputMegapixel;
  }

  /**
   * Another model started painting: its scale's samples start afresh, and the models to preload are
   * returned (the encoder moves one resolution step at a time: the neighbouring scales are the likely next).
   */
  switchedTo(model: ModelRef): ModelRef[] {
    this.resetTimes(model.scale);
    this.painting(model);
    return this.neighbours(model.scale);
  }

  /** Feeds the model time of a frame painted by `model`; only the current model of its scale is judged. */
  observe(model: ModelRef, ms: number, budgetMs: number): ModelTierDecision | null {
    const list = this.#byScale.get(model.scale);
    if (list === undefined || this.current(model.scale) !== model) return null;
    const d = this.#controller(model.scale, list).observe(ms, budgetMs);
    const to = d === null ? undefined : list[d.to];
    return d === null || to === undefined ? null : { from: model, to, reason: d.reason };
  }

  /** After a switch the samples describe another model. */
  resetTimes(scale: ModelScale): void {
    this.#controllers.get(scale)?.reset();
  }

  /** Forgets a model that cannot load; its scale keeps its other models or leaves the plan. */
  drop(model: ModelRef): void {
    const list = this.#byScale.get(model.scale);
    if (list === undefined || !list.includes(model)) return;
    const rest = list.filter((m) => m !== model);
    this.#controllers.delete(model.scale);
    this.#plans.clear();
    if (rest.length === 0) this.#byScale.delete(model.scale);
    else this.#byScale.set(model.scale, rest);
  }

  #controller(scale: ModelScale, list: readonly ModelRef[]): TierController {
    let c = this.#controllers.get(scale);
    if (c === undefined) {
      c = new TierController({ ...this.options.tiers, count: list.length, initial: this.#initialIndex(list) });
      this.#controllers.set(scale, c);
    }
    return c;
  }

  #initialIndex(list: readonly ModelRef[]): number {
    const named = list.findIndex((m) => m.name === this.options.initial);
    if (named >= 0) return named;
    const ref = this.#referenceMacs;
    if (ref === null) return 0;
    const fits = list.findIndex((m) => m.macsPerOutputMegapixel <= ref * 1.05);
    return fits >= 0 ? fits : list.length - 1;
  }
}
