/**
 * The only module both sides of the worker boundary import. Two unions, one per direction, so a message
 * sent the wrong way is a type error. Errors cross as plain `{name, code, message}`: structured clone
 * drops Error subclasses, so the SDK rebuilds them (src/sdk/errors.ts).
 */

import type { ModelTier } from '../model/catalog.js';
import type { ModelScale } from '../model/scalePlan.js';

export type { ModelScale, ModelTier };

export const PROTOCOL_VERSION = 3;

/** Rungs of the fallback ladder, best first. */
export type BackendKind = 'webgpu' | 'webgl' | 'bicubic';

export interface SerializedError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

/** One model the worker may run, as the catalogue (models/index.json) describes it. */
export interface ModelRef {
  /** Catalogue name (for a `modelUrl` model: its variant). */
  readonly name: string;
  readonly scale: ModelScale;
  /** Conv MACs per output megapixel: the cost of painting the same output with any scale. */
  readonly macsPerOutputMegapixel: number;
  /** Absolute URL (or, in Node tests, path) of the tfjs model.json. */
  readonly url: string;
}

/** Which catalogue entries the receiver may use; null: no restriction (tiers: fast and quality unless names are given). */
export interface ModelFilter {
  readonly scales: readonly ModelScale[] | null;
  readonly tiers: readonly ModelTier[] | null;
  readonly names: readonly string[] | null;
}

export type ModelSourceConfig =
  /** `<base>/index.json`, filtered; `initial` names the model to start with (others start at a comparable cost). */
  | { readonly kind: 'index'; readonly base: string; readonly filter: ModelFilter; readonly initial: string | null }
  /** One model.json anywhere (its swiftsr.json says its scale); no tiering. */
  | { readonly kind: 'single'; readonly url: string };

export interface WorkerConfig {
  readonly protocolVersion: number;
  /** Model file URL -> the URL to fetch instead (the package's own files, moved by the app's bundler). */
  readonly fileUrls: Readonly<Record<string, string>>;
  readonly models: ModelSourceConfig;
  readonly adaptive: boolean;
  readonly outputWidth: number;
  readonly outputHeight: number;
  /** 'auto' walks the whole ladder; anything else starts at that rung. */
  readonly backend: 'auto' | BackendKind;
  readonly preferF16: boolean;
  readonly statsIntervalMs: number;
  readonly enabled: boolean;
  /** Input tile edge (pixels) for the WebGL backend, whose textures overflow on whole frames. */
  readonly webglTileSize: number;
}

/**
 * A MediaStreamTrack as far as the worker typings go: the WebWorker lib has no MediaStreamTrack, yet
 * Safari and Firefox transfer tracks into workers.
 */
export interface TransferredTrack {
  readonly kind: string;
  readonly id: string;
}

export type OutputTarget =
  | { readonly kind: 'canvas'; readonly canvas: OffscreenCanvas }
  | { readonly kind: 'writable'; readonly writable: WritableStream<VideoFrame> }
  /** The worker makes a VideoTrackGenerator and sends its track back ('output-track'). */
  | { readonly kind: 'track-generator' };

export type InputSource =
  | { readonly kind: 'stream'; readonly readable: ReadableStream<VideoFrame> }
  | { readonly kind: 'track'; readonly track: TransferredTrack }
  /** Frames arrive one by one as 'frame' messages (requestVideoFrameCallback fallback). */
  | { readonly kind: 'bitmaps' };

export type MainToWorker =
  | { readonly type: 'init'; readonly config: WorkerConfig; readonly output: OutputTarget }
  | { readonly type: 'attach'; readonly sourceId: number; readonly input: InputSource }
  | { readonly type: 'frame'; readonly sourceId: number; readonly bitmap: ImageBitmap; readonly timestampUs: number }
  | { readonly type: 'detach' }
  | { readonly type: 'set-enabled'; readonly enabled: boolean }
  /** Diagnostics: destroy the GPU device (or lose the WebGL context) to exercise the fallback ladder. */
  | { readonly type: 'simulate-gpu-loss' }
  /** One binary message from an update channel (transferred; the worker judges it, see ModelUpdates). */
  | { readonly type: 'model-update'; readonly data: ArrayBuffer }
  | DisposeRequest;

export type TimingSource = 'timestamp-query' | 'submitted-work-done' | 'wall';

