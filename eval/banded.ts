import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '../imaging/image.js';
import type { Generator } from '../src/model/types.js';

/**
 * Output-resolution activations of the paper tail are 64 channels at 1920x1080 (530 MB each in f32, and
 * tidy keeps several alive): bands keep one call far below the wasm heap limit.
 */
const MAX_OUTPUT_ELEMENTS = 40e6;
/** LR rows of context above and below each band; beyond the effective receptive field for these nets. */
const HALO = 16;

/** Runs the generator on horizontal bands of the LR frame with a halo, then stitches the rows. */
export function predictBanded(gen: Generator, lr: RgbImage, maxOutputElements = MAX_OUTPUT_ELEMENTS): RgbImage {
  const s = gen.config.scale;
  // Upper bound: the paper tail holds `channels` maps at output resolution.
  const perLrRow = lr.width * s * s * gen.config.channels;
  const bandRows = Math.max(8, Math.floor(maxOutputElements / perLrRow));
  const out = new Float32Array(lr.width * s * lr.height * s * 3);
  const rowLen = lr.width * 3;
  for (let y0 = 0; y0 < lr.height; y0 += bandRows) {
    const y1 = Math.min(lr.height, y0 + bandRows);
    const top = Math.max(0, y0 - HALO);
    const bottom = Math.min(lr.height, y1 + HALO);
    const band = tf.tensor4d(lr.data.subarray(top * rowLen, bottom * rowLen), [1, bottom - top, lr.width, 3]);
    const y = gen.predict(band);
    band.dispose();
    const data = y.dataSync();
    y.dispose();
    const outRow = lr.width * s * 3;
    out.set(data.subarray((y0 - top) * s * outRow, (y1 - top) * s * outRow), y0 * s * outRow);
  }
  return { width: lr.width * s, height: lr.height * s, data: out };
}
