import type { GeneratorConfig } from '../../src/model/index.js';
import type { PixelLoss } from './GeneratorState.js';

/** Main thread -> gradient worker. */
export type WorkerRequest =
  | { readonly type: 'init'; readonly backend: string; readonly config: GeneratorConfig; readonly loss: PixelLoss }
  | {
      readonly type: 'step';
      readonly names: readonly string[];
      readonly shapes: readonly number[][];
      readonly values: readonly Float32Array[];
      readonly trainable: readonly boolean[];
      readonly lr: Float32Array;
      readonly lrShape: [number, number, number, number];
      readonly hr: Float32Array;
      readonly hrShape: [number, number, number, number];
    };

/** Gradient worker -> main thread. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'error'; readonly message: string }
  | {
      readonly type: 'grads';
      readonly loss: number;
      readonly gradNames: string[];
      readonly gradValues: Float32Array[];
      readonly statNames: string[];
      readonly statValues: Float32Array[];
      readonly buffers: ArrayBuffer[];
    };
