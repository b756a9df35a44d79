import type { WebSocket } from 'ws';
import type { IpBudget } from './admission.js';
import type { PeerInfo } from './protocol.js';
import type { DecayingCount, RateLimiter } from './RateLimiter.js';

/** One client socket and what the server tracks about it. */
export interface Connection extends PeerInfo {
  readonly ws: WebSocket;
  readonly ip: string;
  /** Shared with every connection from the same IP. */
  readonly budget: IpBudget;
  readonly limiter: RateLimiter;
  readonly joins: RateLimiter;
  readonly violations: DecayingCount;
  room: string | undefined;
  /** The token this connection joined with, holding one of its leases until it leaves. */
  token: string | undefined;
  alive: boolean;
  /** Closes the connection if it is not in a room by then (join deadline). */
  joinTimer: NodeJS.Timeout | undefined;
}

export interface ServerStats {
  connections: number;
  rooms: number;
  peers: number;
  /** Connections dropped by the server, by reason. */
  dropped: { heartbeat: number; backpressure: number; rateLimit: number; joinTimeout: number; error: number };
  /** Upgrades refused by the connection caps. */
  refused: { perIp: number; total: number };
}

/** Close codes the server uses (RFC 6455 section 7.4). */
export const CLOSE_CODES = { policy: 1008, tooBig: 1009, goingAway: 1001, internalError: 1011, tryAgain: 1013 } as const;
