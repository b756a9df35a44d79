import type { Server as HttpServer } from 'node:http';
import type { MediaRouter } from './MediaRouter.js';
import type { IceServerConfig, MediaMode } from './protocol.js';

export interface SignalingServerOptions {
  /** Interface to listen on. Loopback by default: exposing the server is a deliberate choice. */
  host: string;
  /** 0 picks a free port; read it from `start()`'s result. */
  port: number;
  /** Attach to an existing HTTP server (e.g. the one serving the demo pages) instead of listening. */
  httpServer: HttpServer | undefined;
  /** WebSocket endpoint path. */
  path: string;
  /**
   * Browser origins allowed to connect, e.g. `['http://127.0.0.1:5173']`; `'*'` allows all.
   * Clients that send no Origin header (non-browser tools) are allowed unless `requireOrigin` is set:
   * such clients can forge any header anyway, so the check only guards against other web sites.
   */
  allowedOrigins: readonly string[] | '*';
  requireOrigin: boolean;
  /** When set, `join` needs a room token signed with this secret (see tokens.ts). */
  tokenSecret: string | undefined;
  /** Largest accepted frame in bytes; larger ones close the connection with 1009. */
  maxPayload: number;
  /** When set: tokens whose `exp` lies further ahead than this many seconds are refused (a leaked token's reach). */
  maxTokenLifetimeS: number;
  /** Connections joined with one token at the same time; more get `token_in_use`. */
  maxConnectionsPerToken: number;
  rateLimit: RateLimitOptions;
  /** WebSocket connections in all; more are refused with HTTP 503. */
  maxConnections: number;
  /** WebSocket connections from one IP address; more are refused with HTTP 429. */
  maxConnectionsPerIp: number;
  /** A connection that is not in a room this long after connecting (or after `leave`) is closed (1008). 0 disables. */
  joinTimeoutMs: number;
  /**
   * A client must finish its HTTP upgrade request within this time, and a socket idle before its upgrade is
   * closed (our own HTTP server; a shared `httpServer` gets them from `httpTimeouts()` by its owner).
   */
  upgradeTimeoutMs: number;
  /** Where the server reports a handler that threw (the offending connection is closed with 1011). */
  onError: (context: string, error: unknown) => void;
  /** Peers per room, sender included. */
  roomCapacity: number;
  /** Ping interval; a peer that has not answered the previous ping is dropped. 0 disables. */
  heartbeatMs: number;
  /** A client whose unsent buffer grows past this many bytes is dropped instead of buffering forever. */
  maxBufferedBytes: number;
  mode: MediaMode;
  /** Handed to every client in `joined` (STUN/TURN); empty keeps ICE to host candidates. */
  iceServers: IceServerConfig[];
  /** Required in 'sfu' mode (e.g. WeriftSfu) and 'mediasoup' mode (MediasoupRouter). */
  mediaRouter: MediaRouter | undefined;
}

/**
 * Token buckets: per connection (`perSecond`, `burst`) and shared by every connection from one IP
 * (`perIp*`). Rejected messages count as violations, which are forgiven at `forgivePerSecond`; a
 * connection reaching `maxViolations` is closed (1008). `join` also draws from a small bucket of its
 * own, per connection and per IP, because each join and leave is delivered to the whole room.
 */
export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  maxViolations: number;
  forgivePerSecond: number;
  perIpPerSecond: number;
  perIpBurst: number;
  joinsPerMinute: number;
  joinBurst: number;
  perIpJoinsPerMinute: number;
  perIpJoinBurst: number;
}

