import { afterEach, describe, expect, it } from 'vitest';
import { SignalingServer } from '../SignalingServer.js';
import { connectPeer, type TestPeer } from './testPeer.js';
import { WeriftSfu } from './WeriftSfu.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

const ROOM = 'model-room';

/** Everything a peer's model channel receives, in order. */
function record(p: TestPeer): Array<Buffer | string> {
  const got: Array<Buffer | string> = [];
  p.model?.onMessage.subscribe((m) => got.push(typeof m === 'string' ? m : Buffer.from(m)));
  return got;
}

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
const info = (seq: number): string => JSON.stringify({ type: 'swiftsr-update-info', seq, gainDb: 0.25, variant: 'tiny' });

async function open(sfu: WeriftSfu): Promise<string> {
  const server = new SignalingServer({ mode: 'sfu', mediaRouter: sfu, heartbeatMs: 0 });
  const url = await server.start();
  cleanups.push(() => server.close());
  return url;
}

/** A peer with its model channel open, and what that channel has received since it was created. */
async function join(url: string, role: 'sender' | 'receiver'): Promise<TestPeer & { got: Array<Buffer | string> }> {
  const p = await connectPeer(url, ROOM, role, { modelChannel: true });
  cleanups.push(async () => { await p.pc.close(); p.c.ws.terminate(); });
  const got = record(p);
  await expect.poll(() => p.model?.readyState, { timeout: 15_000 }).toBe('open');
  return { ...p, got };
}

describe('WeriftSfu model channel', () => {
  it('negotiates SCTP for publisher and subscribers, forwards updates and their info one-to-many, sends a late subscriber the newest, drops what is over the caps', async () => {
    // A refill this slow adds no token during the test: exactly burstMessages pass, whatever the timing.
    const sfu = new WeriftSfu({ modelChannel: { maxBinaryBytes: 64 * 1024, burstBytes: 1024 * 1024, messagesPerSecond: 0.01, burstMessages: 20 } });
    const url = await open(sfu);
    const pub = await join(url, 'sender');
    const subs = [await join(url, 'receiver'), await join(url, 'receiver')];
    const got = subs.map((s) => s.got);
    const pubGot = pub.got;

    // The SFU answered with an application m-line that advertises its binary cap.
    for (const p of [pub, ...subs]) {
      expect(p.pc.remoteDescription?.sdp).toMatch(/^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel/m);
      expect(p.pc.remoteDescription?.sdp).toContain(`a=max-message-size:${64 * 1024}`);
    }
    const send = (m: Buffer | string): void => pub.model?.send(m);
    send(bytes(30_000, 1));
    send(info(1));
    // A publisher that ignores the advertised limit: the SFU drops what is over its caps.
    pub.pc.sctpTransport?.setRemoteMaxMessageSize(0);
    send(bytes(64 * 1024 + 1, 9));
    send('x'.repeat(513));
    send(bytes(50_000, 2));
    send(info(2));
    const expected = [bytes(30_000, 1), info(1), bytes(50_000, 2), info(2)];
    for (const g of got) await expect.poll(() => g.length, { timeout: 15_000 }).toBe(4);
    for (const g of got) expect(g).toEqual(expected);
    expect(sfu.stats(ROOM).model).toMatchObject({ publishing: true, subscribers: 2, accepted: 4, dropped: { 'too-large': 2 } });

    // A subscriber's own messages go nowhere.
    subs[0]?.model?.send('not a publisher');
    await expect.poll(() => sfu.stats(ROOM).model?.dropped['from-subscriber'], { timeout: 10_000 }).toBe(1);

    // A late subscriber starts with the newest update and its info.
    const late = await join(url, 'receiver');
    const lateGot = late.got;
    await expect.poll(() => lateGot.length, { timeout: 15_000 }).toBe(2);
    expect(lateGot).toEqual([bytes(50_000, 2), info(2)]);

    // A flood: 100 messages, 16 tokens left in the room's bucket: every subscriber gets those 16, no more.
    for (let i = 0; i < 100; i++) send(bytes(200, i));
    await expect.poll(() => { const m = sfu.stats(ROOM).model; return (m?.accepted ?? 0) + (m?.dropped.rate ?? 0); }, { timeout: 15_000 }).toBe(104);
    for (const g of [...got, lateGot]) await expect.poll(() => g.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(g === lateGot ? 18 : 20);
    expect(got.map((g) => g.length)).toEqual([20, 20]);
    expect(lateGot).toHaveLength(18);
    expect(got[0]?.slice(4)).toEqual(Array.from({ length: 16 }, (_, i) => bytes(200, i)));
    expect(sfu.stats(ROOM).model).toMatchObject({ accepted: 20, dropped: { rate: 84 } });
    expect(pubGot).toEqual([]);

    // The publisher leaves: its update is not handed to whoever joins next.
    pub.c.ws.terminate();
    await expect.poll(() => sfu.stats(ROOM).model?.latestBytes, { timeout: 10_000 }).toBeNull();
    expect(sfu.stats(ROOM).model?.publishing).toBe(false);
  }, 90_000);
});
