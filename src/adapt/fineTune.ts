import * as tf from '@tensorflow/tfjs-core';
import { generatorForward } from '../model/generator.js';
import type { GeneratorConfig, GeneratorWeights } from '../model/types.js';
import { architecturePlan, planUnits, weightSpecs } from '../model/weightSpec.js';
import { installGradients } from './gradients.js';
import type { TrainingBatch } from './trainingPairs.js';
import { foldedValues } from './updateBase.js';

export interface FineTunerOptions {
  /** Adam step size. Default 2e-4: the base is already good; larger steps overfit a few frames. */
  readonly learningRate?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /**
   * Which folded weights train (by spec name); the others stay at their values. Default: all. Freezing the
   * early layers also skips their backward pass (TF.js only differentiates the ops between the trainable
   * weights and the loss), so a step costs less; see `trainLastUnits`.
   */
  readonly trainable?: (name: string) => boolean;
}

/**
 * A `trainable` filter for the last `units` conv units of the network in forward order (initial, residual
 * blocks, convblock, upsampler, final): their depthwise and pointwise weights, biases and PReLU slopes.
 * `units` >= the unit count trains everything.
 */
export function trainLastUnits(config: GeneratorConfig, units: number): (name: string) => boolean {
  if (!Number.isInteger(units) || units < 1) throw new RangeError(`trainLastUnits: units must be a positive integer, got ${units}`);
  const all = planUnits(architecturePlan(config));
  const names = new Set<string>();
  for (const u of all.slice(Math.max(0, all.length - units))) {
    for (const s of weightSpecs(config, { folded: true })) if (s.name.startsWith(`${u.conv}.`)) names.add(s.name);
    if (u.prelu !== null) names.add(u.prelu);
  }
  return (name) => names.has(name);
}

/**
 * Fine-tunes the folded (shipped, inference) form of a generator with Adam on an L1 loss. The folded form
 * is a plain conv net (depthwise, pointwise + bias, PReLU; no BN), so every weight trains directly and the
 * result is again a shippable folded model: no refolding, and the update is a delta in the same layout as
 * the base. What is lost against the BN form is BN's per-layer conditioning; Adam's per-weight step
 * normalisation mostly stands in for it when fine-tuning from a trained base with a small step.
 *
 * Deterministic: the same base, batches and options give the same weights on the same backend (the batches
 * carry the seed, see buildTrainingPairs). Every tensor it makes is freed by step() or dispose().
 */
export class FineTuner {
  private readonly vars: Map<string, tf.Variable>;
  private readonly trained: tf.Variable[];
  private readonly optimizer: tf.AdamOptimizer;
  private stepCount = 0;
  private disposed = false;

  private constructor(
    readonly config: GeneratorConfig,
    vars: Map<string, tf.Variable>,
    opts: FineTunerOptions,
  ) {
    this.vars = vars;
    const trainable = opts.trainable ?? (() => true);
    this.trained = [...vars].filter(([name]) => trainable(name)).map(([, v]) => v);
    if (this.trained.length === 0) throw new RangeError('FineTuner: the trainable filter selects no weight');
    this.optimizer = tf.train.adam(opts.learningRate ?? 2e-4, opts.beta1 ?? 0.9, opts.beta2 ?? 0.999, opts.epsilon ?? 1e-8);
  }

  /**
   * Copies folded weights (a loaded model's, or decoded update values) into trainable variables; the input
   * Map stays the caller's. Installs the gradient kernels the backend lacks (wasm: conv filter/input grads).
   */
  static async create(config: GeneratorConfig, folded: ReadonlyMap<string, tf.Tensor>, opts: FineTunerOptions = {}): Promise<FineTuner> {
    await installGradients();
    const vars = new Map<string, tf.Variable>();
    for (const s of weightSpecs(config, { folded: true })) {
      const t = folded.get(s.name);
      if (t === undefined) throw new TypeError(`FineTuner: folded weights lack '${s.name}'`);
      if (t.shape.join() !== s.shape.join()) throw new TypeError(`FineTuner: '${s.name}' has shape [${t.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
      vars.set(s.name, tf.variable(t, true));
    }
    return new FineTuner(config, vars, opts);
  }

  get steps(): number {
    return this.stepCount;
  }

  /** The live weights (folded form): valid until the next step() or dispose(); do not dispose them. */
  get weights(): GeneratorWeights {
    return this.vars;
  }

  private live(): void {
    if (this.disposed) throw new Error('FineTuner: used after dispose()');
  }

  private loss(lr: tf.Tensor4D, hr: tf.Tensor4D): tf.Scalar {
    return tf.mean(tf.abs(tf.sub(generatorForward(this.config, this.vars, lr, { training: true }), hr)));
  }

  private tensors(b: TrainingBatch): [tf.Tensor4D, tf.Tensor4D] {
    const big = b.crop * b.scale;
    if (b.scale !== this.config.scale) throw new RangeError(`FineTuner: batch is x${b.scale}, the model x${this.config.scale}`);
    return [tf.tensor4d(b.lr, [b.count, b.crop, b.crop, 3]), tf.tensor4d(b.hr, [b.count, big, big, 3])];
  }

  /** One Adam step on (lr, hr) NHWC tensors in [0, 1]; returns the L1 loss before the step. */
  async stepTensors(lr: tf.Tensor4D, hr: tf.Tensor4D): Promise<number> {
    this.live();
    const cost = this.optimizer.minimize(() => this.loss(lr, hr), true, this.trained);
    if (cost === null) throw new Error('FineTuner: the optimizer returned no loss');
    const value = (await cost.data())[0] ?? Number.NaN;
    cost.dispose();
    this.stepCount++;
    return value;
  }

  /** One Adam step on a batch from buildTrainingPairs / cropPairs. */
  async step(batch: TrainingBatch): Promise<number> {
    const [lr, hr] = this.tensors(batch);
    try {
      return await this.stepTensors(lr, hr);
    } finally {
      lr.dispose();
      hr.dispose();
    }
  }

  /** The L1 loss on a batch without changing anything (held-back validation). */
  async evaluate(batch: TrainingBatch): Promise<number> {
    this.live();
    const [lr, hr] = this.tensors(batch);
    const loss = tf.tidy(() => this.loss(lr, hr));
    const value = (await loss.data())[0] ?? Number.NaN;
    tf.dispose([lr, hr, loss]);
    return value;
  }

  /** Inference with the current weights (clipped output, as the receiver paints it). */
  predict(x: tf.Tensor4D): tf.Tensor4D {
    this.live();
    return tf.tidy(() => generatorForward(this.config, this.vars, x, { training: false }));
  }

  /** The current weights in folded spec order: what encodeModelUpdate sends. */
  async values(): Promise<Float32Array[]> {
    this.live();
    return foldedValues(this.config, this.vars);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    for (const v of this.vars.values()) v.dispose();
  }
}
