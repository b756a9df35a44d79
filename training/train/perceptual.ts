import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export class PerceptualLoadError extends Error {
  override readonly name = 'PerceptualLoadError';
}

interface LayersJson {
  modelTopology: { config: { layers: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }[] } };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * Frozen MobileNetV2 (alpha 0.35, ImageNet) feature extractor from the Teachable Machine export: the
 * inner `model3` graph is rebuilt with a free input size (the export pins 224x224) and cut at the chosen
 * layers; the 2-class head is dropped. Input RGB [0, 1] is mapped to Keras' [-1, 1] (the reference
 * SwiftSRGAN code fed unnormalised images).
 */
export class MobileNetFeatures {
  private constructor(
    private readonly model: tfl.LayersModel,
    readonly layers: readonly string[],
  ) {}

  static async load(modelJsonPath: string, layers: readonly string[]): Promise<MobileNetFeatures> {
    const path = resolve(modelJsonPath);
    let json: LayersJson;
    let weightData: ArrayBuffer;
    try {
      json = JSON.parse(await readFile(path, 'utf8')) as LayersJson;
      const files = (json.weightsManifest[0]?.paths ?? []).map((p) => join(dirname(path), p));
      const bufs = await Promise.all(files.map((f) => readFile(f)));
      const all = Buffer.concat(bufs);
      weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.length);
    } catch (e) {
      throw new PerceptualLoadError(`MobileNetV2 weights not found or unreadable at ${path} (${(e as Error).message}); pass --mobilenet <model.json> (see ../shared/weights/mobilenet_v2/README.md)`);
    }
    const inner = json.modelTopology.config.layers[0]?.config.layers[0];
    if (inner?.class_name !== 'Model' && inner?.class_name !== 'Functional') throw new PerceptualLoadError(`${path}: expected the Teachable Machine MobileNetV2 layout`);
    const cfg = structuredClone(inner.config) as { layers: { class_name: string; name: string; config: Record<string, unknown> }[] };
    for (const l of cfg.layers) if (l.class_name === 'InputLayer') l.config['batch_input_shape'] = [null, null, null, 3];
    const full = await tfl.models.modelFromJSON({ class_name: 'Model', config: cfg } as unknown as Parameters<typeof tfl.models.modelFromJSON>[0]);
    const specs = json.weightsManifest.flatMap((g) => g.weights);
    const named = tf.io.decodeWeights(weightData, specs);
    const missing = full.weights.filter((w) => !(w.originalName in named)).map((w) => w.originalName);
    if (missing.length > 0) throw new PerceptualLoadError(`${path}: weights missing for ${missing.slice(0, 3).join(', ')}`);
    full.loadWeights(named, false);
    for (const t of Object.values(named)) t.dispose();
    for (const name of layers) {
      try {
        full.getLayer(name);
      } catch {
        throw new PerceptualLoadError(`MobileNetV2 has no layer '${name}' (e.g. block_3_expand_relu, block_6_expand_relu, out_relu)`);
      }
    }
    const model = tfl.model({ inputs: full.inputs, outputs: layers.map((n) => full.getLayer(n).output as tfl.SymbolicTensor) });
    model.trainable = false;
    return new MobileNetFeatures(model, layers);
  }

  features(x: tf.Tensor4D): tf.Tensor[] {
    const out = this.model.apply(tf.sub(tf.mul(x, 2), 1), { training: false });
    return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
  }

  /**
   * Mean over the chosen layers of the feature MSE. `targets` = features(hr), computed outside the
   * gradient tape (tfjs-core has no stopGradient).
   */
  loss(sr: tf.Tensor4D, targets: readonly tf.Tensor[]): tf.Scalar {
    return tf.tidy(() => {
      const a = this.features(sr);
      const terms = a.map((t, i) => tf.mean(tf.squaredDifference(t, targets[i] as tf.Tensor)));
      return tf.div<tf.Scalar>(tf.addN(terms), terms.length);
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}
