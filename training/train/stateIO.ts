import * as tf from '@tensorflow/tfjs-core';
import type { Adam } from './adam.js';
import type { GeneratorState } from './GeneratorState.js';

/** Flattens a generator state (weights, BN buffers, Adam moments) into prefixed checkpoint tensors. */
export function stateTensors(s: GeneratorState, prefix = 'g'): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [n, t] of s.vars) out.set(`${prefix}/w/${n}`, t);
  for (const [n, t] of s.buffers) out.set(`${prefix}/b/${n}`, t);
  for (const [n, t] of adamTensors(s.adam)) out.set(`${prefix}/${n}`, t);
  return out;
}

export function adamTensors(a: Adam): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [n, t] of a.m) out.set(`m/${n}`, t);
  for (const [n, t] of a.v) out.set(`v/${n}`, t);
  return out;
}

export function restoreAdam(a: Adam, tensors: ReadonlyMap<string, tf.Tensor>, prefix: string, step: number): void {
  a.dispose();
  for (const [key, t] of tensors) {
    if (key.startsWith(`${prefix}/m/`)) a.m.set(key.slice(prefix.length + 3), tf.variable(t, false));
    else if (key.startsWith(`${prefix}/v/`)) a.v.set(key.slice(prefix.length + 3), tf.variable(t, false));
  }
  a.step = step;
}

/** Generator weights (training form) from checkpoint tensors. */
export function generatorWeightsFrom(tensors: ReadonlyMap<string, tf.Tensor>, prefix = 'g'): Map<string, tf.Tensor> {
  const w = new Map<string, tf.Tensor>();
  for (const [key, t] of tensors) {
    if (key.startsWith(`${prefix}/w/`) || key.startsWith(`${prefix}/b/`)) w.set(key.slice(prefix.length + 3), t);
  }
  return w;
}
