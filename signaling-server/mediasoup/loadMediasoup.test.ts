import { describe, expect, it } from 'vitest';
import { fakeMediasoupModule } from '../testing/FakeMediasoup.js';
import { loadMediasoup, MediasoupUnavailableError } from './loadMediasoup.js';
import { MediasoupRouter } from './MediasoupRouter.js';

describe('loadMediasoup', () => {
  it('reports a missing package as MediasoupUnavailableError with code mediasoup_not_installed', async () => {
    const err = await loadMediasoup(undefined, 'swiftsr-no-such-package').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediasoupUnavailableError);
    expect(err).toMatchObject({ code: 'mediasoup_not_installed', message: expect.stringContaining('"swiftsr-no-such-package" package is not installed') as string });
    expect((err as Error).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });

  it('is what MediasoupRouter.create() rejects with on this install (mediasoup is not a dependency)', async () => {
    await expect(MediasoupRouter.create()).rejects.toMatchObject({ name: 'MediasoupUnavailableError', code: 'mediasoup_not_installed', message: expect.stringContaining('Node >= 22') as string });
  });

  it('names a package that loads but is not the mediasoup v3 API, or that throws while loading', async () => {
    await expect(loadMediasoup(() => Promise.resolve({ version: '2.0.0' }))).rejects.toThrow(/does not export createWorker\(\); mediasoup v3 is required/);
    await expect(loadMediasoup(() => Promise.reject(new Error('worker binary missing')))).rejects.toMatchObject({ code: 'mediasoup_not_installed', message: expect.stringContaining('failed to load: worker binary missing') as string });
  });

  it('accepts the module namespace and a CommonJS default export', async () => {
    const mod = fakeMediasoupModule();
    expect(await loadMediasoup(() => Promise.resolve(mod))).toBe(mod);
    expect(await loadMediasoup(() => Promise.resolve({ default: mod }))).toBe(mod);
  });
});
