import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { addressKey, Admission, closeIdleSockets, httpTimeouts, type IpBudget } from './admission.js';
import { CLOSE_CODES, type Connection, type ServerStats } from './connection.js';
import { resolveOptions, type SignalingServerInit, type SignalingServerOptions } from './options.js';
import { parseClientMessage, type ClientMessage, type ErrorCode, type JoinMessage, type ServerMessage } from './protocol.js';
import { DecayingCount, RateLimiter } from './RateLimiter.js';
import { mediaRequest, peerInfo, relaySignal, type RelayContext } from './relay.js';
import { RoomRegistry } from './RoomRegistry.js';
import { TokenLeases, verifyRoomToken } from './tokens.js';

/**
 * The signaling server: validates every frame, keeps rooms, relays offer/answer/candidate between a
 * room's sender and receivers (P2P) or hands them to a MediaRouter (SFU). A bad message gets an
 * `error` reply; a handler that throws anyway closes only its own connection (1011) and is reported
 * to `onError`: no client input can end the process.
 */
export class SignalingServer {
  readonly options: SignalingServerOptions;
  private readonly rooms: RoomRegistry<Connection>;
  private readonly conns = new Set<Connection>();
  private readonly admission: Admission;
  private readonly leases: TokenLeases;
  private readonly relay: RelayContext;
  private wss: WebSocketServer | undefined;
  private http: HttpServer | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  private readonly dropped = { heartbeat: 0, backpressure: 0, rateLimit: 0, joinTimeout: 0, error: 0 };
  private readonly refused = { perIp: 0, total: 0 };

  constructor(options: SignalingServerInit = {}) {
    this.options = resolveOptions(options);
    this.rooms = new RoomRegistry<Connection>(this.options.roomCapacity);
    this.admission = new Admission(this.options);
    this.leases = new TokenLeases(this.options.maxConnectionsPerToken);
    this.relay = {
      mode: this.options.mode, rooms: this.rooms, mediaRouter: this.options.mediaRouter,
      send: (c, m) => this.send(c, m), sendError: (c, code, m) => this.sendError(c, code, m),
      later: (c, context, fn) => this.guard(c, context, fn),
    };
  }

