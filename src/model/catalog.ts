import { ModelLoadError } from './ModelLoadError.js';
import type { SwiftSRMeta } from './manifest.js';
import type { ModelFiles } from './modelFiles.js';
import type { ModelScale } from './scalePlan.js';
import { countMacs, countParams, VARIANTS } from './variants.js';

/**
 * models/index.json: which models a folder holds, with what the receiver needs to choose among them
 * (scale, tier, cost per output pixel) without downloading any weights. `npm run models:index` writes it
 * from the models' swiftsr.json files; the receiver reads and validates it here.
 */

export const INDEX_FORMAT = 'swiftsr-model-index';
export const INDEX_FORMAT_VERSION = 1;
export const INDEX_FILE = 'index.json';
/** An index of a few models is a few kB: anything this big is not one (or would stall the worker's parse). */
export const MAX_INDEX_BYTES = 1024 * 1024;
export const MAX_INDEX_MODELS = 256;

export const MODEL_TIERS = ['fast', 'quality', 'paper'] as const;
export type ModelTier = (typeof MODEL_TIERS)[number];
export const MODEL_SCALES: readonly ModelScale[] = [2, 3, 4];

/** Y-PSNR / SSIM of the model and of bicubic on one dataset (from swiftsr.json metrics). */
export interface QualityRow {
  readonly psnrY: number;
  readonly ssimY: number;
  readonly bicubicPsnrY: number;
  readonly bicubicSsimY: number;
}

export interface CatalogEntry {
  /** Unique in the index; the folder name. */
  readonly name: string;
  /** model.json, relative to the index. */
  readonly path: string;
  readonly variant: string;
  readonly scale: ModelScale;
  readonly tier: ModelTier;
  readonly params: number;
  /** Conv multiply-accumulates per output megapixel: comparable across scales for the same output size. */
  readonly macsPerOutputMegapixel: number;
  /** Weight shard bytes (the download). */
  readonly bytes: number;
  readonly quality: { readonly [dataset: string]: QualityRow };
}

export interface ModelCatalog {
  readonly format: typeof INDEX_FORMAT;
  readonly formatVersion: typeof INDEX_FORMAT_VERSION;
  readonly models: readonly CatalogEntry[];
}

