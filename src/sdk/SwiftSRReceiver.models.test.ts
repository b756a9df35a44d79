import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_MODEL_BASE_URL } from './options.js';
import { packageModelUrls } from './packageModels.js';
import { SHIPPED_MODEL_FILES } from './shippedModels.js';
import { DISPOSE_TIMEOUT_MS, SwiftSRReceiver } from './SwiftSRReceiver.js';
import { attached, FakeOffscreenCanvas, stubReceiverGlobals, videoTrack } from './testing/fakeWorker.js';

const canvas = (): OffscreenCanvas => new FakeOffscreenCanvas() as unknown as OffscreenCanvas;
const modelError = { name: 'ModelLoadError', code: 'bad-manifest', message: "model.json: Unexpected token '<'" } as const;

beforeEach(stubReceiverGlobals);
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('a model that cannot be loaded is loud', () => {
  it("attach() rejects with the worker's ModelLoadError (name and code kept), detaches, and so does every later attach()", async () => {
    const r = new SwiftSRReceiver({ canvas: canvas() });
    const states: string[] = [];
    r.on('statechange', (e) => states.push(e.state));
    const { worker, attach, sourceId } = await attached(r);
    worker.reply({ type: 'error', error: modelError, fatal: false });
    worker.reply({ type: 'fallback', from: 'webgpu', to: 'bicubic', reason: 'model-load-failed', detail: modelError.message });
    worker.reply({ type: 'first-frame', sourceId, backend: 'bicubic' });
    await expect(attach).rejects.toMatchObject({ name: 'ModelLoadError', code: 'bad-manifest' });
    expect(worker.posted.at(-1)).toEqual({ type: 'detach' });
    expect(states).toEqual(['loading', 'idle']);
    await expect(r.attach(videoTrack())).rejects.toMatchObject({ code: 'bad-manifest' });
  });

  it("onModelError 'bicubic' resolves on the bicubic frame and reports the fallback", async () => {
    const r = new SwiftSRReceiver({ canvas: canvas(), onModelError: 'bicubic' });
    const fallbacks: string[] = [];
    r.on('fallback', (e) => fallbacks.push(e.reason));
    r.on('error', () => undefined);
    const { worker, attach, sourceId } = await attached(r);
    worker.reply({ type: 'error', error: modelError, fatal: false });
    worker.reply({ type: 'fallback', from: 'webgpu', to: 'bicubic', reason: 'model-load-failed', detail: modelError.message });
    worker.reply({ type: 'first-frame', sourceId, backend: 'bicubic' });
    await attach;
    expect(r.state).toBe('fallback');
    expect(fallbacks).toEqual(['model-load-failed']);
  });

  it('onModelError takes only reject or bicubic', () => {
    expect(() => new SwiftSRReceiver({ onModelError: 'ignore' as 'reject' })).toThrow(/options\.onModelError must be one of reject, bicubic/);
  });
});

describe("the package's own models", () => {
  it('with the default modelBaseUrl the worker gets a URL for every shipped file that the bundler moved; none for another base', () => {
    expect(Object.keys(SHIPPED_MODEL_FILES)).toContain('index.json');
    expect(Object.keys(SHIPPED_MODEL_FILES)).toContain('tiny/model.json');
    // Unbundled (this test), every file is where the folder says: nothing to redirect.
    expect(packageModelUrls(DEFAULT_MODEL_BASE_URL)).toEqual({});
    expect(packageModelUrls('http://app.test/models/')).toEqual({});
  });

  it('init carries the redirects only for the default base', async () => {
    const r = new SwiftSRReceiver({ canvas: canvas(), modelBaseUrl: '/m/' });
    const { worker } = await attached(r);
    const init = worker.posted[0];
    if (init?.type !== 'init') throw new Error('init first');
    expect(init.config.fileUrls).toEqual({});
  });
});

describe('dispose() waits for the frame in flight', () => {
  it('a worker that answers after 20 s (one SwiftShader frame) gives its real report', async () => {
    const r = new SwiftSRReceiver({ canvas: canvas() });
    const { worker, attach } = await attached(r);
    attach.catch(() => undefined);
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    worker.disposeReply = { leaks: { numTensors: 3, openFrames: 1 }, afterMs: 20_000 };
    const done = r.dispose();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(await done).toEqual({ numTensors: 3, openFrames: 1 });
    expect(worker.terminated).toBe(true);
  });

  it(`a worker silent for DISPOSE_TIMEOUT_MS (${DISPOSE_TIMEOUT_MS} ms) is terminated and reported as -1/-1`, async () => {
    const r = new SwiftSRReceiver({ canvas: canvas() });
    const { worker, attach } = await attached(r);
    attach.catch(() => undefined);
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    worker.disposeReply = null;
    let settled = false;
    const done = r.dispose().finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(DISPOSE_TIMEOUT_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await done).toEqual({ numTensors: -1, openFrames: -1 });
    expect(worker.terminated).toBe(true);
  });
});
