import type { WebSocket } from 'ws';
import type { PeerInfo } from './protocol.js';
import type { RateLimiter } from './RateLimiter.js';

/** One client socket and what the server tracks about it. */
export interface Connection extends PeerInfo {
  readonly ws: WebSocket;
  readonly limiter: RateLimiter;
  room: string | undefined;
  alive: boolean;
  violations: number;
}

export interface ServerStats {
  connections: number;
  rooms: number;
  peers: number;
  /** Connections dropped by the server, by reason. */
  dropped: { heartbeat: number; backpressure: number; rateLimit: number };
}

/** Close codes the server uses (RFC 6455 section 7.4). */
export const CLOSE_CODES = { policy: 1008, tooBig: 1009, goingAway: 1001 } as const;
