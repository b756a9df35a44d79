import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { makeY4m } from '../../scripts/demoMedia.js';
import { spawnInNetns } from '../../scripts/netns.js';
import type { ScenarioOptions, ScenarioReport } from './callScenario.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const E2E_OUT = join(ROOT, 'test/.out/e2e');
const PAGES = join(ROOT, 'test/.out/demo-pages');
const LOCK = join(ROOT, 'test/.out/demo-pages.lock');
const STAMP = join(ROOT, 'test/.out/demo-pages.stamp');

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

/** Builds the demo pages into test/.out (not dist/demo, which a running demo may be serving), once per source change. */
export async function ensureDemoPages(): Promise<string> {
  mkdirSync(E2E_OUT, { recursive: true });
  const sources = Math.max(newest(join(ROOT, 'demo')), newest(join(ROOT, 'src')), newest(join(ROOT, 'signaling-server')), statSync(join(ROOT, 'vite.demo.config.ts')).mtimeMs);
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (waited > 240_000) throw new Error(`stale lock ${LOCK}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const built = existsSync(STAMP) ? Number(readFileSync(STAMP, 'utf8')) : 0;
    if (built < sources || !existsSync(join(PAGES, 'receiver/index.html'))) {
      await build({ configFile: join(ROOT, 'vite.demo.config.ts'), build: { outDir: PAGES, emptyOutDir: true, sourcemap: false } });
      writeFileSync(STAMP, String(sources));
    }
  } finally {
    rmdirSync(LOCK);
  }
  return PAGES;
}

/** A still frame of ffmpeg's testsrc2 (colour bars, gradients, text): sharp edges a wrong upscale would blur. */
export async function stillY4m(): Promise<string> {
  // 3 fps: every receiver paints each frame at 1080p through SwiftShader on two cores; at 30 fps the GPU
  // process saturates and the pages stop answering.
  const out = join(E2E_OUT, 'still-480x270-3fps.y4m');
  if (!existsSync(out)) await makeY4m(out, { source: null, frames: 3, fps: 3, still: true });
  return out;
}

/**
 * Runs one call scenario in a child process inside a fresh network namespace (only `lo`): WebRTC has
 * no other interface to pick, so nothing can leave the machine whatever the browser decides.
 */
export function runScenarioIsolated(options: ScenarioOptions, timeoutMs: number): Promise<ScenarioReport> {
  const args = ['--import', 'tsx', join(ROOT, 'test/e2e/callScenarioMain.ts'), JSON.stringify(options)];
  const child = spawnInNetns(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child === null) {
    return Promise.reject(new Error('cannot create a network namespace (unshare -n as root, or unshare -rn with unprivileged user namespaces); the WebRTC e2e tests need one to keep all traffic on this machine'));
  }
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  child.stderr?.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    err += text;
    for (const line of text.split('\n')) if (line.startsWith('[e2e ')) console.log(line);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`scenario timed out after ${timeoutMs} ms\n${err.slice(-4000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('SCENARIO_RESULT '));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice('SCENARIO_RESULT '.length)) as ScenarioReport);
      else reject(new Error(`scenario exited with ${String(code)}\n${err.slice(-4000)}`));
    });
  });
}

