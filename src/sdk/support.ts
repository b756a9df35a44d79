import { SwiftSRError } from './errors.js';

/**
 * Every feature test of the SDK, in one place. Chromium has MediaStreamTrackProcessor/Generator on the
 * main thread only (their streams are transferable, tracks are not); Safari and Firefox expose them in
 * workers only, where tracks are transferable. What the worker has is only known once it says 'hello'.
 */

export type FrameInputPath = 'processor-main' | 'processor-worker' | 'video-frame-callback';
export type FrameOutputPath = 'generator-main' | 'generator-worker' | 'canvas-capture';

export interface MainThreadSupport {
  readonly trackProcessor: boolean;
  readonly trackGenerator: boolean;
  readonly videoFrameCallback: boolean;
  readonly offscreenCanvas: boolean;
  readonly transferControlToOffscreen: boolean;
  readonly webgpu: boolean;
  readonly worker: boolean;
}

export interface WorkerSupport {
  readonly trackProcessor: boolean;
  readonly trackGenerator: boolean;
}

export interface GpuSupport {
  readonly adapter: boolean;
  readonly shaderF16: boolean;
  readonly timestampQuery: boolean;
  readonly description: string;
}

type Global = Record<string, unknown>;

interface TrackGenerator extends MediaStreamTrack {
  readonly writable: WritableStream<VideoFrame>;
}

/** Chromium's main-thread breakout-box constructors, typed (absent from lib.dom), or undefined. */
export function mainThreadMedia(g: object = globalThis): {
  MediaStreamTrackProcessor?: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> };
  MediaStreamTrackGenerator?: new (init: { kind: 'video' }) => TrackGenerator;
} {
  return g;
}

export function detectMainThread(g: Global = globalThis): MainThreadSupport {
  const canvasProto = (g.HTMLCanvasElement as { prototype?: object } | undefined)?.prototype;
  const videoProto = (g.HTMLVideoElement as { prototype?: object } | undefined)?.prototype;
  const nav = g.navigator as { gpu?: unknown } | undefined;
  return {
    trackProcessor: typeof g.MediaStreamTrackProcessor === 'function',
    trackGenerator: typeof g.MediaStreamTrackGenerator === 'function',
    videoFrameCallback: videoProto !== undefined && 'requestVideoFrameCallback' in videoProto,
    offscreenCanvas: typeof g.OffscreenCanvas === 'function',
    transferControlToOffscreen: canvasProto !== undefined && 'transferControlToOffscreen' in canvasProto,
    webgpu: nav?.gpu !== undefined,
    worker: typeof g.Worker === 'function',
  };
}

/** Worker side: the same probes for the APIs that matter there. */
export function detectWorker(g: Global = globalThis): WorkerSupport {
  return {
    trackProcessor: typeof g.MediaStreamTrackProcessor === 'function',
    trackGenerator: typeof g.VideoTrackGenerator === 'function',
  };
}

export function chooseInputPath(main: MainThreadSupport, worker: WorkerSupport): FrameInputPath {
  if (main.trackProcessor) return 'processor-main';
  if (worker.trackProcessor) return 'processor-worker';
  return 'video-frame-callback';
}

export function chooseOutputPath(main: MainThreadSupport, worker: WorkerSupport): FrameOutputPath {
  if (main.trackGenerator) return 'generator-main';
  if (worker.trackGenerator) return 'generator-worker';
  return 'canvas-capture';
}

/** Nothing can run without these; the error names what is missing. */
export function assertMinimumSupport(main: MainThreadSupport): void {
  const missing: string[] = [];
  if (!main.worker) missing.push('Worker');
  if (!main.offscreenCanvas) missing.push('OffscreenCanvas');
  if (missing.length > 0) throw new SwiftSRError('unsupported', `SwiftSR needs ${missing.join(' and ')}, which this browser lacks`);
}

/**
 * What detectGpu() reads of `navigator.gpu`: structural, so that the published types need no
 * `@webgpu/types` (a consumer with `skipLibCheck: false` would otherwise fail on `GPU`).
 */
export interface GpuLike {
  requestAdapter(): Promise<{
    readonly features: { has(feature: string): boolean };
    readonly info: { readonly vendor: string; readonly architecture: string; readonly description: string };
  } | null>;
}

/** Adapter probe, for pages that want to show what the receiver will run on before attaching. */
export async function detectGpu(gpu: GpuLike | undefined = (globalThis.navigator as Navigator | undefined)?.gpu): Promise<GpuSupport> {
  if (gpu === undefined) return { adapter: false, shaderF16: false, timestampQuery: false, description: 'no navigator.gpu' };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (adapter === null) return { adapter: false, shaderF16: false, timestampQuery: false, description: 'no WebGPU adapter' };
  const info = adapter.info;
  return {
    adapter: true,
    shaderF16: adapter.features.has('shader-f16'),
    timestampQuery: adapter.features.has('timestamp-query'),
    description: [info.vendor, info.architecture, info.description].filter((s) => s.length > 0).join(' ') || 'unknown adapter',
  };
}
