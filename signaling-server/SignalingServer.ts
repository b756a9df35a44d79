import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { MediaRequestError } from './MediaRouter.js';
import type { MsRequest } from './mediasoupProtocol.js';
import { resolveOptions, type SignalingServerOptions } from './options.js';
import { parseClientMessage, SFU_PEER_ID, type ClientMessage, type ErrorCode, type JoinMessage, type PeerInfo, type ServerMessage, type SignalMessage } from './protocol.js';
import { CLOSE_CODES, type Connection, type ServerStats } from './connection.js';
import { RateLimiter } from './RateLimiter.js';
import { RoomRegistry } from './RoomRegistry.js';
import { verifyRoomToken } from './tokens.js';

/**
 * The signaling server: validates every frame, keeps rooms, relays offer/answer/candidate between a
 * room's sender and receivers (P2P) or hands them to a MediaRouter (SFU). A bad message gets an
 * `error` reply and never throws out of a handler.
 */
export class SignalingServer {
  readonly options: SignalingServerOptions;
  private readonly rooms: RoomRegistry<Connection>;
  private readonly conns = new Set<Connection>();
  private wss: WebSocketServer | undefined;
  private http: HttpServer | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  private readonly dropped = { heartbeat: 0, backpressure: 0, rateLimit: 0 };

  constructor(options: Partial<SignalingServerOptions> = {}) {
    this.options = resolveOptions(options);
    this.rooms = new RoomRegistry<Connection>(this.options.roomCapacity);
  }

