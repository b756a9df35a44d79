import { imresize } from '../imaging/imresize.js';
import { quantize, type RgbImage } from '../imaging/image.js';
import { loadGenerator } from '../src/model/loadGenerator.js';
import { predictBanded } from '../eval/banded.js';

/** Upscales one decoded frame; outputs are quantised to 8 bits, as a screen shows them. */
export interface FrameUpscaler {
  readonly name: string;
  readonly scale: number;
  upscale(lr: RgbImage): RgbImage;
  dispose(): void;
}

export function bicubicUpscaler(scale: number): FrameUpscaler {
  return { name: 'bicubic', scale, upscale: (lr) => quantize(imresize(lr, scale)), dispose: () => undefined };
}

export async function modelUpscaler(dir: string, name?: string): Promise<FrameUpscaler> {
  const gen = await loadGenerator(dir);
  return {
    name: name ?? gen.variant,
    scale: gen.config.scale,
    upscale: (lr) => quantize(predictBanded(gen, lr)),
    dispose: () => gen.dispose(),
  };
}
