import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { decodeModelUpdate, updateBytes, type UpdateEncoding } from '../adapt/modelUpdate.js';
import { tinyValues } from '../adapt/testSupport.js';
import { sendPair, type RgbFrame } from '../adapt/trainingPairs.js';
import { createUpdateBase } from '../adapt/updateBase.js';
import { AdaptLoop, type PublishedUpdate } from './AdaptLoop.js';
import type { SenderEncoding } from './protocol.js';
import { SamplePool } from './SamplePool.js';
import { clockSequence } from './sequence.js';

/** Moving stripes and edges: content a generic x4 model cannot guess and a tuned one learns quickly. */
function frame(t: number): RgbFrame {
  const width = 96;
  const height = 64;
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x + 2 * t;
      const edge = (u + 2 * y) % 23 < 11 ? 0.85 : 0.15;
      const stripes = 0.5 + 0.4 * Math.sin(u * 1.1) * Math.cos(y * 0.45);
      const i = (y * width + x) * 3;
      data[i] = 0.6 * edge + 0.3 * (x / width);
      data[i + 1] = 0.5 * stripes + 0.4 * edge;
      data[i + 2] = 0.3 + 0.4 * stripes;
    }
  }
  return { width, height, data };
}

describe('AdaptLoop (wasm backend, shipped tiny)', () => {
  it('speaks the wire format\'s encodings (protocol.ts restates them for the SDK types)', () => {
    expectTypeOf<SenderEncoding>().toEqualTypeOf<UpdateEncoding>();
  });

  beforeAll(async () => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it('fine-tunes on the pool, publishes a valid update that beats the base on held-back frames, stays under the byte cap, leaks nothing', async () => {
    const { values, shardSha256 } = await tinyValues();
    const base = await createUpdateBase('tiny', values);
    expect(base.digestHex).toBe(shardSha256);
    const pool = new SamplePool({ scale: 4, crop: 12, cropsPerSample: 6, heldBack: 2, capacity: 8 });
    const before = tf.memory().numTensors;
    const published: PublishedUpdate[] = [];
    const started = performance.now();
    // A clock that stands still: the sequence starts at its value and then counts up by one.
    const clockMs = Date.UTC(2026, 11, 6, 12);
    const loop = await AdaptLoop.create(base, pool, { budgetMsPerSecond: 1000, batch: 4, learningRate: 2e-3, encoding: 'int8', maxUpdateShare: 0.05, minGainDb: 0.02, validateEverySteps: 5, clock: () => clockMs }, (u) => {
      published.push(u);
    });
    const bitrate = 2_000_000;
    loop.setVideoBitrate(bitrate);
    for (let t = 0; t < 6; t++) {
      const { lr, hr } = sendPair(frame(t), { scale: 4, sendWidth: 24, sendHeight: 16 });
      pool.add(lr, hr, t + 1);
    }
    void loop.pause(false);
    for (let i = 0; i < 600 && published.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await loop.pause(true);
    const stats = loop.stats();
    const elapsed = (performance.now() - started) / 1000;
    await loop.dispose();
    expect(tf.memory().numTensors).toBe(before);

    expect(published.length).toBeGreaterThanOrEqual(2);
    expect(published.map((u) => u.seq)).toEqual(published.map((_, i) => clockSequence(clockMs) + i));
    for (const u of published) {
      expect(u.message.length).toBe(updateBytes(base, 'int8'));
      const d = decodeModelUpdate(u.message, base);
      expect(d.seq).toBe(u.seq);
      expect(u.gainDb).toBeGreaterThan(0.02);
      expect(u.variant).toBe('tiny');
    }
    // Each publish beat the one before on the (moving) held-back set; the last one is in the stats.
    expect(stats.generation).toBe(published.at(-1)?.seq);
    expect(stats.steps).toBeGreaterThanOrEqual(10);
    expect(stats.validationGainDb).toBeGreaterThan(0);
    // What receivers run, scored on the newest held-back frames (it may fall below 0 as the call moves on).
    expect(Number.isFinite(stats.publishedGainDb)).toBe(true);
    expect(stats.updateBytes).toBe(published.length * updateBytes(base, 'int8'));
    expect(stats.updateBytes * 8).toBeLessThanOrEqual(0.05 * bitrate * elapsed);
    expect(stats.trainMsPerSecond).toBeGreaterThan(0);
  });

  it('pause(true) resolves once the step in flight, its validation and publish included, is over; nothing steps or publishes after it until pause(false)', async () => {
    const { values } = await tinyValues();
    const base = await createUpdateBase('tiny', values);
    const pool = new SamplePool({ scale: 4, crop: 12, cropsPerSample: 4, heldBack: 1, capacity: 4 });
    for (let t = 0; t < 4; t++) {
      const { lr, hr } = sendPair(frame(t), { scale: 4, sendWidth: 24, sendHeight: 16 });
      pool.add(lr, hr, t + 1);
    }
    const published: PublishedUpdate[] = [];
    const loop = await AdaptLoop.create(base, pool, { budgetMsPerSecond: 1000, batch: 4, learningRate: 2e-3, encoding: 'int8', maxUpdateShare: 1, minGainDb: 0, validateEverySteps: 1 }, (u) => {
      published.push(u);
    });
    loop.setVideoBitrate(1e9);
    await loop.pause(true);
    // pause(false) starts the first step synchronously: it is in flight when pause(true) is called.
    void loop.pause(false);
    const paused = loop.pause(true);
    expect(loop.stats().steps).toBe(0);
    await paused;
    const at = loop.stats();
    expect(at.steps).toBe(1);
    expect(at.validationGainDb).not.toBeNull();
    expect(at.generation).toBe(published.at(-1)?.seq ?? 0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(loop.stats().steps).toBe(1);
    expect(published.length).toBe(at.generation === 0 ? 0 : 1);
    void loop.pause(false);
    for (let i = 0; i < 200 && loop.stats().steps < 3; i++) await new Promise((r) => setTimeout(r, 20));
    await loop.pause(true);
    const steps = loop.stats().steps;
    expect(steps).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 500));
    expect(loop.stats().steps).toBe(steps);
    await loop.dispose();
  });

  it('sleeps (1000 / budget - 1) x each step: at 200 ms per second it trains at most about a fifth of the time', async () => {
    const { values } = await tinyValues();
    const base = await createUpdateBase('tiny', values);
    const pool = new SamplePool({ scale: 4, crop: 12, cropsPerSample: 4, heldBack: 1, capacity: 4 });
    for (let t = 0; t < 3; t++) {
      const { lr, hr } = sendPair(frame(t), { scale: 4, sendWidth: 24, sendHeight: 16 });
      pool.add(lr, hr, t + 1);
    }
    const loop = await AdaptLoop.create(base, pool, { budgetMsPerSecond: 200, batch: 4, learningRate: 1e-3, encoding: 'fp16', maxUpdateShare: 0.05, minGainDb: 0.05 }, () => undefined);
    void loop.pause(false);
    await new Promise((r) => setTimeout(r, 2500));
    await loop.pause(true);
    const s = loop.stats();
    await loop.dispose();
    expect(s.steps).toBeGreaterThan(0);
    // Busy time in the last window over the window, in ms per second: the budget, with one step of slack.
    expect(s.trainMsPerSecond).toBeLessThanOrEqual(200 * 1.35);
    expect(s.trainMsPerSecond).toBeGreaterThan(0);
  });
});