/** tiny* runs anywhere, lite* is the quality tier, paper* the published size (a big GPU only). */
export function tierOfVariant(variant: string): ModelTier {
  if (variant.startsWith('tiny')) return 'fast';
  if (variant.startsWith('lite')) return 'quality';
  if (variant.startsWith('paper')) return 'paper';
  throw new RangeError(`no tier for variant '${variant}' (expected tiny*, lite* or paper*)`);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function bad(message: string): never {
  throw new ModelLoadError('bad-index', `index.json: ${message}`);
}

/** The index row of one model folder, from its validated swiftsr.json. */
export function catalogEntryFromMeta(name: string, meta: SwiftSRMeta): CatalogEntry {
  const { config } = meta;
  // Linear in the pixel count, so any input size gives the same per-output-pixel figure.
  const w = 480;
  const h = 270;
  const macs = (countMacs(config, w, h) / (w * h * config.scale * config.scale)) * 1e6;
  const quality: Record<string, QualityRow> = {};
  for (const [dataset, m] of Object.entries(meta.metrics)) {
    if (!isObject(m) || !isObject(m.model) || !isObject(m.bicubic)) continue;
    const { model, bicubic } = m;
    if (![model.psnrY, model.ssimY, bicubic.psnrY, bicubic.ssimY].every(isFiniteNumber)) continue;
    quality[dataset] = { psnrY: model.psnrY as number, ssimY: model.ssimY as number, bicubicPsnrY: bicubic.psnrY as number, bicubicSsimY: bicubic.ssimY as number };
  }
  return {
    name,
    path: `${name}/model.json`,
    variant: meta.variant,
    scale: config.scale,
    tier: tierOfVariant(meta.variant),
    params: countParams(config),
    macsPerOutputMegapixel: Math.round(macs),
    bytes: meta.shards.reduce((a, s) => a + s.bytes, 0),
    quality,
  };
}

/** Cheapest first within a scale; scales ascending; name breaks ties, so the file is deterministic. */
export function compareEntries(a: CatalogEntry, b: CatalogEntry): number {
  return a.scale - b.scale || a.macsPerOutputMegapixel - b.macsPerOutputMegapixel || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export function makeCatalog(entries: readonly CatalogEntry[]): ModelCatalog {
  return { format: INDEX_FORMAT, formatVersion: INDEX_FORMAT_VERSION, models: [...entries].sort(compareEntries) };
}

/** The file text: fixed key order (the literal above), two-space indent, trailing newline. */
export function serializeCatalog(catalog: ModelCatalog): string {
  return `${JSON.stringify(validateCatalog(catalog), null, 2)}\n`;
}

/** A relative path inside the index's folder: no scheme, no absolute path, no `..`, no backslash, no query. */
function checkPath(p: unknown, i: number): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 256) bad(`models[${i}].path must be a non-empty string`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(p) || p.startsWith('/') || /[\\?#%]/.test(p) || p.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    bad(`models[${i}].path ${JSON.stringify(p)} must stay inside the index's folder (relative, no '..')`);
  }
  if (!p.endsWith('/model.json')) bad(`models[${i}].path ${JSON.stringify(p)} must name a model.json`);
  return p;
}

function checkQuality(q: unknown, i: number): CatalogEntry['quality'] {
  if (!isObject(q)) bad(`models[${i}].quality must be an object`);
  const out: Record<string, QualityRow> = {};
  for (const [dataset, row] of Object.entries(q)) {
    if (!isObject(row)) bad(`models[${i}].quality.${dataset} must be an object`);
    const { psnrY, ssimY, bicubicPsnrY, bicubicSsimY } = row;
    if (![psnrY, ssimY, bicubicPsnrY, bicubicSsimY].every(isFiniteNumber)) bad(`models[${i}].quality.${dataset} needs finite psnrY, ssimY, bicubicPsnrY, bicubicSsimY`);
    out[dataset] = { psnrY: psnrY as number, ssimY: ssimY as number, bicubicPsnrY: bicubicPsnrY as number, bicubicSsimY: bicubicSsimY as number };
  }
  return out;
}

function checkEntry(raw: unknown, i: number): CatalogEntry {
  if (!isObject(raw)) bad(`models[${i}] must be an object`);
  const { name, variant, scale, tier, params, macsPerOutputMegapixel, bytes } = raw;
  if (typeof name !== 'string' || !NAME.test(name)) bad(`models[${i}].name must match ${NAME.source}, got ${JSON.stringify(name)}`);
  const info = typeof variant === 'string' ? VARIANTS.get(variant) : undefined;
  if (info === undefined) bad(`models[${i}] (${name}): unknown variant ${JSON.stringify(variant)}`);
  if (!MODEL_SCALES.includes(scale as ModelScale)) bad(`models[${i}] (${name}): scale must be one of ${MODEL_SCALES.join(', ')}, got ${JSON.stringify(scale)}`);
  if (scale !== info.config.scale) bad(`models[${i}] (${name}): scale ${String(scale)} disagrees with variant ${info.name} (x${info.config.scale})`);
  if (!MODEL_TIERS.includes(tier as ModelTier)) bad(`models[${i}] (${name}): tier must be one of ${MODEL_TIERS.join(', ')}, got ${JSON.stringify(tier)}`);
  for (const [key, v] of [['params', params], ['macsPerOutputMegapixel', macsPerOutputMegapixel], ['bytes', bytes]] as const) {
    if (!Number.isInteger(v) || (v as number) < 1) bad(`models[${i}] (${name}): ${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return {
    name,
    path: checkPath(raw.path, i),
    variant: info.name,
    scale: scale as ModelScale,
    tier: tier as ModelTier,
    params: params as number,
    macsPerOutputMegapixel: macsPerOutputMegapixel as number,
    bytes: bytes as number,
    quality: checkQuality(raw.quality, i),
  };
}

/** Structure and values; throws ModelLoadError `bad-index` or `index-version` naming the problem. */
export function validateCatalog(raw: unknown): ModelCatalog {
  if (!isObject(raw)) bad('not an object');
  if (raw.format !== INDEX_FORMAT) bad(`format must be '${INDEX_FORMAT}', got ${JSON.stringify(raw.format)}`);
  if (raw.formatVersion !== INDEX_FORMAT_VERSION) {
    throw new ModelLoadError('index-version', `index.json: formatVersion ${JSON.stringify(raw.formatVersion)} is not supported (this SDK reads ${INDEX_FORMAT_VERSION})`);
  }
  if (!Array.isArray(raw.models)) bad('models must be an array');
  if (raw.models.length > MAX_INDEX_MODELS) throw new ModelLoadError('index-too-large', `index.json: ${raw.models.length} models, more than ${MAX_INDEX_MODELS}`);
  const models = (raw.models as unknown[]).map(checkEntry);
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.name)) bad(`duplicate model name '${m.name}'`);
    seen.add(m.name);
  }
  return { format: INDEX_FORMAT, formatVersion: INDEX_FORMAT_VERSION, models };
}

/** Bytes of index.json -> validated catalogue. */
export function parseCatalog(bytes: Uint8Array): ModelCatalog {
  if (bytes.byteLength > MAX_INDEX_BYTES) throw new ModelLoadError('index-too-large', `index.json: ${bytes.byteLength} bytes, more than ${MAX_INDEX_BYTES}`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (e) {
    throw new ModelLoadError('bad-index', `index.json is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return validateCatalog(raw);
}

/** Reads and validates `<folder>/index.json`. */
export async function loadCatalog(files: ModelFiles, signal?: AbortSignal): Promise<ModelCatalog> {
  // Capped read: an oversized index is refused after MAX_INDEX_BYTES + 1 bytes, not read whole.
  return parseCatalog(await files.read(INDEX_FILE, signal, MAX_INDEX_BYTES));
}
