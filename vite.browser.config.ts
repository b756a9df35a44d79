import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./test/browser/pages/', import.meta.url));

/** Builds the browser-test pages (SDK + worker bundled the way an app's Vite build would) into test/.out/pages. */
export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./test/.out/pages/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: false,
    rollupOptions: { input: { receiver: `${root}receiver.html`, sender: `${root}sender.html` } },
  },
  worker: { format: 'es' },
});
