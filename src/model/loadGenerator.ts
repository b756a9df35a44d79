import * as tf from '@tensorflow/tfjs-core';
import { createGenerator } from './createGenerator.js';
import { foldBatchNorm } from './foldBatchNorm.js';
import { parseJsonBytes, parseModelJson, parseSwiftSRMeta, MAX_JSON_BYTES, type ShardInfo, type SwiftSRMeta } from './manifest.js';
import { ModelLoadError } from './ModelLoadError.js';
import { concatBytes, resolveModelFiles, throwIfAborted, type FetchLike, type ModelFiles } from './modelFiles.js';
import { sha256Hex } from './sha256.js';
import type { Generator, GeneratorWeights } from './types.js';
import { sameConfig, VARIANTS } from './variants.js';
import { checkWeightValues } from './weightValues.js';
import { shapeSize, weightSpecs } from './weightSpec.js';

/** Shards read at once: what a browser opens per host anyway, and far from any file-descriptor limit. */
export const SHARD_READ_CONCURRENCY = 4;

interface ArtifactsLike {
  weightSpecs?: readonly { name: string; shape: readonly number[]; dtype: string }[];
  weightData?: ArrayBuffer | readonly ArrayBuffer[];
  userDefinedMetadata?: Record<string, unknown>;
}

/**
 * A tf.io.IOHandler (e.g. tf.io.fromMemory, browserHTTPRequest, indexedDB): weightSpecs + weightData, with
 * swiftsr.json travelling as userDefinedMetadata.swiftsr. `load` is optional in tf.io's type, required here.
 */
export interface IOHandlerLike {
  load?: () => Promise<ArtifactsLike>;
}

export type ModelSource = string | URL | IOHandlerLike | ModelFiles;

export interface LoadOptions {
  readonly signal?: AbortSignal;
  /** Replaces globalThis.fetch for URL sources (tests, auth headers, caches). */
  readonly fetch?: FetchLike;
}

export interface LoadedWeights {
  readonly meta: SwiftSRMeta;
  /** As stored: the training form when meta.bnFolded is false. The caller owns and disposes them. */
  readonly weights: GeneratorWeights;
}

interface RawModel {
  readonly meta: SwiftSRMeta;
  readonly paths: readonly string[];
  readonly entries: readonly { name: string; shape: number[]; dtype: string }[];
  /** One buffer per shard of meta.shards, length and SHA-256 checked. */
  readonly shards: readonly Uint8Array[];
}

/** Runs `task` over `items`, at most `limit` at a time; stops starting new ones after the first failure. */
async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await task(items[i] as T);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Length first (so an oversized shard is refused before hashing), then the SHA-256. */
async function checkShard(s: ShardInfo, got: Uint8Array): Promise<void> {
  if (got.length < s.bytes) throw new ModelLoadError('truncated-shard', `${s.path}: ${got.length} bytes, expected ${s.bytes}`);
  if (got.length > s.bytes) throw new ModelLoadError('checksum-mismatch', `${s.path}: longer than the ${s.bytes} bytes recorded in swiftsr.json`);
  if ((await sha256Hex(got)) !== s.sha256) throw new ModelLoadError('checksum-mismatch', `${s.path}: sha256 differs from swiftsr.json`);
}