export const DEFAULT_OPTIONS: SignalingServerOptions = {
  host: '127.0.0.1',
  port: 0,
  httpServer: undefined,
  path: '/ws',
  allowedOrigins: '*',
  requireOrigin: false,
  tokenSecret: undefined,
  maxPayload: 128 * 1024,
  maxTokenLifetimeS: 24 * 3600,
  maxConnectionsPerToken: 4,
  rateLimit: {
    perSecond: 50, burst: 100, maxViolations: 20, forgivePerSecond: 1,
    perIpPerSecond: 200, perIpBurst: 400, joinsPerMinute: 12, joinBurst: 4, perIpJoinsPerMinute: 120, perIpJoinBurst: 40,
  },
  maxConnections: 1000,
  maxConnectionsPerIp: 32,
  joinTimeoutMs: 10_000,
  upgradeTimeoutMs: 5_000,
  onError: (context, error) => console.error(`signaling: ${context}:`, error),
  roomCapacity: 16,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  mode: 'p2p',
  iceServers: [],
  mediaRouter: undefined,
};

function positiveInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
}

/** What a caller passes: any option, and any part of `rateLimit` (the rest are defaults). */
export type SignalingServerInit = Partial<Omit<SignalingServerOptions, 'rateLimit'>> & { rateLimit?: Partial<RateLimitOptions> };

export function resolveOptions(partial: SignalingServerInit): SignalingServerOptions {
  const o: SignalingServerOptions = { ...DEFAULT_OPTIONS, ...partial, rateLimit: { ...DEFAULT_OPTIONS.rateLimit, ...partial.rateLimit } };
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new RangeError(`port must be an integer in 0..65535, got ${o.port}`);
  positiveInt('maxPayload', o.maxPayload, 1024);
  positiveInt('roomCapacity', o.roomCapacity, 2);
  positiveInt('heartbeatMs', o.heartbeatMs, 0);
  positiveInt('maxBufferedBytes', o.maxBufferedBytes, 1024);
  positiveInt('maxTokenLifetimeS', o.maxTokenLifetimeS, 1);
  positiveInt('maxConnectionsPerToken', o.maxConnectionsPerToken, 1);
  positiveInt('maxConnections', o.maxConnections, 1);
  positiveInt('maxConnectionsPerIp', o.maxConnectionsPerIp, 1);
  if (o.maxConnectionsPerIp > o.maxConnections) throw new RangeError(`maxConnectionsPerIp (${o.maxConnectionsPerIp}) must not exceed maxConnections (${o.maxConnections})`);
  positiveInt('joinTimeoutMs', o.joinTimeoutMs, 0);
  positiveInt('upgradeTimeoutMs', o.upgradeTimeoutMs, 100);
  const r = o.rateLimit;
  positiveInt('rateLimit.maxViolations', r.maxViolations, 1);
  for (const key of ['perSecond', 'perIpPerSecond', 'joinsPerMinute', 'perIpJoinsPerMinute'] as const) {
    if (!(r[key] > 0 && Number.isFinite(r[key]))) throw new RangeError(`rateLimit.${key} must be a finite number > 0, got ${r[key]}`);
  }
  for (const key of ['burst', 'perIpBurst', 'joinBurst', 'perIpJoinBurst'] as const) {
    if (!(r[key] >= 1 && Number.isFinite(r[key]))) throw new RangeError(`rateLimit.${key} must be a finite number >= 1, got ${r[key]}`);
  }
  if (!(r.forgivePerSecond >= 0 && Number.isFinite(r.forgivePerSecond))) throw new RangeError(`rateLimit.forgivePerSecond must be a finite number >= 0, got ${r.forgivePerSecond}`);
  if (o.tokenSecret !== undefined && o.tokenSecret.length < 16) throw new RangeError('tokenSecret must be at least 16 characters long');
  if (o.mode !== 'p2p' && o.mode !== 'sfu' && o.mode !== 'mediasoup') throw new TypeError(`mode must be "p2p", "sfu" or "mediasoup", got ${JSON.stringify(o.mode)}`);
  if (o.mode === 'sfu' && o.mediaRouter === undefined) throw new TypeError('mode "sfu" needs a mediaRouter (e.g. new WeriftSfu())');
  if (o.mode === 'mediasoup' && o.mediaRouter?.request === undefined) throw new TypeError('mode "mediasoup" needs a mediaRouter that answers ms-* requests (await MediasoupRouter.create())');
  if (!o.path.startsWith('/')) throw new TypeError(`path must start with "/", got ${JSON.stringify(o.path)}`);
  return o;
}
