/**
 * The two passes of an exact area (box) downscale, shared by areaResize (float RGB frames) and the
 * sender's cameraPair (RGBA bytes of a camera readback): the taps of each output index, and the vertical
 * pass over a horizontally resampled buffer. Sums run in float64 in tap order and are stored as float32, so
 * both callers give the same bits for the same input values.
 */

/** Area taps, flattened: output o sums count[o] inputs from first[o] with weights[o * width + k]. */
export interface AreaTaps {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float64Array;
  readonly width: number;
}

/** The taps of an inSize -> outSize area resample: each output averages the input span it covers. */
export function areaTaps(inSize: number, outSize: number): AreaTaps {
  const ratio = inSize / outSize;
  const width = Math.ceil(ratio) + 1;
  const taps = { first: new Int32Array(outSize), count: new Int32Array(outSize), weights: new Float64Array(outSize * width), width };
  for (let o = 0; o < outSize; o++) {
    const lo = o * ratio;
    const hi = lo + ratio;
    const first = Math.floor(lo);
    const end = Math.min(inSize, Math.ceil(hi));
    taps.first[o] = first;
    taps.count[o] = end - first;
    for (let i = first; i < end; i++) taps.weights[o * width + i - first] = (Math.min(hi, i + 1) - Math.max(lo, i)) / ratio;
  }
  return taps;
}

/**
 * Vertical pass: `mid` holds rows of `rowLength` values (already resampled across); output row y sums the
 * rows its taps name, value by value, in tap order.
 */
export function areaRows(mid: Float32Array, rowLength: number, rows: AreaTaps): Float32Array {
  const outHeight = rows.first.length;
  const out = new Float32Array(rowLength * outHeight);
  const { first, count, weights, width: tw } = rows;
  for (let y = 0; y < outHeight; y++) {
    const n = count[y] as number;
    const from = (first[y] as number) * rowLength;
    const w0 = y * tw;
    const o = y * rowLength;
    for (let i = 0; i < rowLength; i++) {
      let s = 0;
      for (let k = 0, p = from + i; k < n; k++, p += rowLength) s += (weights[w0 + k] as number) * (mid[p] as number);
      out[o + i] = s;
    }
  }
  return out;
}
