import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = {
  vite: join(ROOT, 'node_modules/vite/bin/vite.js'),
  webpack: join(ROOT, 'node_modules/webpack-cli/bin/cli.js'),
  tsc: join(ROOT, 'node_modules/typescript/bin/tsc'),
};

export interface Run {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a command to completion; the output (stdout and stderr) goes into failure messages. */
export function run(cmd: string, args: readonly string[], cwd: string, timeoutMs = 300_000): Run {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error !== undefined ? String(r.error) : ''}` };
}

function mustRun(what: string, cmd: string, args: readonly string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`${what} failed (exit ${String(r.status)}):\n${r.output.slice(-4000)}`);
  return r.output;
}

/** `npm pack` of this repository (its prepack builds dist/), into a fresh folder. Returns the tarball. */
export function packRepo(): string {
  const dest = mkdtempSync(join(tmpdir(), 'swiftsr-pack-'));
  mustRun('npm pack', 'npm', ['pack', '--pack-destination', dest, '--silent'], ROOT);
  const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'));
  if (tgz === undefined) throw new Error(`npm pack wrote no tarball into ${dest}`);
  return join(dest, tgz);
}

/** Paths inside the tarball (without the leading `package/`). */
export function tarballFiles(tarball: string): string[] {
  return mustRun('tar', 'tar', ['-tzf', tarball], ROOT)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.replace(/^package\//, ''));
}

/**
 * A brand-new app that installs the tarball as a user would (from the npm cache where it can: CI has the
 * registry, but the tarball's dependencies are already cached by the repository's own install).
 */
export function installApp(tarball: string): { dir: string; nodeModulesBytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'swiftsr-app-'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'swiftsr-smoke-app', private: true, type: 'module' }, null, 2)}\n`);
  mustRun('npm install of the tarball', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], dir);
  const du = mustRun('du', 'du', ['-sb', join(dir, 'node_modules')], dir);
  return { dir, nodeModulesBytes: Number(du.split('\t')[0]) };
}

/** The ```ts block under the README's "## Embedding" heading, as the user copies it. */
export function readmeEmbedding(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /^## Embedding\n+```ts\n([\s\S]*?)\n```/m.exec(readme);
  if (m?.[1] === undefined) throw new Error('README.md has no ```ts block right under "## Embedding"');
  return m[1];
}

export const SOURCE_WIDTH = 120;
export const SOURCE_HEIGHT = 68;
export const OUTPUT_WIDTH = SOURCE_WIDTH * 4;
export const OUTPUT_HEIGHT = SOURCE_HEIGHT * 4;

/** What the README code expects around it: a peer connection that delivers a video track, two controls. */
const PRELUDE = `// Test scaffolding: a canvas-captured track stands in for the call's remote video.
const source = document.createElement('canvas');
source.width = ${SOURCE_WIDTH};
source.height = ${SOURCE_HEIGHT};
const ctx = source.getContext('2d', { willReadFrequently: true })!;
function drawSource(): void {
  // Hard edges and small text: the model's picture differs visibly from bicubic.
  ctx.fillStyle = '#204060';
  ctx.fillRect(0, 0, ${SOURCE_WIDTH}, ${SOURCE_HEIGHT});
  for (let i = 0; i < 12; i++) {
    ctx.fillStyle = i % 2 === 0 ? '#f0e0c0' : '#c03020';
    ctx.fillRect(i * 10, 0, 5, 34);
  }
  ctx.fillStyle = '#ffffff';
  ctx.font = 'bold 14px sans-serif';
  ctx.fillText('SwiftSR 4x', 8, 56);
  ctx.strokeStyle = '#40ff80';
  ctx.beginPath();
  ctx.moveTo(0, ${SOURCE_HEIGHT});
  ctx.lineTo(${SOURCE_WIDTH}, 34);
  ctx.stroke();
}
drawSource();
setInterval(drawSource, 100);
const pc = new EventTarget() as RTCPeerConnection;
const fpsLabel = document.getElementById('fps')!;
const abToggle = document.getElementById('ab') as HTMLInputElement;
`;

/** Exposes what the test reads, then delivers the track as a peer connection's 'track' event would. */
const POSTLUDE = `
const probe = { stats: null as unknown, fallbacks: [] as unknown[], errors: [] as string[], rejections: [] as string[] };
receiver.on('stats', (s) => (probe.stats = s));
receiver.on('fallback', (e) => probe.fallbacks.push(e));
receiver.on('error', (e) => probe.errors.push(\`\${e.name}: \${e.message}\`));
window.addEventListener('unhandledrejection', (e: PromiseRejectionEvent) => {
  const r = e.reason as { name?: string; code?: string; message?: string };
  probe.rejections.push(\`\${String(r.name)} \${String(r.code)}: \${String(r.message)}\`);
});
Object.assign(window, {
  swiftsrProbe: probe,
  swiftsrDispose: () => receiver.dispose(),
  swiftsrSource: () => Array.from(ctx.getImageData(0, 0, ${SOURCE_WIDTH}, ${SOURCE_HEIGHT}).data),
});
const remoteVideo = source.captureStream(10).getVideoTracks()[0]!;
pc.dispatchEvent(Object.assign(new Event('track'), { track: remoteVideo }));
`;

