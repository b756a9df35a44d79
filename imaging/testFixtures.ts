import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initGeneratorWeights, disposeWeights } from '../src/model/initGeneratorWeights.js';
import { saveGenerator } from '../src/model/saveGenerator.js';
import { getVariant } from '../src/model/variants.js';
import { ffmpeg } from './ffmpeg.js';

/** A generated clip (ffmpeg testsrc2: moving patterns and text) so smoke tests need no ../shared data. */
export async function makeTestClip(dir: string, width: number, height: number, frames: number, fps = 30): Promise<string> {
  const path = join(dir, `testsrc-${width}x${height}.mp4`);
  await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`, '-frames:v', String(frames), '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', path]);
  return path;
}

/** A randomly initialised model of `variant` saved in the shipped format, for exercising the real loader. */
export async function makeRandomModel(variant = 'tiny', seed = 1): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'swiftsr-bench-model-')), variant);
  const config = getVariant(variant).config;
  const weights = initGeneratorWeights(config, seed, { finalScale: 0.1 });
  try {
    await saveGenerator(dir, { variant, config, weights, provenance: { note: 'random weights for bench smoke tests' } });
  } finally {
    disposeWeights(weights);
  }
  return dir;
}
