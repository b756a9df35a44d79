import '@tensorflow/tfjs-backend-cpu';
import { createUpdateBase, type UpdateBase } from '../../adapt/updateBase.js';
import { seededRandom } from '../../model/initGeneratorWeights.js';
import { getVariant } from '../../model/variants.js';
import { shapeSize, weightSpecs } from '../../model/weightSpec.js';
import type { Generator } from '../../model/types.js';
import type { FrameLike } from '../FramePipeline.js';
import { adaptedGenerator } from '../ModelStore.js';
import type { ModelRef, ModelScale, WorkerConfig, WorkerToMain } from '../protocol.js';
import { BackendUnavailableError, type AdaptedWeights, type ModelRenderer, type PlainRenderer, type Platform, type RenderResult } from '../renderers.js';
import { WorkerSession } from '../WorkerSession.js';

/** A fake browser for WorkerSession tests: renderers, catalogue and clock under the test's control. */

export class Frame implements FrameLike {
  closed = 0;
  constructor(readonly timestamp: number, readonly displayWidth = 480, readonly displayHeight = 270) {}
  close(): void {
    this.closed++;
  }
}

/** A surface is just a label saying who painted it: `webgpu:tiny`, or `webgpu:tiny#7` with update 7's weights. */
type Surface = string;

