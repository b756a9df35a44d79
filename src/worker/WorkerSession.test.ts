import { describe, expect, it } from 'vitest';
import type { FrameLike } from './FramePipeline.js';
import type { ModelRef, WorkerConfig, WorkerToMain } from './protocol.js';
import { BackendUnavailableError, type ModelRenderer, type PlainRenderer, type Platform, type RenderResult } from './renderers.js';
import { WorkerSession } from './WorkerSession.js';

class Frame implements FrameLike {
  closed = 0;
  constructor(readonly timestamp: number, readonly displayWidth = 480, readonly displayHeight = 270) {}
  close(): void {
    this.closed++;
  }
}

/** A surface is just a label saying who painted it. */
type Surface = string;

class FakeRenderer implements ModelRenderer<Frame, Surface> {
  readonly adapter = 'fake adapter';
  readonly timing = 'wall' as const;
  readonly f16 = false;
  readonly lost: Promise<string>;
  loseNow!: (reason: string) => void;
  prepared: string[] = [];
  selected = '';
  disposed = false;
  failNext = false;
  hang = false;
  modelMs = 5;
  constructor(readonly kind: 'webgpu' | 'webgl', readonly log: string[], readonly failLoad = false) {
    this.lost = new Promise((r) => (this.loseNow = r));
  }
  prepare(model: ModelRef): Promise<void> {
    if (this.failLoad) return Promise.reject(Object.assign(new Error('404'), { name: 'ModelLoadError', code: 'fetch-failed' }));
    this.prepared.push(model.variant);
    return Promise.resolve();
  }
  select(model: ModelRef): void {
    this.selected = model.variant;
  }
  render(): Promise<RenderResult<Surface>> {
    if (this.hang) return new Promise(() => undefined);
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('kernel failed'));
    }
    return Promise.resolve({ surface: `${this.kind}:${this.selected}`, modelMs: this.modelMs });
  }
  simulateLoss(): void {
    this.loseNow('destroyed');
  }
  dispose(): void {
    this.disposed = true;
    this.log.push(`dispose ${this.kind}`);
  }
}

function setup(opts: { webgpu?: 'ok' | 'unavailable'; webgl?: 'ok' | 'unavailable'; failLoad?: boolean; models?: string[]; adaptive?: boolean } = {}) {
  const log: string[] = [];
  const posted: WorkerToMain[] = [];
  const painted: Surface[] = [];
  const renderers: FakeRenderer[] = [];
  let now = 0;
  const plain: PlainRenderer<Frame, Surface> = { render: () => Promise.resolve({ surface: 'bicubic', modelMs: null }), dispose: () => log.push('dispose plain') };
  const platform: Platform<Frame, Surface> = {
    createModelRenderer(kind) {
      log.push(`create ${kind}`);
      if ((kind === 'webgpu' ? opts.webgpu : opts.webgl) === 'unavailable') return Promise.reject(new BackendUnavailableError(`no ${kind}`));
      const r = new FakeRenderer(kind, log, opts.failLoad ?? false);
      renderers.push(r);
      return Promise.resolve(r);
    },
    createPlainRenderer: () => plain,
    now: () => now,
    numTensors: () => renderers.filter((r) => !r.disposed).length * 10,
    readbacks: () => 0,
    setInterval: () => () => log.push('stats stopped'),
  };
  const models = (opts.models ?? ['tiny']).map((variant) => ({ variant, url: `http://x/${variant}/model.json` }));
  const config: WorkerConfig = {
    protocolVersion: 1, fileUrls: {}, models, initialTier: 0, adaptive: opts.adaptive ?? false, outputWidth: 1920, outputHeight: 1080,
    backend: 'auto', preferF16: true, statsIntervalMs: 1000, enabled: true, webglTileSize: 128,
  };
  const session = new WorkerSession<Frame, Surface>(config, platform, { present: (s) => painted.push(s), dispose: () => log.push('dispose sink') }, (m) => posted.push(m));
  const frame = async (sourceId: number, t: number, advanceMs = 33): Promise<Frame> => {
    now += advanceMs;
    const f = new Frame(t);
    session.pushFrame(sourceId, f);
    await session.whenIdle();
    return f;
  };
  return { session, log, posted, painted, renderers, frame, of: <T extends WorkerToMain['type']>(type: T) => posted.filter((m) => m.type === type) as Extract<WorkerToMain, { type: T }>[] };
}

