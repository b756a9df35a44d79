import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from '../browser/buildPages.js';
import { makeY4m } from '../../scripts/demoMedia.js';
import { spawnInNetns } from '../../scripts/netns.js';
import type { ScenarioOptions, ScenarioReport } from './callScenario.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const E2E_OUT = join(ROOT, 'test/.out/e2e');
const PAGES = join(ROOT, 'test/.out/demo-pages');

/** Builds the demo pages into test/.out (not dist/demo, which a running demo may be serving), once per source change. */
export function ensureDemoPages(): Promise<string> {
  mkdirSync(E2E_OUT, { recursive: true });
  return buildOnce({
    sources: ['demo', 'src', 'signaling-server', 'vite.demo.config.ts'],
    configFile: 'vite.demo.config.ts',
    outDir: PAGES,
    marker: 'receiver/index.html',
    overrides: { build: { outDir: PAGES, emptyOutDir: true, sourcemap: false } },
  });
}

/** A still frame of ffmpeg's testsrc2 (colour bars, gradients, text): sharp edges a wrong upscale would blur. */
export async function stillY4m(): Promise<string> {
  // 1 fps: every receiver paints each frame at 1080p through SwiftShader on two cores; at 30 fps the GPU
  // process saturates and the pages stop answering.
  const out = join(E2E_OUT, 'still-480x270-1fps.y4m');
  if (!existsSync(out)) await makeY4m(out, { source: null, frames: 2, fps: 1, still: true });
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