/** The values of two settled reads, or the first failure in argument order. */
function firstRejection<T>(results: [PromiseSettledResult<T>, PromiseSettledResult<T>]): [T, T] {
  const [a, b] = results;
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

/**
 * Every read is capped (the JSON files at MAX_JSON_BYTES, each shard at its recorded size), shards are
 * bounded in number (MAX_SHARDS) and read SHARD_READ_CONCURRENCY at a time, each checked as it arrives.
 */
async function readFiles(files: ModelFiles, signal: AbortSignal | undefined): Promise<RawModel> {
  // Both reads settle before either fails, so a missing folder always names model.json (not whichever read lost the race).
  const [modelBytes, metaBytes] = firstRejection(await Promise.allSettled([files.read('model.json', signal, MAX_JSON_BYTES), files.read('swiftsr.json', signal, MAX_JSON_BYTES)]));
  throwIfAborted(signal);
  const model = parseModelJson(parseJsonBytes(modelBytes, 'model.json'));
  const meta = parseSwiftSRMeta(parseJsonBytes(metaBytes, 'swiftsr.json'));
  checkStructure(meta, model.paths, model.weights);
  const shards = await mapLimited(meta.shards, SHARD_READ_CONCURRENCY, async (s) => {
    const bytes = await files.read(s.path, signal, s.bytes);
    throwIfAborted(signal);
    await checkShard(s, bytes);
    return bytes;
  });
  return { meta, paths: model.paths, entries: model.weights, shards };
}

async function readHandler(handler: IOHandlerLike, signal: AbortSignal | undefined): Promise<RawModel> {
  if (handler.load === undefined) throw new TypeError('loadGenerator: the IOHandler has no load()');
  let artifacts: ArtifactsLike;
  try {
    artifacts = await handler.load();
  } catch (e) {
    throw new ModelLoadError('fetch-failed', `IOHandler.load() failed: ${(e as Error).message}`, { cause: e });
  }
  throwIfAborted(signal);
  const meta = parseSwiftSRMeta(artifacts.userDefinedMetadata?.swiftsr);
  const entries = (artifacts.weightSpecs ?? []).map((w) => ({ name: w.name, shape: [...w.shape], dtype: w.dtype }));
  checkStructure(meta, meta.shards.map((s) => s.path), entries);
  const data = artifacts.weightData;
  if (data === undefined) throw new ModelLoadError('truncated-shard', 'IOHandler gave no weightData');
  const joined = new Uint8Array(Array.isArray(data) ? concatBytes((data as readonly ArrayBuffer[]).map((b) => new Uint8Array(b))) : new Uint8Array(data as ArrayBuffer));
  // Re-split by the recorded shard sizes so the checksums still apply.
  let offset = 0;
  const shards = meta.shards.map((s) => {
    const part = joined.subarray(offset, Math.min(offset + s.bytes, joined.length));
    offset += s.bytes;
    return part;
  });
  if (joined.length > offset) throw new ModelLoadError('checksum-mismatch', `IOHandler weightData has ${joined.length - offset} bytes more than recorded`);
  await Promise.all(meta.shards.map((s, i) => checkShard(s, shards[i] ?? new Uint8Array(0))));
  return { meta, paths: meta.shards.map((s) => s.path), entries, shards };
}

/** Manifest consistency and the architecture's tensors; each fault has its own code. */
function checkStructure(meta: SwiftSRMeta, paths: readonly string[], entries: readonly { name: string; shape: number[]; dtype: string }[]): void {
  const known = VARIANTS.get(meta.variant);
  if (known === undefined) throw new ModelLoadError('unknown-variant', `unknown variant '${meta.variant}'; known: ${[...VARIANTS.keys()].join(', ')}`);
  if (!sameConfig(known.config, meta.config)) throw new ModelLoadError('bad-manifest', `swiftsr.json: config differs from variant '${meta.variant}'`);
  if (paths.join('\n') !== meta.shards.map((s) => s.path).join('\n')) throw new ModelLoadError('bad-manifest', 'model.json and swiftsr.json list different shards');
  const expected = weightSpecs(meta.config, { folded: meta.bnFolded });
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (const spec of expected) {
    const e = byName.get(spec.name);
    if (e === undefined) throw new ModelLoadError('missing-tensor', `model.json lacks '${spec.name}'`);
    if (e.dtype !== 'float32') throw new ModelLoadError('dtype-mismatch', `'${spec.name}' is ${e.dtype}, expected float32`);
    if (e.shape.join() !== spec.shape.join()) {
      throw new ModelLoadError('shape-mismatch', `'${spec.name}' has shape [${e.shape.join(', ')}], expected [${spec.shape.join(', ')}]`);
    }
  }
  const names = new Set(expected.map((s) => s.name));
  const extra = entries.find((e) => !names.has(e.name));
  if (extra !== undefined) throw new ModelLoadError('extra-tensor', `model.json has '${extra.name}', which ${meta.variant} (bnFolded ${String(meta.bnFolded)}) does not use`);
  const need = entries.reduce((n, e) => n + 4 * shapeSize(e.shape), 0);
  const declared = meta.shards.reduce((n, s) => n + s.bytes, 0);
  if (need !== declared) throw new ModelLoadError('bad-manifest', `shards hold ${declared} bytes, the tensors need ${need}`);
}


function isModelFiles(s: ModelSource): s is ModelFiles {
  return typeof s === 'object' && !(s instanceof URL) && typeof (s as Partial<ModelFiles>).read === 'function';
}

export interface LoadedValues {
  readonly meta: SwiftSRMeta;
  /** model.json's tensors in stored order, with `values` (finite, checked) in the same order. */
  readonly entries: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly values: readonly Float32Array[];
}

/** Reads and validates a weights directory into plain arrays (no tensors): what loadGeneratorWeights uploads. */
export async function loadWeightValues(source: ModelSource, opts: LoadOptions = {}): Promise<LoadedValues> {
  const { signal } = opts;
  throwIfAborted(signal);
  let raw: RawModel;
  if (typeof source === 'string' || source instanceof URL) raw = await readFiles(resolveModelFiles(source, opts.fetch), signal);
  else if (isModelFiles(source)) raw = await readFiles(source, signal);
  else raw = await readHandler(source, signal);
  const bytes = concatBytes(raw.shards);
  throwIfAborted(signal);
  const values: Float32Array[] = [];
  let offset = 0;
  for (const e of raw.entries) {
    const n = shapeSize(e.shape);
    // Copy: the shard buffer's offsets need not be 4-byte aligned in a view.
    const v = new Float32Array(bytes.slice(offset, offset + 4 * n).buffer);
    checkWeightValues(e.name, v);
    values.push(v);
    offset += 4 * n;
  }
  return { meta: raw.meta, entries: raw.entries, values };
}

/** Loads and validates a weights directory without folding (the trainer resumes from this). */
export async function loadGeneratorWeights(source: ModelSource, opts: LoadOptions = {}): Promise<LoadedWeights> {
  const { meta, entries, values } = await loadWeightValues(source, opts);
  const weights: GeneratorWeights = new Map(entries.map((e, i) => [e.name, tf.tensor(values[i] ?? new Float32Array(0), [...e.shape], 'float32')]));
  return { meta, weights };
}

/**
 * Loads a model directory (URL, Node directory path, ModelFiles or IOHandler), checks every manifest field,
 * tensor and checksum, folds BN when stored unfolded, and returns an inference Generator. Faults throw a
 * ModelLoadError whose code names them.
 */
export async function loadGenerator(source: ModelSource, opts: LoadOptions = {}): Promise<Generator> {
  const { meta, weights } = await loadGeneratorWeights(source, opts);
  if (meta.bnFolded) return createGenerator(meta.config, meta.variant, weights);
  const folded = foldBatchNorm(meta.config, weights);
  for (const t of weights.values()) t.dispose();
  return createGenerator(meta.config, meta.variant, folded);
}
