import type { BackendKind } from '../worker/protocol.js';
import { resolveModelChoice, type ModelSelection } from './modelOptions.js';

export interface ReceiverOptions {
  /** Where to paint. null: paint into `receiver.outputTrack` instead. */
  canvas: HTMLCanvasElement | OffscreenCanvas | null;
  /** Painted size; null: the canvas's own width / height (1920x1080 without a canvas). */
  outputWidth: number | null;
  outputHeight: number | null;
  /**
   * Folder holding `index.json` and the model folders; relative URLs resolve against the document. The
   * default is the package's own `models/` folder, found under whatever URLs the app's bundler gave its files.
   */
  modelBaseUrl: string | URL;
  /** One model.json anywhere; overrides `modelBaseUrl` + `tiers` and turns adaptive tiering off. */
  modelUrl: string | URL | null;
  /** Which catalogue models to use (scales, tiers, names); see ModelSelection. */
  models: ModelSelection;
  /** Variant names to use (like `models.names`); null: the catalogue decides. */
  tiers: readonly string[] | null;
  /** Model to start with; null: the heaviest of the first scale used. */
  initialTier: string | null;
  adaptive: boolean;
  /** 'auto' walks the fallback ladder from WebGPU; a rung name starts there. */
  backend: 'auto' | BackendKind;
  preferF16: boolean;
  statsIntervalMs: number;
  /** false: plain bicubic upscaling (A/B comparison). */
  enabled: boolean;
  webglTileSize: number;
  /** Override the worker script URL (bundlers that cannot see `new URL(..., import.meta.url)`). */
  workerUrl: string | URL | null;
  /**
   * A model that cannot be loaded: 'reject' makes attach() reject with the `ModelLoadError`; 'bicubic'
   * paints plain bicubic instead (a `fallback` event and an `error` event still say why).
   */
  onModelError: 'reject' | 'bicubic';
}

export type ResolvedOptions = Readonly<ReceiverOptions>;

/**
 * The package's own models/ folder as this module's URL sees it. Bundlers move the files themselves
 * (packageModels.ts maps them), so neither Vite nor webpack is asked to emit the folder.
 */
export const DEFAULT_MODEL_BASE_URL = new URL(/* @vite-ignore */ /* webpackIgnore: true */ '../../models/', import.meta.url).href;

export const DEFAULTS: ResolvedOptions = Object.freeze({
  canvas: null,
  outputWidth: null,
  outputHeight: null,
  modelBaseUrl: DEFAULT_MODEL_BASE_URL,
  modelUrl: null,
  models: Object.freeze({}),
  tiers: null,
  initialTier: null,
  adaptive: true,
  backend: 'auto',
  preferF16: true,
  statsIntervalMs: 1000,
  enabled: true,
  webglTileSize: 128,
  workerUrl: null,
  onModelError: 'reject',
});

const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULTS));
const BACKENDS: readonly string[] = ['auto', 'webgpu', 'webgl', 'bicubic'];
const MODEL_ERROR_POLICIES: readonly string[] = ['reject', 'bicubic'];

function intIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`options.${name} must be an integer, got ${String(value)}`);
  if (value < min || value > max) throw new RangeError(`options.${name} must be in [${min}, ${max}], got ${value}`);
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`options.${name} must be a boolean, got ${typeof value}`);
  return value;
}

function url(name: string, value: unknown, nullable: boolean): string | URL | null {
  if (value === null && nullable) return null;
  if (typeof value === 'string' && value.length > 0) return value;
  if (value instanceof URL) return value;
  throw new TypeError(`options.${name} must be a non-empty string or URL${nullable ? ' or null' : ''}`);
}

function isCanvas(value: unknown): value is HTMLCanvasElement | OffscreenCanvas {
  if (typeof OffscreenCanvas !== 'undefined' && value instanceof OffscreenCanvas) return true;
  return typeof HTMLCanvasElement !== 'undefined' && value instanceof HTMLCanvasElement;
}

/** Merges over DEFAULTS and validates; throws TypeError/RangeError naming the option and what it accepts. */
export function resolveOptions(input: unknown = {}): ResolvedOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('options must be an object');
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw new TypeError(`options.${key} is not a known option; known: ${[...KNOWN_KEYS].join(', ')}`);
  }
  const o = { ...DEFAULTS, ...(input as Partial<ReceiverOptions>) };
  if (o.canvas !== null && !isCanvas(o.canvas)) throw new TypeError('options.canvas must be an HTMLCanvasElement, an OffscreenCanvas or null');
  const outputWidth = o.outputWidth === null ? null : intIn('outputWidth', o.outputWidth, 16, 7680);
  const outputHeight = o.outputHeight === null ? null : intIn('outputHeight', o.outputHeight, 16, 4320);
  const modelBaseUrl = url('modelBaseUrl', o.modelBaseUrl, false) as string | URL;
  const modelUrl = url('modelUrl', o.modelUrl, true);
  const workerUrl = url('workerUrl', o.workerUrl, true);
  const choice = resolveModelChoice(o.models, o.tiers, o.initialTier);
  if (typeof o.backend !== 'string' || !BACKENDS.includes(o.backend)) {
    throw new RangeError(`options.backend must be one of ${BACKENDS.join(', ')}, got ${String(o.backend)}`);
  }
  if (typeof o.onModelError !== 'string' || !MODEL_ERROR_POLICIES.includes(o.onModelError)) {
    throw new RangeError(`options.onModelError must be one of ${MODEL_ERROR_POLICIES.join(', ')}, got ${String(o.onModelError)}`);
  }
  return Object.freeze({
    canvas: o.canvas,
    outputWidth,
    outputHeight,
    modelBaseUrl,
    modelUrl,
    ...choice,
    adaptive: bool('adaptive', o.adaptive),
    backend: o.backend,
    preferF16: bool('preferF16', o.preferF16),
    statsIntervalMs: intIn('statsIntervalMs', o.statsIntervalMs, 100, 60_000),
    enabled: bool('enabled', o.enabled),
    webglTileSize: intIn('webglTileSize', o.webglTileSize, 32, 1024),
    workerUrl,
    onModelError: o.onModelError,
  });
}