const INDEX_HTML = (script: string): string => `<!doctype html>
<html>
  <body>
    <canvas width="${OUTPUT_WIDTH}" height="${OUTPUT_HEIGHT}" style="width: ${OUTPUT_WIDTH}px; height: ${OUTPUT_HEIGHT}px; display: block"></canvas>
    <label><input type="checkbox" id="ab" checked /> SwiftSR</label> <span id="fps"></span>
    <script type="module" src="${script}"></script>
  </body>
</html>
`;

/**
 * Writes the app: main.ts (the README code between PRELUDE and POSTLUDE) and index.html for Vite, the same
 * code compiled to src/index.js for webpack's zero-config entry, and a strict tsconfig (skipLibCheck off).
 */
export function writeAppSources(dir: string): void {
  const main = `${PRELUDE}\n${readmeEmbedding()}\n${POSTLUDE}`;
  writeFileSync(join(dir, 'main.ts'), main);
  writeFileSync(join(dir, 'index.html'), INDEX_HTML('/main.ts'));
  mkdirSync(join(dir, 'src'), { recursive: true });
  const js = ts.transpileModule(main, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  writeFileSync(join(dir, 'src/index.js'), js);
  const strict = { strict: true, skipLibCheck: false, noEmit: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler' };
  // The browser app, as Vite's template sets it up: DOM libs, no ambient @types.
  const browser = { compilerOptions: { ...strict, lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [] }, files: ['main.ts', 'types.ts'] };
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(browser, null, 2)}\n`);
  writeFileSync(
    join(dir, 'types.ts'),
    `import type { ReceiverStats, SwiftSRError, ReceiverOptions, GpuLike } from 'swiftsr';
import type { WorkerToMain } from 'swiftsr/worker';
export type Checked = [ReceiverStats, SwiftSRError, ReceiverOptions, WorkerToMain, GpuLike];
`,
  );
}

/**
 * A second app in `<dir>/worker-url/` (its own Vite root, the same node_modules): the README code with the
 * documented escape hatch `workerUrl: WORKER_URL` from `swiftsr/worker`, which must also survive `vite build`.
 */
export function writeWorkerUrlApp(dir: string): string {
  const root = join(dir, 'worker-url');
  mkdirSync(root, { recursive: true });
  const snippet = readmeEmbedding();
  const withUrl = snippet
    .replace("import { SwiftSRReceiver } from 'swiftsr';", "import { SwiftSRReceiver } from 'swiftsr';\nimport { WORKER_URL } from 'swiftsr/worker';")
    .replace("new SwiftSRReceiver({ canvas: document.querySelector('canvas')! })", "new SwiftSRReceiver({ canvas: document.querySelector('canvas')!, workerUrl: WORKER_URL })");
  if (!withUrl.includes('workerUrl: WORKER_URL')) throw new Error('the README code no longer constructs the receiver as writeWorkerUrlApp expects');
  writeFileSync(join(root, 'main.ts'), `${PRELUDE}\n${withUrl}\n${POSTLUDE}`);
  writeFileSync(join(root, 'index.html'), INDEX_HTML('/main.ts'));
  return root;
}

export const typecheckApp = (dir: string, tsconfig: string): Run => run(process.execPath, [BIN.tsc, '-p', tsconfig], dir);
export const viteBuild = (dir: string): Run => run(process.execPath, [BIN.vite, 'build', '--logLevel', 'warn'], dir);
/**
 * webpack 5 with no configuration file: ./src/index.js in, a folder of its own out (CLI flags only).
 * Development mode: the same module graph, workers and assets as production, without 40 s of minifying.
 */
export function webpackBuild(dir: string): Run {
  const r = run(process.execPath, [BIN.webpack, '--mode', 'development', '--devtool', 'false', '--output-path', 'dist-webpack', '--no-color'], dir);
  if (r.status === 0) writeFileSync(join(dir, 'dist-webpack/index.html'), INDEX_HTML('./main.js'));
  return r;
}

export interface Served {
  readonly url: string;
  stop(): void;
}

/** `vite` (dev) or `vite preview [--outDir D]` on 127.0.0.1, on a port it picks; resolves once it answers. */
export async function serveVite(dir: string, mode: 'dev' | 'preview', outDir?: string): Promise<Served> {
  const args = mode === 'dev' ? [BIN.vite] : [BIN.vite, 'preview', ...(outDir !== undefined ? ['--outDir', outDir] : [])];
  const child: ChildProcess = spawn(process.execPath, [...args, '--host', '127.0.0.1', '--port', '0'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let log = '';
  child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const stop = (): void => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  };
  process.once('exit', stop);
  const start = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite ${mode} exited (${child.exitCode}):\n${log}`);
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(log)?.[0];
    if (url !== undefined && (await fetch(`${url}/`).then((r) => r.ok, () => false))) return { url, stop };
    if (Date.now() - start > 60_000) {
      stop();
      throw new Error(`vite ${mode} did not answer in 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
