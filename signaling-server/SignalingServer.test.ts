import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SignalingServer } from './SignalingServer.js';
import { cleanUp, client, joined, serve, track } from './testing/serve.js';
import { createRoomToken } from './tokens.js';

afterEach(cleanUp);

describe('SignalingServer relay', () => {
  it('relays offer, answer and candidates between sender and receiver, with the sender id as from', async () => {
    const { url } = await serve();
    const s = await joined(url, 'room1', 'sender');
    const r = await joined(url, 'room1', 'receiver');
    expect((await s.c.next('peer-joined')).peer).toEqual({ id: r.id, role: 'receiver' });

    r.c.send({ type: 'offer', to: s.id, sdp: 'v=0 offer' });
    expect(await s.c.next('offer')).toEqual({ type: 'offer', from: r.id, sdp: 'v=0 offer' });
    s.c.send({ type: 'answer', to: r.id, sdp: 'v=0 answer' });
    expect(await r.c.next('answer')).toEqual({ type: 'answer', from: s.id, sdp: 'v=0 answer' });
    const cand = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    s.c.send({ type: 'candidate', to: r.id, candidate: cand });
    expect(await r.c.next('candidate')).toEqual({ type: 'candidate', from: s.id, candidate: cand });

    r.c.send({ type: 'leave' });
    expect((await s.c.next('peer-left')).peer).toEqual({ id: r.id, role: 'receiver' });
  });

  it('lists present peers in joined and rejects out-of-order and misaddressed messages with codes', async () => {
    const { url, server } = await serve();
    const lone = await client(url);
    lone.send({ type: 'offer', to: 'x', sdp: 'v=0' });
    expect((await lone.next('error')).code).toBe('not_joined');
    lone.send({ type: 'leave' });
    expect((await lone.next('error')).code).toBe('not_joined');

    const s = await joined(url, 'r', 'sender');
    const r1 = await joined(url, 'r', 'receiver');
    const r2c = await client(url);
    r2c.send({ type: 'join', room: 'r', role: 'receiver' });
    const j2 = await r2c.next('joined');
    expect(j2.peers.map((p) => p.id).sort()).toEqual([s.id, r1.id].sort());
    expect(j2.mode).toBe('p2p');

    r2c.send({ type: 'join', room: 'r', role: 'receiver' });
    expect((await r2c.next('error')).code).toBe('already_joined');
    r2c.send({ type: 'offer', to: r1.id, sdp: 'v=0' });
    expect((await r2c.next('error')).code).toBe('forbidden');
    r2c.send({ type: 'offer', to: 'nobody', sdp: 'v=0' });
    expect((await r2c.next('error')).code).toBe('unknown_peer');
    r2c.send({ type: 'offer', to: 'sfu', sdp: 'v=0' });
    expect((await r2c.next('error')).code).toBe('unknown_peer');
    r2c.sendRaw(Buffer.from([1, 2, 3]), true);
    expect((await r2c.next('error')).code).toBe('binary_unsupported');
    expect(server.stats()).toMatchObject({ rooms: 1, peers: 3 });
  });

  it('tells receivers when the sender disconnects and frees the room', async () => {
    const { url, server } = await serve();
    const s = await joined(url, 'r', 'sender');
    const r = await joined(url, 'r', 'receiver');
    s.c.ws.terminate();
    expect((await r.c.next('peer-left')).peer).toEqual({ id: s.id, role: 'sender' });
    await r.c.close();
    await expect.poll(() => server.stats().rooms).toBe(0);
  });

  it('hands the configured ICE servers (STUN/TURN) to every client in joined', async () => {
    const iceServers = [{ urls: 'stun:127.0.0.1:3478' }, { urls: ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'], username: 'u', credential: 'p' }];
    const { url } = await serve({ iceServers });
    for (const role of ['sender', 'receiver'] as const) {
      const c = await client(url);
      c.send({ type: 'join', room: 'ice', role });
      expect((await c.next('joined')).iceServers).toEqual(iceServers);
    }
    const plain = await serve();
    const c = await client(plain.url);
    c.send({ type: 'join', room: 'ice', role: 'sender' });
    expect((await c.next('joined')).iceServers).toEqual([]);
  });
});

describe('SignalingServer on a shared HTTP server', () => {
  it('lets two instances share one HTTP server on different paths', async () => {
    const http = createServer((_q, res) => res.end('page'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    const a = new SignalingServer({ httpServer: http, path: '/a' });
    const b = new SignalingServer({ httpServer: http, path: '/b', roomCapacity: 2 });
    track(a);
    track(b);
    expect(await a.start()).toBe(`ws://127.0.0.1:${port}/a`);
    await b.start();
    const ca = await joined(`ws://127.0.0.1:${port}/a`, 'r', 'sender');
    const cb = await joined(`ws://127.0.0.1:${port}/b`, 'r', 'sender');
    expect(ca.id).not.toBe(cb.id);
    expect([a.stats().peers, b.stats().peers]).toEqual([1, 1]);
    await Promise.all([a.close(), b.close()]);
    await new Promise((resolve) => http.close(resolve));
  });
});

describe('SignalingServer hardening', () => {
  it('accepts only allow-listed origins', async () => {
    const { url } = await serve({ allowedOrigins: ['http://127.0.0.1:5173'], requireOrigin: true });
    await expect(client(url, { origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(client(url)).rejects.toThrow('HTTP 403');
    const ok = await client(url, { origin: 'http://127.0.0.1:5173' });
    ok.send({ type: 'join', room: 'r', role: 'sender' });
    expect((await ok.next('joined')).role).toBe('sender');
  });

  it('requires a valid, unexpired room token when a secret is set', async () => {
    const secret = 'test-secret-0123456789';
    const { url } = await serve({ tokenSecret: secret });
    const c = await client(url);
    c.send({ type: 'join', room: 'r', role: 'sender' });
    expect((await c.next('error')).code).toBe('token_required');
    c.send({ type: 'join', room: 'r', role: 'sender', token: createRoomToken(secret, { room: 'r', exp: Math.floor(Date.now() / 1000) - 1 }) });
    expect((await c.next('error')).code).toBe('token_expired');
    c.send({ type: 'join', room: 'r', role: 'sender', token: createRoomToken('wrong-secret-0123456789', { room: 'r', exp: Math.floor(Date.now() / 1000) + 60 }) });
    expect((await c.next('error')).code).toBe('token_invalid');
    c.send({ type: 'join', room: 'r', role: 'sender', token: createRoomToken(secret, { room: 'r', exp: Math.floor(Date.now() / 1000) + 60 }) });
    expect((await c.next('joined')).room).toBe('r');
  });

  it('closes a connection that sends a frame above maxPayload with 1009 and keeps serving others', async () => {
    const { url } = await serve({ maxPayload: 4096 });
    const big = await client(url);
    big.sendRaw(JSON.stringify({ type: 'offer', to: 'x', sdp: 'x'.repeat(5000) }));
    expect((await big.closed).code).toBe(1009);
    const s = await joined(url, 'r', 'sender');
    expect(s.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('rate-limits each connection: drops excess messages, then closes with 1008', async () => {
    const { url, server } = await serve({ rateLimit: { perSecond: 1, burst: 5, maxViolations: 3 } });
    const flood = await client(url);
    const calm = await joined(url, 'r', 'sender');
    for (let i = 0; i < 20; i++) flood.send({ type: 'leave' });
    expect((await flood.closed).code).toBe(1008);
    const codes = flood.received.map((m) => (m.type === 'error' ? m.code : m.type));
    expect(codes.filter((c) => c === 'not_joined').length).toBeGreaterThanOrEqual(5);
    expect(codes.filter((c) => c === 'not_joined').length).toBeLessThanOrEqual(6);
    expect(codes).toContain('rate_limited');
    expect(server.stats().dropped.rateLimit).toBe(1);
    calm.c.send({ type: 'leave' });
    await expect.poll(() => server.stats().peers).toBe(0);
  });

  it('enforces room capacity and one sender per room', async () => {
    const { url } = await serve({ roomCapacity: 3 });
    await joined(url, 'r', 'sender');
    await joined(url, 'r', 'receiver');
    const second = await client(url);
    second.send({ type: 'join', room: 'r', role: 'sender' });
    expect((await second.next('error')).code).toBe('sender_taken');
    await joined(url, 'r', 'receiver');
    const extra = await client(url);
    extra.send({ type: 'join', room: 'r', role: 'receiver' });
    const err = await extra.next('error');
    expect(err.code).toBe('room_full');
    expect(err.message).toContain('3 peers');
  });

  it('drops peers that stop answering pings and tells the room', async () => {
    const { url, server } = await serve({ heartbeatMs: 50 });
    const s = await joined(url, 'r', 'sender');
    const deadC = await client(url, { autoPong: false });
    deadC.send({ type: 'join', room: 'r', role: 'receiver' });
    const dead = await deadC.next('joined');
    expect((await s.c.next('peer-left', undefined, 5000)).peer.id).toBe(dead.id);
    expect((await deadC.closed).code).toBe(1006);
    expect(server.stats().dropped.heartbeat).toBe(1);
    // The healthy sender answered every ping and is still there.
    expect(server.stats().peers).toBe(1);
  });

  it('drops a client that stops reading once its buffer passes maxBufferedBytes', async () => {
    const { url, server } = await serve({ maxBufferedBytes: 64 * 1024, rateLimit: { perSecond: 10_000, burst: 10_000, maxViolations: 10 } });
    let raw: Socket | undefined;
    const slow = await client(url, {
      createConnection: (opts: Parameters<typeof connect>[0]) => {
        raw = connect(opts);
        return raw;
      },
    } as never);
    slow.send({ type: 'join', room: 'r', role: 'receiver' });
    const slowId = (await slow.next('joined')).id;
    raw?.pause();
    const s = await joined(url, 'r', 'sender');
    const sdp = 'x'.repeat(60_000);
    // Enough to fill both kernel socket buffers on loopback (a few MB each) and then ours.
    for (let i = 0; i < 400 && server.stats().dropped.backpressure === 0; i++) {
      s.c.send({ type: 'offer', to: slowId, sdp });
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
    }
    expect((await s.c.next('peer-left', undefined, 10_000)).peer.id).toBe(slowId);
    expect(server.stats().dropped.backpressure).toBe(1);
  });
});
