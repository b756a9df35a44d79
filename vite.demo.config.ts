import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./demo/', import.meta.url));

/** Builds the demo pages (sender, receiver with the SDK and its worker) into dist/demo. */
export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist/demo/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: {
        index: `${root}index.html`,
        sender: `${root}sender/index.html`,
        receiver: `${root}receiver/index.html`,
      },
    },
  },
  worker: { format: 'es' },
  resolve: {
    // simple-peer -> streamx -> events-universal wants Node's `events`; the browser build of that
    // module is already installed as mediasoup-client's `events-alias` (npm:events@3).
    alias: { events: 'events-alias' },
  },
});
