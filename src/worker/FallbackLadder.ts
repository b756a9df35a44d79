import type { BackendKind, FallbackReason } from './protocol.js';

export type Failure = 'unavailable' | 'device-lost' | 'error' | 'model-load-failed';

export interface LadderStep {
  readonly from: BackendKind;
  readonly to: BackendKind;
  readonly reason: FallbackReason;
}

const ORDER: readonly BackendKind[] = ['webgpu', 'webgl', 'bicubic'];

/**
 * WebGPU -> (device lost: recreate once) -> WebGL -> bicubic. A lost device gets one second chance because
 * losses are often transient (driver update, GPU process restart); a second loss means the GPU path is not
 * to be trusted in this session. Bicubic is the floor: it never fails over.
 */
export class FallbackLadder {
  #current: BackendKind;
  #recreated = false;

  constructor(start: BackendKind = 'webgpu') {
    this.#current = start;
  }

  get current(): BackendKind {
    return this.#current;
  }

  get exhausted(): boolean {
    return this.#current === 'bicubic';
  }

  /** The next rung after a failure of the current one; null at the floor. */
  fail(failure: Failure): LadderStep | null {
    const from = this.#current;
    if (from === 'bicubic') return null;
    if (from === 'webgpu' && failure === 'device-lost' && !this.#recreated) {
      this.#recreated = true;
      return { from, to: 'webgpu', reason: 'device-lost' };
    }
    // Weights that fail to load on one backend fail on every backend: go straight to the floor.
    const to = failure === 'model-load-failed' ? 'bicubic' : (ORDER[ORDER.indexOf(from) + 1] ?? 'bicubic');
    this.#current = to;
    return { from, to, reason: reasonFor(from, failure) };
  }
}

function reasonFor(from: BackendKind, failure: Failure): FallbackReason {
  switch (failure) {
    case 'unavailable':
      return from === 'webgpu' ? 'webgpu-unavailable' : 'webgl-unavailable';
    case 'device-lost':
      return 'device-lost';
    case 'error':
      return 'backend-error';
    case 'model-load-failed':
      return 'model-load-failed';
  }
}
