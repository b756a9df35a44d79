import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignalingServer } from './SignalingServer.js';
import { TestClient } from './testing/TestClient.js';

const ROOMS = 20;
const RECEIVERS_PER_ROOM = 9;
const CANDIDATES = 3;

describe('signaling load', () => {
  let server: SignalingServer;
  let url: string;
  beforeAll(async () => {
    server = new SignalingServer({ heartbeatMs: 0, maxConnectionsPerIp: 1000,
      // 200 clients on one address (loopback): the per-IP budgets are for one user's share, not a test rig's.
      rateLimit: { perIpPerSecond: 1e6, perIpBurst: 1e6, perIpJoinsPerMinute: 1e6, perIpJoinBurst: 1e6 } });
    url = await server.start();
  });
  afterAll(async () => server.close());

  it(`${ROOMS * (RECEIVERS_PER_ROOM + 1)} concurrent clients join, signal and leave with nothing lost`, async () => {
    const rooms = await Promise.all(Array.from({ length: ROOMS }, async (_, i) => {
      const sender = await TestClient.connect(url);
      sender.send({ type: 'join', room: `load-${i}`, role: 'sender' });
      const id = (await sender.next('joined')).id;
      // The sender answers every offer it gets, as a real page would.
      sender.ws.on('message', (data) => {
        const m = JSON.parse((data as Buffer).toString('utf8')) as { type: string; from?: string };
        if (m.type === 'offer' && m.from !== undefined) sender.send({ type: 'answer', to: m.from, sdp: `answer-for-${m.from}` });
      });
      return { sender, id, room: `load-${i}` };
    }));

    const receivers = await Promise.all(rooms.flatMap(({ room, id: senderId }) => Array.from({ length: RECEIVERS_PER_ROOM }, async () => {
      const c = await TestClient.connect(url);
      c.send({ type: 'join', room, role: 'receiver' });
      const me = await c.next('joined', undefined, 20_000);
      expect(me.peers).toContainEqual({ id: senderId, role: 'sender' });
      c.send({ type: 'offer', to: senderId, sdp: `offer-from-${me.id}` });
      for (let k = 0; k < CANDIDATES; k++) c.send({ type: 'candidate', to: senderId, candidate: { candidate: `c${k}`, sdpMid: '0', sdpMLineIndex: 0 } });
      const answer = await c.next('answer', undefined, 20_000);
      expect(answer.sdp).toBe(`answer-for-${me.id}`);
      return c;
    })));
    expect(server.stats()).toMatchObject({ connections: ROOMS * (RECEIVERS_PER_ROOM + 1), rooms: ROOMS, peers: ROOMS * (RECEIVERS_PER_ROOM + 1) });

    await Promise.all(receivers.map(async (c) => {
      c.send({ type: 'leave' });
      await c.close();
    }));
    for (const { sender } of rooms) {
      await expect.poll(() => sender.received.filter((m) => m.type === 'peer-left').length, { timeout: 20_000 }).toBe(RECEIVERS_PER_ROOM);
      const count = (t: string): number => sender.received.filter((m) => m.type === t).length;
      expect(count('peer-joined')).toBe(RECEIVERS_PER_ROOM);
      expect(count('offer')).toBe(RECEIVERS_PER_ROOM);
      expect(count('candidate')).toBe(RECEIVERS_PER_ROOM * CANDIDATES);
      expect(count('error')).toBe(0);
    }
    await Promise.all(rooms.map(({ sender }) => sender.close()));
    await expect.poll(() => server.stats()).toMatchObject({ connections: 0, rooms: 0, peers: 0 });
  }, 60_000);
});
