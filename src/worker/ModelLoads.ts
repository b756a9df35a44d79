import type { ModelRef } from './protocol.js';
import type { ModelRenderer } from './renderers.js';

type Preparer = Pick<ModelRenderer<never, never>, 'has' | 'prepare'>;

/** Model loads in flight, one per model URL, so a model wanted by frame after frame is fetched once. */
export class ModelLoads {
  readonly #loads = new Map<string, Promise<void>>();

  constructor(private readonly signal: AbortSignal) {}

  /** Starts loading `model` on `renderer` unless it is loaded or loading; `onLoaded` / `onError` hear how it ended. */
  ensure(renderer: Preparer, model: ModelRef, onLoaded: () => void, onError: (error: unknown) => void): void {
    if (renderer.has(model) || this.#loads.has(model.url)) return;
    const load = renderer.prepare(model, this.signal).then(onLoaded, onError);
    this.#loads.set(model.url, load);
    void load.finally(() => this.#loads.delete(model.url));
  }

  /** Resolves when no load is in flight (loads started meanwhile included). */
  async settled(): Promise<void> {
    while (this.#loads.size > 0) await Promise.allSettled([...this.#loads.values()]);
  }
}
