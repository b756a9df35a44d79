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
  /** Token bucket per connection; after `maxViolations` rejected messages the connection is closed (1008). */
  rateLimit: { perSecond: number; burst: number; maxViolations: number };
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

export const DEFAULT_OPTIONS: SignalingServerOptions = {
  host: '127.0.0.1',
  port: 0,
  httpServer: undefined,
  path: '/ws',
  allowedOrigins: '*',
  requireOrigin: false,
  tokenSecret: undefined,
  maxPayload: 128 * 1024,
  rateLimit: { perSecond: 50, burst: 100, maxViolations: 20 },
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

export function resolveOptions(partial: Partial<SignalingServerOptions>): SignalingServerOptions {
  const o: SignalingServerOptions = { ...DEFAULT_OPTIONS, ...partial, rateLimit: { ...DEFAULT_OPTIONS.rateLimit, ...partial.rateLimit } };
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new RangeError(`port must be an integer in 0..65535, got ${o.port}`);
  positiveInt('maxPayload', o.maxPayload, 1024);
  positiveInt('roomCapacity', o.roomCapacity, 2);
  positiveInt('heartbeatMs', o.heartbeatMs, 0);
  positiveInt('maxBufferedBytes', o.maxBufferedBytes, 1024);
  positiveInt('rateLimit.maxViolations', o.rateLimit.maxViolations, 1);
  if (!(o.rateLimit.perSecond > 0)) throw new RangeError(`rateLimit.perSecond must be > 0, got ${o.rateLimit.perSecond}`);
  if (!(o.rateLimit.burst >= 1)) throw new RangeError(`rateLimit.burst must be >= 1, got ${o.rateLimit.burst}`);
  if (o.tokenSecret !== undefined && o.tokenSecret.length < 16) throw new RangeError('tokenSecret must be at least 16 characters long');
  if (o.mode !== 'p2p' && o.mode !== 'sfu' && o.mode !== 'mediasoup') throw new TypeError(`mode must be "p2p", "sfu" or "mediasoup", got ${JSON.stringify(o.mode)}`);
  if (o.mode === 'sfu' && o.mediaRouter === undefined) throw new TypeError('mode "sfu" needs a mediaRouter (e.g. new WeriftSfu())');
  if (o.mode === 'mediasoup' && o.mediaRouter?.request === undefined) throw new TypeError('mode "mediasoup" needs a mediaRouter that answers ms-* requests (await MediasoupRouter.create())');
  if (!o.path.startsWith('/')) throw new TypeError(`path must start with "/", got ${JSON.stringify(o.path)}`);
  return o;
}
