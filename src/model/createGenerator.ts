import * as tf from '@tensorflow/tfjs-core';
import { generatorForward } from './generator.js';
import type { Generator, GeneratorConfig, GeneratorWeights } from './types.js';
import { validateConfig, weightSpecs } from './weightSpec.js';

/**
 * Wraps folded weights (foldBatchNorm's output, or a loaded bnFolded model) into a Generator that owns them:
 * dispose() frees them. predict() leaves only its result behind and accepts any batch size and frame size.
 */
export function createGenerator(config: GeneratorConfig, variant: string, foldedWeights: GeneratorWeights): Generator {
  validateConfig(config);
  for (const spec of weightSpecs(config, { folded: true })) {
    const t = foldedWeights.get(spec.name);
    if (t === undefined) throw new TypeError(`createGenerator: folded weights lack '${spec.name}'`);
    if (t.shape.join() !== spec.shape.join()) {
      throw new TypeError(`createGenerator: '${spec.name}' has shape [${t.shape.join(', ')}], expected [${spec.shape.join(', ')}]`);
    }
  }
  const expected = new Set(weightSpecs(config, { folded: true }).map((s) => s.name));
  for (const name of foldedWeights.keys()) {
    if (!expected.has(name)) throw new TypeError(`createGenerator: unexpected tensor '${name}' (not the folded form of this config?)`);
  }
  let disposed = false;
  return {
    config,
    variant,
    predict(x: tf.Tensor4D): tf.Tensor4D {
      if (disposed) throw new Error('Generator: predict() after dispose()');
      return tf.tidy(() => generatorForward(config, foldedWeights, x, { training: false }));
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const t of foldedWeights.values()) t.dispose();
    },
  };
}
