import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SwiftSRError } from './errors.js';
import { SwiftSRReceiver } from './SwiftSRReceiver.js';
import { attached, FakeOffscreenCanvas, stubReceiverGlobals, tick, videoTrack } from './testing/fakeWorker.js';

beforeEach(stubReceiverGlobals);
afterEach(() => vi.unstubAllGlobals());

describe('SwiftSRReceiver <-> worker protocol', () => {
  it('init carries the resolved config and the transferred canvas; attach streams the track', async () => {
    const canvas = Object.assign(new FakeOffscreenCanvas(), { width: 640, height: 360 }) as unknown as OffscreenCanvas;
    const r = new SwiftSRReceiver({ canvas, tiers: ['lite32x4', 'tiny'], initialTier: 'tiny', modelBaseUrl: '/m/' });
    const { worker, attach, sourceId } = await attached(r);
    const init = worker.posted[0];
    if (init?.type !== 'init') throw new Error('init first');
    expect(init.output).toEqual({ kind: 'canvas', canvas });
    expect(init.config.models).toEqual({ kind: 'index', base: 'http://app.test/m/', filter: { scales: null, tiers: null, names: ['lite32x4', 'tiny'] }, initial: 'tiny' });
    // No output size given: the canvas's own.
    expect([init.config.outputWidth, init.config.outputHeight]).toEqual([640, 360]);
    expect(String(worker.url)).toMatch(/worker\/sr\.worker\.js$/);
    expect(r.state).toBe('loading');
    worker.reply({ type: 'first-frame', sourceId, backend: 'webgpu' });
    await attach;
    expect(r.state).toBe('running');
  });

  it('fallback, tierchange, stats and error events; source end goes idle', async () => {
    const r = new SwiftSRReceiver({ canvas: new FakeOffscreenCanvas() as unknown as OffscreenCanvas });
    const seen: string[] = [];
    r.on('statechange', (e) => seen.push(`state:${e.state}`));
    r.on('fallback', (e) => seen.push(`fallback:${e.to}:${e.reason}`));
    r.on('tierchange', (e) => seen.push(`tier:${e.to}`));
    r.on('scalechange', (e) => seen.push(`scale:${e.from}->${e.to}:${e.inputWidth}x${e.inputHeight}:${e.model}`));
    r.on('error', (e) => seen.push(`error:${e.name}:${(e as SwiftSRError).code}`));
    const { worker, attach, sourceId } = await attached(r);
    worker.reply({ type: 'first-frame', sourceId, backend: 'webgpu' });
    await attach;
    worker.reply({ type: 'fallback', from: 'webgpu', to: 'webgl', reason: 'device-lost', detail: 'destroyed' });
    worker.reply({ type: 'tierchange', from: 'lite32x4', to: 'tiny', reason: 'too-slow' });
    worker.reply({ type: 'scalechange', from: 4, to: 3, inputWidth: 640, inputHeight: 360, model: 'tiny-x3' });
    worker.reply({ type: 'error', error: { name: 'ModelLoadError', code: 'checksum-mismatch', message: 'x' }, fatal: false });
    worker.reply({ type: 'source-ended', sourceId: sourceId + 99 });
    expect(r.state).toBe('fallback');
    worker.reply({ type: 'source-ended', sourceId });
    expect(seen).toEqual(['state:loading', 'state:running', 'state:fallback', 'fallback:webgl:device-lost', 'tier:tiny', 'scale:4->3:640x360:tiny-x3', 'error:ModelLoadError:checksum-mismatch', 'state:idle']);
  });

  it('a newer attach() aborts the pending one; a fatal error rejects it', async () => {
    const r = new SwiftSRReceiver({ canvas: new FakeOffscreenCanvas() as unknown as OffscreenCanvas });
    const first = await attached(r);
    const second = r.attach(videoTrack());
    await expect(first.attach).rejects.toMatchObject({ name: 'AbortError' });
    await tick();
    first.worker.reply({ type: 'error', error: { name: 'Error', code: 'internal', message: 'init failed' }, fatal: true });
    await expect(second).rejects.toMatchObject({ code: 'internal' });
  });

  it('dispose() asks the worker for its leak report, then terminates it', async () => {
    const r = new SwiftSRReceiver({ canvas: new FakeOffscreenCanvas() as unknown as OffscreenCanvas });
    const { worker, attach, sourceId } = await attached(r);
    worker.reply({ type: 'first-frame', sourceId, backend: 'bicubic' });
    await attach;
    expect(r.state).toBe('fallback');
    expect(await r.dispose()).toEqual({ numTensors: 0, openFrames: 0 });
    expect(worker.posted.at(-1)).toEqual({ type: 'dispose' });
    expect(worker.terminated).toBe(true);
    expect(r.state).toBe('disposed');
  });
});
