import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '../eval/backend.js';
import { percentile, speedRatios, type SpeedRow } from './speed.js';
import { parseSize, speedMain, type SpeedResult } from './speedCli.js';
import { makeRandomModel } from '../imaging/testFixtures.js';

describe('speed bench (smoke: headless Chromium, random tiny model, 64x36 input)', () => {
  let dir = '';
  let result: SpeedResult;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swiftsr-speed-test-'));
    await setupBackend('cpu');
    const model = await makeRandomModel('tiny');
    result = await speedMain(['--backends', 'wasm,webgpu', '--sizes', '64x36', '--models', model, '--peers', 'slim', '--peer-backends', 'wasm', '--onnx', 'tiny', '--onnx-backends', 'wasm', '--iterations', '2', '--budget-s', '1', '--max-frame-s', '60', '--pipeline-measure-s', '2', '--out', join(dir, 'out')]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('times canvas bicubic, our model and the peer on each backend, producing 4x images', () => {
    const cells = result.rows.map((r) => `${r.backend}/${r.subject}/${r.status}`);
    expect(cells).toEqual(['canvas/canvas-bicubic/ok', 'wasm/tiny/ok', 'wasm/ort-wasm-tiny/ok', 'wasm/upscalerjs-esrgan-slim/ok', 'webgpu/tiny/ok']);
    for (const r of result.rows) {
      expect(r.samples).toBeGreaterThanOrEqual(1);
      expect(r.medianMs).toBeGreaterThan(0);
      expect(r.p95Ms).toBeGreaterThanOrEqual(r.medianMs ?? Infinity);
      expect(r.outputShape?.slice(1, 3)).toEqual([144, 256]);
    }
    // The ONNX export run by onnxruntime-web computes what TF.js computes, on both execution providers.
    for (const r of result.rows.filter((x) => x.kind === 'onnx')) {
      expect(r.check?.psnrDb).toBeGreaterThanOrEqual(40);
      expect(r.check?.maxAbsDiff).toBeLessThan(1e-3);
    }
    const tiny = result.rows.find((r) => r.subject === 'tiny');
    expect(tiny?.macs).toBeGreaterThan(0);
    expect(tiny?.gflops).toBeGreaterThan(0);
  });

  it('runs the full SwiftSRReceiver pipeline on WebGPU, with and without the model', () => {
    expect(result.pipeline.map((p) => `${p.requestedBackend}/${p.subject}/${p.enabled}`)).toEqual(['webgpu/tiny/true', 'webgpu/receiver-bicubic/false']);
    const sr = result.pipeline[0];
    expect(sr?.framesPainted).toBeGreaterThan(0);
    expect(sr?.latencyMsP50).toBeGreaterThan(0);
    expect(sr?.modelOnlyMedianMs).toBeGreaterThan(0);
    expect(sr?.overheadRatio).toBeGreaterThan(0);
  });

  it('reports which adapter WebGPU used and ratios from the same run', async () => {
    expect(result.backends.map((b) => b.backend)).toEqual(['wasm', 'webgpu']);
    expect(result.backends[1]?.adapter).toBeTruthy();
    const wasm = result.ratios.find((q) => q.backend === 'wasm');
    expect(wasm?.timesBicubic).toBeGreaterThan(0);
    expect(wasm?.speedupVs['upscalerjs-esrgan-slim']).toBeGreaterThan(0);
    expect(wasm?.ortOverTfjs).toBeGreaterThan(0);
    const md = await readFile(join(dir, 'out', 'speed.md'), 'utf8');
    expect(md).toContain('| wasm | tiny | 64x36 |');
  });
});

describe('speed helpers', () => {
  it('percentile picks nearest-rank values', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 95)).toBe(5);
    expect(percentile([7], 95)).toBe(7);
  });
  it('parses sizes and rejects bad ones', () => {
    expect(parseSize('480x270')).toEqual([480, 270]);
    expect(() => parseSize('480')).toThrow(RangeError);
  });
  it('computes ratios only between ok cells of the same backend and size', () => {
    const base = { kind: 'swiftsr', width: 8, height: 8, status: 'ok', macs: 1, warmupMs: 1, p95Ms: 1, samples: 1, gflops: 1 } as const;
    const rows: SpeedRow[] = [
      { ...base, backend: 'canvas', subject: 'canvas-bicubic', kind: 'canvas-bicubic', medianMs: 2 },
      { ...base, backend: 'wasm', subject: 'tiny', medianMs: 10 },
      { ...base, backend: 'wasm', subject: 'upscalerjs-esrgan-slim', kind: 'upscalerjs', medianMs: 50 },
      { ...base, backend: 'webgl', subject: 'upscalerjs-esrgan-slim', kind: 'upscalerjs', medianMs: 1 },
      { ...base, backend: 'wasm', subject: 'ort-wasm-tiny', kind: 'onnx', medianMs: 15 },
      { ...base, backend: 'webgpu', subject: 'ort-webgpu-tiny', kind: 'onnx', medianMs: 1 },
    ];
    expect(speedRatios(rows)).toEqual([{ backend: 'wasm', width: 8, height: 8, subject: 'tiny', timesBicubic: 5, speedupVs: { 'upscalerjs-esrgan-slim': 5 }, ortOverTfjs: 1.5 }]);
  });
});
