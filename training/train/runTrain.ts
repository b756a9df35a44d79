import { train, type TrainResult } from './loop.js';
import type { TrainOptions } from './options.js';

/** Picks the phase: the GAN phase pulls in the discriminator and MobileNetV2 only when asked for. */
export async function runTrain(opts: TrainOptions): Promise<TrainResult> {
  if (opts.phase === 'gan') {
    const { ganPhase } = await import('./gan.js');
    return train(opts, ganPhase);
  }
  return train(opts);
}