describe('WorkerSession', () => {
  it('paints bicubic while the model loads, then the model; first-frame comes from the model', async () => {
    const s = setup();
    s.session.start();
    s.session.attachPushed(1);
    const f0 = await s.frame(1, 0);
    await s.session.whenSettled();
    await s.frame(1, 1);
    expect(s.painted[s.painted.length - 1]).toBe('webgpu:tiny');
    expect(s.of('first-frame')).toEqual([{ type: 'first-frame', sourceId: 1, backend: 'webgpu' }]);
    expect(f0.closed).toBe(1);
    expect(s.session.stats().openFrames).toBe(0);
  });

  it('walks the ladder on device loss: recreate once, then WebGL, then bicubic; paints on every frame', async () => {
    const s = setup();
    s.session.start();
    s.session.attachPushed(1);
    await s.session.whenSettled();
    for (let round = 0; round < 3; round++) {
      s.session.simulateGpuLoss();
      await new Promise((r) => setTimeout(r, 0));
      await s.frame(1, round);
      await s.session.whenSettled();
      await s.frame(1, round + 10);
    }
    expect(s.of('fallback').map((m) => [m.from, m.to, m.reason])).toEqual([
      ['webgpu', 'webgpu', 'device-lost'],
      ['webgpu', 'webgl', 'device-lost'],
      ['webgl', 'bicubic', 'device-lost'],
    ]);
    expect(s.log.filter((l) => l.startsWith('create'))).toEqual(['create webgpu', 'create webgpu', 'create webgl']);
    expect(s.renderers.every((r) => r.disposed)).toBe(true);
    expect(s.painted.length).toBe(6);
    expect(s.painted[s.painted.length - 1]).toBe('bicubic');
  });

  it('no WebGPU adapter: falls to WebGL with reason webgpu-unavailable', async () => {
    const s = setup({ webgpu: 'unavailable' });
    s.session.start();
    s.session.attachPushed(3);
    await s.session.whenSettled();
    await s.frame(3, 0);
    expect(s.of('fallback')).toEqual([{ type: 'fallback', from: 'webgpu', to: 'webgl', reason: 'webgpu-unavailable', detail: 'no webgpu' }]);
    expect(s.painted).toEqual(['webgl:tiny']);
    expect(s.of('first-frame')[0]?.backend).toBe('webgl');
  });

  it('a render error paints that frame with bicubic, reports it, and replaces the rung', async () => {
    const s = setup();
    s.session.start();
    s.session.attachPushed(1);
    await s.session.whenSettled();
    const r = s.renderers[0];
    if (r === undefined) throw new Error('no renderer');
    r.failNext = true;
    await s.frame(1, 0);
    expect(s.painted).toEqual(['bicubic']);
    expect(s.of('error')[0]?.error.message).toBe('kernel failed');
    expect(s.of('fallback')[0]?.reason).toBe('backend-error');
    await s.session.whenSettled();
    await s.frame(1, 1);
    expect(s.painted[1]).toBe('webgl:tiny');
  });

  it('a render stuck on a lost context loses the race to the loss: the frame is painted, the ladder steps', async () => {
    const s = setup();
    s.session.start();
    s.session.attachPushed(1);
    await s.session.whenSettled();
    const r = s.renderers[0];
    if (r === undefined) throw new Error('no renderer');
    r.hang = true;
    s.session.pushFrame(1, new Frame(0));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(s.painted).toEqual([]);
    r.simulateLoss();
    await s.session.whenIdle();
    expect(s.painted).toEqual(['bicubic']);
    expect(s.of('fallback')[0]).toMatchObject({ from: 'webgpu', to: 'webgpu', reason: 'device-lost' });
    expect(s.of('error')).toEqual([]);
    expect(s.session.stats().openFrames).toBe(0);
  });

  it('weights that cannot load: error event, straight to bicubic, first-frame still comes', async () => {
    const s = setup({ failLoad: true });
    s.session.start();
    s.session.attachPushed(1);
    await s.session.whenSettled();
    await s.frame(1, 0);
    expect(s.of('error')[0]?.error).toEqual({ name: 'ModelLoadError', code: 'fetch-failed', message: '404' });
    expect(s.of('fallback')[0]).toMatchObject({ from: 'webgpu', to: 'bicubic', reason: 'model-load-failed' });
    expect(s.of('first-frame')[0]?.backend).toBe('bicubic');
  });

  it('setEnabled(false) paints plain upscaling with the model still loaded', async () => {
    const s = setup();
    s.session.start();
    s.session.attachPushed(1);
    await s.session.whenSettled();
    s.session.setEnabled(false);
    await s.frame(1, 0);
    s.session.setEnabled(true);
    await s.frame(1, 1);
    expect(s.painted).toEqual(['bicubic', 'webgpu:tiny']);
    expect(s.session.stats().backend).toBe('webgpu');
  });

  it('steps down a tier when the model is slower than the frame budget', async () => {
    const s = setup({ models: ['lite32x4', 'tiny'], adaptive: true });
    s.session.start();
    s.session.attachPushed(1);
    await s.session.whenSettled();
    const r = s.renderers[0];
    if (r === undefined) throw new Error('no renderer');
    r.modelMs = 80;
    for (let i = 0; i < 30; i++) await s.frame(1, i);
    await s.session.whenSettled();
    expect(s.of('tierchange')).toEqual([{ type: 'tierchange', from: 'lite32x4', to: 'tiny', reason: 'too-slow' }]);
    expect(r.selected).toBe('tiny');
    await s.frame(1, 99);
    expect(s.painted[s.painted.length - 1]).toBe('webgpu:tiny');
  });

  it('reports the end of a stream source and ignores frames of a detached source', async () => {
    const s = setup();
    s.session.start();
    const frames = [new Frame(0), new Frame(1)];
    const stream = new ReadableStream<Frame>({
      start(c) {
        for (const f of frames) c.enqueue(f);
        c.close();
      },
    });
    s.session.attachStream(5, stream);
    await new Promise((r) => setTimeout(r, 10));
    await s.session.whenIdle();
    expect(s.of('source-ended')).toEqual([{ type: 'source-ended', sourceId: 5 }]);
    expect(frames.every((f) => f.closed === 1)).toBe(true);
    const stale = new Frame(9);
    s.session.pushFrame(4, stale);
    expect(stale.closed).toBe(1);
  });

  it('dispose() frees renderers and reports no leaks; is idempotent', async () => {
    const s = setup();
    s.session.start();
    s.session.attachPushed(1);
    await s.session.whenSettled();
    await s.frame(1, 0);
    expect(await s.session.dispose()).toEqual({ numTensors: 0, openFrames: 0 });
    expect(await s.session.dispose()).toEqual({ numTensors: 0, openFrames: 0 });
    expect(s.log.filter((l) => l.startsWith('dispose'))).toEqual(['dispose webgpu', 'dispose plain', 'dispose sink']);
    const late = new Frame(1);
    s.session.pushFrame(1, late);
    expect(late.closed).toBe(1);
  });
});
