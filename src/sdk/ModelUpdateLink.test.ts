import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReceiverStats } from '../worker/protocol.js';
import { ModelUpdateRejectedError } from './errors.js';
import type { ModelUpdateEvent } from './events.js';
import { REJECTION_EVENT_INTERVAL_MS, UPDATE_INFO_WAIT_MS } from './ModelUpdateLink.js';
import { SwiftSRReceiver } from './SwiftSRReceiver.js';
import { attached as attachedRaw, FakeOffscreenCanvas, stubReceiverGlobals, tick } from './testing/fakeWorker.js';
import { encodeUpdateInfo, type UpdateChannelLike } from './updateChannel.js';

/** An RTCDataChannel as far as the receiver cares: message events, binaryType. */
class FakeChannel implements UpdateChannelLike {
  binaryType = 'blob';
  readonly #listeners = new Set<(e: { data: unknown }) => void>();
  get listeners(): number {
    return this.#listeners.size;
  }
  addEventListener(_type: 'message', l: (e: { data: unknown }) => void): void {
    this.#listeners.add(l);
  }
  removeEventListener(_type: 'message', l: (e: { data: unknown }) => void): void {
    this.#listeners.delete(l);
  }
  deliver(data: unknown): void {
    for (const l of [...this.#listeners]) l({ data });
  }
}

/** attach() started on the fake worker; it never gets a first frame here, so dispose() rejects it: expected. */
async function attached(r: SwiftSRReceiver): ReturnType<typeof attachedRaw> {
  const a = await attachedRaw(r);
  a.attach.catch(() => undefined);
  return a;
}

const receiver = (): SwiftSRReceiver => new SwiftSRReceiver({ canvas: new FakeOffscreenCanvas() as unknown as OffscreenCanvas });
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await tick();
};

beforeEach(stubReceiverGlobals);
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('receiver.attachModelUpdates', () => {
  it('sends binary messages to the worker in arrival order: buffers transferred, views copied, Blobs read', async () => {
    const r = receiver();
    const channel = new FakeChannel();
    r.attachModelUpdates(channel);
    expect(channel.binaryType).toBe('arraybuffer');
    const { worker } = await attached(r);
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    const view = new Uint8Array([9, 4, 5, 6, 9]).subarray(1, 4);
    channel.deliver(new Blob([new Uint8Array([7, 8])]));
    channel.deliver(buffer);
    channel.deliver(view);
    await settle();
    const sent = worker.posted.flatMap((m, i) => (m.type === 'model-update' ? [{ bytes: [...new Uint8Array(m.data)], transfer: worker.transfers[i] }] : []));
    expect(sent.map((m) => m.bytes)).toEqual([[7, 8], [1, 2, 3], [4, 5, 6]]);
    expect(sent.every((m) => m.transfer?.length === 1)).toBe(true);
    expect(sent[1]?.transfer?.[0]).toBe(buffer);
    expect([...view]).toEqual([4, 5, 6]);
  });

  it('keeps the newest few messages that arrive before the worker starts', async () => {
    const r = receiver();
    const channel = new FakeChannel();
    const errors: Error[] = [];
    r.on('error', (e) => errors.push(e));
    r.attachModelUpdates(channel);
    for (let i = 1; i <= 6; i++) channel.deliver(new Uint8Array([i]).buffer);
    await settle();
    const { worker } = await attached(r);
    const sent = worker.posted.flatMap((m) => (m.type === 'model-update' ? [new Uint8Array(m.data)[0]] : []));
    expect(sent).toEqual([3, 4, 5, 6]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'model-update-rejected', reason: 'stale-sequence' });
  });

  it('pairs modelupdate with its update info, whichever comes first; none within the wait: gainDb null', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const r = receiver();
    const channel = new FakeChannel();
    const events: ModelUpdateEvent[] = [];
    r.on('modelupdate', (e) => events.push(e));
    r.attachModelUpdates(channel);
    const pending = attached(r);
    await vi.advanceTimersByTimeAsync(0);
    const { worker } = await pending;
    const update = (generation: number): void => worker.reply({ type: 'modelupdate', model: 'lite48x8', variant: 'lite48x8', scale: 4, generation, bytes: 51301 });
    channel.deliver(encodeUpdateInfo({ seq: 3, gainDb: 0.4, variant: 'lite48x8' }));
    await vi.advanceTimersByTimeAsync(0);
    update(3);
    update(4);
    expect(events.map((e) => [e.generation, e.gainDb])).toEqual([[3, 0.4]]);
    channel.deliver(encodeUpdateInfo({ seq: 4, gainDb: -0.25, variant: 'lite48x8' }));
    await vi.advanceTimersByTimeAsync(0);
    update(5);
    await vi.advanceTimersByTimeAsync(UPDATE_INFO_WAIT_MS);
    expect(events).toEqual([
      { model: 'lite48x8', scale: 4, generation: 3, bytes: 51301, gainDb: 0.4 },
      { model: 'lite48x8', scale: 4, generation: 4, bytes: 51301, gainDb: -0.25 },
      { model: 'lite48x8', scale: 4, generation: 5, bytes: 51301, gainDb: null },
    ]);
    await r.dispose();
  });

