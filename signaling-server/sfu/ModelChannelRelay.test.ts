import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_RELAY_OPTIONS, MODEL_CHANNEL_LABEL, ModelChannelRelay, type ModelRelayOptions, type RelayChannel } from './ModelChannelRelay.js';

type Listener<A extends unknown[]> = (...args: A) => void;

/** An in-memory stand-in for werift's RTCDataChannel: records what is sent, lets the test deliver messages. */
class FakeChannel implements RelayChannel {
  readyState = 'open';
  bufferedAmount = 0;
  sent: Array<Buffer | string> = [];
  closed = false;
  throwOnSend = false;
  private readonly messageListeners = new Set<Listener<[string | Buffer]>>();
  private readonly stateListeners = new Set<Listener<[string]>>();
  readonly onMessage = { subscribe: (f: Listener<[string | Buffer]>) => this.add(this.messageListeners, f) };
  readonly stateChanged = { subscribe: (f: Listener<[string]>) => this.add(this.stateListeners, f) };

  constructor(readonly label = MODEL_CHANNEL_LABEL) {}

  send(data: Buffer | string): void {
    if (this.throwOnSend) throw new Error('max-message-size exceeded');
    this.sent.push(data);
  }

  close(): void {
    this.closed = true;
  }

  deliver(data: string | Buffer): void {
    for (const f of [...this.messageListeners]) f(data);
  }

  setState(state: string): void {
    this.readyState = state;
    for (const f of [...this.stateListeners]) f(state);
  }

  private add<A extends unknown[]>(set: Set<Listener<A>>, f: Listener<A>): { unSubscribe: () => void } {
    set.add(f);
    return { unSubscribe: () => set.delete(f) };
  }
}

function relayWith(options: Partial<ModelRelayOptions> = {}): { relay: ModelChannelRelay; clock: { t: number }; errors: string[] } {
  const clock = { t: 0 };
  const errors: string[] = [];
  const relay = new ModelChannelRelay({ ...DEFAULT_MODEL_RELAY_OPTIONS, ...options }, (context) => errors.push(context), () => clock.t);
  return { relay, clock, errors };
}

const update = (n: number, fill = 7): Buffer => Buffer.alloc(n, fill);
const info = (seq: number): string => JSON.stringify({ type: 'swiftsr-update-info', seq, gainDb: 0.4, variant: 'tiny' });

