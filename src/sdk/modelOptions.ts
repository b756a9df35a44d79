import { MODEL_SCALES, MODEL_TIERS } from '../model/catalog.js';
import { VARIANTS } from '../model/variants.js';
import type { ModelFilter, ModelScale, ModelTier } from '../worker/protocol.js';

/**
 * Which models of the catalogue (`<modelBaseUrl>/index.json`) the receiver may use. Each field restricts;
 * absent or null: no restriction, except that paper-size models are only used when named or when `tiers`
 * includes 'paper' (real-time only on a large GPU).
 */
export interface ModelSelection {
  /** Model scales to use; an input whose ratio needs another scale gets the next one up, then a resample. */
  readonly scales?: readonly ModelScale[] | null;
  readonly tiers?: readonly ModelTier[] | null;
  /** Catalogue names (e.g. 'tiny', 'tiny-x2'); a name missing from the index is a RangeError at attach(). */
  readonly names?: readonly string[] | null;
}

export interface ResolvedModelChoice {
  readonly models: ModelFilter;
  readonly tiers: readonly string[] | null;
  readonly initialTier: string | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function list<T>(name: string, value: unknown, allowed: readonly T[] | null, what: string): readonly T[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`options.${name} must be a non-empty array of ${what} or null`);
  for (const v of value as unknown[]) {
    if (allowed !== null ? !allowed.includes(v as T) : typeof v !== 'string' || !NAME.test(v)) {
      throw new RangeError(`options.${name} contains ${JSON.stringify(v)}; expected ${allowed !== null ? `one of ${allowed.join(', ')}` : what}`);
    }
  }
  if (new Set(value).size !== value.length) throw new RangeError(`options.${name} must not repeat an entry`);
  return Object.freeze([...(value as T[])]);
}

/**
 * Validates `models`, and `tiers` / `initialTier` (variant names, the option that predates the catalogue:
 * `tiers` restricts to those names like `models.names`).
 */
export function resolveModelChoice(models: unknown, tiers: unknown, initialTier: unknown): ResolvedModelChoice {
  if (typeof models !== 'object' || models === null || Array.isArray(models)) throw new TypeError('options.models must be an object');
  for (const key of Object.keys(models)) {
    if (!['scales', 'tiers', 'names'].includes(key)) throw new TypeError(`options.models.${key} is not a known option; known: scales, tiers, names`);
  }
  const m = models as ModelSelection;
  const scales = list<ModelScale>('models.scales', m.scales, MODEL_SCALES, 'model scales');
  const tierList = list<ModelTier>('models.tiers', m.tiers, MODEL_TIERS, 'tiers');
  const names = list<string>('models.names', m.names, null, 'model names');
  if (tiers !== null && tiers !== undefined) {
    if (!Array.isArray(tiers) || tiers.length === 0) throw new TypeError('options.tiers must be a non-empty array of variant names or null');
    for (const t of tiers as unknown[]) {
      if (typeof t !== 'string' || !VARIANTS.has(t)) throw new RangeError(`options.tiers contains unknown variant '${String(t)}'; known: ${[...VARIANTS.keys()].join(', ')}`);
    }
    if (new Set(tiers).size !== tiers.length) throw new RangeError('options.tiers must not repeat a variant');
    if (names !== null) throw new RangeError('options.tiers and options.models.names both name models: give one');
  }
  const legacy = (tiers ?? null) as readonly string[] | null;
  const allowed = names ?? legacy;
  if (initialTier !== null && initialTier !== undefined && (typeof initialTier !== 'string' || (allowed !== null ? !allowed.includes(initialTier) : !NAME.test(initialTier)))) {
    throw new RangeError(`options.initialTier must be ${allowed !== null ? `one of ${allowed.join(', ')}` : 'a model name'} or null`);
  }
  return {
    models: Object.freeze({ scales, tiers: tierList, names: allowed }),
    tiers: legacy === null ? null : Object.freeze([...legacy]),
    initialTier: initialTier ?? null,
  };
}
