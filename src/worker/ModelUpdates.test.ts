import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { encodeModelUpdate, maxUpdateBytes } from '../adapt/modelUpdate.js';
import type { UpdateBase } from '../adapt/updateBase.js';
import { fakeBase, Frame, running, setup } from './testing/fakeSession.js';
import { adaptedValues, hostileUpdates, withCrc } from './testing/hostileUpdates.js';

const update = (base: UpdateBase, seq: number): ArrayBuffer => encodeModelUpdate(base, adaptedValues(base, seq), seq).slice().buffer;

/** Frames at 80 ms a model run: the adaptive selector steps down from lite32x4 to tiny, which then loads. */
async function switchToTiny(s: Awaited<ReturnType<typeof running>>): Promise<void> {
  s.renderer.modelMs = 80;
  for (let i = 0; i < 30; i++) await s.frame(1, i + 2);
  await s.session.whenSettled();
  await s.frame(1, 99);
}

describe('ModelUpdates in the WorkerSession', () => {
  it('applies an update between frames: the next frame paints with it, stats and event say which', async () => {
    const s = await running();
    const base = await fakeBase('tiny');
    const bytes = update(base, 5);
    s.session.receiveModelUpdate(bytes);
    await s.frame(1, 1);
    expect(s.painted.at(-1)).toBe('webgpu:tiny#5');
    expect(s.of('modelupdate')).toEqual([{ type: 'modelupdate', model: 'tiny', variant: 'tiny', scale: 4, generation: 5, bytes: maxUpdateBytes(base) }]);
    expect(s.session.stats()).toMatchObject({ modelGeneration: 5, updatesApplied: 1, updatesRejected: 0, updateBytesReceived: maxUpdateBytes(base) });
    // The transferred buffer's bytes were decoded, not kept alive by the renderer: the weights are tensors.
    expect(s.renderer.adapted.get('tiny')?.generator.config.channels).toBe(16);
    s.session.setEnabled(false);
    await s.frame(1, 2);
    expect(s.session.stats().modelGeneration).toBe(0);
  });

  it('never swaps under a frame in flight: that frame finishes with the old weights', async () => {
    const s = await running();
    const base = await fakeBase('tiny');
    let finish!: () => void;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    const render = s.renderer.render.bind(s.renderer);
    s.renderer.render = async (frame, model) => {
      const label = (await render(frame, model)).surface;
      await slow;
      return { surface: label, modelMs: 5 };
    };
    s.session.pushFrame(1, new Frame(1));
    s.session.receiveModelUpdate(update(base, 2));
    finish();
    await s.session.whenIdle();
    await s.frame(1, 2);
    expect(s.painted.slice(-2)).toEqual(['webgpu:tiny', 'webgpu:tiny#2']);
  });

  it('adapted weights that fail revert that model to its shipped weights, not the ladder', async () => {
    const s = await running();
    const base = await fakeBase('tiny');
    s.session.receiveModelUpdate(update(base, 3));
    await s.frame(1, 1);
    s.renderer.failAdapted = true;
    await s.frame(1, 2);
    await s.frame(1, 3);
    expect(s.painted.slice(-3)).toEqual(['webgpu:tiny#3', 'bicubic', 'webgpu:tiny']);
    expect(s.of('modelrevert')).toEqual([{ type: 'modelrevert', model: 'tiny', reason: 'a frame with the adapted weights failed: kernel failed' }]);
    expect(s.of('fallback')).toEqual([]);
    expect(s.session.stats()).toMatchObject({ modelGeneration: 0, backend: 'webgpu' });
    // The same failure without adapted weights is the renderer's: the ladder steps.
    s.renderer.failNext = true;
    await s.frame(1, 4);
    expect(s.of('fallback')).toHaveLength(1);
  });

  it('weights that cannot be built revert too; a newer update may try again', async () => {
    const s = await running();
    const base = await fakeBase('tiny');
    s.renderer.failWeights = true;
    s.session.receiveModelUpdate(update(base, 3));
    await s.frame(1, 1);
    expect(s.painted.at(-1)).toBe('webgpu:tiny');
    expect(s.of('modelrevert')[0]?.reason).toBe('the adapted weights could not be built: cannot build');
    s.renderer.failWeights = false;
    await s.frame(1, 1.5, undefined, 1000);
    // The replay stays stale after the revert; a newer one applies (a second later: the gate's byte rate).
    s.session.receiveModelUpdate(update(base, 3));
    await s.frame(1, 2, undefined, 1000);
    s.session.receiveModelUpdate(update(base, 4));
    await s.frame(1, 3, undefined, 1000);
    expect(s.painted.at(-1)).toBe('webgpu:tiny#4');
    expect(s.of('update-rejected').map((m) => m.reason)).toEqual(['stale-sequence']);
    expect(s.session.stats()).toMatchObject({ updatesApplied: 1, updatesRejected: 1, modelGeneration: 4 });
  });

  it('re-applies the newest update on every new renderer (device loss, then the WebGL rung), silently', async () => {
    const s = await running();
    const base = await fakeBase('tiny');
    s.session.receiveModelUpdate(update(base, 9));
    await s.frame(1, 1);
    for (const round of [0, 1]) {
      s.session.simulateGpuLoss();
      await new Promise((r) => setTimeout(r, 0));
      await s.frame(1, 10 + round);
      await s.settledFrame(1, 20 + round);
    }
    expect(s.log.filter((l) => l.startsWith('create'))).toEqual(['create webgpu', 'create webgpu', 'create webgl']);
    expect(s.painted.at(-1)).toBe('webgl:tiny#9');
    expect(s.of('modelupdate')).toHaveLength(1);
    expect(s.session.stats()).toMatchObject({ modelGeneration: 9, updatesApplied: 1, backend: 'webgl' });
  });

  it('holds an update for a model not loaded yet, and applies it when a tier switch loads that model', async () => {
    const s = await running({ models: ['lite32x4', 'tiny'], adaptive: true });
    const tiny = await fakeBase('tiny');
    s.session.receiveModelUpdate(update(tiny, 6));
    await s.frame(1, 1);
    expect(s.painted.at(-1)).toBe('webgpu:lite32x4');
    expect(s.session.stats()).toMatchObject({ updatesRejected: 0, updatesApplied: 0 });
    await switchToTiny(s);
    expect(s.painted.at(-1)).toBe('webgpu:tiny#6');
    expect(s.of('modelupdate').map((m) => [m.model, m.generation])).toEqual([['tiny', 6]]);
  });

  it('a malformed newer message is refused at once and never displaces the valid update waiting for its model', async () => {
    const s = await running({ models: ['lite32x4', 'tiny'], adaptive: true });
    const tiny = await fakeBase('tiny');
    s.session.receiveModelUpdate(update(tiny, 6));
    const tensorsAt = 8 + 'tiny'.length + 32 + 4;
    const edit = (seq: number, f: (m: Uint8Array) => Uint8Array, encoding: 'fp16' | 'int8' = 'fp16'): ArrayBuffer =>
      f(encodeModelUpdate(tiny, adaptedValues(tiny, seq), seq, { encoding })).slice().buffer;
    const malformed: [string, ArrayBuffer][] = [
      ['checksum-mismatch', edit(7, (m) => m.map((b, i) => (i === 100 ? b ^ 1 : b)))],
      ['truncated', edit(8, (m) => m.subarray(0, m.length - 1))],
      ['bad-length', edit(9, (m) => withCrc(Uint8Array.from([...m, 0])), 'int8')],
      ['wrong-variant', edit(10, (m) => withCrc(m.map((b, i) => (i === 6 ? 2 : b))))],
      ['bad-header', edit(11, (m) => m.map((b, i) => (i === tensorsAt ? b + 1 : b)))],
      ['too-large', edit(12, (m) => withCrc(Uint8Array.from([...m, 0])))],
    ];
    for (const [, m] of malformed) s.session.receiveModelUpdate(m);
    // Refused before tiny loads, each with the code its gate would give.
    expect(s.of('update-rejected').map((m) => m.reason)).toEqual(malformed.map(([code]) => code));
    await switchToTiny(s);
    expect(s.painted.at(-1)).toBe('webgpu:tiny#6');
    expect(s.of('modelupdate').map((m) => [m.model, m.generation])).toEqual([['tiny', 6]]);
    expect(s.session.stats()).toMatchObject({ updatesApplied: 1, updatesRejected: malformed.length });
  });

  it('an update for a variant that is no model at all is refused; so is an unreadable header before any model loads', async () => {
    const s = setup();
    const junk = new Uint8Array(update(await fakeBase('tiny'), 1));
    junk.set([...'nope'].map((c) => c.charCodeAt(0)), 8);
    s.session.receiveModelUpdate(junk.buffer);
    s.session.receiveModelUpdate(new Uint8Array(7));
    s.session.receiveModelUpdate(update(await fakeBase('tiny-x2'), 77));
    expect(s.of('update-rejected').map((m) => m.reason)).toEqual(['wrong-variant', 'truncated']);
    expect(s.session.stats()).toMatchObject({ updatesRejected: 2, updatesApplied: 0 });
  });
});

