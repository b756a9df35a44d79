import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModelUpdate } from '../../src/adapt/modelUpdate.js';
import { ModelUpdateError } from '../../src/adapt/ModelUpdateError.js';
import { updateBaseFromWeights, valuesToWeights } from '../../src/adapt/updateBase.js';
import { loadGeneratorWeights } from '../../src/model/loadGenerator.js';
import { saveGenerator } from '../../src/model/saveGenerator.js';
import { psnrY } from '../../imaging/metrics.js';
import { referenceUpscale, type RgbImage } from '../browser/fixtures.js';

/**
 * The adapted model as a receiver builds it: the update message decoded against the shipped base (the same
 * checks the receiver's gate runs), saved as a model folder, then run on the CPU by the fixtures' reference
 * upscaler. Returns the base model's output on the same frame as the control.
 */
export async function adaptedReference(modelDir: string, variant: string, messages: readonly Uint8Array[], seq: number, input: RgbImage): Promise<{ adapted: RgbImage; base: RgbImage }> {
  const { meta, weights } = await loadGeneratorWeights(modelDir);
  const base = await updateBaseFromWeights(variant, meta.config, weights);
  for (const t of weights.values()) t.dispose();
  const decoded = messages.flatMap((m) => {
    try {
      return [decodeModelUpdate(m, base)];
    } catch (error) {
      if (error instanceof ModelUpdateError) return [];
      throw error;
    }
  }).find((d) => d.seq === seq);
  if (decoded === undefined) throw new Error(`none of the ${messages.length} update messages the receiver kept decodes to sequence ${seq}`);
  const dir = mkdtempSync(join(tmpdir(), 'swiftsr-adapted-'));
  try {
    const adaptedWeights = valuesToWeights(base, decoded.values);
    await saveGenerator(join(dir, variant), { variant, config: meta.config, weights: adaptedWeights });
    for (const t of adaptedWeights.values()) t.dispose();
    return { adapted: await referenceUpscale(join(dir, variant), input), base: await referenceUpscale(modelDir, input) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Y-PSNR (BT.601, the SR convention of imaging/metrics) of two 8-bit RGB images, no border. */
export function psnrY8(a: RgbImage, b: RgbImage): number {
  const unit = (img: RgbImage): { width: number; height: number; data: Float32Array } => ({ width: img.width, height: img.height, data: Float32Array.from(img.data, (v) => v / 255) });
  return psnrY(unit(a), unit(b), 0);
}
