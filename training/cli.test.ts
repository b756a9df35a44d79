import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGenerator } from '../src/model/index.js';
import { parseTrainArgs } from './cli.js';
import { readCheckpoint, readCheckpointHeader } from './train/checkpoint.js';
import { setupBackend } from './tf/backend.js';
import { train } from './train/loop.js';

const ROOT = join(import.meta.dirname, '..');
// `node --import tsx` rather than the tsx CLI: one process, so signals reach the trainer itself.
const TSX = ['--import', 'tsx'];
let dir: string;
let data: string;

/** Smooth random-ish RGB images, 40..56 px: enough structure for a few training steps. */
async function makeImages(folder: string, n: number): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (let k = 0; k < n; k++) {
    const w = 40 + 4 * k;
    const h = 56 - 4 * k;
    const px = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = 128 + 100 * Math.sin(x * (0.2 + 0.05 * k) + c) * Math.cos(y * (0.3 - 0.03 * k));
      }
    }
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(join(folder, `img${k}.png`));
  }
}

const base = (out: string, extra: string[] = []) => [
  '--data', data, '--variant', 'tiny', '--out', out, '--backend', 'cpu', '--batch', '2', '--patch', '16',
  '--schedule', 'constant', '--warmup', '1', '--val-every', '2', '--ckpt-every', '2', '--quiet', ...extra,
];

function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [...TSX, join(ROOT, 'training', 'cli.ts'), 'train', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return Object.assign(child, { stderrText: () => stderr });
}

async function waitForCheckpoint(child: ReturnType<typeof spawnCli>, path: string, minStep: number, timeoutMs = 90_000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`trainer exited with ${child.exitCode}: ${child.stderrText()}`);
    if (existsSync(path)) {
      const h = await readCheckpointHeader(path).catch(() => null);
      const step = h?.['step'];
      if (typeof step === 'number' && step >= minStep) return step;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no checkpoint at step ${minStep} in ${path}; trainer stderr: ${child.stderrText()}`);
}

async function weightsOf(path: string): Promise<Map<string, number[]>> {
  const c = await readCheckpoint(path);
  return new Map([...c.tensors].map(([k, t]) => [k, Array.from(t.dataSync())]));
}

beforeAll(async () => {
  await setupBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'swiftsr-train-'));
  data = join(dir, 'data');
  await makeImages(data, 5);
});

describe('trainer', () => {
  it('trains a tiny model, exports loadable weights with provenance, and resumes exactly', async () => {
    const a = join(dir, 'a');
    const r = await train(parseTrainArgs(base(a, ['--steps', '4'])));
    expect(r).toMatchObject({ step: 4, stopped: 'done' });
    expect(r.valPsnr).toBeGreaterThan(10);
    const meta = JSON.parse(await readFile(join(a, 'swiftsr.json'), 'utf8')) as { variant: string; provenance: Record<string, unknown> };
    expect(meta.variant).toBe('tiny');
    expect(meta.provenance).toMatchObject({ steps: 4, seed: 1, phase: 'psnr', trainImages: 4 });
    const g = await loadGenerator(a);
    expect(g.config.scale).toBe(4);
    g.dispose();

    const b = join(dir, 'b');
    await train(parseTrainArgs(base(b, ['--steps', '2'])));
    await train(parseTrainArgs(base(b, ['--steps', '4', '--resume'])));
    const wa = await weightsOf(`${a}.ckpt`);
    const wb = await weightsOf(`${b}.ckpt`);
    expect([...wb.keys()].sort()).toEqual([...wa.keys()].sort());
    for (const [k, v] of wa) expect(wb.get(k), k).toEqual(v);
    const hb = (await readCheckpoint(`${b}.ckpt`)).header;
    const ha = (await readCheckpoint(`${a}.ckpt`)).header;
    expect(hb['rng']).toEqual(ha['rng']);
    expect(hb['step']).toBe(4);
  });

  it('survives kill -9 (loses at most one checkpoint interval) and resumes to the end', async () => {
    const out = join(dir, 'k');
    const child = spawnCli(base(out, ['--steps', '400']));
    const seen = await waitForCheckpoint(child, `${out}.ckpt`, 4);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const c = await readCheckpoint(`${out}.ckpt`);
    const step = c.header['step'] as number;
    expect(step).toBeGreaterThanOrEqual(seen);
    const r = await train(parseTrainArgs(base(out, ['--steps', String(step + 2), '--resume'])));
    expect(r.step).toBe(step + 2);
  });

  it('Ctrl-C (SIGINT) saves a checkpoint and the model, then exits with 130', async () => {
    const out = join(dir, 's');
    const child = spawnCli(base(out, ['--steps', '400']));
    const seen = await waitForCheckpoint(child, `${out}.ckpt`, 2);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(130);
    const step = (await readCheckpoint(`${out}.ckpt`)).header['step'] as number;
    expect(step).toBeGreaterThanOrEqual(seen);
    expect(existsSync(join(out, 'swiftsr.json'))).toBe(true);
  });

  it('rejects bad options and data with clear messages', () => {
    expect(() => parseTrainArgs(['--data', data, '--variant', 'tiny'])).toThrow(/--out/);
    expect(() => parseTrainArgs(base(join(dir, 'x'), ['--loss', 'l3']))).toThrow(/--loss must be one of/);
    const r = spawnSync(process.execPath, [...TSX, join(ROOT, 'training', 'cli.ts'), 'train', ...base(join(dir, 'y')).map((a) => (a === data ? join(dir, 'missing') : a))], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/data folder not found/);
  });
});
