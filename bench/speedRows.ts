import type { PipelineResult, SpeedBackend, SpeedCellResult, SpeedSubject } from './pages/speedTypes.js';

/** Result rows of the speed bench and the ratios between them (plain data; no browser). */

export interface PipelineRow extends PipelineResult {
  readonly requestedBackend: 'webgpu' | 'webgl';
  readonly subject: string;
  readonly width: number;
  readonly height: number;
  readonly enabled: boolean;
  /** Model-only median of the same backend, model and size in this run. */
  readonly modelOnlyMedianMs: number | null;
  /** Measuring window / frames painted in it: the pipeline's time per frame when it is the bottleneck (frames dropped). */
  readonly msPerPaintedFrame: number | null;
  /** Pipeline time per frame over the model-only median: msPerPaintedFrame when frames were dropped
   * (the pipeline is saturated), else arrival-to-paint p50. */
  readonly overheadRatio: number | null;
}

export type CellStatus = 'ok' | 'timeout' | 'skipped' | 'error';

export interface SpeedRow {
  readonly backend: SpeedBackend | 'canvas';
  readonly subject: string;
  readonly kind: SpeedSubject['kind'];
  readonly width: number;
  readonly height: number;
  readonly status: CellStatus;
  readonly note?: string;
  readonly macs: number | null;
  readonly warmupMs: number | null;
  readonly medianMs: number | null;
  readonly p95Ms: number | null;
  readonly samples: number;
  /** 2 FLOPs per MAC over the median time. */
  readonly gflops: number | null;
  readonly outputShape?: readonly number[];
  /** ONNX cells: onnxruntime's output against TF.js on a small input. */
  readonly check?: SpeedCellResult['check'];
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx] ?? Number.NaN;
}

export interface SpeedRatio {
  readonly backend: string;
  readonly width: number;
  readonly height: number;
  readonly subject: string;
  /** Median time over the canvas bicubic median at the same size: how many times slower than doing nothing smart. */
  readonly timesBicubic: number | null;
  /** Peer median over ours, same backend and size: > 1 means SwiftSR is faster. */
  readonly speedupVs: Record<string, number>;
  /** onnxruntime-web (same backend as its EP) median over TF.js's, same model and size: > 1 means TF.js is faster. */
  readonly ortOverTfjs: number | null;
}

export function speedRatios(rows: readonly SpeedRow[]): SpeedRatio[] {
  const ok = rows.filter((r) => r.status === 'ok' && r.medianMs !== null);
  return ok
    .filter((r) => r.kind === 'swiftsr')
    .map((r) => {
      const bic = ok.find((b) => b.kind === 'canvas-bicubic' && b.width === r.width && b.height === r.height);
      const peers = ok.filter((p) => p.kind === 'upscalerjs' && p.backend === r.backend && p.width === r.width && p.height === r.height);
      const ortRow = ok.find((p) => p.kind === 'onnx' && p.subject === `ort-${r.backend}-${r.subject}` && p.width === r.width && p.height === r.height);
      return {
        backend: r.backend,
        width: r.width,
        height: r.height,
        subject: r.subject,
        timesBicubic: bic?.medianMs ? (r.medianMs ?? 0) / bic.medianMs : null,
        speedupVs: Object.fromEntries(peers.map((p) => [p.subject, (p.medianMs ?? 0) / (r.medianMs ?? 1)])),
        ortOverTfjs: ortRow?.medianMs ? ortRow.medianMs / (r.medianMs ?? 1) : null,
      };
    });
}
