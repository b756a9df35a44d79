import type { BackendName } from '../tf/backend.js';
import type { ScheduleKind } from './adam.js';
import type { PixelLoss } from './GeneratorState.js';

export interface TrainOptions {
  readonly data: readonly string[];
  readonly variant: string;
  readonly out: string;
  /** Default `<out>.ckpt` (next to the model folder, which export replaces as a whole). */
  readonly checkpoint: string;
  readonly phase: 'psnr' | 'gan';
  readonly steps: number;
  readonly batch: number;
  readonly patch: number;
  readonly lr: number;
  readonly loss: PixelLoss;
  readonly optimizer: 'adam' | 'adamw';
  readonly weightDecay: number;
  readonly schedule: ScheduleKind;
  readonly warmup: number;
  readonly patience: number;
  readonly seed: number;
  readonly valEvery: number;
  readonly ckptEvery: number;
  /** Fraction of the images held out for validation (at least one image when > 0). */
  readonly valSplit: number;
  readonly valMax: number;
  readonly minStd: number;
  readonly skipSmall: boolean;
  readonly backend: BackendName;
  readonly workers: number;
  readonly resume: boolean;
  /** Model folder or checkpoint to start from (GAN fine-tuning starts from a PSNR model). */
  readonly init: string | null;
  /** Multiplier for the last conv's init with a skip (small = start near the plain upsampling). */
  readonly finalScale: number;
  readonly mobilenet: string;
  readonly featureLayers: readonly string[];
  readonly advWeight: number;
  readonly percWeight: number;
  readonly tvWeight: number;
  readonly dLr: number;
  /** Discriminator width multiplier (1 = the paper's 64..512 features). */
  readonly dWidth: number;
  /** Stop after this many seconds (then save and export), 0 = no limit. */
  readonly maxSeconds: number;
  readonly quiet: boolean;
  /** VP8 quantizers for codec-compressed LR crops (one intra frame per image and Q); empty = clean LR only. */
  readonly vp8: readonly number[];
  /** With `vp8`: the clean LR is one more variant, drawn as often as each quantizer. */
  readonly vp8Clean: boolean;
}

export const TRAIN_DEFAULTS: Omit<TrainOptions, 'data' | 'variant' | 'out' | 'checkpoint'> = {
  phase: 'psnr',
  steps: 2000,
  batch: 16,
  patch: 96,
  lr: 1e-3,
  loss: 'l1',
  optimizer: 'adam',
  weightDecay: 0,
  schedule: 'cosine',
  warmup: 50,
  patience: 5,
  seed: 1,
  valEvery: 100,
  ckptEvery: 100,
  valSplit: 0.05,
  valMax: 5,
  minStd: 0.01,
  skipSmall: false,
  backend: 'wasm',
  workers: 1,
  resume: false,
  init: null,
  finalScale: 0.1,
  mobilenet: '../shared/weights/mobilenet_v2/tm_export_0.35_224/model.json',
  featureLayers: ['block_3_expand_relu'],
  advWeight: 1e-3,
  percWeight: 6e-3,
  tvWeight: 2e-8,
  dLr: 1e-4,
  dWidth: 1,
  maxSeconds: 0,
  quiet: false,
  vp8: [],
  vp8Clean: false,
};

/** Options that may differ between a run and its resumption without changing the trajectory. */
export const RESUME_OVERRIDABLE: readonly (keyof TrainOptions)[] = ['steps', 'valEvery', 'ckptEvery', 'backend', 'out', 'checkpoint', 'resume', 'maxSeconds', 'quiet', 'workers'];
