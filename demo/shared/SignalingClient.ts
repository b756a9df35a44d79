import type { ClientMessage, JoinedMessage, Role, ServerMessage } from '../../signaling-server/protocol.js';

type Handler = (msg: ServerMessage) => void;

/** The browser side of the signaling protocol: one WebSocket, join once, typed message fan-out. */
export class SignalingClient {
  private readonly handlers = new Set<Handler>();
  private ws: WebSocket | undefined;

  constructor(private readonly url: string) {}

  on(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Connects, joins `room` and resolves with the server's `joined` (or rejects with its error). */
  join(room: string, role: Role, token?: string): Promise<JoinedMessage> {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener('message', (ev) => {
      const msg = JSON.parse(String(ev.data)) as ServerMessage;
      for (const h of [...this.handlers]) h(msg);
    });
    return new Promise((resolve, reject) => {
      const off = this.on((msg) => {
        if (msg.type === 'joined') {
          off();
          resolve(msg);
        } else if (msg.type === 'error') {
          off();
          reject(new Error(`signaling: ${msg.code}: ${msg.message}`));
        }
      });
      ws.addEventListener('open', () => this.send(token === undefined ? { type: 'join', room, role } : { type: 'join', room, role, token }));
      ws.addEventListener('error', () => reject(new Error(`signaling: cannot connect to ${this.url}`)));
      ws.addEventListener('close', (ev) => reject(new Error(`signaling: closed (${ev.code}) before joining`)));
    });
  }

  send(msg: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  close(): void {
    this.send({ type: 'leave' });
    this.ws?.close();
    this.handlers.clear();
  }
}
