import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The Node CLI (`swiftsr upscale`, `swiftsr eval`) as one ES module, which the package's bin
 * (bin/swiftsr.mjs) runs where the TypeScript sources are absent: no tsx in an app's install. TF.js, sharp
 * and Node's own modules stay imports (the package's dependencies).
 */
export default defineConfig({
  logLevel: 'warn',
  publicDir: false,
  build: {
    ssr: fileURLToPath(new URL('./eval/cli.ts', import.meta.url)),
    outDir: fileURLToPath(new URL('./dist/cli/', import.meta.url)),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rolldownOptions: { output: { entryFileNames: 'swiftsr.js', codeSplitting: false } },
  },
});
