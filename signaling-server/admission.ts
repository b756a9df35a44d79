import type { Server as HttpServer, ServerOptions } from 'node:http';
import type { SignalingServerOptions } from './options.js';
import { RateLimiter } from './RateLimiter.js';

/** What every connection from one IP address shares: its number, and message and join budgets. */
export interface IpBudget {
  connections: number;
  readonly messages: RateLimiter;
  readonly joins: RateLimiter;
}

export type Admit = { ok: true } | { ok: false; status: 429 | 503; reason: string };

/**
 * Connection caps (in all and per IP) and the per-IP budgets. An IP's record lives while it has
 * connections, so memory follows the connections, not the addresses ever seen.
 */
export class Admission {
  private readonly byIp = new Map<string, IpBudget>();
  private total = 0;

  constructor(private readonly o: Pick<SignalingServerOptions, 'maxConnections' | 'maxConnectionsPerIp' | 'rateLimit'>) {}

  /** Whether one more connection from `ip` fits; `reserve` takes the slot. */
  check(ip: string): Admit {
    if (this.total >= this.o.maxConnections) return { ok: false, status: 503, reason: 'Service Unavailable' };
    if ((this.byIp.get(ip)?.connections ?? 0) >= this.o.maxConnectionsPerIp) return { ok: false, status: 429, reason: 'Too Many Requests' };
    return { ok: true };
  }

  reserve(ip: string): IpBudget | undefined {
    if (!this.check(ip).ok) return undefined;
    let b = this.byIp.get(ip);
    if (b === undefined) {
      if (this.byIp.size >= 2 * this.o.maxConnections) this.sweep();
      const r = this.o.rateLimit;
      b = { connections: 0, messages: new RateLimiter(r.perIpPerSecond, r.perIpBurst), joins: new RateLimiter(r.perIpJoinsPerMinute / 60, r.perIpJoinBurst) };
      this.byIp.set(ip, b);
    }
    b.connections += 1;
    this.total += 1;
    return b;
  }

  release(ip: string): void {
    const b = this.byIp.get(ip);
    if (b === undefined) return;
    this.total -= 1;
    b.connections -= 1;
    // The record outlives the IP's last connection until its budgets refill, so that reconnecting does
    // not reset them.
    if (b.connections === 0 && b.messages.full() && b.joins.full()) this.byIp.delete(ip);
  }

  /** Forgets idle addresses: first those whose budgets refilled, then (many addresses) all idle ones. */
  private sweep(): void {
    for (const [ip, b] of this.byIp) if (b.connections === 0 && b.messages.full() && b.joins.full()) this.byIp.delete(ip);
    if (this.byIp.size < this.o.maxConnections) return;
    for (const [ip, b] of this.byIp) if (b.connections === 0) this.byIp.delete(ip);
  }

  get addresses(): number {
    return this.byIp.size;
  }
}

/**
 * The key an address's budget is kept under: the IPv4 address (also when IPv4-mapped), or the /64 of an
 * IPv6 address, since one IPv6 host usually holds a whole /64 and could otherwise pick a fresh address per
 * connection.
 */
export function addressKey(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4 !== null) return v4[1] as string;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.replace(/%.*$/, '').split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/**
 * HTTP server settings that bound how long a client may take to send its request (an upgrade is one):
 * Node's defaults hold a slow or silent client for a minute or more, each costing a file descriptor.
 */
export function httpTimeouts(ms: number): ServerOptions {
  return { headersTimeout: ms, requestTimeout: ms, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(ms / 4))) };
}

/** Closes sockets idle for `ms` (upgraded WebSockets are exempt: `ws` turns the socket timeout off). */
export function closeIdleSockets(server: HttpServer, ms: number): void {
  server.setTimeout(ms, (socket) => socket.destroy());
}