describe('ModelChannelRelay', () => {
  it('fans every publisher message out to every open subscriber, in order, binary and text alike', () => {
    const { relay } = relayWith();
    const pub = new FakeChannel();
    const subs = [new FakeChannel(), new FakeChannel()];
    relay.accept('sender', 'S', pub);
    subs.forEach((s, i) => relay.accept('receiver', `R${i}`, s));
    pub.deliver(update(3000, 1));
    pub.deliver(info(1));
    for (const s of subs) expect(s.sent).toEqual([update(3000, 1), info(1)]);
    expect(relay.stats()).toMatchObject({ publishing: true, subscribers: 2, accepted: 2, forwarded: 4, forwardedBytes: 2 * (3000 + info(1).length), latestBytes: 3000 });
  });

  it('drops binary messages over maxBinaryBytes and text over maxTextBytes, and counts them', () => {
    const { relay } = relayWith({ maxBinaryBytes: 4096 });
    const pub = new FakeChannel();
    const sub = new FakeChannel();
    relay.accept('sender', 'S', pub);
    relay.accept('receiver', 'R', sub);
    pub.deliver(update(4097));
    pub.deliver('x'.repeat(513));
    // Multi-byte characters count as their UTF-8 bytes: 171 three-byte characters are 513 bytes.
    pub.deliver('\u20ac'.repeat(171));
    pub.deliver(update(4096));
    pub.deliver('y'.repeat(512));
    expect(sub.sent.map((m) => m.length)).toEqual([4096, 512]);
    expect(relay.stats().dropped['too-large']).toBe(3);
  });

  it('a flood is cut to the per-room budget whatever the subscriber count, and the budget refills with time', () => {
    const { relay, clock } = relayWith({ messagesPerSecond: 4, burstMessages: 8, bytesPerSecond: 64 * 1024, burstBytes: 512 * 1024 });
    const pub = new FakeChannel();
    const subs = Array.from({ length: 5 }, () => new FakeChannel());
    relay.accept('sender', 'S', pub);
    subs.forEach((s, i) => relay.accept('receiver', `R${i}`, s));
    for (let i = 0; i < 1000; i++) pub.deliver(update(100));
    // The burst passes, the other 992 are refused: each subscriber got 8, not 1000.
    for (const s of subs) expect(s.sent).toHaveLength(8);
    expect(relay.stats()).toMatchObject({ accepted: 8, forwarded: 40, dropped: { rate: 992 } });
    clock.t += 1000;
    for (let i = 0; i < 10; i++) pub.deliver(update(100));
    for (const s of subs) expect(s.sent).toHaveLength(12);
    // The byte bucket: 512 KiB at once, then 64 KiB/s.
    clock.t += 10_000;
    for (let i = 0; i < 8; i++) pub.deliver(update(200 * 1024));
    expect(subs[0]?.sent).toHaveLength(14);
    // 112 KiB left, + 128 KiB in 2 s: one more, then 40 KiB are not enough.
    clock.t += 2000;
    pub.deliver(update(200 * 1024));
    pub.deliver(update(200 * 1024));
    expect(subs[0]?.sent).toHaveLength(15);
    clock.t += 3000;
    pub.deliver(update(200 * 1024));
    expect(subs[0]?.sent).toHaveLength(16);
  });

  it('a late subscriber gets the newest update and the info that followed it, then the live messages', () => {
    const { relay } = relayWith();
    const pub = new FakeChannel();
    relay.accept('sender', 'S', pub);
    pub.deliver(update(500, 1));
    pub.deliver(info(1));
    pub.deliver(update(600, 2));
    pub.deliver(info(2));
    pub.deliver('an unrelated text after the info');
    const late = new FakeChannel();
    late.readyState = 'connecting';
    relay.accept('receiver', 'L', late);
    expect(late.sent).toEqual([]);
    late.setState('open');
    expect(late.sent).toEqual([update(600, 2), info(2)]);
    pub.deliver(update(700, 3));
    expect(late.sent.at(-1)).toEqual(update(700, 3));
    // Joining between an update and its info: the update now, the info when it comes.
    const between = new FakeChannel();
    relay.accept('receiver', 'B', between);
    pub.deliver(info(3));
    expect(between.sent).toEqual([update(700, 3), info(3)]);
  });

  it('the publisher leaving drops its update; a renegotiation keeps it', () => {
    const { relay } = relayWith();
    relay.accept('sender', 'S', new FakeChannel());
    const pub2 = new FakeChannel();
    relay.accept('sender', 'S', pub2);
    pub2.deliver(update(50));
    relay.remove('S');
    expect(relay.stats()).toMatchObject({ publishing: false, latestBytes: 50 });
    relay.resetPublisher();
    const sub = new FakeChannel();
    relay.accept('receiver', 'R', sub);
    expect(sub.sent).toEqual([]);
    expect(relay.stats().latestBytes).toBeNull();
  });

  it('subscribers cannot publish, other labels are closed, a stalled or failing subscriber is skipped', () => {
    const { relay, errors } = relayWith({ maxBufferedBytes: 10_000 });
    const pub = new FakeChannel();
    const ok = new FakeChannel();
    const stalled = new FakeChannel();
    const failing = new FakeChannel();
    const other = new FakeChannel('chat');
    relay.accept('sender', 'S', pub);
    relay.accept('receiver', 'A', ok);
    relay.accept('receiver', 'B', stalled);
    relay.accept('receiver', 'C', failing);
    relay.accept('receiver', 'D', other);
    expect(other.closed).toBe(true);
    ok.deliver(update(10));
    expect(stalled.sent).toEqual([]);
    stalled.bufferedAmount = 9_000;
    failing.throwOnSend = true;
    pub.deliver(update(2000));
    expect(ok.sent).toHaveLength(1);
    expect(stalled.sent).toHaveLength(0);
    expect(relay.stats().dropped).toMatchObject({ 'from-subscriber': 1, 'other-channel': 1, backpressure: 1, 'send-failed': 1 });
    // A closed subscriber channel leaves the fan-out.
    ok.setState('closed');
    expect(relay.stats().subscribers).toBe(2);
    expect(errors).toEqual([]);
  });

  it('refuses caps that could never pass an update', () => {
    expect(() => relayWith({ burstBytes: 1000, maxBinaryBytes: 2000 })).toThrow(RangeError);
    expect(() => relayWith({ messagesPerSecond: 0 })).toThrow(/messagesPerSecond/);
    expect(() => relayWith({ maxTextBytes: Number.NaN })).toThrow(RangeError);
  });
});
