import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The sender worker ships like sr.worker.js (vite.worker.config.ts): one self-contained ES module with
 * TF.js (webgpu, webgl and cpu backends, and the gradient functions fine-tuning needs) inside.
 */
export default defineConfig({
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('./dist/sender/', import.meta.url)),
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    lib: {
      entry: fileURLToPath(new URL('./src/sender/sender.worker.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'sender.worker.js',
    },
    rolldownOptions: { output: { codeSplitting: false } },
  },
});
