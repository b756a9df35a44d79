import { describe, expect, it } from 'vitest';
import type { WorkerToMain } from './protocol.js';
import { RendererLadder } from './RendererLadder.js';
import { BackendUnavailableError } from './renderers.js';
import { ScaleSelector } from './ScaleSelector.js';
import { FakeRenderer, type Frame } from './testing/fakeSession.js';

function host(opts: { webgpu?: 'unavailable' } = {}) {
  const abort = new AbortController();
  const log: string[] = [];
  const posted: WorkerToMain[] = [];
  const renderers: FakeRenderer[] = [];
  const ready: string[] = [];
  const errors: string[] = [];
  const h = {
    signal: abort.signal,
    createModelRenderer(kind: 'webgpu' | 'webgl') {
      log.push(`create ${kind}`);
      if (kind === 'webgpu' && opts.webgpu === 'unavailable') return Promise.reject(new BackendUnavailableError('no adapter'));
      const r = new FakeRenderer(kind, log, () => false);
      renderers.push(r);
      return Promise.resolve(r);
    },
    ready: (r: FakeRenderer) => ready.push(r.kind),
    post: (m: WorkerToMain) => posted.push(m),
    reportError: (e: unknown) => errors.push(e instanceof Error ? e.message : String(e)),
  };
  return { abort, log, posted, renderers, ready, errors, ladder: new RendererLadder<Frame, string>('webgpu', h) };
}

const selector = (): ScaleSelector => new ScaleSelector([{ name: 'tiny', scale: 4, macsPerOutputMegapixel: 2e8, url: 'http://x/tiny/model.json' }], { outputWidth: 1920, outputHeight: 1080, initial: null });

describe('RendererLadder', () => {
  it('declares a rung ready only once the catalogue is in; a lost device is replaced and announced', async () => {
    const t = host({ webgpu: 'unavailable' });
    let catalogue!: (s: ScaleSelector) => void;
    t.ladder.start(new Promise((resolve) => (catalogue = resolve)));
    await new Promise((r) => setTimeout(r, 0));
    expect([t.ladder.rung, t.ladder.renderer, t.ready]).toEqual(['webgl', null, []]);
    catalogue(selector());
    await t.ladder.settled();
    expect(t.ladder.renderer).toBe(t.renderers[0]);
    expect(t.ready).toEqual(['webgl']);
    t.renderers[0]?.simulateLoss();
    await new Promise((r) => setTimeout(r, 0));
    await t.ladder.settled();
    expect(t.posted.map((m) => (m.type === 'fallback' ? [m.from, m.to, m.reason] : m.type))).toEqual([
      ['webgpu', 'webgl', 'webgpu-unavailable'],
      ['webgl', 'bicubic', 'device-lost'],
    ]);
    expect([t.ladder.rung, t.ladder.renderer, t.renderers[0]?.disposed]).toEqual(['bicubic', null, true]);
  });

  it('a failed catalogue goes to the floor with an error; an abort mid bring-up disposes the new renderer silently', async () => {
    const failed = host();
    failed.ladder.start(Promise.resolve(new Error('index.json: 404')));
    await failed.ladder.settled();
    expect([failed.ladder.rung, failed.errors, failed.renderers[0]?.disposed]).toEqual(['bicubic', ['index.json: 404'], true]);
    expect(failed.posted).toMatchObject([{ type: 'fallback', from: 'webgpu', to: 'bicubic', reason: 'model-load-failed' }]);

    const aborted = host();
    let catalogue!: (s: ScaleSelector) => void;
    aborted.ladder.start(new Promise((resolve) => (catalogue = resolve)));
    await new Promise((r) => setTimeout(r, 0));
    aborted.abort.abort();
    catalogue(selector());
    await aborted.ladder.settled();
    expect([aborted.ladder.renderer, aborted.ready, aborted.posted, aborted.renderers[0]?.disposed]).toEqual([null, [], [], true]);
  });
});
