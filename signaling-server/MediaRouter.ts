import type { MsRequest, MsResponseMap } from './mediasoupProtocol.js';
import type { ErrorCode, PeerInfo, ServerMessage, SignalMessage } from './protocol.js';

/**
 * A server-side media endpoint (the werift SFU, or a mediasoup deployment) that takes part in
 * signaling as the peer `SFU_PEER_ID`. The signaling server calls these hooks; the router answers
 * through the `send` callback it got in `join`.
 */
export interface MediaRouter {
  join(room: string, peer: PeerInfo, send: (msg: ServerMessage) => void): void;
  /** Handles an offer or candidate addressed to the SFU; rejects on bad SDP (reported as media_error). */
  signal(room: string, from: PeerInfo, msg: SignalMessage): Promise<void>;
  /**
   * Answers an `ms-*` request (mediasoup mode). Routers without it make the server answer
   * `unsupported`. A MediaRequestError's code is sent as is; any other rejection as `media_error`.
   */
  request?<T extends MsRequest>(room: string, from: PeerInfo, msg: T): Promise<MsResponseMap[T['type']]>;
  leave(room: string, peerId: string): void;
  close(): Promise<void>;
}

/** A refusal with a protocol error code (e.g. `forbidden` for a receiver that tries to produce). */
export class MediaRequestError extends Error {
  override readonly name = 'MediaRequestError';
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}
