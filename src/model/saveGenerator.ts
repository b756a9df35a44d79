import { foldBatchNorm } from './foldBatchNorm.js';
import { FORMAT_VERSION, MODEL_FORMAT, SHARD_BYTES, type JsonValue, type ModelJson, type ShardInfo, type SwiftSRMeta } from './manifest.js';
import { importNodeModule } from './modelFiles.js';
import { sha256Hex } from './sha256.js';
import type { GeneratorConfig, GeneratorWeights } from './types.js';
import { getVariant, sameConfig } from './variants.js';
import { weightSpecs } from './weightSpec.js';

export interface SaveOptions {
  readonly variant: string;
  readonly config: GeneratorConfig;
  /** Training form (with BN) or folded form; which one is detected from the tensor names. */
  readonly weights: GeneratorWeights;
  /** Store the folded inference form (default true). false keeps BN, for checkpoints to resume from. */
  readonly fold?: boolean;
  readonly provenance?: { readonly [key: string]: JsonValue };
  readonly metrics?: { readonly [key: string]: JsonValue };
  /** Bytes per shard file; default 4 MB. */
  readonly shardBytes?: number;
}

interface NodeFs {
  mkdir(path: string, opts: { recursive: true }): Promise<unknown>;
  mkdtemp(prefix: string): Promise<string>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, opts: { recursive: true; force: true }): Promise<void>;
}

function isFoldedForm(config: GeneratorConfig, weights: GeneratorWeights): boolean {
  const folded = weightSpecs(config, { folded: true });
  return folded.length === weights.size && folded.every((s) => weights.has(s.name));
}

/**
 * Writes models/<name>/ (model.json, shards, swiftsr.json) into `dir`. Atomic for readers: everything is
 * written into a sibling temporary directory that then replaces `dir` by rename, so a crash never leaves a
 * half-written model behind. Node only.
 */
export async function saveGenerator(dir: string, opts: SaveOptions): Promise<SwiftSRMeta> {
  if (!sameConfig(getVariant(opts.variant).config, opts.config)) throw new RangeError(`saveGenerator: config differs from variant '${opts.variant}'`);
  const alreadyFolded = isFoldedForm(opts.config, opts.weights);
  const fold = (opts.fold ?? true) && !alreadyFolded;
  const weights = fold ? foldBatchNorm(opts.config, opts.weights) : opts.weights;
  const bnFolded = fold || alreadyFolded;
  try {
    const specs = weightSpecs(opts.config, { folded: bnFolded });
    const parts: Uint8Array[] = [];
    for (const s of specs) {
      const t = weights.get(s.name);
      if (t === undefined) throw new TypeError(`saveGenerator: weights lack '${s.name}'`);
      if (t.shape.join() !== s.shape.join()) throw new TypeError(`saveGenerator: '${s.name}' has shape [${t.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
      const data = await t.data<'float32'>();
      parts.push(new Uint8Array(Float32Array.from(data).buffer));
    }
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    const shardBytes = opts.shardBytes ?? SHARD_BYTES;
    const count = Math.max(1, Math.ceil(all.length / shardBytes));
    const shardData = Array.from({ length: count }, (_, i) => all.subarray(i * shardBytes, Math.min(all.length, (i + 1) * shardBytes)));
    const shards: ShardInfo[] = await Promise.all(shardData.map(async (d, i) => ({
      path: `group1-shard${i + 1}of${count}.bin`, bytes: d.length, sha256: await sha256Hex(d),
    })));
    const modelJson: ModelJson = {
      format: MODEL_FORMAT,
      generatedBy: 'swiftsr',
      modelTopology: null,
      weightsManifest: [{ paths: shards.map((s) => s.path), weights: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' })) }],
    };
    const meta: SwiftSRMeta = {
      formatVersion: FORMAT_VERSION,
      variant: opts.variant,
      config: { ...opts.config },
      scale: opts.config.scale,
      input: { layout: 'NHWC', channels: 'RGB', range: [0, 1] },
      output: { layout: 'NHWC', channels: 'RGB', range: [0, 1] },
      bnFolded,
      shards,
      provenance: opts.provenance ?? {},
      metrics: opts.metrics ?? {},
    };
    await writeDirAtomically(dir, [
      ['model.json', `${JSON.stringify(modelJson, null, 1)}\n`],
      ['swiftsr.json', `${JSON.stringify(meta, null, 2)}\n`],
      ...shards.map((s, i): [string, Uint8Array] => [s.path, shardData[i] ?? new Uint8Array(0)]),
    ]);
    return meta;
  } finally {
    if (fold) for (const t of weights.values()) t.dispose();
  }
}

async function writeDirAtomically(dir: string, files: readonly [string, Uint8Array | string][]): Promise<void> {
  const fs = await importNodeModule<NodeFs>('node:fs/promises');
  const target = dir.replace(/\/+$/, '');
  const slash = target.lastIndexOf('/');
  const parent = slash > 0 ? target.slice(0, slash) : slash === 0 ? '/' : '.';
  await fs.mkdir(parent, { recursive: true });
  const tmp = await fs.mkdtemp(`${target}.tmp-`);
  try {
    for (const [name, data] of files) await fs.writeFile(`${tmp}/${name}`, data);
    const old = `${tmp}.old`;
    let hadOld = true;
    try {
      await fs.rename(target, old);
    } catch {
      hadOld = false;
    }
    await fs.rename(tmp, target);
    if (hadOld) await fs.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
