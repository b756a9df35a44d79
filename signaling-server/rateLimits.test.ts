import { afterEach, describe, expect, it } from 'vitest';
import { DecayingCount } from './RateLimiter.js';
import type { TestClient } from './testing/TestClient.js';
import { cleanUp, client, joined, serve } from './testing/serve.js';

afterEach(cleanUp);

/** Everything the server sent `c` before it answers this marker (frames on one socket arrive in order). */
async function drain(c: TestClient): Promise<void> {
  c.send({ type: 'marker' });
  await c.next('error', (m) => m.message.includes('"marker"'));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const NO_MESSAGE_LIMITS = { perSecond: 1e6, burst: 1e6, maxViolations: 1e6, perIpPerSecond: 1e6, perIpBurst: 1e6 };

describe('rate limits (red team #7)', () => {
  it('alternating join/leave cannot multiply messages by the room size: deliveries to the room stay below the messages sent', async () => {
    // Only the join budgets (defaults) are in play; the red team got 14 deliveries per message this way.
    const { url } = await serve({ rateLimit: NO_MESSAGE_LIMITS, roomCapacity: 8 });
    const room = [await joined(url, 'full', 'sender')];
    for (let i = 0; i < 5; i++) room.push(await joined(url, 'full', 'receiver'));
    const attacker = await client(url);
    const sent = 400;
    for (let i = 0; i < sent / 2; i++) {
      attacker.send({ type: 'join', room: 'full', role: 'receiver' });
      attacker.send({ type: 'leave' });
    }
    await drain(attacker);
    await Promise.all(room.map((p) => drain(p.c)));
    const delivered = room.reduce((n, p) => n + p.c.received.filter((m) => m.type === 'peer-joined' || m.type === 'peer-left').length, 0);
    const refused = attacker.received.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
    // Before: every join reached 6 peers, and so did every leave (6 deliveries per message).
    expect(refused).toBeGreaterThan(sent / 2 - 10);
    expect(delivered / sent).toBeLessThan(0.5);
  });

  it('many connections from one address share one budget', async () => {
    const { url } = await serve({ rateLimit: { perSecond: 100, burst: 100, maxViolations: 1e6, perIpPerSecond: 1, perIpBurst: 20 } });
    const conns = await Promise.all(Array.from({ length: 5 }, () => client(url)));
    for (const c of conns) for (let i = 0; i < 10; i++) c.send({ type: 'leave' });
    // Every message gets an answer: not_joined when served, rate_limited when not.
    await expect.poll(() => conns.every((c) => c.received.length === 10)).toBe(true);
    const answered = conns.reduce((n, c) => n + c.received.filter((m) => m.type === 'error' && m.code === 'not_joined').length, 0);
    // 50 messages, each connection under its own limit (100): only the address's 20 (+ refill) are served.
    expect(answered).toBeGreaterThanOrEqual(20);
    expect(answered).toBeLessThanOrEqual(25);
  });

  it('forgives violations over time: a client over the limit in short bursts but quiet in between stays connected', { timeout: 15_000 }, async () => {
    const { url, server } = await serve({ rateLimit: { perSecond: 20, burst: 5, maxViolations: 5, forgivePerSecond: 10 } });
    const bursty = await client(url);
    for (let round = 0; round < 3; round++) {
      // 8 at once: 5 served, 3 refused; the old counter closed the connection in the second burst.
      for (let i = 0; i < 8; i++) bursty.send({ type: 'leave' });
      await bursty.next('error', (m) => m.code === 'rate_limited');
      await sleep(1000);
    }
    await bursty.next('error', (m) => m.code === 'not_joined');
    expect(bursty.ws.readyState).toBe(bursty.ws.OPEN);
    expect(server.stats().dropped.rateLimit).toBe(0);
  });

  it('DecayingCount leaks at its rate', () => {
    let t = 0;
    const c = new DecayingCount(2, () => t);
    expect([c.add(), c.add(), c.add()]).toEqual([1, 2, 3]);
    t = 1000;
    expect(c.add()).toBe(2); // 3 - 2 + 1
    t = 10_000;
    expect(c.add()).toBe(1);
  });
});
