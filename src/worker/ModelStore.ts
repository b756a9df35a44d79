import { loadGenerator } from '../model/loadGenerator.js';
import type { ModelFiles } from '../model/modelFiles.js';
import { resolveModelFiles } from '../model/modelFiles.js';
import type { Generator } from '../model/types.js';
import type { ModelRef } from './protocol.js';

/**
 * Weight bytes are kept per model directory and file for the worker's lifetime, so that a recreated device
 * or a fallback backend re-uploads them without another download. Failed or aborted reads are forgotten,
 * and so is every file of a load that failed (bytes that were read fine but failed validation: a bad
 * checksum, NaN weights), so a retry refetches.
 */
const bytesCache = new Map<string, Map<string, Promise<Uint8Array>>>();

function cachedFiles(url: string): ModelFiles & { forget(): void } {
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

/** What both neural rungs share: their generators, loaded once per backend instance. */
export abstract class GeneratorHost {
  abstract readonly kind: string;
  protected readonly models = new ModelStore();

  async prepare(model: ModelRef, signal: AbortSignal): Promise<void> {
    await this.models.load(model, signal);
  }

  has(model: ModelRef): boolean {
    return this.models.get(model) !== undefined;
  }

  /** The generator of a prepared model; throws when it was not prepared or the store was disposed. */
  protected generator(model: ModelRef): Generator {
    const g = this.models.get(model);
    if (g === undefined) throw new Error(`${this.kind} renderer: model ${model.name} was not prepared`);
    return g;
  }
}
