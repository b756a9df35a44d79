import type * as tf from '@tensorflow/tfjs-core';

import type { GeneratorConfig } from './config.js';

export type { GeneratorConfig, SkipMode, TailMode } from './config.js';

/** Named tensors; names follow the PyTorch reference's state-dict keys. */
export type GeneratorWeights = Map<string, tf.Tensor>;

/** A loaded, inference-ready generator (BN folded). Input and output are NHWC RGB in [0, 1]. */
export interface Generator {
  readonly config: GeneratorConfig;
  readonly variant: string;
  predict(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}
