import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RgbFrame } from '../adapt/trainingPairs.js';
import { FakeWebCodecs } from './fakeWebCodecs.js';
import { PairSource } from './PairSource.js';

/**
 * PairSource with fake WebCodecs (fakeWebCodecs.ts): every VideoFrame it makes (encoder inputs) or is
 * handed (decoder outputs) must be closed on every path, or Chromium reports it garbage collected unclosed.
 */

let fake: FakeWebCodecs;
let pairs: { lr: RgbFrame; hr: RgbFrame }[];
let errors: Error[];

beforeEach(() => {
  fake = new FakeWebCodecs();
  for (const [name, value] of Object.entries(fake.globals())) vi.stubGlobal(name, value);
  pairs = [];
  errors = [];
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function source(sampleIntervalMs: number): PairSource {
  const s = new PairSource({ scale: 4, crop: 8, sampleIntervalMs, codec: 'vp8', onPair: (lr, hr) => pairs.push({ lr, hr }), onGeometry: () => undefined, onError: (e) => errors.push(e) });
  s.setParams({ width: 48, height: 32, bitrateBps: 300_000 });
  return s;
}

/** One camera frame through push(), closed afterwards as SenderSession does. */
async function push(s: PairSource, t: number, width = 192, height = 128): Promise<void> {
  const f = fake.cameraFrame(width, height, t * 1000);
  try {
    await s.push(f, t);
  } finally {
    f.close();
  }
}

const flushMicrotasks = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** push() at `t` with the browser's config answers held, close() meanwhile, then the answers. */
async function closeDuringConfig(s: PairSource, t: number): Promise<void> {
  fake.holdConfigs = true;
  const pushed = push(s, t);
  await flushMicrotasks();
  s.close();
  fake.releaseConfigs();
  await pushed;
}

describe('PairSource closes every VideoFrame', () => {
  it('through a coded run: sampled and unsampled frames, encoder drops, a send-size change with outputs of the old size in flight', async () => {
    const s = source(100);
    for (let t = 0; t < 12; t++) {
      await push(s, t * 40);
      // The decoder answers every third frame: the encoder queue fills (MAX_ENCODE_QUEUE) and drops some.
      if (t % 3 === 2) fake.deliver();
      await flushMicrotasks();
    }
    s.setParams({ width: 40, height: 24, bitrateBps: 300_000 });
    await push(s, 600);
    fake.deliver();
    await flushMicrotasks();
    expect(fake.encoders.some((e) => e.encoded > 0)).toBe(true);
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    expect(pairs.every((p) => p.hr.width === 4 * p.lr.width && p.hr.height === 4 * p.lr.height)).toBe(true);
    expect(errors).toEqual([]);
    expect(fake.open.size).toBe(0);
    expect(s.openFrames).toBe(0);
    s.close();
    expect([...fake.encoders, ...fake.decoders].every((c) => c.state === 'closed')).toBe(true);
  });

  it('closes the encoder input when encode() throws, sampled or not', async () => {
    const s = source(100);
    await push(s, 0);
    fake.encodeThrows = true;
    await expect(push(s, 40)).rejects.toThrow(/cannot encode/);
    await expect(push(s, 200)).rejects.toThrow(/cannot encode/);
    expect(fake.open.size).toBe(0);
    s.close();
  });

  it('close() during the codec set-up: the coders made after it are closed and nothing is encoded', async () => {
    await closeDuringConfig(source(0), 0);
    expect(fake.encoders.length).toBeGreaterThan(0);
    expect([...fake.encoders, ...fake.decoders].every((c) => c.state === 'closed')).toBe(true);
    expect(fake.encoders.every((e) => e.encoded === 0)).toBe(true);
    expect(fake.open.size).toBe(0);
    expect(errors).toEqual([]);
  });

  it('close() while a send-size change rebuilds the coders: none are made after it', async () => {
    const s = source(0);
    await push(s, 0);
    s.setParams({ width: 40, height: 24, bitrateBps: 300_000 });
    await closeDuringConfig(s, 100);
    expect([fake.encoders.length, fake.decoders.length]).toEqual([1, 1]);
    expect([...fake.encoders, ...fake.decoders].every((c) => c.state === 'closed')).toBe(true);
    expect(fake.open.size).toBe(0);
    expect(errors).toEqual([]);
  });

  it('close() closes decoded frames whose pixels are still being read, and no pair follows', async () => {
    const s = source(0);
    await push(s, 0);
    fake.holdCopies = true;
    fake.deliver();
    expect(s.openFrames).toBe(1);
    expect(fake.open.size).toBe(1);
    s.close();
    expect(s.openFrames).toBe(0);
    expect(fake.open.size).toBe(0);
    fake.releaseCopies();
    await flushMicrotasks();
    expect(pairs).toEqual([]);
    expect(errors).toEqual([]);
    // Outputs that reach a closed source are closed at once.
    await push(s, 100);
    expect(fake.open.size).toBe(0);
  });
});
