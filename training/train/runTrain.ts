import { train, type TrainResult } from './loop.js';
import type { TrainOptions } from './options.js';

/** Picks the phase: the GAN phase pulls in the discriminator and MobileNetV2 only when asked for. */
export async function runTrain(opts: TrainOptions): Promise<TrainResult> {
  if (opts.phase === 'gan') {
    const { ganPhase } = await import('./gan.js');
    return train(opts, ganPhase);
  }
  if (opts.workers > 1) {
    const { parallelPsnrPhase } = await import('./parallel.js');
    return train(opts, (g, o) => parallelPsnrPhase(g, o.workers, o.backend, o.loss));
  }
  return train(opts);
}
