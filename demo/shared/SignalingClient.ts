import type { MsRequest, MsResponseMap } from '../../signaling-server/mediasoupProtocol.js';
import type { ClientMessage, ErrorCode, JoinedMessage, Role, ServerMessage } from '../../signaling-server/protocol.js';

type Handler = (msg: ServerMessage) => void;

/** The part of the WebSocket API used here: the browser's WebSocket and the `ws` package both have it. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'message' | 'open' | 'error' | 'close', listener: (ev: { data?: unknown; code?: number }) => void): void;
}

const OPEN = 1;

/** One handler per server message type, each receiving its own message type. */
export type ServerHandlers = { [K in ServerMessage['type']]?: (msg: Extract<ServerMessage, { type: K }>) => void };

/** The body of an `ms-*` request; the client adds the `id`. */
export type MsRequestBody = MsRequest extends infer R ? (R extends MsRequest ? Omit<R, 'id'> : never) : never;

/** A server `error` answering a request, with its protocol code. */
export class SignalingError extends Error {
  override readonly name = 'SignalingError';
  constructor(readonly code: ErrorCode | 'closed', message: string) {
    super(message);
  }
}

/** The browser side of the signaling protocol: one WebSocket, join once, typed message fan-out, ms-* requests. */
export class SignalingClient {
  private readonly handlers = new Set<Handler>();
  private readonly pending = new Map<number, { resolve: (data: unknown) => void; reject: (error: Error) => void }>();
  private nextRequestId = 1;
  private ws: SocketLike | undefined;

  constructor(private readonly url: string, private readonly openSocket: (url: string) => SocketLike = (u) => new WebSocket(u)) {}

  on(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Routes each message to the handler for its type; types without one are ignored. Returns an unsubscribe. */
  handle(handlers: ServerHandlers): () => void {
    return this.on((msg) => (handlers[msg.type] as ((m: ServerMessage) => void) | undefined)?.(msg));
  }

  /** Connects, joins `room` and resolves with the server's `joined` (or rejects with its error). */
  join(room: string, role: Role, token?: string): Promise<JoinedMessage> {
    const ws = this.openSocket(this.url);
    this.ws = ws;
    ws.addEventListener('message', (ev) => {
      const msg = JSON.parse(String(ev.data)) as ServerMessage;
      if (this.settle(msg)) return;
      for (const h of [...this.handlers]) h(msg);
    });
    ws.addEventListener('close', () => this.rejectPending('the signaling connection closed'));
    return new Promise((resolve, reject) => {
      const off = this.on((msg) => {
        if (msg.type === 'joined') {
          off();
          resolve(msg);
        } else if (msg.type === 'error') {
          off();
          reject(new SignalingError(msg.code, `signaling: ${msg.code}: ${msg.message}`));
        }
      });
      ws.addEventListener('open', () => this.send(token === undefined ? { type: 'join', room, role } : { type: 'join', room, role, token }));
      ws.addEventListener('error', () => reject(new Error(`signaling: cannot connect to ${this.url}`)));
      ws.addEventListener('close', (ev) => reject(new Error(`signaling: closed (${ev.code ?? '?'}) before joining`)));
    });
  }

  send(msg: ClientMessage): void {
    if (this.ws?.readyState === OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** Sends an `ms-*` request and resolves with its `ms-response` data, or rejects with a SignalingError. */
  request<B extends MsRequestBody>(body: B): Promise<MsResponseMap[B['type']]> {
    if (this.ws?.readyState !== OPEN) return Promise.reject(new SignalingError('closed', `${body.type}: not connected`));
    const id = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (data: unknown) => void, reject });
      this.send({ ...body, id });
    });
  }

  close(): void {
    this.send({ type: 'leave' });
    this.ws?.close();
    this.handlers.clear();
    this.rejectPending('the signaling client was closed');
  }

  /** Routes replies to their request; true when `msg` was one. */
  private settle(msg: ServerMessage): boolean {
    const id = msg.type === 'ms-response' ? msg.id : msg.type === 'error' ? msg.requestId : undefined;
    const waiter = id === undefined ? undefined : this.pending.get(id);
    if (id === undefined || waiter === undefined) return false;
    this.pending.delete(id);
    if (msg.type === 'ms-response') waiter.resolve(msg.data);
    else if (msg.type === 'error') waiter.reject(new SignalingError(msg.code, `${msg.code}: ${msg.message}`));
    return true;
  }

  private rejectPending(reason: string): void {
    for (const w of this.pending.values()) w.reject(new SignalingError('closed', reason));
    this.pending.clear();
  }
}
