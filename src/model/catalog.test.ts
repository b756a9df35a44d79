import { describe, expect, it } from 'vitest';
import { catalogEntryFromMeta, MAX_INDEX_BYTES, parseCatalog, serializeCatalog, tierOfVariant, validateCatalog, makeCatalog } from './catalog.js';
import type { SwiftSRMeta } from './manifest.js';
import { ModelLoadError } from './ModelLoadError.js';
import { countMacs, getVariant } from './variants.js';

function meta(variant: string): SwiftSRMeta {
  const config = getVariant(variant).config;
  return {
    formatVersion: 1, variant, config, scale: config.scale,
    input: { layout: 'NHWC', channels: 'RGB', range: [0, 1] }, output: { layout: 'NHWC', channels: 'RGB', range: [0, 1] },
    bnFolded: true, shards: [{ path: 'group1-shard1of1.bin', bytes: 1000, sha256: '0'.repeat(64) }], provenance: {},
    metrics: { Set5: { images: 5, model: { psnrY: 30, ssimY: 0.8, psnrRgb: 28 }, bicubic: { psnrY: 29, ssimY: 0.79 }, protocol: 'x' }, note: 'not a dataset' },
  };
}

const good = (): Record<string, unknown> => JSON.parse(serializeCatalog(makeCatalog([catalogEntryFromMeta('tiny-x3', meta('tiny-x3')), catalogEntryFromMeta('tiny', meta('tiny'))]))) as Record<string, unknown>;

function codeOf(raw: unknown): string {
  try {
    validateCatalog(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    return `${(e as ModelLoadError).code}: ${(e as Error).message}`;
  }
  return 'ok';
}

function withModel(patch: Record<string, unknown>): unknown {
  const c = good();
  const models = c.models as Record<string, unknown>[];
  models[0] = { ...models[0], ...patch };
  return c;
}

describe('model index (catalog.ts)', () => {
  it('makes one row per model: scale, tier, params, MACs per output megapixel, bytes, quality; cheapest first per scale', () => {
    const e = catalogEntryFromMeta('tiny-x3', meta('tiny-x3'));
    const config = getVariant('tiny-x3').config;
    expect(e).toMatchObject({ name: 'tiny-x3', path: 'tiny-x3/model.json', variant: 'tiny-x3', scale: 3, tier: 'fast', bytes: 1000 });
    expect(e.macsPerOutputMegapixel).toBe(Math.round((countMacs(config, 100, 100) / (300 * 300)) * 1e6));
    expect(e.quality).toEqual({ Set5: { psnrY: 30, ssimY: 0.8, bicubicPsnrY: 29, bicubicSsimY: 0.79 } });
    expect((good().models as { name: string }[]).map((m) => m.name)).toEqual(['tiny-x3', 'tiny']);
    expect([tierOfVariant('lite48x8-x2'), tierOfVariant('paper-skip')]).toEqual(['quality', 'paper']);
    expect(() => tierOfVariant('huge')).toThrow(RangeError);
  });

  it('round-trips through the file text', () => {
    const c = good();
    expect(parseCatalog(new TextEncoder().encode(JSON.stringify(c)))).toEqual(c);
  });

  it.each([
    [[], /^bad-index: index.json: not an object/],
    [{ ...good(), format: 'tfjs' }, /^bad-index: .*format must be 'swiftsr-model-index'/],
    [{ ...good(), formatVersion: 2 }, /^index-version: .*formatVersion 2 is not supported/],
    [{ ...good(), models: {} }, /^bad-index: .*models must be an array/],
    [withModel({ name: undefined }), /^bad-index: .*models\[0\]\.name must match/],
    [withModel({ variant: 'huge' }), /^bad-index: .*unknown variant "huge"/],
    [withModel({ scale: 8 }), /^bad-index: .*scale must be one of 2, 3, 4, got 8/],
    [withModel({ scale: 4 }), /^bad-index: .*scale 4 disagrees with variant tiny-x3 \(x3\)/],
    [withModel({ tier: 'turbo' }), /^bad-index: .*tier must be one of fast, quality, paper/],
    [withModel({ params: -1 }), /^bad-index: .*params must be a positive integer/],
    [withModel({ macsPerOutputMegapixel: 1.5 }), /^bad-index: .*macsPerOutputMegapixel must be a positive integer/],
    [withModel({ path: '../../secret/model.json' }), /^bad-index: .*must stay inside the index's folder/],
    [withModel({ path: 'https://evil.example/model.json' }), /^bad-index: .*must stay inside/],
    [withModel({ path: '/abs/model.json' }), /^bad-index: .*must stay inside/],
    [withModel({ path: 'tiny/weights.bin' }), /^bad-index: .*must name a model.json/],
    [withModel({ quality: { Set5: { psnrY: 'high' } } }), /^bad-index: .*quality.Set5 needs finite/],
    [withModel({ name: 'tiny' }), /^bad-index: .*duplicate model name 'tiny'/],
    [{ ...good(), models: new Array(257).fill(null) }, /^index-too-large: .*257 models/],
  ])('rejects %j', (raw, pattern) => {
    expect(codeOf(raw)).toMatch(pattern);
  });

  it('rejects text that is too large or not JSON before looking inside', () => {
    const err = (bytes: Uint8Array): unknown => {
      try {
        return parseCatalog(bytes);
      } catch (e) {
        return e;
      }
    };
    expect(err(new Uint8Array(MAX_INDEX_BYTES + 1))).toMatchObject({ name: 'ModelLoadError', code: 'index-too-large' });
    expect(err(new TextEncoder().encode('{"format":'))).toMatchObject({ name: 'ModelLoadError', code: 'bad-index' });
  });
});
