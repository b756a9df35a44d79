import { loadGenerator } from '../model/loadGenerator.js';
import type { ModelFiles } from '../model/modelFiles.js';
import { resolveModelFiles } from '../model/modelFiles.js';
import type { Generator } from '../model/types.js';
import type { ModelRef } from './protocol.js';

/**
 * Weight bytes are kept per URL for the worker's lifetime, so that a recreated device or a fallback backend
 * re-uploads them without another download. Failed or aborted reads are forgotten, so a retry refetches.
 */
const bytesCache = new Map<string, Promise<Uint8Array>>();

function cachedFiles(url: string): ModelFiles {
  const inner = resolveModelFiles(url, undefined);
  return {
    location: inner.location,
    read(name: string, signal?: AbortSignal): Promise<Uint8Array> {
      const key = `${inner.location}${name}`;
      let p = bytesCache.get(key);
      if (p === undefined) {
        p = inner.read(name, signal);
        bytesCache.set(key, p);
        p.catch(() => bytesCache.delete(key));
      }
      return p;
    },
  };
}

/** The generators of one backend instance. Loading is lazy, cached per URL, and cancellable. */
export class ModelStore {
  readonly #loading = new Map<string, Promise<Generator>>();
  readonly #ready = new Map<string, Generator>();
  #selected: Generator | null = null;
  #disposed = false;

  load(ref: ModelRef, signal: AbortSignal): Promise<Generator> {
    let p = this.#loading.get(ref.url);
    if (p === undefined) {
      p = loadGenerator(cachedFiles(ref.url), { signal }).then((g) => {
        if (this.#disposed) {
          g.dispose();
          throw new DOMException('model store disposed', 'AbortError');
        }
        this.#ready.set(ref.url, g);
        return g;
      });
      this.#loading.set(ref.url, p);
      p.catch(() => this.#loading.delete(ref.url));
    }
    return p;
  }

  get(ref: ModelRef): Generator | undefined {
    return this.#ready.get(ref.url);
  }

  /** Makes a loaded model the one `selected` returns (the renderer's current tier). */
  select(ref: ModelRef): void {
    const g = this.#ready.get(ref.url);
    if (g === undefined) throw new Error(`model ${ref.variant} was not prepared`);
    this.#selected = g;
  }

  get selected(): Generator | null {
    return this.#disposed ? null : this.#selected;
  }

  dispose(): void {
    this.#disposed = true;
    this.#selected = null;
    for (const g of this.#ready.values()) g.dispose();
    this.#ready.clear();
    this.#loading.clear();
  }
}

/** What both neural rungs share: their generators, loaded once per backend instance, and the selected one. */
export abstract class GeneratorHost {
  abstract readonly kind: string;
  protected readonly models = new ModelStore();

  async prepare(model: ModelRef, signal: AbortSignal): Promise<void> {
    await this.models.load(model, signal);
  }

  select(model: ModelRef): void {
    this.models.select(model);
  }

  /** The generator render() uses; throws when none is selected or the store was disposed. */
  protected generator(): Generator {
    const g = this.models.selected;
    if (g === null) throw new Error(`${this.kind} renderer: no model selected`);
    return g;
  }
}
