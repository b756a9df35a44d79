import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { REPO_ROOT } from './paths.js';

/** Bundles bench/pages/<name>.html (TypeScript, tfjs, src/model) with Vite into a temporary folder. */
export async function buildBenchPages(names: readonly string[]): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'swiftsr-bench-pages-'));
  const root = join(REPO_ROOT, 'bench', 'pages');
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 10_000,
      rollupOptions: { input: Object.fromEntries(names.map((n) => [n, join(root, `${n}.html`)])) },
    },
    // The SDK starts its worker with new URL('./sr.worker.js', import.meta.url): an ES module worker.
    worker: { format: 'es' },
  });
  return outDir;
}
