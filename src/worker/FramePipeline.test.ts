import { describe, expect, it } from 'vitest';
import { FrameLedger, FramePipeline, type FrameLike } from './FramePipeline.js';

class FakeFrame implements FrameLike {
  closed = 0;
  readonly displayWidth = 4;
  readonly displayHeight = 2;
  constructor(readonly timestamp: number) {}
  close(): void {
    this.closed++;
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('FramePipeline', () => {
  it('processes the latest frame only, closing and counting the replaced ones', async () => {
    const seen: number[] = [];
    const gates: (() => void)[] = [];
    const pipeline = new FramePipeline<FakeFrame>(async (f) => {
      seen.push(f.timestamp);
      const d = deferred();
      gates.push(d.resolve);
      await d.promise;
    }, () => undefined);
    const frames = [0, 1, 2, 3].map((t) => new FakeFrame(t));
    for (const f of frames) pipeline.push(f);
    expect(seen).toEqual([0]);
    gates.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([0, 3]);
    gates.shift()?.();
    await pipeline.whenIdle();
    expect(pipeline.dropped).toBe(2);
    expect(pipeline.processed).toBe(2);
    expect(frames.map((f) => f.closed)).toEqual([1, 1, 1, 1]);
  });

  it('closes the frame and keeps going when processing throws', async () => {
    const errors: unknown[] = [];
    const pipeline = new FramePipeline<FakeFrame>((f) => (f.timestamp === 0 ? Promise.reject(new Error('boom')) : Promise.resolve()), (e) => errors.push(e));
    const a = new FakeFrame(0);
    const b = new FakeFrame(1);
    pipeline.push(a);
    pipeline.push(b);
    await pipeline.whenIdle();
    await pipeline.whenIdle();
    expect(errors).toHaveLength(1);
    expect(a.closed).toBe(1);
    expect(b.closed).toBe(1);
    expect(pipeline.processed).toBe(1);
  });

  it('after close() rejects new frames by closing them, and drops the waiting one', async () => {
    const d = deferred();
    const pipeline = new FramePipeline<FakeFrame>(() => d.promise, () => undefined);
    const inFlight = new FakeFrame(0);
    const waiting = new FakeFrame(1);
    pipeline.push(inFlight);
    pipeline.push(waiting);
    const closing = pipeline.close();
    expect(waiting.closed).toBe(1);
    const late = new FakeFrame(2);
    pipeline.push(late);
    expect(late.closed).toBe(1);
    d.resolve();
    await closing;
    expect(inFlight.closed).toBe(1);
  });
});

describe('FrameLedger', () => {
  it('counts open frames and closes each underlying frame once', () => {
    const ledger = new FrameLedger();
    const raw = new FakeFrame(7);
    const t = ledger.adopt(raw, 100);
    expect(ledger.open).toBe(1);
    expect(t.frame).toBe(raw);
    expect(t.timestamp).toBe(7);
    t.close();
    t.close();
    expect(ledger.open).toBe(0);
    expect(raw.closed).toBe(1);
  });
});
