import { describe, expect, it } from 'vitest';
import { Frame, running, setup } from './testing/fakeSession.js';

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
    await s.settledFrame(3, 0);
    expect(s.of('fallback')).toEqual([{ type: 'fallback', from: 'webgpu', to: 'webgl', reason: 'webgpu-unavailable', detail: 'no webgpu' }]);
    expect(s.painted).toEqual(['bicubic', 'webgl:tiny']);
    expect(s.of('first-frame')[0]?.backend).toBe('webgl');
  });

  it('a render error paints that frame with bicubic, reports it, and replaces the rung', async () => {
    const s = await running();
    const r = s.renderer;
    r.failNext = true;
    await s.frame(1, 1);
    expect(s.painted).toEqual(['bicubic', 'webgpu:tiny', 'bicubic']);
    expect(s.of('error')[0]?.error.message).toBe('kernel failed');
    expect(s.of('fallback')[0]?.reason).toBe('backend-error');
    await s.session.whenSettled();
    await s.settledFrame(1, 2);
    expect(s.painted.at(-1)).toBe('webgl:tiny');
  });

  it('a render stuck on a lost context loses the race to the loss: the frame is painted, the ladder steps', async () => {
    const s = await running();
    const r = s.renderer;
    r.hang = true;
    s.session.pushFrame(1, new Frame(1));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(s.painted).toEqual(['bicubic', 'webgpu:tiny']);
    r.simulateLoss();
    await s.session.whenIdle();
    expect(s.painted).toEqual(['bicubic', 'webgpu:tiny', 'bicubic']);
    expect(s.of('fallback')[0]).toMatchObject({ from: 'webgpu', to: 'webgpu', reason: 'device-lost' });
    expect(s.of('error')).toEqual([]);
    expect(s.session.stats().openFrames).toBe(0);
  });

  it('weights that cannot load: error event, straight to bicubic, first-frame still comes; stats name no model', async () => {
    const s = setup({ failLoad: () => true });
    s.session.start();
    s.session.attachPushed(1);
    await s.settledFrame(1, 0);
    expect(s.of('error').map((m) => m.error)).toEqual([{ name: 'ModelLoadError', code: 'fetch-failed', message: '404' }]);
    expect(s.of('fallback')).toMatchObject([{ from: 'webgpu', to: 'bicubic', reason: 'model-load-failed' }]);
    expect(s.of('first-frame')[0]?.backend).toBe('bicubic');
    expect(s.session.stats()).toMatchObject({ backend: 'bicubic', model: null, modelScale: null, tier: 'none', ratio: 4 });
  });

  it('an index that cannot load: the error, then model-load-failed after the GPU came up, bicubic paints', async () => {
    const s = setup({ catalogError: Object.assign(new Error('index.json: bad'), { name: 'ModelLoadError', code: 'bad-index' }) });
    s.session.start();
    s.session.attachPushed(1);
    await s.session.whenSettled();
    await s.frame(1, 0);
    expect(s.of('error').map((m) => m.error.code)).toEqual(['bad-index']);
    expect(s.of('fallback')).toMatchObject([{ from: 'webgpu', to: 'bicubic', reason: 'model-load-failed', detail: 'index.json: bad' }]);
    expect(s.painted).toEqual(['bicubic']);
    expect(s.log).toContain('dispose webgpu');
  });

  it('setEnabled(false) paints plain upscaling with the model still loaded', async () => {
    const s = setup();
    s.session.start();
    s.session.attachPushed(1);
    await s.settledFrame(1, 0);
    s.session.setEnabled(false);
    await s.frame(1, 1);
    expect(s.session.stats()).toMatchObject({ backend: 'bicubic', model: null });
    s.session.setEnabled(true);
    await s.frame(1, 2);
    expect(s.painted).toEqual(['bicubic', 'webgpu:tiny', 'bicubic', 'webgpu:tiny']);
    expect(s.session.stats()).toMatchObject({ backend: 'webgpu', model: 'tiny', modelScale: 4, tier: 'tiny' });
  });

  it('steps down a tier when the model is slower than the frame budget', async () => {
    const s = await running({ models: ['lite32x4', 'tiny'], adaptive: true });
    const r = s.renderer;
    expect(s.painted.at(-1)).toBe('webgpu:lite32x4');
    r.modelMs = 80;
    for (let i = 0; i < 30; i++) await s.frame(1, i + 1);
    await s.session.whenSettled();
    await s.frame(1, 99);
    expect(s.of('tierchange')).toEqual([{ type: 'tierchange', from: 'lite32x4', to: 'tiny', reason: 'too-slow' }]);
    expect(s.painted.at(-1)).toBe('webgpu:tiny');
    expect(s.painted.filter((p) => p === 'bicubic')).toHaveLength(1);
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

  it('detach() closes the frame waiting behind the one in flight at once; the one in flight is still painted', async () => {
    const s = await running();
    const r = s.renderer;
    let finish!: () => void;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    const render = r.render.bind(r);
    r.render = async (frame, model) => {
      await slow;
      return render(frame, model);
    };
    const inFlight = new Frame(1);
    const waiting = new Frame(2);
    s.session.pushFrame(1, inFlight);
    s.session.pushFrame(1, waiting);
    expect(s.session.stats().openFrames).toBe(2);
    s.session.detach();
    expect([inFlight.closed, waiting.closed, s.session.stats().openFrames]).toEqual([0, 1, 1]);
    finish();
    await s.session.whenIdle();
    expect(s.painted).toEqual(['bicubic', 'webgpu:tiny', 'webgpu:tiny']);
    expect([inFlight.closed, s.session.stats().openFrames, s.session.stats().framesDropped]).toEqual([1, 0, 0]);
  });

  it('dispose() frees renderers and reports no leaks; is idempotent', async () => {
    const s = setup();
    s.session.start();
    s.session.attachPushed(1);
    await s.settledFrame(1, 0);
    expect(await s.session.dispose()).toEqual({ numTensors: 0, openFrames: 0 });
    expect(await s.session.dispose()).toEqual({ numTensors: 0, openFrames: 0 });
    expect(s.log.filter((l) => l.startsWith('dispose'))).toEqual(['dispose webgpu', 'dispose plain', 'dispose sink']);
    const late = new Frame(1);
    s.session.pushFrame(1, late);
    expect(late.closed).toBe(1);
  });
});
