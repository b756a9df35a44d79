import { appendFile, mkdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getVariant, initGeneratorWeights, saveGenerator, sameConfig, type GeneratorConfig } from '../../src/model/index.js';
import { listImages, loadPair, type ImagePair } from '../../imaging/imageSet.js';
import { PatchSampler } from '../data/dataset.js';
import type { RgbImage } from '../../imaging/image.js';
import { Rng } from '../data/rng.js';
import { vp8RoundTrip } from '../../imaging/vp8Intra.js';
import { evaluateImages } from '../../eval/evaluate.js';
import { setupBackend } from '../tf/backend.js';
import { ADAM_DEFAULTS, cosineLr, plateauUpdate, type PlateauState } from './adam.js';
import { CheckpointError, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { GeneratorState } from './GeneratorState.js';
import { psnrPhase, type Phase } from './phases.js';
import { Progress } from './progress.js';
import { generatorWeightsFrom, restoreAdam, stateTensors } from './stateIO.js';
import { RESUME_OVERRIDABLE, TRAIN_DEFAULTS, type TrainOptions } from './options.js';

export interface TrainResult {
  readonly step: number;
  readonly stopped: 'done' | 'signal' | 'time';
  readonly valPsnr: number | null;
}

/** Splits files into train/validation deterministically: every k-th image is held out. */
export function splitValidation(files: readonly string[], split: number, max: number): { train: string[]; val: string[] } {
  if (split <= 0 || files.length < 2) return { train: [...files], val: [] };
  const k = Math.max(2, Math.round(1 / split));
  const val = files.filter((_, i) => i % k === k - 1).slice(0, max);
  if (val.length === 0 && files[files.length - 1] !== undefined) val.push(files[files.length - 1] as string);
  return { train: files.filter((f) => !val.includes(f)), val };
}

type PhaseFactory = (g: GeneratorState, opts: TrainOptions) => Promise<Phase>;

/**
 * The training loop shared by both phases: seeded crops, schedule, validation, atomic checkpoints,
 * exact resume, and a clean stop (save + export) on SIGINT/SIGTERM or a time limit.
 */
export async function train(cli: TrainOptions, makePhase: PhaseFactory = (g, o) => Promise.resolve(psnrPhase(g, o)), log: Progress['log'] | null = null): Promise<TrainResult> {
  let opts = cli;
  let resumed: Awaited<ReturnType<typeof readCheckpoint>> | null = null;
  // The backend is never taken from a checkpoint (it may change between runs): set it up first.
  await setupBackend(cli.backend);
  if (cli.resume) {
    resumed = await readCheckpoint(cli.checkpoint);
    const stored = resumed.header['options'] as TrainOptions | undefined;
    if (stored === undefined) throw new CheckpointError(`${cli.checkpoint} has no options`);
    const overrides = Object.fromEntries(RESUME_OVERRIDABLE.map((k) => [k, cli[k]]));
    // Defaults first: checkpoints written before an option existed resume with its default.
    opts = { ...TRAIN_DEFAULTS, ...stored, ...overrides };
  }
  const variant = getVariant(opts.variant);
  const config: GeneratorConfig = variant.config;
  const files = await listImages(opts.data);
  const { train: trainFiles, val } = splitValidation(files, opts.valSplit, opts.valMax);
  const progress = new Progress(opts.steps, 0, process.stderr, 10);
  const say = log ?? ((m: string) => opts.quiet || progress.log(m));
  const vp8 = opts.vp8;
  const lrVariants = vp8.length === 0 ? undefined : async (p: ImagePair): Promise<RgbImage[]> => {
    const out = opts.vp8Clean ? [p.lr] : [];
    for (const q of vp8) out.push(await vp8RoundTrip(p.lr, q));
    return out;
  };
  if (lrVariants !== undefined) say(`VP8-compressing the LR images at Q ${vp8.join(', ')}${opts.vp8Clean ? ' (+ clean)' : ''} (cached in the OS temp folder)`);
  const sampler = await PatchSampler.create(trainFiles, { scale: config.scale, patch: opts.patch, augment: true, minStd: opts.minStd, skipSmall: opts.skipSmall, onSkip: say, ...(lrVariants === undefined ? {} : { lrVariants }) });

  let startStep = 0;
  let rng = new Rng(opts.seed);
  let plateau: PlateauState = { best: -Infinity, bad: 0, factor: 1 };
  let weights;
  if (resumed !== null) {
    const h = resumed.header;
    if (h['variant'] !== opts.variant || !sameConfig(h['config'] as GeneratorConfig, config)) throw new CheckpointError(`checkpoint is for variant ${String(h['variant'])}, not ${opts.variant}`);
    startStep = h['step'] as number;
    rng = new Rng(h['rng'] as number[]);
    plateau = (h['plateau'] as PlateauState | undefined) ?? plateau;
    weights = generatorWeightsFrom(resumed.tensors);
  } else if (opts.init !== null) {
    const init = await readCheckpoint(opts.init);
    if (init.header['variant'] !== opts.variant) throw new CheckpointError(`--init ${opts.init} is for variant ${String(init.header['variant'])}, not ${opts.variant}`);
    weights = generatorWeightsFrom(init.tensors);
    for (const t of init.tensors.values()) if (![...weights.values()].includes(t)) t.dispose();
  } else {
    weights = initGeneratorWeights(config, opts.seed, { finalScale: config.skip === 'none' ? 1 : opts.finalScale });
  }
  const adamOpts = { ...ADAM_DEFAULTS, weightDecay: opts.optimizer === 'adamw' ? opts.weightDecay : 0 };
  const g = new GeneratorState(config, weights, adamOpts);
  for (const t of weights.values()) t.dispose();
  const phase = await makePhase(g, opts);
  if (resumed !== null) {
    restoreAdam(g.adam, resumed.tensors, 'g', resumed.header['adamStep'] as number);
    const extra = new Map([...resumed.tensors].filter(([k]) => k.startsWith('x/')).map(([k, t]) => [k.slice(2), t]));
    phase.restore(extra, resumed.header);
    for (const [k, t] of resumed.tensors) if (!k.startsWith('g/m/') && !k.startsWith('g/v/') && !k.startsWith('x/')) t.dispose();
    say(`resumed ${opts.checkpoint} at step ${startStep}`);
  }
  await mkdir(dirname(resolve(opts.checkpoint)), { recursive: true });
  const logFile = `${opts.checkpoint.replace(/\.ckpt$/, '')}.log.jsonl`;
  say(`training ${opts.variant} (${opts.phase}) on ${trainFiles.length} images, validating on ${val.length}; backend ${opts.backend}; batch ${opts.batch}x${opts.patch}px`);

  let valPsnr: number | null = null;
  let bicubicPsnr: number | null = null;
  const validate = async (): Promise<number | null> => {
    if (val.length === 0) return null;
    const r = await evaluateImages((x) => g.forward(x, false), val, config.scale);
    bicubicPsnr = r.mean.bicubic.psnrY;
    return r.mean.model.psnrY;
  };
  const saveCkpt = async (step: number): Promise<void> => {
    const tensors = stateTensors(g);
    for (const [k, t] of phase.extraTensors()) tensors.set(`x/${k}`, t);
    await writeCheckpoint(opts.checkpoint, {
      format: 'swiftsr-checkpoint', version: 1, variant: opts.variant, config, step, adamStep: g.adam.step,
      rng: rng.state, plateau, options: opts, valPsnr, ...phase.extraHeader(),
    }, tensors);
  };
  const exportModel = async (step: number): Promise<void> => {
    await saveGenerator(opts.out, {
      variant: opts.variant, config, weights: g.weights(),
      provenance: {
        trainer: 'swiftsr training/cli.ts', phase: opts.phase, steps: step, seed: opts.seed, batch: opts.batch, patch: opts.patch,
        lr: opts.lr, schedule: opts.schedule, optimizer: opts.optimizer, backend: opts.backend,
        data: opts.data.map((d) => basename(resolve(d))), trainImages: trainFiles.length, valImages: val.map((f) => basename(f)),
        ...(vp8.length === 0 ? {} : { lrDegradation: { codec: 'VP8 intra frame, libvpx realtime cpu-used 8, 4:2:0', quantizers: vp8, clean: opts.vp8Clean } }),
        ...(opts.init === null ? {} : { init: basename(opts.init) }),
        checkpoint: basename(opts.checkpoint), valPsnrY: valPsnr, valBicubicPsnrY: bicubicPsnr, finishedAt: new Date().toISOString(),
        ...phase.describe(),
      },
    });
  };

  let stop: 'signal' | null = null;
  const onSignal = (): void => {
    if (stop !== null) process.exit(130);
    stop = 'signal';
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const deadline = opts.maxSeconds > 0 ? Date.now() + opts.maxSeconds * 1000 : Infinity;
  // Warm the image cache before timing steps.
  await Promise.all(val.map((f) => loadPair(f, config.scale)));
  let step = startStep;
  let stopped: TrainResult['stopped'] = 'done';
  try {
    while (step < opts.steps) {
      const base = opts.schedule === 'cosine' ? cosineLr(step, opts.steps, opts.lr, opts.warmup) : opts.lr * (step < opts.warmup ? (step + 1) / opts.warmup : 1);
      const lr = opts.schedule === 'plateau' ? base * plateau.factor : base;
      const batch = sampler.sample(opts.batch, rng);
      const { loss, parts } = await phase.step(batch, lr);
      if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at step ${step + 1}; lower --lr`);
      step++;
      let extra = valPsnr === null ? '' : `val ${valPsnr.toFixed(2)} dB`;
      if (step % opts.valEvery === 0 || step === opts.steps) {
        valPsnr = await validate();
        if (valPsnr !== null) {
          plateau = plateauUpdate(plateau, valPsnr, opts.patience);
          extra = `val ${valPsnr.toFixed(2)} dB (bicubic ${(bicubicPsnr ?? NaN).toFixed(2)})`;
        }
      }
      if (!opts.quiet) progress.update(step, loss, extra);
      if (step % 10 === 0 || step % opts.valEvery === 0) {
        await appendFile(logFile, `${JSON.stringify({ step, loss, lr, ...(parts ?? {}), ...(step % opts.valEvery === 0 ? { valPsnr, bicubicPsnr } : {}), t: Date.now() })}\n`);
      }
      if (step % opts.ckptEvery === 0) await saveCkpt(step);
      await new Promise((r) => setImmediate(r));
      if (stop !== null) {
        stopped = 'signal';
        break;
      }
      if (Date.now() > deadline) {
        stopped = 'time';
        break;
      }
    }
    await saveCkpt(step);
    await exportModel(step);
    say(`${stopped === 'done' ? 'finished' : 'stopped'} at step ${step}: checkpoint ${opts.checkpoint}, model ${opts.out}`);
    return { step, stopped, valPsnr };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    phase.dispose();
    g.dispose();
    void tf;
  }
}
