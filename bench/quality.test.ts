import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '../eval/backend.js';
import { qualityMain, type QualityResult } from './qualityCli.js';
import { makeRandomModel, makeTestClip } from '../imaging/testFixtures.js';

/** A 64x64 test card: smooth gradient plus a sharp checker, so bicubic is measurably below perfect. */
async function writeCard(path: string, seed: number): Promise<void> {
  const px = new Uint8Array(64 * 64 * 3);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const i = (y * 64 + x) * 3;
      const check = ((x >> 2) + (y >> 2) + seed) % 2 === 0 ? 60 : 0;
      px[i] = 4 * x;
      px[i + 1] = 3 * y + check;
      px[i + 2] = 128 + check;
    }
  }
  await sharp(px, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(path);
}

describe('quality bench (smoke: generated images, random tiny model, UpscalerJS slim, cpu backend)', () => {
  let dir = '';
  let result: QualityResult;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swiftsr-quality-test-'));
    await mkdir(join(dir, 'Set5'));
    await writeCard(join(dir, 'Set5', 'a.png'), 0);
    await writeCard(join(dir, 'Set5', 'b.png'), 1);
    const clip = await makeTestClip(dir, 96, 64, 4);
    await setupBackend('cpu');
    const model = await makeRandomModel('tiny');
    result = await qualityMain(['--data-root', dir, '--sets', 'Set5', '--models', model, '--upscalerjs', 'slim', '--peer-sets', 'Set5', '--video', clip, '--video-frames', '3', '--backend', 'cpu', '--out', join(dir, 'out')]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scores bicubic, our model and the peer on every image', () => {
    expect(result.rows.map((r) => `${r.set}/${r.upscaler}/${r.kind}/${r.images}`).sort()).toEqual([
      'Set5/bicubic/bicubic/2',
      'Set5/tiny/swiftsr/2',
      'Set5/upscalerjs-esrgan-slim/upscalerjs/2',
    ]);
    for (const r of result.rows) {
      expect(r.psnrY).toBeGreaterThan(12);
      expect(r.psnrY).toBeLessThan(60);
      expect(r.ssimY).toBeGreaterThan(0.2);
      expect(r.ssimY).toBeLessThanOrEqual(1);
    }
  });

  it('measures flicker on consecutive frames for bicubic and each upscaler', () => {
    expect(result.flicker?.frames).toBe(3);
    expect(result.flicker?.rows.map((r) => r.upscaler)).toEqual(['bicubic', 'tiny', 'upscalerjs-esrgan-slim']);
    for (const r of result.flicker?.rows ?? []) {
      expect(r.gtMeanDiff).toBeGreaterThan(0);
      expect(r.flickerIndex).toBeCloseTo(r.srMeanDiff - r.gtMeanDiff, 9);
    }
  });

  it('writes the JSON and a markdown table with the paper footnote', async () => {
    const json = JSON.parse(await readFile(join(dir, 'out', 'quality.json'), 'utf8')) as QualityResult;
    expect(json.rows).toHaveLength(3);
    expect(json.run.command).toContain('npm run bench:quality -- --data-root');
    const md = await readFile(join(dir, 'out', 'quality.md'), 'utf8');
    expect(md).toMatch(/\| bicubic \| \d+\.\d\d \/ 0\.\d{4} \|/);
    expect(md).toContain('25.13 dB / 0.794');
  });
});
