import { ModelLoadError } from './ModelLoadError.js';

/**
 * Values a forward pass cannot survive: NaN or ±Infinity anywhere paint NaN pixels, and a negative BN
 * running variance becomes NaN once folded (square root). Checked on every load and import, since weights
 * may come from anywhere (a recomputed checksum proves nothing about the values).
 */
export function checkWeightValues(name: string, values: ArrayLike<number>): void {
  const variance = name.endsWith('.running_var');
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (!Number.isFinite(v)) throw new ModelLoadError('non-finite-weights', `'${name}' holds ${v} at element ${i}; weights must be finite`);
    if (variance && v < 0) throw new ModelLoadError('non-finite-weights', `'${name}' holds ${v} at element ${i}: a negative variance makes the folded weights NaN`);
  }
}
