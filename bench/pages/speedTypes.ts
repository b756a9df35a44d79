/** Shared by the speed page and its Node driver: plain data only (crosses page.evaluate as JSON). */

export type SpeedBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export type SpeedSubject =
  | { readonly kind: 'swiftsr'; readonly name: string; readonly url: string }
  | { readonly kind: 'upscalerjs'; readonly name: string; readonly size: 'slim' | 'medium' | 'thick'; readonly url: string; readonly inputMax: number }
  | { readonly kind: 'canvas-bicubic'; readonly name: string; readonly scale: number };

export interface SpeedCellRequest {
  readonly backend: SpeedBackend;
  readonly subject: SpeedSubject;
  readonly width: number;
  readonly height: number;
  /** Timed runs after one warm-up run. */
  readonly iterations: number;
  /** Stop timing early once this much time is spent (at least one timed run). */
  readonly budgetMs: number;
}

export interface SpeedCellResult {
  readonly warmupMs: number;
  readonly samplesMs: readonly number[];
  readonly outputShape: readonly number[];
  /** Output pixel checksum: proves the run produced a non-constant image. */
  readonly outputStd: number;
}

export interface BackendInfo {
  readonly backend: string;
  readonly adapter: string | null;
  readonly userAgent: string;
}

export interface SpeedPageApi {
  init(backend: SpeedBackend, wasmPath: string): Promise<BackendInfo>;
  run(req: SpeedCellRequest): Promise<SpeedCellResult>;
}
