import { writeFile } from 'node:fs/promises';
import { foldBatchNorm } from '../../src/model/foldBatchNorm.js';
import { loadGeneratorWeights } from '../../src/model/loadGenerator.js';
import type { GeneratorConfig, GeneratorWeights } from '../../src/model/types.js';
import { generatorToOnnx, type FoldedWeights } from './onnxExport.js';

/** Reads tensors back to plain arrays (any TF.js backend; the export itself is plain JS). */
export function toFoldedArrays(weights: GeneratorWeights): FoldedWeights {
  return new Map([...weights].map(([name, t]) => [name, { shape: t.shape, data: Float32Array.from(t.dataSync()) }]));
}

/** models/<name>/ (or any model directory / URL) to an ONNX file at `out`; returns its config and size. */
export async function exportModelToOnnx(modelDir: string, out: string): Promise<{ config: GeneratorConfig; bytes: number }> {
  const { meta, weights } = await loadGeneratorWeights(modelDir);
  const folded = meta.bnFolded ? weights : foldBatchNorm(meta.config, weights);
  try {
    const onnx = generatorToOnnx(meta.config, toFoldedArrays(folded), `swiftsr bench (${meta.variant})`);
    await writeFile(out, onnx);
    return { config: meta.config, bytes: onnx.length };
  } finally {
    for (const t of weights.values()) t.dispose();
    if (folded !== weights) for (const t of folded.values()) t.dispose();
  }
}
