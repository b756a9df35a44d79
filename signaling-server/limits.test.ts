import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { addressKey } from './admission.js';
import { resolveOptions } from './options.js';
import { TestClient } from './testing/TestClient.js';
import { cleanUp, client, joined, serve } from './testing/serve.js';

afterEach(cleanUp);

/** The handshake's outcome: connected, or the HTTP status it was refused with. */
async function attempt(url: string, localAddress = '127.0.0.1'): Promise<TestClient | number> {
  try {
    return await client(url, { localAddress });
  } catch (error) {
    const m = /HTTP (\d+)/.exec(String(error));
    if (m === null) throw error;
    return Number(m[1]);
  }
}

function rawSocket(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () => resolve(s));
    s.on('error', reject);
    // Read (and drop) what the server sends, as a real client does: a paused socket never sees the end of
    // the server's 408 reply, so it would not close when the server ends the connection instead of resetting it.
    s.resume();
  });
}

const closed = (s: Socket): Promise<void> => new Promise((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())));

describe('connection limits (red team #6)', () => {
  it('caps connections per IP (429) while other addresses still connect, and frees the slot on close', async () => {
    const { url, server } = await serve({ maxConnectionsPerIp: 3, maxConnections: 10 });
    const mine = await Promise.all([attempt(url), attempt(url), attempt(url)]);
    expect(mine.every((c) => c instanceof TestClient)).toBe(true);
    for (let i = 0; i < 5; i++) expect(await attempt(url)).toBe(429);
    const other = await attempt(url, '127.0.0.2');
    expect(other).toBeInstanceOf(TestClient);
    expect(server.stats()).toMatchObject({ connections: 4, refused: { perIp: 5, total: 0 } });
    await (mine[0] as TestClient).close();
    await expect.poll(() => server.stats().connections).toBe(3);
    expect(await attempt(url)).toBeInstanceOf(TestClient);
  });

  it('caps connections in all (503)', async () => {
    const { url, server } = await serve({ maxConnectionsPerIp: 2, maxConnections: 4 });
    for (const ip of ['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.2']) expect(await attempt(url, ip)).toBeInstanceOf(TestClient);
    expect(await attempt(url, '127.0.0.3')).toBe(503);
    expect(server.stats().refused.total).toBe(1);
  });

  it('closes clients that answer pings but never join, and after a leave; joined clients stay', { timeout: 15_000 }, async () => {
    const { url, server } = await serve({ joinTimeoutMs: 300, heartbeatMs: 100 });
    const idle = await client(url);
    const member = await joined(url, 'r', 'sender');
    const leaver = await joined(url, 'r', 'receiver');
    leaver.c.send({ type: 'leave' });
    expect(await idle.closed).toMatchObject({ code: 1008, reason: 'no join before the deadline' });
    expect((await leaver.c.closed).code).toBe(1008);
    expect(server.stats().dropped).toMatchObject({ joinTimeout: 2, heartbeat: 0 });
    expect(member.c.ws.readyState).toBe(member.c.ws.OPEN);
    member.c.send({ type: 'offer', to: 'nobody', sdp: 'v=0' });
    expect((await member.c.next('error')).code).toBe('unknown_peer');
  });

  it('closes a half-open upgrade (headers never finished) and a silent socket', { timeout: 15_000 }, async () => {
    // Node's defaults (headersTimeout 60 s, checked every 30 s) held these for 60..90 s.
    const { url } = await serve({ upgradeTimeoutMs: 300 });
    const half = await rawSocket(url);
    half.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    const silent = await rawSocket(url);
    await Promise.all([closed(half), closed(silent)]);
    expect(await attempt(url)).toBeInstanceOf(TestClient);
  });

  it('keys budgets by IPv4 address, or by the /64 of an IPv6 address', () => {
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:fffe')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('validates the limits', () => {
    expect(() => resolveOptions({ maxConnections: 0 })).toThrow(RangeError);
    expect(() => resolveOptions({ maxConnections: 10, maxConnectionsPerIp: 11 })).toThrow(/must not exceed/);
    expect(() => resolveOptions({ joinTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => resolveOptions({ upgradeTimeoutMs: 10 })).toThrow(RangeError);
    expect(() => resolveOptions({ maxConnectionsPerToken: 1.5 })).toThrow(RangeError);
    expect(() => resolveOptions({ rateLimit: { perIpPerSecond: 0 } })).toThrow(RangeError);
    expect(() => resolveOptions({ rateLimit: { forgivePerSecond: Number.NaN } })).toThrow(RangeError);
    expect(resolveOptions({})).toMatchObject({ maxConnections: 1000, maxConnectionsPerIp: 32, joinTimeoutMs: 10_000, upgradeTimeoutMs: 5_000, maxConnectionsPerToken: 4 });
  });
});
