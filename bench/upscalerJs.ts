import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * UpscalerJS's ESRGAN models as peers. Their package entries expect the `@tensorflow/tfjs` umbrella and,
 * in Node, tfjs-node; only the weights and the custom-layer setup are needed, so the layers model is read
 * from the package directory and loaded from memory.
 */
export const UPSCALERJS_MODELS = ['slim', 'medium', 'thick'] as const;
export type UpscalerJsSize = (typeof UPSCALERJS_MODELS)[number];

interface ModelDefinition {
  readonly setup?: (t: unknown) => void;
  readonly inputRange: readonly [number, number];
  readonly outputRange: readonly [number, number];
  readonly scale: number;
}

export interface UpscalerJsModel {
  readonly name: string;
  readonly macsNote: string;
  /** NHWC RGB in [0, 1] -> [0, 1], like our Generator.predict. */
  predict(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

const require = createRequire(import.meta.url);
let registered = false;

export function upscalerJsPackageDir(size: UpscalerJsSize): string {
  // package.json is not in the package's exports: walk up from its CommonJS entry.
  const entry = require.resolve(`@upscalerjs/esrgan-${size}/4x`);
  return entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`));
}

export async function loadUpscalerJs(size: UpscalerJsSize): Promise<UpscalerJsModel> {
  const def = require(`@upscalerjs/esrgan-${size}/4x`) as ModelDefinition;
  if (def.setup !== undefined && !registered) {
    // The setup registers MultiplyBeta / PixelShuffle4x through tf.layers.Layer and tf.serialization.
    def.setup({ ...tf, layers: tfl.layers, serialization: tf.serialization });
    registered = true;
  }
  const dir = join(upscalerJsPackageDir(size), 'models', 'x4');
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const buffers = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const weightData = new Uint8Array(buffers.reduce((n, b) => n + b.length, 0));
  let off = 0;
  for (const b of buffers) {
    weightData.set(b, off);
    off += b.length;
  }
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer }),
  );
  const inMax = def.inputRange[1];
  const outMax = def.outputRange[1];
  return {
    name: `upscalerjs-esrgan-${size}`,
    macsNote: 'not counted (third-party architecture)',
    predict: (x) => tf.tidy(() => tf.clipByValue(tf.div(model.predict(tf.mul(x, inMax)) as tf.Tensor4D, outMax), 0, 1) as tf.Tensor4D),
    dispose: () => model.dispose(),
  };
}