  /** Starts listening (or attaches to `httpServer`); resolves with the ws:// URL. */
  async start(): Promise<string> {
    if (this.wss !== undefined) throw new Error('SignalingServer already started');
    const o = this.options;
    const server = o.httpServer ?? createServer(httpTimeouts(o.upgradeTimeoutMs), (_req, res) => res.writeHead(426).end('WebSocket only\n'));
    if (o.httpServer === undefined) closeIdleSockets(server, o.upgradeTimeoutMs);
    // noServer + our own upgrade listener: several servers (e.g. P2P on /ws, SFU on /ws-sfu) can share
    // one HTTP server, which ws's `server` option does not allow (it rejects paths it does not own).
    const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxPayload, clientTracking: false });
    this.wss = wss;
    this.onUpgrade = (req, socket, head) => this.guard(undefined, 'upgrade', () => this.upgrade(wss, req, socket, head), () => socket.destroy());
    server.on('upgrade', this.onUpgrade);
    wss.on('error', () => undefined);
    if (o.httpServer === undefined) {
      this.http = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(o.port, o.host, () => resolve());
      });
    }
    if (o.heartbeatMs > 0) this.heartbeat = setInterval(() => this.guard(undefined, 'heartbeat', () => this.beat()), o.heartbeatMs);
    const addr = server.address() as AddressInfo | null;
    const host = addr?.family === 'IPv6' ? `[${addr.address}]` : (addr?.address ?? o.host);
    return `ws://${host}:${addr?.port ?? o.port}${o.path}`;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const c of this.conns) c.ws.terminate();
    await this.options.mediaRouter?.close();
    if (this.onUpgrade !== undefined) (this.options.httpServer ?? this.http)?.off('upgrade', this.onUpgrade);
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    const http = this.http;
    if (http !== undefined) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    this.wss = undefined;
  }

  stats(): ServerStats {
    return { connections: this.conns.size, rooms: this.rooms.roomCount, peers: this.rooms.peerCount, dropped: { ...this.dropped }, refused: { ...this.refused } };
  }

  /**
   * The last resort: whatever a handler throws closes that handler's connection (or runs `cleanup`), is
   * reported, and goes no further. An exception escaping an event handler would end the process.
   */
  private guard(conn: Connection | undefined, context: string, fn: () => void, cleanup?: () => void): void {
    try {
      fn();
    } catch (error) {
      this.dropped.error += 1;
      try {
        if (conn !== undefined) conn.ws.close(CLOSE_CODES.internalError, 'internal error');
        cleanup?.();
        this.options.onError(context, error);
      } catch {
        conn?.ws.terminate();
      }
    }
  }

  private upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const o = this.options;
    if ((req.url ?? '/').split('?')[0] !== o.path) {
      if (o.httpServer === undefined) socket.destroy();
      return;
    }
    if (!this.originAllowed(req.headers.origin)) return refuse(socket, 403, 'Forbidden');
    const ip = addressKey(req.socket.remoteAddress ?? 'unknown');
    const admit = this.admission.check(ip);
    if (!admit.ok) {
      this.refused[admit.status === 429 ? 'perIp' : 'total'] += 1;
      return refuse(socket, admit.status, admit.reason);
    }
    wss.handleUpgrade(req, socket, head, (ws) => this.guard(undefined, 'connection', () => this.onConnection(ws, ip), () => ws.terminate()));
  }

  private originAllowed(origin: string | undefined): boolean {
    const { allowedOrigins, requireOrigin } = this.options;
    if (origin === undefined || origin === '') return !requireOrigin;
    return allowedOrigins === '*' || allowedOrigins.includes(origin);
  }

  private onConnection(ws: WebSocket, ip: string): void {
    // Oversized frames surface here (ws then closes with 1009); an unhandled 'error' would crash the process.
    ws.on('error', () => undefined);
    // The upgrade was checked against the caps; this takes the slot (nothing ran in between).
    const budget: IpBudget | undefined = this.admission.reserve(ip);
    if (budget === undefined) {
      ws.close(CLOSE_CODES.tryAgain, 'too many connections');
      return;
    }
    const r = this.options.rateLimit;
    const conn: Connection = {
      ws, ip, budget, id: randomBytes(8).toString('hex'), role: 'receiver', room: undefined, token: undefined, alive: true, joinTimer: undefined,
      limiter: new RateLimiter(r.perSecond, r.burst), joins: new RateLimiter(r.joinsPerMinute / 60, r.joinBurst), violations: new DecayingCount(r.forgivePerSecond),
    };
    this.conns.add(conn);
    this.armJoinDeadline(conn);
    ws.on('pong', () => { conn.alive = true; });
    ws.on('close', () => this.guard(undefined, 'close', () => {
      clearTimeout(conn.joinTimer);
      if (this.conns.delete(conn)) this.admission.release(ip);
      this.leaveRoom(conn);
    }));
    ws.on('message', (data, isBinary) => this.guard(conn, 'message', () => this.onMessage(conn, data, isBinary)));
  }

  /** Clients that connect and never join (or leave and stay) hold a socket for nothing: give them a deadline. */
  private armJoinDeadline(conn: Connection): void {
    clearTimeout(conn.joinTimer);
    if (this.options.joinTimeoutMs === 0) return;
    conn.joinTimer = setTimeout(() => this.guard(conn, 'join deadline', () => {
      if (conn.room !== undefined || conn.ws.readyState !== WebSocket.OPEN) return;
      this.dropped.joinTimeout += 1;
      conn.ws.close(CLOSE_CODES.policy, 'no join before the deadline');
    }), this.options.joinTimeoutMs);
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    // Frames that were already in flight when we closed the connection are not worth an answer.
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (!conn.limiter.take() || !conn.budget.messages.take()) return this.violation(conn, `more than ${this.options.rateLimit.perSecond} messages per second (or the address's share); message dropped`);
    if (isBinary) return this.sendError(conn, 'binary_unsupported', 'binary frames are not accepted; send JSON text');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.sendError(conn, parsed.code, parsed.message);
    this.dispatch(conn, parsed.message);
  }

  /** A rate-limited message: answered with `rate_limited`; violations leak away over time, too many close the connection. */
  private violation(conn: Connection, message: string): void {
    if (conn.violations.add() >= this.options.rateLimit.maxViolations) {
      this.dropped.rateLimit += 1;
      conn.ws.close(CLOSE_CODES.policy, 'rate limit exceeded');
    } else {
      this.sendError(conn, 'rate_limited', message);
    }
  }

  private dispatch(conn: Connection, msg: ClientMessage): void {
    switch (msg.type) {
      case 'join':
        return this.join(conn, msg);
      case 'leave':
        if (conn.room === undefined) return this.sendError(conn, 'not_joined', 'leave before join');
        this.leaveRoom(conn);
        return this.armJoinDeadline(conn);
      case 'offer':
      case 'answer':
      case 'candidate':
        return relaySignal(this.relay, conn, msg);
      default:
        return mediaRequest(this.relay, conn, msg);
    }
  }

  private join(conn: Connection, msg: JoinMessage): void {
    if (conn.room !== undefined) return this.sendError(conn, 'already_joined', `already in room "${conn.room}"; send leave first`);
    // Every join and leave reaches the whole room: joins have their own small budget, so that
    // alternating join/leave cannot multiply one client's messages by the room's size.
    if (!conn.joins.take() || !conn.budget.joins.take()) return this.violation(conn, `more than ${this.options.rateLimit.joinsPerMinute} joins per minute (or the address's share); join dropped`);
    const secret = this.options.tokenSecret;
    if (secret !== undefined) {
      if (msg.token === undefined) return this.sendError(conn, 'token_required', 'this server requires a room token');
      const check = verifyRoomToken(secret, msg.token, msg.room, msg.role, Date.now(), this.options.maxTokenLifetimeS);
      if (!check.ok) return this.sendError(conn, check.reason, check.message);
      if (!this.leases.take(msg.token)) return this.sendError(conn, 'token_in_use', `this token already has ${this.options.maxConnectionsPerToken} connections in rooms`);
    }
    conn.role = msg.role;
    const result = this.rooms.join(msg.room, conn);
    if (!result.ok) {
      if (secret !== undefined && msg.token !== undefined) this.leases.release(msg.token);
      return this.sendError(conn, result.code, result.message);
    }
    conn.room = msg.room;
    conn.token = secret === undefined ? undefined : msg.token;
    clearTimeout(conn.joinTimer);
    const others = [...(this.rooms.get(msg.room)?.peers.values() ?? [])].filter((p) => p !== conn);
    this.send(conn, {
      type: 'joined', id: conn.id, room: msg.room, role: conn.role, mode: this.options.mode,
      peers: others.map(peerInfo), iceServers: this.options.iceServers,
    });
    for (const p of others) this.send(p, { type: 'peer-joined', peer: peerInfo(conn) });
    this.options.mediaRouter?.join(msg.room, peerInfo(conn), (m) => this.send(conn, m));
  }

  private leaveRoom(conn: Connection): void {
    const room = conn.room;
    if (room === undefined) return;
    conn.room = undefined;
    if (conn.token !== undefined) this.leases.release(conn.token);
    conn.token = undefined;
    const rest = this.rooms.leave(room, conn.id);
    for (const p of rest) this.send(p, { type: 'peer-left', peer: peerInfo(conn) });
    this.options.mediaRouter?.leave(room, conn.id);
  }

  private send(conn: Connection, msg: ServerMessage): void {
    const ws = conn.ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify(msg));
    // A reader that stops reading would make us buffer without bound; cut it off instead.
    if (ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.dropped.backpressure += 1;
      ws.terminate();
    }
  }

  private sendError(conn: Connection, code: ErrorCode, message: string): void {
    this.send(conn, { type: 'error', code, message });
  }

  private beat(): void {
    for (const c of this.conns) {
      if (!c.alive) {
        this.dropped.heartbeat += 1;
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