  it('coalesces refusals into at most one error event per reason per second, with the count', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const r = receiver();
    const channel = new FakeChannel();
    const errors: ModelUpdateRejectedError[] = [];
    r.on('error', (e) => errors.push(e as ModelUpdateRejectedError));
    r.attachModelUpdates(channel);
    const pending = attached(r);
    await vi.advanceTimersByTimeAsync(0);
    const { worker } = await pending;
    for (let i = 0; i < 50; i++) worker.reply({ type: 'update-rejected', reason: 'wrong-base', detail: `message ${i}` });
    channel.deliver('{"type":"swiftsr-update-info","seq":0}');
    channel.deliver('hello');
    channel.deliver(42);
    await vi.advanceTimersByTimeAsync(0);
    expect(errors.map((e) => [e.reason, e.count])).toEqual([['wrong-base', 1], ['bad-info', 1], ['bad-type', 1]]);
    await vi.advanceTimersByTimeAsync(REJECTION_EVENT_INTERVAL_MS);
    expect(errors.map((e) => [e.reason, e.count])).toEqual([['wrong-base', 1], ['bad-info', 1], ['bad-type', 1], ['wrong-base', 49], ['bad-info', 1]]);
    expect(errors.every((e) => e instanceof ModelUpdateRejectedError && e.code === 'model-update-rejected')).toBe(true);
    expect(errors[3]?.message).toBe('refused 49 model update messages (wrong-base) in the last second; the last: message 49');
    // A quiet second later, the next one is reported at once.
    await vi.advanceTimersByTimeAsync(REJECTION_EVENT_INTERVAL_MS);
    worker.reply({ type: 'update-rejected', reason: 'wrong-base', detail: 'again' });
    expect(errors.at(-1)?.count).toBe(1);
    // Stats add what only the main thread saw.
    const stats: ReceiverStats[] = [];
    r.on('stats', (s) => stats.push(s));
    worker.reply({ type: 'stats', stats: { updatesRejected: 51, updateBytesReceived: 100 } as ReceiverStats });
    expect(stats[0]).toMatchObject({ updatesRejected: 54, updateBytesReceived: 100 });
    await r.dispose();
  });

  it('modelrevert is an event; detach() and dispose() remove the listeners; after dispose() it throws', async () => {
    const r = receiver();
    const a = new FakeChannel();
    const b = new FakeChannel();
    const detachA = r.attachModelUpdates(a);
    r.attachModelUpdates(b);
    const reverts: string[] = [];
    r.on('modelrevert', (e) => reverts.push(`${e.model}: ${e.reason}`));
    const { worker } = await attached(r);
    worker.reply({ type: 'modelrevert', model: 'tiny', reason: 'kernel failed' });
    expect(reverts).toEqual(['tiny: kernel failed']);
    detachA();
    a.deliver(new ArrayBuffer(4));
    await settle();
    expect(worker.posted.some((m) => m.type === 'model-update')).toBe(false);
    expect([a.listeners, b.listeners]).toEqual([0, 1]);
    await r.dispose();
    expect(b.listeners).toBe(0);
    expect(() => r.attachModelUpdates(b)).toThrow(/after dispose/);
    expect(() => receiver().attachModelUpdates({} as unknown as FakeChannel)).toThrow(TypeError);
  });
});
