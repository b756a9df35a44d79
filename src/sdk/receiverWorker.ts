import { PROTOCOL_VERSION, type ModelSourceConfig, type OutputTarget, type WorkerConfig } from '../worker/protocol.js';
import { SwiftSRError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { packageModelUrls } from './packageModels.js';
import { mainThreadMedia, type FrameOutputPath } from './support.js';

/** What the receiver's worker gets at init: the output target and the config. */

/** The options' size, else the canvas's (read before it moves to the worker), else 1080p. */
export function outputSize(o: ResolvedOptions): { width: number; height: number } {
  const { canvas, outputWidth, outputHeight } = o;
  return {
    width: outputWidth ?? (canvas !== null && canvas.width >= 16 ? canvas.width : 1920),
    height: outputHeight ?? (canvas !== null && canvas.height >= 16 ? canvas.height : 1080),
  };
}

export interface Output {
  readonly target: OutputTarget;
  readonly transfer: Transferable[];
  /** The output track made on this thread; null for a canvas, or when the worker makes it. */
  readonly track: MediaStreamTrack | null;
}

/** The canvas given, else a track generator (here or in the worker), else a detached canvas's captureStream(). */
export function makeOutput(o: ResolvedOptions, path: FrameOutputPath, size: { width: number; height: number }): Output {
  const { canvas } = o;
  if (canvas !== null) {
    const offscreen = canvas instanceof OffscreenCanvas ? canvas : canvas.transferControlToOffscreen();
    return { target: { kind: 'canvas', canvas: offscreen }, transfer: [offscreen], track: null };
  }
  const Generator = mainThreadMedia().MediaStreamTrackGenerator;
  if (path === 'generator-main' && Generator !== undefined) {
    const generator = new Generator({ kind: 'video' });
    return { target: { kind: 'writable', writable: generator.writable }, transfer: [generator.writable], track: generator };
  }
  if (path === 'generator-worker') return { target: { kind: 'track-generator' }, transfer: [], track: null };
  // Last resort: a detached canvas whose captureStream() is the output track.
  const element = document.createElement('canvas');
  element.width = size.width;
  element.height = size.height;
  const track = element.captureStream().getVideoTracks()[0];
  if (track === undefined) throw new SwiftSRError('unsupported', 'canvas.captureStream() gave no video track');
  const offscreen = element.transferControlToOffscreen();
  return { target: { kind: 'canvas', canvas: offscreen }, transfer: [offscreen], track };
}

export function workerConfig(o: ResolvedOptions, enabled: boolean, size: { width: number; height: number }): WorkerConfig {
  const { scales = null, tiers = null, names = null } = o.models;
  const models: ModelSourceConfig =
    o.modelUrl !== null
      ? { kind: 'single', url: new URL(o.modelUrl, document.baseURI).href }
      : { kind: 'index', base: new URL(o.modelBaseUrl, document.baseURI).href, filter: { scales, tiers, names }, initial: o.initialTier };
  return {
    protocolVersion: PROTOCOL_VERSION,
    fileUrls: packageModelUrls(new URL(o.modelBaseUrl, document.baseURI).href),
    models,
    adaptive: o.adaptive && o.modelUrl === null,
    outputWidth: size.width,
    outputHeight: size.height,
    backend: o.backend,
    preferF16: o.preferF16,
    statsIntervalMs: o.statsIntervalMs,
    enabled,
    webglTileSize: o.webglTileSize,
  };
}
