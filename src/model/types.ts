import type * as tf from '@tensorflow/tfjs-core';

/** Global residual added to the network output; 'none' is the paper. */
export type SkipMode = 'none' | 'bilinear' | 'nearest';

/**
 * 'paper': upsample blocks of [sep-conv 3x3 C->4C, pixel shuffle x2, PReLU] then a 9x9 sep-conv to RGB
 * at output resolution. 'espcn': every conv at input resolution, one pixel shuffle to RGB at the end.
 */
export type TailMode = 'paper' | 'espcn';

export interface GeneratorConfig {
  readonly scale: 2 | 3 | 4;
  readonly channels: number;
  readonly blocks: number;
  readonly skip: SkipMode;
  readonly tail: TailMode;
}

/** Named tensors; names follow the PyTorch reference's state-dict keys. */
export type GeneratorWeights = Map<string, tf.Tensor>;

/** A loaded, inference-ready generator (BN folded). Input and output are NHWC RGB in [0, 1]. */
export interface Generator {
  readonly config: GeneratorConfig;
  readonly variant: string;
  predict(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}
