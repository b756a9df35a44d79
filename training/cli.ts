import { parseArgs } from 'node:util';
import { parseQuantizers } from '../imaging/vp8Intra.js';
import { BACKENDS, type BackendName } from './tf/backend.js';
import { TRAIN_DEFAULTS, type TrainOptions } from './train/options.js';

/** `tsx training/cli.ts <train|bench> ...`: the TypeScript trainer (eval and upscale live in eval/cli.ts). */
export const USAGE = `usage:
  npm run train -- --data <dir>[,<dir>] --variant <name> --out models/<name> [options]
      --phase psnr|gan  --steps N  --batch N  --patch PX  --lr X  --loss l1|mse  --optimizer adam|adamw
      --weight-decay X  --schedule cosine|plateau|constant  --warmup N  --seed N  --val-every N
      --ckpt-every N  --checkpoint FILE (default <out>.ckpt)  --resume  --init FILE.ckpt  --backend ${BACKENDS.join('|')}
      --workers N  --max-seconds S  --min-std X  --skip-small  --val-split X  --mobilenet model.json  --feature-layers a,b
      --adv-weight X  --perc-weight X  --tv-weight X  --d-lr X  --d-width X  --quiet
      --vp8 Q[,Q...] (LR crops VP8-compressed at these quantizers, 0..63)  --vp8-clean (clean LR as one more variant)
  tsx training/cli.ts bench --variant <name> [--backend B] [--batch 16] [--patch 96] [--workers N] [--steps 2]`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function num(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${v}'`);
  return n;
}

function oneOf<T extends string>(v: string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

function parseVp8(s: string): number[] {
  try {
    return parseQuantizers(s);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;

export function parseTrainArgs(argv: string[]): TrainOptions {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      data: str, variant: str, out: str, checkpoint: str, phase: str, steps: str, batch: str, patch: str, lr: str, loss: str,
      optimizer: str, 'weight-decay': str, schedule: str, warmup: str, patience: str, seed: str, 'val-every': str, 'ckpt-every': str,
      'val-split': str, 'val-max': str, 'min-std': str, backend: str, workers: str, resume: bool, init: str, 'final-scale': str,
      mobilenet: str, 'feature-layers': str, 'adv-weight': str, 'perc-weight': str, 'tv-weight': str, 'd-lr': str, 'd-width': str,
      'max-seconds': str, quiet: bool, 'skip-small': bool, vp8: str, 'vp8-clean': bool,
    },
    strict: true,
  });
  if (v.data === undefined || v.variant === undefined || v.out === undefined) throw new UsageError('--data, --variant and --out are required');
  const d = TRAIN_DEFAULTS;
  const out = v.out.replace(/\/+$/, '');
  const opts: TrainOptions = {
    data: v.data.split(',').filter((s) => s.length > 0),
    variant: v.variant,
    out,
    checkpoint: v.checkpoint ?? `${out}.ckpt`,
    phase: oneOf(v.phase, 'phase', ['psnr', 'gan'], d.phase),
    steps: num(v.steps, 'steps', d.steps),
    batch: num(v.batch, 'batch', d.batch),
    patch: num(v.patch, 'patch', d.patch),
    lr: num(v.lr, 'lr', v.phase === 'gan' ? 1e-4 : d.lr),
    loss: oneOf(v.loss, 'loss', ['l1', 'mse'], v.phase === 'gan' ? 'mse' : d.loss),
    optimizer: oneOf(v.optimizer, 'optimizer', ['adam', 'adamw'], d.optimizer),
    weightDecay: num(v['weight-decay'], 'weight-decay', v.optimizer === 'adamw' ? 1e-4 : d.weightDecay),
    schedule: oneOf(v.schedule, 'schedule', ['cosine', 'plateau', 'constant'], d.schedule),
    warmup: num(v.warmup, 'warmup', d.warmup),
    patience: num(v.patience, 'patience', d.patience),
    seed: num(v.seed, 'seed', d.seed),
    valEvery: num(v['val-every'], 'val-every', d.valEvery),
    ckptEvery: num(v['ckpt-every'], 'ckpt-every', d.ckptEvery),
    valSplit: num(v['val-split'], 'val-split', d.valSplit),
    valMax: num(v['val-max'], 'val-max', d.valMax),
    minStd: num(v['min-std'], 'min-std', d.minStd),
    backend: oneOf<BackendName>(v.backend, 'backend', BACKENDS, d.backend),
    workers: num(v.workers, 'workers', d.workers),
    resume: v.resume === true,
    init: v.init ?? d.init,
    finalScale: num(v['final-scale'], 'final-scale', d.finalScale),
    mobilenet: v.mobilenet ?? d.mobilenet,
    featureLayers: v['feature-layers']?.split(',') ?? d.featureLayers,
    advWeight: num(v['adv-weight'], 'adv-weight', d.advWeight),
    percWeight: num(v['perc-weight'], 'perc-weight', d.percWeight),
    tvWeight: num(v['tv-weight'], 'tv-weight', d.tvWeight),
    dLr: num(v['d-lr'], 'd-lr', d.dLr),
    dWidth: num(v['d-width'], 'd-width', d.dWidth),
    maxSeconds: num(v['max-seconds'], 'max-seconds', d.maxSeconds),
    quiet: v.quiet === true,
    skipSmall: v['skip-small'] === true,
    vp8: v.vp8 === undefined ? d.vp8 : parseVp8(v.vp8),
    vp8Clean: v['vp8-clean'] === true,
  };
  if (opts.vp8Clean && opts.vp8.length === 0) throw new UsageError('--vp8-clean needs --vp8');
  for (const [k, val] of [['steps', opts.steps], ['batch', opts.batch], ['patch', opts.patch], ['val-every', opts.valEvery], ['ckpt-every', opts.ckptEvery], ['workers', opts.workers]] as const) {
    if (!Number.isInteger(val) || val < 1) throw new UsageError(`--${k} must be a positive integer, got ${val}`);
  }
  return opts;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'train': {
      const opts = parseTrainArgs(rest);
      const { runTrain } = await import('./train/runTrain.js');
      const r = await runTrain(opts);
      return r.stopped === 'signal' ? 130 : 0;
    }
    case 'bench': {
      const { runBench } = await import('./train/benchStep.js');
      return runBench(rest);
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return cmd === undefined || cmd === '--help' ? 0 : 2;
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\/training\//, '/training/'));
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = e as Error;
      const known = ['UsageError', 'DatasetError', 'CheckpointError', 'BackendError', 'ImageReadError', 'ModelLoadError', 'RangeError', 'CodecError'];
      process.stderr.write(`error: ${known.includes(err.name) && process.env['SWIFTSR_DEBUG'] === undefined ? err.message : (err.stack ?? String(err))}\n`);
      if (err.name === 'UsageError') process.stderr.write(`${USAGE}\n`);
      process.exit(1);
    },
  );
}
