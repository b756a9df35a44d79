import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { degradeClip, type CallClip } from '../imaging/callDegrade.js';
import { quantize } from '../imaging/image.js';
import { imresize } from '../imaging/imresize.js';
import { makeRandomModel, makeTestClip } from '../imaging/testFixtures.js';
import { setupBackend } from './backend.js';
import { evaluateCall } from './callEval.js';

const ROOT = join(import.meta.dirname, '..');
let clip: string;
let coded: CallClip;

beforeAll(async () => {
  await setupBackend('cpu');
  clip = await makeTestClip(await mkdtemp(join(tmpdir(), 'swiftsr-calleval-')), 128, 72, 20);
  coded = await degradeClip({ source: clip, scale: 4, degradation: { codec: 'vp8', kbps: 30 }, frames: 20, fps: 30, scored: [5, 10, 15] });
});

describe('call-degraded evaluation', () => {
  it('model and bicubic upscale the same decoded LR, scored against the clean source frame', () => {
    // A "model" that is bicubic itself must score exactly like bicubic: both saw the same LR.
    const bicubicModel = evaluateCall((lr) => quantize(imresize(lr, 4)), coded, 4);
    expect(bicubicModel.perImage.map((r) => r.model)).toEqual(bicubicModel.perImage.map((r) => r.bicubic));
    // The same clip without the codec (decoded LR = the sender's clean downscale) scores higher.
    const uncoded: CallClip = { ...coded, lr: coded.lrClean };
    const clean = evaluateCall((lr) => quantize(imresize(lr, 4)), uncoded, 4);
    // (At 32x18 bicubic x4 is poor either way, so only the difference is pinned, not its sign.)
    expect(clean.mean.bicubic.psnrY).not.toBeCloseTo(bicubicModel.mean.bicubic.psnrY, 2);
    expect(bicubicModel.perImage.every((r) => r.lrPsnrY > 15 && r.lrPsnrY < 45)).toBe(true);
    expect(clean.perImage.every((r) => r.lrPsnrY === Infinity)).toBe(true);
  });

  it('npm run eval --degrade writes the report and the swiftsr.json key call:<codec>@<rate>/<clip>', async () => {
    const model = await makeRandomModel('tiny');
    const args = ['--import', 'tsx', join(ROOT, 'eval', 'cli.ts'), 'eval', '--model', model, '--data', clip, '--degrade', 'call:vp8@30', '--frames', '20', '--score-every', '5', '--label', 'testsrc', '--backend', 'cpu', '--write-metrics'];
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    type Metrics = { psnrY: number; ssimY: number };
    const report = JSON.parse(r.stdout) as { dataset: string; degrade: { codec: string; targetKbps: number; kbps: number; lrSize: string; scoredFrames: number[] }; images: { image: string; lrPsnrY: number; model: Metrics; bicubic: Metrics }[]; mean: { images: number; model: Metrics; bicubic: Metrics } };
    expect(report.dataset).toBe('call:vp8@30/testsrc');
    expect(report.degrade).toMatchObject({ codec: 'vp8', targetKbps: 30, lrSize: '32x18', scoredFrames: [5, 10, 15] });
    expect(report.images.map((i) => i.image)).toEqual(['frame 5', 'frame 10', 'frame 15']);
    // The CLI's bicubic column is the library's on the same frames.
    const lib = evaluateCall((lr) => quantize(imresize(lr, 4)), coded, 4);
    report.images.forEach((img, k) => expect(img.bicubic.psnrY).toBeCloseTo(lib.perImage[k]?.bicubic.psnrY ?? 0, 2));
    expect(report.mean.model.psnrY).toBeGreaterThan(10);
    const meta = JSON.parse(await readFile(join(model, 'swiftsr.json'), 'utf8')) as { metrics: Record<string, { model: Metrics; degrade: { kbps: number } }> };
    expect(meta.metrics['call:vp8@30/testsrc']?.model.psnrY).toBeCloseTo(report.mean.model.psnrY, 3);
    expect(meta.metrics['call:vp8@30/testsrc']?.degrade.kbps).toBeGreaterThan(0);
  });

  it('rejects a malformed --degrade and call flags without it', () => {
    const run = (extra: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'eval', 'cli.ts'), 'eval', '--model', 'm', '--data', clip, ...extra], { cwd: ROOT, encoding: 'utf8' });
    const bad = run(['--degrade', 'call:av1@300']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--degrade must be call:<codec>@<kbit\/s>/);
    expect(run(['--frames', '20']).stderr).toMatch(/need --degrade/);
  });
});