describe('a receiver under 10,000 hostile update messages', () => {
  it('never throws, paints every frame, counts every refusal once, and leaks nothing', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const s = await running();
    const tiny = await fakeBase('tiny');
    const other = await fakeBase('tiny-x2');
    const valid: number[] = [];
    const messages = [...hostileUpdates(tiny, other, 12, 10_000)].map((m, i) => {
      if (m.validSeq !== null) valid.push(m.validSeq);
      if (m.kind === 'other') return m.value;
      // Some as views (what an app may pass the worker directly), most as the ArrayBuffer the SDK transfers.
      return i % 7 === 0 ? m.bytes : m.bytes.slice().buffer;
    });
    let frames = 0;
    for (let i = 0; i < 10_000; i++) {
      s.session.receiveModelUpdate(messages[i]);
      // Floods: most messages arrive in the same millisecond; a frame every 25 messages.
      if (i % 25 === 24) {
        await s.frame(1, 1000 + i, undefined, 1000);
        frames++;
      }
    }
    await s.session.whenSettled();
    const painted = s.painted.slice(2);
    expect(painted).toHaveLength(frames);
    expect(painted.every((p) => /^webgpu:tiny(#\d+)?$/.test(p))).toBe(true);
    const stats = s.session.stats();
    const rejected = s.of('update-rejected');
    expect(stats.updatesRejected).toBe(rejected.length);
    expect(stats.updatesApplied).toBe(s.of('modelupdate').length);
    expect(stats.updatesApplied).toBeGreaterThan(10);
    // Every message is accounted for once: applied, refused, or (the newest update for tiny-x2, never loaded)
    // held. No accepted update is superseded unpainted: a frame follows within the gate's one-update byte window.
    expect(stats.updatesApplied + stats.updatesRejected).toBe(10_000 - 1);
    expect(s.of('modelrevert')).toEqual([]);
    // Generations only rise, and each is a valid message's sequence.
    const generations = s.of('modelupdate').map((m) => m.generation);
    expect(generations).toEqual([...generations].sort((a, b) => a - b));
    expect(generations.every((g) => valid.includes(g))).toBe(true);
    const codes = new Set(rejected.map((m) => m.reason));
    const byCode = [...codes].map((code) => `${code} ${rejected.filter((m) => m.reason === code).length}`);
    console.log(`10,000 hostile messages, ${frames} frames: ${stats.updatesApplied} updates applied, ${stats.updatesRejected} refused (${byCode.join(', ')})`);
    for (const code of ['rate-limited', 'bad-type', 'truncated', 'too-large', 'checksum-mismatch', 'wrong-base', 'stale-sequence', 'non-finite', 'bad-magic', 'bad-payload']) expect(codes, code).toContain(code);
    expect(s.of('error')).toEqual([]);
    expect(s.of('fallback')).toEqual([]);
    expect(await s.session.dispose()).toEqual({ numTensors: 0, openFrames: 0 });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }, 120_000);
});