  /** Starts listening (or attaches to `httpServer`); resolves with the ws:// URL. */
  async start(): Promise<string> {
    if (this.wss !== undefined) throw new Error('SignalingServer already started');
    const o = this.options;
    const server = o.httpServer ?? createServer((_req, res) => res.writeHead(426).end('WebSocket only\n'));
    // noServer + our own upgrade listener: several servers (e.g. P2P on /ws, SFU on /ws-sfu) can share
    // one HTTP server, which ws's `server` option does not allow (it rejects paths it does not own).
    const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxPayload, clientTracking: false });
    this.wss = wss;
    this.onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== o.path) {
        if (o.httpServer === undefined) socket.destroy();
        return;
      }
      if (!this.originAllowed(req.headers.origin)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    };
    server.on('upgrade', this.onUpgrade);
    this.wss.on('connection', (ws) => this.onConnection(ws));
    this.wss.on('error', () => undefined);
    if (o.httpServer === undefined) {
      this.http = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(o.port, o.host, () => resolve());
      });
    }
    if (o.heartbeatMs > 0) this.heartbeat = setInterval(() => this.beat(), o.heartbeatMs);
    const addr = server.address() as AddressInfo | null;
    const host = addr?.family === 'IPv6' ? `[${addr.address}]` : (addr?.address ?? o.host);
    return `ws://${host}:${addr?.port ?? o.port}${o.path}`;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
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
    return { connections: this.conns.size, rooms: this.rooms.roomCount, peers: this.rooms.peerCount, dropped: { ...this.dropped } };
  }

  private originAllowed(origin: string | undefined): boolean {
    const { allowedOrigins, requireOrigin } = this.options;
    if (origin === undefined || origin === '') return !requireOrigin;
    return allowedOrigins === '*' || allowedOrigins.includes(origin);
  }

  private onConnection(ws: WebSocket): void {
    const { perSecond, burst } = this.options.rateLimit;
    const conn: Connection = { ws, id: randomBytes(8).toString('hex'), role: 'receiver', room: undefined, alive: true, violations: 0, limiter: new RateLimiter(perSecond, burst) };
    this.conns.add(conn);
    ws.on('pong', () => { conn.alive = true; });
    // Oversized frames surface here (ws then closes with 1009); an unhandled 'error' would crash the process.
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.conns.delete(conn);
      this.leaveRoom(conn);
    });
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    // Frames that were already in flight when we closed the connection are not worth an answer.
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (!conn.limiter.take()) {
      conn.violations += 1;
      if (conn.violations >= this.options.rateLimit.maxViolations) {
        this.dropped.rateLimit += 1;
        conn.ws.close(CLOSE_CODES.policy, 'rate limit exceeded');
      } else {
        this.sendError(conn, 'rate_limited', `more than ${this.options.rateLimit.perSecond} messages per second; message dropped`);
      }
      return;
    }
    if (isBinary) {
      this.sendError(conn, 'binary_unsupported', 'binary frames are not accepted; send JSON text');
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.sendError(conn, parsed.code, parsed.message);
      return;
    }
    this.dispatch(conn, parsed.message);
  }

  private dispatch(conn: Connection, msg: ClientMessage): void {
    switch (msg.type) {
      case 'join':
        this.join(conn, msg);
        return;
      case 'leave':
        if (conn.room === undefined) this.sendError(conn, 'not_joined', 'leave before join');
        else this.leaveRoom(conn);
        return;
      case 'offer':
      case 'answer':
      case 'candidate':
        this.relay(conn, msg);
        return;
      case 'ms-capabilities':
      case 'ms-create-transport':
      case 'ms-connect':
      case 'ms-produce':
      case 'ms-consume':
      case 'ms-resume':
        this.mediaRequest(conn, msg);
        return;
      default: {
        const never: never = msg;
        throw new Error(`unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  private join(conn: Connection, msg: JoinMessage): void {
    if (conn.room !== undefined) {
      this.sendError(conn, 'already_joined', `already in room "${conn.room}"; send leave first`);
      return;
    }
    const secret = this.options.tokenSecret;
    if (secret !== undefined) {
      if (msg.token === undefined) {
        this.sendError(conn, 'token_required', 'this server requires a room token');
        return;
      }
      const check = verifyRoomToken(secret, msg.token, msg.room, msg.role);
      if (!check.ok) {
        this.sendError(conn, check.reason, check.message);
        return;
      }
    }
    conn.role = msg.role;
    const result = this.rooms.join(msg.room, conn);
    if (!result.ok) {
      this.sendError(conn, result.code, result.message);
      return;
    }
    conn.room = msg.room;
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
    const rest = this.rooms.leave(room, conn.id);
    for (const p of rest) this.send(p, { type: 'peer-left', peer: peerInfo(conn) });
    this.options.mediaRouter?.leave(room, conn.id);
  }

  private relay(conn: Connection, msg: SignalMessage): void {
    if (conn.room === undefined) {
      this.sendError(conn, 'not_joined', `${msg.type} before join`);
      return;
    }
    const router = this.options.mediaRouter;
    if (msg.to === SFU_PEER_ID && router !== undefined) {
      const room = conn.room;
      router.signal(room, peerInfo(conn), msg).catch((err: unknown) => {
        this.sendError(conn, 'media_error', `the SFU rejected the ${msg.type}: ${err instanceof Error ? err.message : String(err)}`);
      });
      return;
    }
    if (this.options.mode !== 'p2p') {
      this.sendError(conn, 'forbidden', `in ${this.options.mode} mode peers only signal "${SFU_PEER_ID}"`);
      return;
    }
    const target = this.rooms.get(conn.room)?.peers.get(msg.to);
    if (target === undefined || target === conn) {
      this.sendError(conn, 'unknown_peer', `no peer "${msg.to.slice(0, 64)}" in room "${conn.room}"`);
      return;
    }
    if (conn.role === 'receiver' && target.role === 'receiver') {
      this.sendError(conn, 'forbidden', 'receivers may only signal the sender');
      return;
    }
    const out: ServerMessage = msg.type === 'candidate'
      ? { type: 'candidate', from: conn.id, candidate: msg.candidate }
      : { type: msg.type, from: conn.id, sdp: msg.sdp };
    this.send(target, out);
  }

  private mediaRequest(conn: Connection, msg: MsRequest): void {
    const router = this.options.mediaRouter;
    const fail = (code: ErrorCode, message: string): void => this.send(conn, { type: 'error', code, message, requestId: msg.id });
    if (conn.room === undefined) return fail('not_joined', `${msg.type} before join`);
    if (router?.request === undefined) return fail('unsupported', `this server runs in ${this.options.mode} mode; ms-* requests need mode "mediasoup"`);
    router.request(conn.room, peerInfo(conn), msg).then(
      (data) => this.send(conn, { type: 'ms-response', id: msg.id, data }),
      (err: unknown) => {
        if (err instanceof MediaRequestError) fail(err.code, err.message);
        else fail('media_error', `mediasoup refused ${msg.type}: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
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

function peerInfo(c: PeerInfo): PeerInfo {
  return { id: c.id, role: c.role };
}
