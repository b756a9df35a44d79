/**
 * Builds bench/gpu/dist/ for the GPU machine, which has no network and no node_modules: the TF.js WebGPU
 * script as one bundle, dawn.node, the Vulkan loader, the variant list for PyTorch and (xz-compressed) this
 * machine's node binary in case the GPU machine has none. Carry `bench/gpu/dist` there (under 64 MiB).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'vite';
import { countMacs, VARIANTS } from '../../src/model/variants.js';
import { REPO_ROOT } from '../paths.js';

const DIST = join(REPO_ROOT, 'bench', 'gpu', 'dist');
const SIZES: readonly [number, number][] = [[480, 270], [640, 360]];
const require = createRequire(import.meta.url);

rmSync(DIST, { recursive: true, force: true });
mkdirSync(join(DIST, 'lib'), { recursive: true });
await build({
  configFile: false,
  root: REPO_ROOT,
  logLevel: 'warn',
  ssr: { noExternal: true, target: 'node' },
  build: {
    ssr: join(REPO_ROOT, 'bench', 'gpu', 'tfjsWebgpu.ts'),
    outDir: DIST,
    emptyOutDir: false,
    target: 'node20',
    rollupOptions: { output: { format: 'es', entryFileNames: 'tfjs-webgpu.mjs', codeSplitting: false } },
  },
});
copyFileSync(join(dirname(require.resolve('webgpu')), 'dist', `${process.platform}-${process.arch}`, 'dawn.node'), join(DIST, 'dawn.node'));
const vulkan = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';
if (existsSync(vulkan)) copyFileSync(vulkan, join(DIST, 'lib', 'libvulkan.so.1'));
const variants = [...VARIANTS.values()]
  .filter((v) => v.config.scale === 4)
  .map((v) => ({ name: v.name, config: v.config, macs: Object.fromEntries(SIZES.map(([w, h]) => [`${w}x${h}`, countMacs(v.config, w, h)])) }));
writeFileSync(join(DIST, 'variants.json'), JSON.stringify(variants, null, 2) + '\n');
if (!process.argv.includes('--no-node')) {
  execFileSync('sh', ['-c', `xz -T2 -6 -c "${process.execPath}" > "${join(DIST, 'node.xz')}"`]);
}
console.log(`prepared ${DIST}: ${execFileSync('du', ['-sh', DIST], { encoding: 'utf8' }).split('\t')[0]}`);
