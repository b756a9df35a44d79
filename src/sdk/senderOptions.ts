import { SENDER_ENCODINGS, type SendParameters, type SenderCodec, type SenderEncoding, type TrainBackend } from '../sender/protocol.js';
import { DEFAULT_MODEL_BASE_URL } from './options.js';

export interface SenderOptions {
  /** Catalogue name (models/index.json) of the model the receivers paint with: the base updates are deltas against. */
  model: string;
  /** Folder holding `index.json` and the model folders (as the receiver's option). */
  modelBaseUrl: string | URL;
  /** One model.json anywhere; overrides `model` + `modelBaseUrl`. */
  modelUrl: string | URL | null;
  /** Override the sender worker script URL (bundlers that cannot see `new URL(..., import.meta.url)`). */
  workerUrl: string | URL | null;
  /** TF.js backend for fine-tuning; 'auto' tries webgpu, webgl, cpu in turn (a name starts there). */
  backend: 'auto' | TrainBackend;
  /** Milliseconds of fine-tuning per second of call (each step is timed; the rest of the second is slept). */
  budgetMsPerSecond: number;
  /** LR crop side in pixels (the HR crop is scale times larger). */
  crop: number;
  /** Crops per training step. */
  batch: number;
  /** Each kept crop is the most detailed (HR gradient energy) of this many random candidates; 1: uniform crops. */
  cropCandidates: number;
  learningRate: number;
  /** How often a camera frame becomes a training / validation pair. */
  sampleIntervalMs: number;
  /** WebCodecs round trip of the LR at the current bitrate, so the model learns the codec's artefacts; null: clean LR. */
  codec: SenderCodec | null;
  /**
   * Update deltas: int4 (31.8 KB for lite48x8: updates every 17 s at 5 % of 300 kbit/s), int8 (51.3 KB, what
   * receivers without int4 accept) or fp16 (102 KB). bench/README.md "Online adaptation" measures the choice.
   */
  encoding: SenderEncoding;
  /** Update bytes per channel at most this share of the video bitrate. */
  maxUpdateShare: number;
  /** Publish only when held-back validation beats the last published weights by this many dB. */
  minGainDb: number;
  statsIntervalMs: number;
}

export type ResolvedSenderOptions = Readonly<SenderOptions>;

export const SENDER_DEFAULTS: ResolvedSenderOptions = Object.freeze({
  model: 'lite48x8',
  modelBaseUrl: DEFAULT_MODEL_BASE_URL,
  modelUrl: null,
  workerUrl: null,
  backend: 'auto',
  budgetMsPerSecond: 250,
  crop: 16,
  batch: 8,
  cropCandidates: 4,
  learningRate: 1e-3,
  sampleIntervalMs: 500,
  codec: 'vp8',
  encoding: 'int4',
  maxUpdateShare: 0.05,
  minGainDb: 0.05,
  statsIntervalMs: 1000,
});

const KNOWN: ReadonlySet<string> = new Set(Object.keys(SENDER_DEFAULTS));

function intIn(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`options.${name} must be an integer, got ${String(v)}`);
  if (v < min || v > max) throw new RangeError(`options.${name} must be in [${min}, ${max}], got ${v}`);
  return v;
}

function numIn(name: string, v: unknown, min: number, max: number, minOpen: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`options.${name} must be a finite number, got ${String(v)}`);
  if ((minOpen ? v <= min : v < min) || v > max) throw new RangeError(`options.${name} must be in ${minOpen ? '(' : '['}${min}, ${max}], got ${v}`);
  return v;
}

function oneOf<T>(name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new RangeError(`options.${name} must be one of ${allowed.map(String).join(', ')}, got ${String(v)}`);
  return v as T;
}

function url(name: string, v: unknown, nullable: boolean): string | URL | null {
  if (v === null && nullable) return null;
  if ((typeof v === 'string' && v.length > 0) || v instanceof URL) return v;
  throw new TypeError(`options.${name} must be a non-empty string or URL${nullable ? ' or null' : ''}`);
}

/** Merges over SENDER_DEFAULTS and validates; throws TypeError/RangeError naming the option. */
export function resolveSenderOptions(input: unknown = {}): ResolvedSenderOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('options must be an object');
  for (const key of Object.keys(input)) {
    if (!KNOWN.has(key)) throw new TypeError(`options.${key} is not a known option; known: ${[...KNOWN].join(', ')}`);
  }
  const o = { ...SENDER_DEFAULTS, ...(input as Partial<SenderOptions>) };
  if (typeof o.model !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(o.model)) throw new TypeError(`options.model must be a catalogue name, got ${String(o.model)}`);
  return Object.freeze({
    model: o.model,
    modelBaseUrl: url('modelBaseUrl', o.modelBaseUrl, false) as string | URL,
    modelUrl: url('modelUrl', o.modelUrl, true),
    workerUrl: url('workerUrl', o.workerUrl, true),
    backend: oneOf('backend', o.backend, ['auto', 'webgpu', 'webgl', 'cpu'] as const),
    budgetMsPerSecond: intIn('budgetMsPerSecond', o.budgetMsPerSecond, 1, 1000),
    crop: intIn('crop', o.crop, 8, 256),
    batch: intIn('batch', o.batch, 1, 64),
    cropCandidates: intIn('cropCandidates', o.cropCandidates, 1, 16),
    learningRate: numIn('learningRate', o.learningRate, 0, 0.1, true),
    sampleIntervalMs: intIn('sampleIntervalMs', o.sampleIntervalMs, 50, 60_000),
    codec: oneOf('codec', o.codec, ['vp8', 'vp9', 'h264', null] as const),
    encoding: oneOf('encoding', o.encoding, SENDER_ENCODINGS),
    maxUpdateShare: numIn('maxUpdateShare', o.maxUpdateShare, 0, 1, true),
    minGainDb: numIn('minGainDb', o.minGainDb, 0, 20, false),
    statsIntervalMs: intIn('statsIntervalMs', o.statsIntervalMs, 100, 60_000),
  });
}

/** setSendParameters()'s argument, checked: TypeError/RangeError naming the field. */
export function checkSendParameters(params: unknown): SendParameters {
  const { width, height, bitrateBps } = (params ?? {}) as Partial<Record<keyof SendParameters, unknown>>;
  for (const [name, v, max] of [['width', width, 7680], ['height', height, 4320]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`setSendParameters: ${name} must be an integer, got ${String(v)}`);
    if (v < 16 || v > max) throw new RangeError(`setSendParameters: ${name} must be in [16, ${max}], got ${v}`);
  }
  if (typeof bitrateBps !== 'number' || !Number.isFinite(bitrateBps)) throw new TypeError(`setSendParameters: bitrateBps must be a finite number, got ${String(bitrateBps)}`);
  if (bitrateBps < 10_000 || bitrateBps > 1e9) throw new RangeError(`setSendParameters: bitrateBps must be in [10000, 1e9], got ${bitrateBps}`);
  return { width: width as number, height: height as number, bitrateBps };
}
