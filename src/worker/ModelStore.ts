import { valuesToWeights } from '../adapt/updateBase.js';
import { createGenerator } from '../model/createGenerator.js';
import { loadGenerator } from '../model/loadGenerator.js';
import type { ModelFiles } from '../model/modelFiles.js';
import { resolveModelFiles } from '../model/modelFiles.js';
import type { Generator } from '../model/types.js';
import type { ModelRef } from './protocol.js';
import type { AdaptedWeights } from './renderers.js';

/**
 * Weight bytes are kept per model directory and file for the worker's lifetime, so that a recreated device
 * or a fallback backend re-uploads them without another download. Failed or aborted reads are forgotten,
 * and so is every file of a load that failed (bytes that were read fine but failed validation: a bad
 * checksum, NaN weights), so a retry refetches.
 */
const bytesCache = new Map<string, Map<string, Promise<Uint8Array>>>();

export function cachedFiles(url: string): ModelFiles & { forget(): void } {
  const inner = resolveModelFiles(url, undefined);
  return {
    location: inner.location,
    read(name: string, signal?: AbortSignal, maxBytes?: number): Promise<Uint8Array> {
      let dir = bytesCache.get(inner.location);
      if (dir === undefined) {
        dir = new Map();
        bytesCache.set(inner.location, dir);
      }
      let p = dir.get(name);
      if (p === undefined) {
        const files = dir;
        p = inner.read(name, signal, maxBytes);
        files.set(name, p);
        p.catch(() => files.delete(name));
      }
      return p;
    },
    forget(): void {
      bytesCache.delete(inner.location);
    },
  };
}

/** The generators of one backend instance. Loading is lazy, cached per URL, and cancellable. */
export class ModelStore {
  readonly #loading = new Map<string, Promise<Generator>>();
  readonly #ready = new Map<string, Generator>();
  #disposed = false;

  load(ref: ModelRef, signal: AbortSignal): Promise<Generator> {
    let p = this.#loading.get(ref.url);
    if (p === undefined) {
      const files = cachedFiles(ref.url);
      p = loadGenerator(files, { signal }).then((g) => {
        if (this.#disposed) {
          g.dispose();
          throw new DOMException('model store disposed', 'AbortError');
        }
        this.#ready.set(ref.url, g);
        return g;
      });
      this.#loading.set(ref.url, p);
      p.catch(() => {
        this.#loading.delete(ref.url);
        files.forget();
      });
    }
    return p;
  }

  get(ref: ModelRef): Generator | undefined {
    return this.#ready.get(ref.url);
  }

  dispose(): void {
    this.#disposed = true;
    for (const g of this.#ready.values()) g.dispose();
    this.#ready.clear();
    this.#loading.clear();
  }
}

/** A Generator of adapted weights on the current TF.js backend; the tensors are freed if it cannot be made. */
export function adaptedGenerator(weights: AdaptedWeights): Generator {
  const tensors = valuesToWeights(weights.base, weights.values);
  try {
    return createGenerator(weights.base.config, weights.base.variant, tensors);
  } catch (error) {
    for (const t of tensors.values()) t.dispose();
    throw error;
  }
}

/** What both neural rungs share: their generators, loaded once per backend instance, and adapted ones. */
export abstract class GeneratorHost {
  abstract readonly kind: string;
  protected readonly models = new ModelStore();
  /** Per model URL, the adapted generator painting instead of the loaded one. */
  readonly #adapted = new Map<string, Generator>();

  /**
   * Swaps `model`'s weights (null: its loaded ones again). Called between frames; the generator it replaces
   * is freed here. Throws when the weights cannot be made into a generator, leaving the current one.
   */
  useWeights(model: ModelRef, weights: AdaptedWeights | null): void {
    const next = weights === null ? null : adaptedGenerator(weights);
    const previous = this.#adapted.get(model.url);
    if (next === null) this.#adapted.delete(model.url);
    else this.#adapted.set(model.url, next);
    previous?.dispose();
  }

  async prepare(model: ModelRef, signal: AbortSignal): Promise<void> {
    await this.models.load(model, signal);
  }

  has(model: ModelRef): boolean {
    return this.models.get(model) !== undefined;
  }

  /** The generator of a prepared model; throws when it was not prepared or the store was disposed. */
  protected generator(model: ModelRef): Generator {
    const g = this.#adapted.get(model.url) ?? this.models.get(model);
    if (g === undefined) throw new Error(`${this.kind} renderer: model ${model.name} was not prepared`);
    return g;
  }

  /** Frees every generator, loaded and adapted. */
  protected disposeModels(): void {
    this.models.dispose();
    for (const g of this.#adapted.values()) g.dispose();
    this.#adapted.clear();
  }
}
