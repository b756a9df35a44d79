import { floatToHalf, halfBitsToFloat } from './float16.js';
import { ModelUpdateError } from './ModelUpdateError.js';

/**
 * The 'int4' payload of one tensor: deltas quantised to 4-bit levels -7..7 with one fp16 step per output
 * channel. Layout: C steps (u16 LE binary16, C = int4Channels(shape)), then ceil(n / 2) bytes of nibbles,
 * element 2k in the low nibble and 2k+1 in the high one, two's complement (0x8 = -8 is never written and is
 * refused); an odd tensor's last high nibble is 0. Element i (row-major, as the folded values are stored)
 * belongs to channel i mod C.
 *
 * fp16 steps rather than float32: a step's relative rounding (2^-11) is ~150x finer than one level (1/7 of
 * the channel's range), and float32 steps would add 2 B per channel (6.2 KB, +20 %, on lite48x8's 31.8 KB update
 * with its 3,123 channels).
 */
export const INT4_LEVELS = 7;

/**
 * Channels of a tensor: its last axis (output channels of a pointwise kernel, biases, PReLU slopes, one a
 * value), except a depthwise kernel [k, k, C, 1], whose output channels are its third axis; a scalar is one.
 */
export function int4Channels(shape: readonly number[]): number {
  const last = shape.at(-1) ?? 1;
  return last === 1 && shape.length >= 2 ? (shape.at(-2) ?? 1) : last;
}

/** Payload bytes of one tensor of `n` values in `channels` channels. */
export function int4TensorBytes(n: number, channels: number): number {
  return 2 * channels + Math.ceil(n / 2);
}

/** The smallest fp16 step (as bits) with INT4_LEVELS * step >= maxAbs, so no delta is clamped. */
function stepBits(maxAbs: number, name: string): number {
  let h = floatToHalf(maxAbs / INT4_LEVELS);
  while (halfBitsToFloat(h) * INT4_LEVELS < maxAbs && h < 0x7c00) h++;
  if (h >= 0x7c00) throw new RangeError(`'${name}': a delta of ${maxAbs} needs a step beyond fp16 range`);
  return h;
}

/** Writes `adapted - base` at `at`; returns the offset after it. RangeError for non-finite deltas. */
export function writeInt4Tensor(view: DataView, at: number, adapted: Float32Array, base: Float32Array, channels: number, name: string): number {
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < adapted.length; i++) {
    const d = Math.abs((adapted[i] ?? 0) - (base[i] ?? 0));
    const c = i % channels;
    // NaN must not be lost in Math.max's comparison.
    maxAbs[c] = Number.isNaN(d) ? Number.NaN : Math.max(maxAbs[c] ?? 0, d);
  }
  const steps = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = maxAbs[c] ?? 0;
    if (!Number.isFinite(m)) throw new RangeError(`'${name}' channel ${c}: non-finite adapted weights`);
    const h = stepBits(m, name);
    view.setUint16(at + 2 * c, h, true);
    steps[c] = halfBitsToFloat(h);
  }
  at += 2 * channels;
  for (let i = 0; i < adapted.length; i += 2) {
    let byte = 0;
    for (let k = 0; k < 2 && i + k < adapted.length; k++) {
      const step = steps[(i + k) % channels] ?? 0;
      const q = step === 0 ? 0 : Math.round(((adapted[i + k] ?? 0) - (base[i + k] ?? 0)) / step);
      byte |= (Math.max(-INT4_LEVELS, Math.min(INT4_LEVELS, q)) & 0xf) << (4 * k);
    }
    view.setUint8(at + (i >> 1), byte);
  }
  return at + Math.ceil(adapted.length / 2);
}

function fail(code: 'non-finite' | 'bad-payload', message: string): never {
  throw new ModelUpdateError(code, message);
}

/**
 * Reads one tensor's deltas at `at` into `out` (base + delta; the caller checks the resulting values).
 * ModelUpdateError: 'non-finite' (NaN/Inf step), 'bad-payload' (negative step, level -8, padding not 0).
 */
export function readInt4Tensor(view: DataView, at: number, base: Float32Array, out: Float32Array, channels: number, name: string): number {
  const steps = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const h = view.getUint16(at + 2 * c, true);
    const s = halfBitsToFloat(h);
    if (!Number.isFinite(s)) fail('non-finite', `'${name}' channel ${c}: quantisation step ${s}`);
    if ((h & 0x8000) !== 0) fail('bad-payload', `'${name}' channel ${c}: negative quantisation step`);
    steps[c] = s;
  }
  at += 2 * channels;
  for (let i = 0; i < out.length; i++) {
    const nibble = (view.getUint8(at + (i >> 1)) >> (4 * (i & 1))) & 0xf;
    if (nibble === 0x8) fail('bad-payload', `'${name}' element ${i}: level -8 is outside -${INT4_LEVELS}..${INT4_LEVELS}`);
    out[i] = (base[i] ?? 0) + (steps[i % channels] ?? 0) * ((nibble << 28) >> 28);
  }
  if ((out.length & 1) === 1 && view.getUint8(at + (out.length >> 1)) >> 4 !== 0) fail('bad-payload', `'${name}': padding nibble is not 0`);
  return at + Math.ceil(out.length / 2);
}
