import * as tf from '@tensorflow/tfjs-core';

export interface AdamOptions {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Decoupled weight decay (AdamW); 0 is plain Adam. Applied to conv weights only, per `decay`. */
  readonly weightDecay: number;
}

export const ADAM_DEFAULTS: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

/**
 * Adam/AdamW with bias correction, written out (instead of tf.train.adam) so that the learning rate can
 * change every step and the moments can be saved and restored bit for bit in a checkpoint.
 */
let slotCounter = 0;

export class Adam {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  step = 0;

  constructor(
    readonly opts: AdamOptions,
    private readonly decay: (name: string) => boolean = (n) => n.endsWith('.weight') && !n.includes('.bn.') && !n.includes('act'),
  ) {}

  private slot(map: Map<string, tf.Variable>, name: string, like: tf.Tensor): tf.Variable {
    let s = map.get(name);
    if (s === undefined) {
      s = tf.variable(tf.zerosLike(like), false, `adam${++slotCounter}/${name}`);
      map.set(name, s);
    }
    return s;
  }

  apply(vars: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, epsilon, weightDecay } = this.opts;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, w] of vars) {
        const g = grads.get(name);
        if (g === undefined) continue;
        const m = this.slot(this.m, name, w);
        const v = this.slot(this.v, name, w);
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const upd = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        let next = tf.sub(w, tf.mul(upd, lr));
        if (weightDecay > 0 && this.decay(name)) next = tf.sub(next, tf.mul(w, lr * weightDecay));
        w.assign(next);
      }
    });
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

export type ScheduleKind = 'cosine' | 'plateau' | 'constant';

/** Cosine from lr to lr*minRatio over total steps, after a short linear warm-up. */
export function cosineLr(step: number, total: number, lr: number, warmup: number, minRatio = 0.01): number {
  if (step < warmup) return (lr * (step + 1)) / warmup;
  const t = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return lr * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/** ReduceLROnPlateau on validation PSNR (higher is better); its state goes into checkpoints. */
export interface PlateauState {
  best: number;
  bad: number;
  factor: number;
}

export function plateauUpdate(s: PlateauState, metric: number, patience: number, reduce = 0.5, minFactor = 0.01): PlateauState {
  if (metric > s.best + 1e-3) return { best: metric, bad: 0, factor: s.factor };
  const bad = s.bad + 1;
  if (bad > patience) return { best: s.best, bad: 0, factor: Math.max(minFactor, s.factor * reduce) };
  return { best: s.best, bad, factor: s.factor };
}
