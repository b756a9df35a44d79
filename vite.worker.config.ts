import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The worker ships as one self-contained ES module (TF.js and its CommonJS dependencies included), so an
 * app's bundler or dev server serves it as it is: no `optimizeDeps`, no CommonJS interop, no bare imports.
 */
export default defineConfig({
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('./dist/worker/', import.meta.url)),
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    lib: {
      entry: fileURLToPath(new URL('./src/worker/sr.worker.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'sr.worker.js',
    },
    rolldownOptions: { output: { codeSplitting: false } },
  },
});
