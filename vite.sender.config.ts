import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vite';
import workerConfig from './vite.worker.config.js';

/**
 * The sender worker ships like sr.worker.js (vite.worker.config.ts, whose settings it takes): one
 * self-contained ES module with TF.js (webgpu, webgl and cpu backends, and the gradients fine-tuning needs).
 */
export default mergeConfig(workerConfig, {
  build: {
    outDir: fileURLToPath(new URL('./dist/sender/', import.meta.url)),
    lib: {
      entry: fileURLToPath(new URL('./src/sender/sender.worker.ts', import.meta.url)),
      fileName: () => 'sender.worker.js',
    },
  },
});
