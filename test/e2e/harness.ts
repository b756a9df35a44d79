import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from '../browser/buildPages.js';
import { makeY4m } from '../../scripts/demoMedia.js';
import { runIsolated } from '../../scripts/netns.js';
import { SCENARIO_RESULT, type ScenarioOptions, type ScenarioReport } from './callScenario.js';

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
  return runIsolated<ScenarioReport>(join(ROOT, 'test/e2e/callScenarioMain.ts'), [JSON.stringify(options)], SCENARIO_RESULT, timeoutMs, ROOT, (line) => {
    if (line.startsWith('[e2e ')) console.log(line);
  });
}
