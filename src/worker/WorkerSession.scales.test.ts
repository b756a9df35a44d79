import { describe, expect, it } from 'vitest';
import { setup } from './testing/fakeSession.js';

const ALL = ['lite32x4', 'tiny', 'lite32x4-x3', 'tiny-x3', 'lite32x4-x2', 'tiny-x2'];
const lastPaint = (s: ReturnType<typeof setup>): string | undefined => s.painted.at(-1);

describe('WorkerSession: the model scale follows the input size', () => {
  it('paints 1080p from 270p with x4, 360p with x3, 540p with x2, 1080p with no model, 240p (4.5x) with x4 then a resample', async () => {
    const s = setup({ models: ALL, initial: 'tiny' });
    s.session.start();
    s.session.attachPushed(1);
    const cases: [[number, number], string, number | null, number][] = [
      [[480, 270], 'webgpu:tiny', 4, 4],
      [[640, 360], 'webgpu:tiny-x3', 3, 3],
      [[960, 540], 'webgpu:tiny-x2', 2, 2],
      [[1920, 1080], 'bicubic', null, 1],
      [[426, 240], 'webgpu:tiny', 4, 4.5],
    ];
    for (const [i, [size, painter, scale, ratio]] of cases.entries()) {
      await s.settledFrame(1, i, size);
      expect(lastPaint(s)).toBe(painter);
      expect(s.session.stats()).toMatchObject({ inputWidth: size[0], inputHeight: size[1], modelScale: scale, ratio, model: painter === 'bicubic' ? null : painter.slice(7) });
    }
    expect(s.session.stats().framesDropped).toBe(0);
  });

  it('a resolution change paints bicubic (never black, never the old frame) while the other scale loads, with scalechange events for what painted', async () => {
    const s = setup({ models: ['tiny', 'tiny-x3', 'tiny-x2'] });
    s.session.start();
    s.session.attachPushed(1);
    await s.settledFrame(1, 0, [480, 270]);
    const r = s.renderers[0];
    if (r === undefined) throw new Error('no renderer');
    // x3 is x4's neighbour: preloaded as soon as x4 painted. x2 is not.
    expect(r.prepared).toEqual(['tiny', 'tiny-x3']);
    let release!: () => void;
    r.gate = new Promise((resolve) => (release = resolve));
    const before = s.painted.length;
    await s.frame(1, 1, [960, 540]);
    await s.frame(1, 2, [960, 540]);
    expect(s.painted.slice(before)).toEqual(['bicubic', 'bicubic']);
    expect(s.session.stats()).toMatchObject({ backend: 'bicubic', model: null, modelScale: null, tier: 'none', inputWidth: 960 });
    release();
    await s.session.whenSettled();
    await s.frame(1, 3, [960, 540]);
    expect(lastPaint(s)).toBe('webgpu:tiny-x2');
    // The preloaded neighbour paints at once.
    await s.frame(1, 4, [640, 360]);
    expect(lastPaint(s)).toBe('webgpu:tiny-x3');
    expect(s.of('scalechange').map((e) => [e.from, e.to, `${e.inputWidth}x${e.inputHeight}`, e.model])).toEqual([
      [null, 4, '480x270', 'tiny'],
      [4, null, '960x540', null],
      [null, 2, '960x540', 'tiny-x2'],
      [2, 3, '640x360', 'tiny-x3'],
    ]);
    expect(s.painted).toHaveLength(6);
    expect(s.session.stats()).toMatchObject({ framesDropped: 0, openFrames: 0 });
  });

  it('a scale seen later starts at a model of comparable cost: after stepping down to tiny at x4, x3 starts at tiny-x3', async () => {
    const s = setup({ models: ['lite32x4', 'tiny', 'lite32x4-x3', 'tiny-x3'], adaptive: true });
    s.session.start();
    s.session.attachPushed(1);
    await s.settledFrame(1, 0);
    expect(lastPaint(s)).toBe('webgpu:lite32x4');
    const r = s.renderers[0];
    if (r === undefined) throw new Error('no renderer');
    r.modelMs = 80;
    for (let i = 0; i < 32; i++) await s.frame(1, i + 1);
    expect(lastPaint(s)).toBe('webgpu:tiny');
    await s.settledFrame(1, 50, [640, 360]);
    expect(lastPaint(s)).toBe('webgpu:tiny-x3');
    expect(r.prepared).not.toContain('lite32x4-x3');
    expect(s.of('tierchange')).toEqual([{ type: 'tierchange', from: 'lite32x4', to: 'tiny', reason: 'too-slow' }]);
  });

  it('a model that fails to load leaves its scale; the others keep painting (x4 then a resample serves 360p)', async () => {
    const s = setup({ models: ['tiny', 'tiny-x3'], failLoad: (name) => name === 'tiny-x3' });
    s.session.start();
    s.session.attachPushed(1);
    await s.settledFrame(1, 0, [640, 360]);
    await s.frame(1, 1, [640, 360]);
    expect(s.of('error').map((e) => e.error.code)).toEqual(['fetch-failed']);
    expect(s.of('fallback')).toEqual([]);
    expect(lastPaint(s)).toBe('webgpu:tiny');
    expect(s.session.stats()).toMatchObject({ model: 'tiny', modelScale: 4, ratio: 3 });
  });
});
