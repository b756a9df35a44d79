import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The Node CLI (`swiftsr upscale`, `swiftsr eval`) as one ES module, the package's `bin`, so an install runs
 * it without tsx or TypeScript sources; TF.js, sharp and Node's own modules stay imports (dependencies).
 * eval/cli.ts runs when it is the process entry (argv[1] is its path); npm starts bins through a symlink
 * in node_modules/.bin, so the banner puts the real path there first.
 */
const BANNER = `#!/usr/bin/env node
import { realpathSync as swiftsrRealpath } from 'node:fs';
if (process.argv[1] !== undefined) process.argv[1] = swiftsrRealpath(process.argv[1]);`;

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
    rolldownOptions: { output: { entryFileNames: 'swiftsr.js', codeSplitting: false, banner: BANNER } },
  },
});
