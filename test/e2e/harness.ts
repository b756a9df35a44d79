import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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

/**
 * A still, smooth picture as a 1 fps I420 .y4m (BT.601 limited range, what Chromium's fake camera reads):
 * gradients and waves of a few dozen pixels at 270p, no sharp edges, so the sender's downscale (libyuv)
 * and the test's reference downscale agree whatever their filters, and the score measures the receiver.
 */
export function smoothY4m(width: number, height: number): string {
  const out = join(E2E_OUT, `smooth-${width}x${height}-1fps.y4m`);
  if (existsSync(out)) return out;
  mkdirSync(E2E_OUT, { recursive: true });
  const cw = width >> 1;
  const ch = height >> 1;
  const rgb = (x: number, y: number): [number, number, number] => {
    const u = x / width;
    const v = y / height;
    return [
      0.5 + 0.35 * Math.sin(u * 9) * Math.cos(v * 7) + 0.1 * Math.sin(u * 40 + v * 25),
      0.2 + 0.6 * u + 0.1 * Math.cos(v * 30 - u * 12),
      0.3 + 0.5 * v * (0.6 + 0.4 * Math.sin(u * 5 + v * 3)),
    ];
  };
  const frame = new Uint8Array(width * height + 2 * cw * ch);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x + 0.5, y + 0.5);
      frame[y * width + x] = Math.round(16 + 219 * (0.299 * r + 0.587 * g + 0.114 * b));
    }
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const [r, g, b] = rgb(2 * x + 1, 2 * y + 1);
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      frame[width * height + y * cw + x] = Math.round(128 + 224 * ((b - luma) / 1.772));
      frame[width * height + cw * ch + y * cw + x] = Math.round(128 + 224 * ((r - luma) / 1.402));
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F1:1 Ip A1:1 C420jpeg\n`);
  const tag = Buffer.from('FRAME\n');
  writeFileSync(out, Buffer.concat([header, tag, frame, tag, frame]));
  return out;
}
