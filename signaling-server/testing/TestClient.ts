import { WebSocket, type ClientOptions } from 'ws';
import type { RateLimitOptions } from '../options.js';
import type { ClientMessage, ServerMessage } from '../protocol.js';

/** Rate limits no test client reaches (fuzz and load tests), so that only a rule under test closes a connection. */
export const UNLIMITED: RateLimitOptions = {
  perSecond: 1e6, burst: 1e6, maxViolations: 1, forgivePerSecond: 0,
  perIpPerSecond: 1e6, perIpBurst: 1e6, joinsPerMinute: 1e6, joinBurst: 1e6, perIpJoinsPerMinute: 1e6, perIpJoinBurst: 1e6,
};

/** A real ws client that queues server messages so tests can await them in order. */
export class TestClient {
  readonly ws: WebSocket;
  readonly received: ServerMessage[] = [];
  private waiters: Array<{ pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const msg = JSON.parse((data as Buffer).toString('utf8')) as ServerMessage;
      this.received.push(msg);
      const i = this.waiters.findIndex((w) => w.pred(msg));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        w?.resolve(msg);
      }
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options);
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake rejected: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(msg: ClientMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(msg));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Resolves with the first message (already received or future) matching `pred`. */
  next<T extends ServerMessage['type']>(type: T, pred: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: T }>> {
    const match = (m: ServerMessage): boolean => m.type === type && pred(m as Extract<ServerMessage, { type: T }>);
    const i = this.received.findIndex(match);
    if (i >= 0) {
      const [m] = this.received.splice(i, 1);
      return Promise.resolve(m as Extract<ServerMessage, { type: T }>);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for "${type}"; got ${JSON.stringify(this.received.slice(-3))}`)), timeoutMs);
      this.waiters.push({
        pred: match,
        resolve: (m) => {
          clearTimeout(timer);
          const j = this.received.indexOf(m);
          if (j >= 0) this.received.splice(j, 1);
          resolve(m as Extract<ServerMessage, { type: T }>);
        },
      });
    });
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}
