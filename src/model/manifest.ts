import { ModelLoadError } from './ModelLoadError.js';
import type { GeneratorConfig } from './config.js';
import { validateConfig } from './weightSpec.js';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export const MODEL_FORMAT = 'swiftsr-weights';
export const FORMAT_VERSION = 1;
/** Shards stay under 4 MB, as tfjs-converter does, so browsers cache and fetch them in parallel. */
export const SHARD_BYTES = 4 * 1024 * 1024;
/** model.json and swiftsr.json are a few KB; anything over 1 MiB is refused unread (code 'too-large'). */
export const MAX_JSON_BYTES = 1024 * 1024;
/** The largest model is under 1 MB (one 4 MB shard); 256 allows any sane re-sharding (code 'too-large'). */
export const MAX_SHARDS = 256;

export interface WeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32';
}

/** model.json: a TF.js weights manifest without a topology; the architecture comes from swiftsr.json. */
export interface ModelJson {
  readonly format: typeof MODEL_FORMAT;
  readonly generatedBy: string;
  readonly modelTopology: null;
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: readonly WeightEntry[] }[];
}

export interface ShardInfo {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface SwiftSRMeta {
  readonly formatVersion: typeof FORMAT_VERSION;
  readonly variant: string;
  readonly config: GeneratorConfig;
  readonly scale: 2 | 3 | 4;
  readonly input: { readonly layout: 'NHWC'; readonly channels: 'RGB'; readonly range: readonly [0, 1] };
  readonly output: { readonly layout: 'NHWC'; readonly channels: 'RGB'; readonly range: readonly [0, 1] };
  readonly bnFolded: boolean;
  readonly shards: readonly ShardInfo[];
  /** How the weights were made: trainer run, dataset, seed, source checkpoint... (free-form). */
  readonly provenance: { readonly [key: string]: JsonValue };
  /** Measured quality (PSNR/SSIM per dataset...) filled by the trainer (free-form). */
  readonly metrics: { readonly [key: string]: JsonValue };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(what: string): never {
  throw new ModelLoadError('bad-manifest', what);
}

export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ModelLoadError('bad-manifest', `${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** Parses a manifest read with the MAX_JSON_BYTES cap (a longer read means the file is too large). */
export function parseJsonBytes(bytes: Uint8Array, file: string): unknown {
  if (bytes.length > MAX_JSON_BYTES) throw new ModelLoadError('too-large', `${file} is larger than ${MAX_JSON_BYTES} bytes`);
  return parseJson(new TextDecoder().decode(bytes), file);
}

/** A shard path is a plain file name: no directories, no URL tricks. */
function checkPath(p: unknown, file: string): string {
  if (typeof p !== 'string' || !/^[A-Za-z0-9._-]+$/.test(p) || p.startsWith('.')) bad(`${file}: bad shard path ${JSON.stringify(p)}`);
  return p;
}

/** Structure only; dtypes and shapes are checked against the architecture later, with their own codes. */
export function parseModelJson(raw: unknown): { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] } {
  if (!isObject(raw)) bad('model.json: not an object');
  if (raw.format !== MODEL_FORMAT) bad(`model.json: format must be '${MODEL_FORMAT}', got ${JSON.stringify(raw.format)}`);
  const groups = raw.weightsManifest;
  if (!Array.isArray(groups) || groups.length === 0) bad('model.json: weightsManifest must be a non-empty array');
  const paths: string[] = [];
  const weights: { name: string; shape: number[]; dtype: string }[] = [];
  for (const g of groups as unknown[]) {
    if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) bad('model.json: each weightsManifest group needs paths and weights');
    tooManyShards(paths.length + g.paths.length, 'model.json');
    for (const p of g.paths as unknown[]) paths.push(checkPath(p, 'model.json'));
    for (const w of g.weights as unknown[]) {
      if (!isObject(w) || typeof w.name !== 'string' || typeof w.dtype !== 'string' || !Array.isArray(w.shape)) bad('model.json: weight entries need name, shape and dtype');
      const shape = w.shape as unknown[];
      if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) bad(`model.json: '${w.name}' has a bad shape`);
      if (w.quantization !== undefined) bad(`model.json: '${w.name}' is quantized; only float32 is supported`);
      weights.push({ name: w.name, shape: shape as number[], dtype: w.dtype });
    }
  }
  if (weights.length === 0) bad('model.json: no weights');
  const names = new Set(weights.map((w) => w.name));
  if (names.size !== weights.length) bad('model.json: duplicate weight names');
  return { paths, weights };
}

function tooManyShards(n: number, file: string): void {
  if (n > MAX_SHARDS) throw new ModelLoadError('too-large', `${file} lists ${n} shards; at most ${MAX_SHARDS} are read`);
}

const isRange01 = (r: unknown): boolean => Array.isArray(r) && r.length === 2 && r[0] === 0 && r[1] === 1;

export function parseSwiftSRMeta(raw: unknown): SwiftSRMeta {
  if (!isObject(raw)) bad('swiftsr.json: not an object');
  if (raw.formatVersion !== FORMAT_VERSION) bad(`swiftsr.json: formatVersion must be ${FORMAT_VERSION}, got ${JSON.stringify(raw.formatVersion)}`);
  if (typeof raw.variant !== 'string' || raw.variant.length === 0) bad('swiftsr.json: variant must be a non-empty string');
  const c = raw.config;
  if (!isObject(c)) bad('swiftsr.json: config must be an object');
  const config = { scale: c.scale, channels: c.channels, blocks: c.blocks, skip: c.skip, tail: c.tail } as GeneratorConfig;
  try {
    validateConfig(config);
  } catch (e) {
    bad(`swiftsr.json: config: ${(e as Error).message}`);
  }
  if (raw.scale !== config.scale) bad('swiftsr.json: scale disagrees with config.scale');
  for (const key of ['input', 'output'] as const) {
    const io = raw[key];
    if (!isObject(io) || io.layout !== 'NHWC' || io.channels !== 'RGB' || !isRange01(io.range)) bad(`swiftsr.json: ${key} must be NHWC RGB with range [0, 1]`);
  }
  if (typeof raw.bnFolded !== 'boolean') bad('swiftsr.json: bnFolded must be a boolean');
  if (!Array.isArray(raw.shards) || raw.shards.length === 0) bad('swiftsr.json: shards must be a non-empty array');
  tooManyShards(raw.shards.length, 'swiftsr.json');
  const shards = (raw.shards as unknown[]).map((s): ShardInfo => {
    if (!isObject(s) || !Number.isInteger(s.bytes) || (s.bytes as number) < 0 || typeof s.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(s.sha256)) {
      bad('swiftsr.json: each shard needs path, bytes and a lowercase hex sha256');
    }
    return { path: checkPath(s.path, 'swiftsr.json'), bytes: s.bytes as number, sha256: s.sha256 };
  });
  if (!isObject(raw.provenance) || !isObject(raw.metrics)) bad('swiftsr.json: provenance and metrics must be objects');
  return {
    formatVersion: FORMAT_VERSION,
    variant: raw.variant,
    config,
    scale: config.scale,
    input: { layout: 'NHWC', channels: 'RGB', range: [0, 1] },
    output: { layout: 'NHWC', channels: 'RGB', range: [0, 1] },
    bnFolded: raw.bnFolded,
    shards,
    provenance: raw.provenance as SwiftSRMeta['provenance'],
    metrics: raw.metrics as SwiftSRMeta['metrics'],
  };
}
