/** Shared by the speed page and its Node driver: plain data only (crosses page.evaluate as JSON). */

export type SpeedBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export type SpeedSubject =
  | { readonly kind: 'swiftsr'; readonly name: string; readonly url: string }
  | { readonly kind: 'upscalerjs'; readonly name: string; readonly size: 'slim' | 'medium' | 'thick'; readonly url: string; readonly inputMax: number }
  | { readonly kind: 'canvas-bicubic'; readonly name: string; readonly scale: number }
  | {
      /** Our generator exported to ONNX (bench/onnx), run by onnxruntime-web on one execution provider. */
      readonly kind: 'onnx';
      readonly name: string;
      readonly url: string;
      readonly ep: 'webgpu' | 'wasm';
      /** The same model for TF.js: the output check runs both on `checkSize` input. */
      readonly refUrl: string;
      readonly checkSize: readonly [number, number];
    };

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
  /** ONNX cells: PSNR (dB, [0, 1] range) of onnxruntime's output against TF.js (wasm) on the same check input. */
  readonly check?: { readonly psnrDb: number; readonly maxAbsDiff: number; readonly width: number; readonly height: number };
}

export interface BackendInfo {
  readonly backend: string;
  readonly adapter: string | null;
  readonly userAgent: string;
}

export interface SpeedPageApi {
  /** `ortPath`: where onnxruntime-web's .wasm/.mjs files are served (from node_modules, never a CDN). */
  init(backend: SpeedBackend, wasmPath: string, ortPath: string): Promise<BackendInfo>;
  run(req: SpeedCellRequest): Promise<SpeedCellResult>;
}

export interface PipelineRequest {
  readonly backend: 'webgpu' | 'webgl';
  readonly modelUrl: string;
  readonly width: number;
  readonly height: number;
  /** false: the receiver's plain upscaling path (same pipeline, no model). */
  readonly enabled: boolean;
  readonly measureMs: number;
}

export interface PipelineResult {
  readonly backend: string;
  readonly tier: string;
  readonly adapter: string;
  readonly modelMsP50: number;
  readonly modelMsP95: number;
  /** Frame arrival in the worker to paint submitted (the receiver's own stats). */
  readonly latencyMsP50: number;
  readonly latencyMsP95: number;
  readonly outputFps: number;
  readonly framesPainted: number;
  readonly framesDropped: number;
  readonly readbacks: number;
  /** The measuring window, timed by the page: framesPainted / windowMs is the bench's own output rate. */
  readonly windowMs: number;
  readonly fallbacks: readonly string[];
}

export interface PipelinePageApi {
  run(req: PipelineRequest): Promise<PipelineResult>;
}
