import { MediaRequestError, type MediaRouter } from './MediaRouter.js';
import type { MsRequest } from './mediasoupProtocol.js';
import type { Connection } from './connection.js';
import { SFU_PEER_ID, type ErrorCode, type MediaMode, type PeerInfo, type ServerMessage, type SignalMessage } from './protocol.js';
import type { RoomRegistry } from './RoomRegistry.js';

/** What the relay needs from the server: its rooms, its media router, and guarded sending. */
export interface RelayContext {
  readonly mode: MediaMode;
  readonly rooms: RoomRegistry<Connection>;
  readonly mediaRouter: MediaRouter | undefined;
  send(conn: Connection, msg: ServerMessage): void;
  sendError(conn: Connection, code: ErrorCode, message: string): void;
  /** Runs a callback that fires later (a router's answer) under the server's last-resort error handler. */
  later(conn: Connection, context: string, fn: () => void): void;
}

export function peerInfo(c: PeerInfo): PeerInfo {
  return { id: c.id, role: c.role };
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : typeof err === 'string' ? err : 'unknown error').slice(0, 200);
}

/** offer/answer/candidate: to the SFU, or (P2P) to one peer of the same room that the roles allow. */
export function relaySignal(ctx: RelayContext, conn: Connection, msg: SignalMessage): void {
  if (conn.room === undefined) {
    ctx.sendError(conn, 'not_joined', `${msg.type} before join`);
    return;
  }
  const router = ctx.mediaRouter;
  if (msg.to === SFU_PEER_ID && router !== undefined) {
    router.signal(conn.room, peerInfo(conn), msg).catch((err: unknown) => {
      ctx.later(conn, `SFU ${msg.type} rejection`, () => ctx.sendError(conn, 'media_error', `the SFU rejected the ${msg.type}: ${errorText(err)}`));
    });
    return;
  }
  if (ctx.mode !== 'p2p') {
    ctx.sendError(conn, 'forbidden', `in ${ctx.mode} mode peers only signal "${SFU_PEER_ID}"`);
    return;
  }
  const target = ctx.rooms.get(conn.room)?.peers.get(msg.to);
  if (target === undefined || target === conn) {
    ctx.sendError(conn, 'unknown_peer', `no peer "${msg.to.slice(0, 64)}" in room "${conn.room}"`);
    return;
  }
  if (conn.role === 'receiver' && target.role === 'receiver') {
    ctx.sendError(conn, 'forbidden', 'receivers may only signal the sender');
    return;
  }
  ctx.send(target, msg.type === 'candidate'
    ? { type: 'candidate', from: conn.id, candidate: msg.candidate }
    : { type: msg.type, from: conn.id, sdp: msg.sdp });
}

/** ms-* requests: to the mediasoup router, answered with `ms-response` or an `error` carrying the request id. */
export function mediaRequest(ctx: RelayContext, conn: Connection, msg: MsRequest): void {
  const router = ctx.mediaRouter;
  const fail = (code: ErrorCode, message: string): void => ctx.send(conn, { type: 'error', code, message, requestId: msg.id });
  if (conn.room === undefined) return fail('not_joined', `${msg.type} before join`);
  if (router?.request === undefined) return fail('unsupported', `this server runs in ${ctx.mode} mode; ms-* requests need mode "mediasoup"`);
  router.request(conn.room, peerInfo(conn), msg).then(
    (data) => ctx.later(conn, `${msg.type} response`, () => ctx.send(conn, { type: 'ms-response', id: msg.id, data })),
    (err: unknown) => ctx.later(conn, `${msg.type} failure`, () => {
      if (err instanceof MediaRequestError) fail(err.code, err.message);
      else fail('media_error', `mediasoup refused ${msg.type}: ${errorText(err)}`);
    }),
  );
}
