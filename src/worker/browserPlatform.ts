import * as tf from '@tensorflow/tfjs-core';
import { BicubicRenderer } from './gl/BicubicRenderer.js';
import { WebGLRenderer } from './gl/WebGLRenderer.js';
import { WebGPURenderer } from './gpu/WebGPURenderer.js';
import { loadModelRefs } from './modelSources.js';
import type { WorkerConfig } from './protocol.js';
import { readbackCount } from './readbacks.js';
import { loadUpdateBase } from './updateBases.js';
import type { Platform } from './renderers.js';

export function browserPlatform(config: WorkerConfig): Platform<VideoFrame, OffscreenCanvas> {
  const size = { outputWidth: config.outputWidth, outputHeight: config.outputHeight };
  return {
    createModelRenderer: (kind) =>
      kind === 'webgpu'
        ? WebGPURenderer.create({ ...size, preferF16: config.preferF16 })
        : WebGLRenderer.create({ ...size, tileSize: config.webglTileSize }),
    createPlainRenderer: () => new BicubicRenderer(config.outputWidth, config.outputHeight),
    loadModels: loadModelRefs,
    loadUpdateBase,
    now: () => performance.now(),
    // tf.memory() would try to initialise a backend when none is registered (between ladder rungs).
    numTensors: () => tf.engine().state.numTensors,
    readbacks: readbackCount,
    setInterval: (fn, ms) => {
      const id = setInterval(fn, ms);
      return () => clearInterval(id);
    },
  };
}