export interface ReceiverStats {
  readonly inputFps: number;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly outputFps: number;
  readonly outputWidth: number;
  readonly outputHeight: number;
  readonly framesIn: number;
  readonly framesPainted: number;
  readonly framesDropped: number;
  readonly modelMsP50: number;
  readonly modelMsP95: number;
  /** Frame arrival in the worker to paint submitted. */
  readonly latencyMsP50: number;
  readonly latencyMsP95: number;
  /** The rung that painted the last frame. */
  readonly backend: BackendKind;
  /** Catalogue name of the model that painted the last frame; null when bicubic painted it. */
  readonly model: string | null;
  /** Scale of that model; null when bicubic painted. */
  readonly modelScale: ModelScale | null;
  /** Output size over input size (aspect kept) of the last frame. */
  readonly ratio: number;
  /** Same as `model`, 'none' when bicubic painted (kept for the tier readouts that predate `model`). */
  readonly tier: string;
  readonly adapter: string;
  readonly timing: TimingSource;
  readonly f16: boolean;
  readonly enabled: boolean;
  /** Tensor reads to the CPU (tfjs backend read/readSync) since start: zero per frame on WebGPU. */
  readonly readbacks: number;
  readonly numTensors: number;
  readonly openFrames: number;
  /** Sequence number of the model update painting the last frame; 0: the shipped weights, or bicubic painted. */
  readonly modelGeneration: number;
  /** Updates that started painting (each sequence number counted once, re-applications after a device loss not). */
  readonly updatesApplied: number;
  /** Update messages refused (every ModelUpdateError code, plus 'bad-info' text on the main thread). */
  readonly updatesRejected: number;
  /** Bytes of binary update messages received, refused ones included. */
  readonly updateBytesReceived: number;
}

export interface LeakReport {
  readonly numTensors: number;
  readonly openFrames: number;
}

export type FallbackReason = 'webgpu-unavailable' | 'webgl-unavailable' | 'device-lost' | 'backend-error' | 'model-load-failed';

export type WorkerToMain =
  | { readonly type: 'hello'; readonly workerHasTrackProcessor: boolean; readonly workerHasTrackGenerator: boolean }
  | { readonly type: 'output-track'; readonly track: TransferredTrack }
  | { readonly type: 'first-frame'; readonly sourceId: number; readonly backend: BackendKind }
  | { readonly type: 'stats'; readonly stats: ReceiverStats }
  | { readonly type: 'fallback'; readonly from: BackendKind; readonly to: BackendKind; readonly reason: FallbackReason; readonly detail: string }
  | { readonly type: 'tierchange'; readonly from: string; readonly to: string; readonly reason: 'too-slow' | 'headroom' }
  | { readonly type: 'scalechange'; readonly from: ModelScale | null; readonly to: ModelScale | null; readonly inputWidth: number; readonly inputHeight: number; readonly model: string | null }
  | { readonly type: 'source-ended'; readonly sourceId: number }
  | ErrorReply
  /** A model update started painting `model` (generation = its sequence number; `variant` pairs it with its update info). */
  | { readonly type: 'modelupdate'; readonly model: string; readonly variant: string; readonly scale: ModelScale; readonly generation: number; readonly bytes: number }
  /** Adapted weights failed on this backend: `model` paints its shipped weights again. */
  | { readonly type: 'modelrevert'; readonly model: string; readonly reason: string }
  /** One update message refused; the SDK coalesces these into 'error' events. `reason` is the ModelUpdateError code. */
  | { readonly type: 'update-rejected'; readonly reason: string; readonly detail: string }
  | DisposedReply;

/** Both workers (receiver, sender) answer 'dispose' with 'disposed' and report thrown errors as 'error'. */
export interface DisposeRequest {
  readonly type: 'dispose';
}
export interface DisposedReply {
  readonly type: 'disposed';
  readonly leaks: LeakReport;
}
export interface ErrorReply {
  readonly type: 'error';
  readonly error: SerializedError;
  /** The message that threw cannot go on (init, attach): the SDK rejects what waits on it. */
  readonly fatal: boolean;
}

/**
 * A guard for one direction of a worker protocol. It checks the discriminant only: both ends are built from
 * the same protocol file, so the payload shapes match. `types` must name every variant (a Record over the
 * union's `type`), so a message added to the union and forgotten here is a type error.
 */
export function messageGuard<T extends { readonly type: string }>(types: Readonly<Record<T['type'], true>>): (data: unknown) => data is T {
  const known: ReadonlySet<string> = new Set(Object.keys(types));
  return (data: unknown): data is T => {
    if (typeof data !== 'object' || data === null) return false;
    const t = (data as { type?: unknown }).type;
    return typeof t === 'string' && known.has(t);
  };
}

export const isMainToWorker = messageGuard<MainToWorker>({ init: true, attach: true, frame: true, detach: true, 'set-enabled': true, 'simulate-gpu-loss': true, 'model-update': true, dispose: true });

export const isWorkerToMain = messageGuard<WorkerToMain>({
  hello: true, 'output-track': true, 'first-frame': true, stats: true, fallback: true, tierchange: true, scalechange: true,
  'source-ended': true, error: true, modelupdate: true, modelrevert: true, 'update-rejected': true, disposed: true,
});

/** Flattens anything thrown into the wire form; `code` survives when the thrower set one. */
export function serializeError(error: unknown, fallbackCode = 'internal'): SerializedError {
  if (error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException)) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return { name: error.name, code, message: error.message };
    return { name: error.name, code: error.name === 'AbortError' ? 'aborted' : fallbackCode, message: error.message };
  }
  return { name: 'Error', code: fallbackCode, message: String(error) };
}

export function assertNever(value: never): never {
  throw new Error(`unexpected variant: ${JSON.stringify(value)}`);
}