export class FakeRenderer implements ModelRenderer<Frame, Surface> {
  readonly adapter = 'fake adapter';
  readonly timing = 'wall' as const;
  readonly f16 = false;
  readonly lost: Promise<string>;
  loseNow!: (reason: string) => void;
  prepared: string[] = [];
  readonly loaded = new Set<string>();
  /** Loads wait for release() when set (a slow download). */
  gate: Promise<void> | null = null;
  disposed = false;
  failNext = false;
  hang = false;
  modelMs = 5;
  /** Adapted generators (real TF.js tensors, so leaks show in tf.memory()) by model name. */
  readonly adapted = new Map<string, { generator: Generator; seq: number }>();
  /** useWeights() throws for adapted weights (they cannot be built on this backend). */
  failWeights = false;
  /** render() throws while the model runs adapted weights. */
  failAdapted = false;
  constructor(readonly kind: 'webgpu' | 'webgl', readonly log: string[], readonly failLoad: (name: string) => boolean) {
    this.lost = new Promise((r) => (this.loseNow = r));
  }
  async prepare(model: ModelRef): Promise<void> {
    this.prepared.push(model.name);
    await this.gate;
    if (this.failLoad(model.name)) throw Object.assign(new Error('404'), { name: 'ModelLoadError', code: 'fetch-failed' });
    this.loaded.add(model.name);
  }
  has(model: ModelRef): boolean {
    return this.loaded.has(model.name);
  }
  useWeights(model: ModelRef, weights: AdaptedWeights | null): void {
    if (weights !== null && this.failWeights) throw new Error('cannot build');
    const next = weights === null ? null : { generator: adaptedGenerator(weights), seq: weights.seq };
    const previous = this.adapted.get(model.name);
    if (next === null) this.adapted.delete(model.name);
    else this.adapted.set(model.name, next);
    previous?.generator.dispose();
  }
  render(_frame: Frame, model: ModelRef): Promise<RenderResult<Surface>> {
    if (this.hang) return new Promise(() => undefined);
    const adapted = this.adapted.get(model.name);
    if (this.failNext || (adapted !== undefined && this.failAdapted)) {
      this.failNext = false;
      return Promise.reject(new Error('kernel failed'));
    }
    return Promise.resolve({ surface: `${this.kind}:${model.name}${adapted === undefined ? '' : `#${adapted.seq}`}`, modelMs: this.modelMs });
  }
  simulateLoss(): void {
    this.loseNow('destroyed');
  }
  dispose(): void {
    this.disposed = true;
    for (const a of this.adapted.values()) a.generator.dispose();
    this.adapted.clear();
    this.log.push(`dispose ${this.kind}`);
  }
}

/** Catalogue rows as the fake index gives them: MACs per output megapixel as models/index.json has them. */
export const CATALOG: Record<string, [ModelScale, number]> = {
  'lite32x4': [4, 873],
  'tiny': [4, 200],
  'lite32x4-x3': [3, 1552],
  'tiny-x3': [3, 356],
  'lite32x4-x2': [2, 3205],
  'tiny-x2': [2, 801],
};

/**
 * The update base of a fake catalogue model (catalogue names are variant names here): seeded weights in
 * [-0.25, 0.25], the same for every call with the same name.
 */
export function fakeBase(name: string): Promise<UpdateBase> {
  const rand = seededRandom(name.length * 7919 + (name.codePointAt(0) ?? 0));
  const values = weightSpecs(getVariant(name).config, { folded: true }).map((s) => Float32Array.from({ length: shapeSize(s.shape) }, () => (rand() - 0.5) / 2));
  return createUpdateBase(name, values);
}

export interface SetupOptions {
  webgpu?: 'ok' | 'unavailable';
  webgl?: 'ok' | 'unavailable';
  failLoad?: (name: string) => boolean;
  catalogError?: Error;
  models?: string[];
  initial?: string;
  adaptive?: boolean;
}

export function setup(opts: SetupOptions = {}) {
  const log: string[] = [];
  const posted: WorkerToMain[] = [];
  const painted: Surface[] = [];
  const renderers: FakeRenderer[] = [];
  let now = 0;
  const plain: PlainRenderer<Frame, Surface> = { render: () => Promise.resolve({ surface: 'bicubic', modelMs: null }), dispose: () => log.push('dispose plain') };
  const refs: ModelRef[] = (opts.models ?? ['tiny']).map((name) => {
    const [scale, macs] = CATALOG[name] ?? [4, 1];
    return { name, scale, macsPerOutputMegapixel: macs * 1e6, url: `http://x/${name}/model.json` };
  });
  const platform: Platform<Frame, Surface> = {
    createModelRenderer(kind) {
      log.push(`create ${kind}`);
      if ((kind === 'webgpu' ? opts.webgpu : opts.webgl) === 'unavailable') return Promise.reject(new BackendUnavailableError(`no ${kind}`));
      const r = new FakeRenderer(kind, log, opts.failLoad ?? (() => false));
      renderers.push(r);
      return Promise.resolve(r);
    },
    createPlainRenderer: () => plain,
    loadModels: () => (opts.catalogError !== undefined ? Promise.reject(opts.catalogError) : Promise.resolve(refs)),
    loadUpdateBase: (model) => fakeBase(model.name),
    now: () => now,
    numTensors: () => renderers.filter((r) => !r.disposed).length * 10,
    readbacks: () => 0,
    setInterval: () => () => log.push('stats stopped'),
  };
  const config: WorkerConfig = {
    protocolVersion: 2, fileUrls: {}, models: { kind: 'index', base: 'http://x/', filter: { scales: null, tiers: null, names: null }, initial: opts.initial ?? null },
    adaptive: opts.adaptive ?? false, outputWidth: 1920, outputHeight: 1080,
    backend: 'auto', preferF16: true, statsIntervalMs: 1000, enabled: true, webglTileSize: 128,
  };
  const session = new WorkerSession<Frame, Surface>(config, platform, { present: (s) => painted.push(s), dispose: () => log.push('dispose sink') }, (m) => posted.push(m));
  const frame = async (sourceId: number, t: number, size: [number, number] = [480, 270], advanceMs = 33): Promise<Frame> => {
    now += advanceMs;
    const f = new Frame(t, size[0], size[1]);
    session.pushFrame(sourceId, f);
    await session.whenIdle();
    return f;
  };
  /** A frame, then every load it started, then another frame of the same size. */
  const settledFrame = async (sourceId: number, t: number, size: [number, number] = [480, 270]): Promise<void> => {
    await session.whenSettled();
    await frame(sourceId, t, size);
    await session.whenSettled();
    await frame(sourceId, t + 0.5, size);
  };
  return { session, log, posted, painted, renderers, frame, settledFrame, of: <T extends WorkerToMain['type']>(type: T) => posted.filter((m) => m.type === type) as Extract<WorkerToMain, { type: T }>[] };
}

/** setup(), started on source 1 with one settled 480x270 frame painted by the model; `renderer` is the live rung. */
export async function running(opts: SetupOptions = {}): Promise<ReturnType<typeof setup> & { renderer: FakeRenderer }> {
  const s = setup(opts);
  s.session.start();
  s.session.attachPushed(1);
  await s.settledFrame(1, 0);
  const renderer = s.renderers[0];
  if (renderer === undefined) throw new Error('no renderer came up');
  return { ...s, renderer };
}
