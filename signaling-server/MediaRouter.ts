import type { PeerInfo, ServerMessage, SignalMessage } from './protocol.js';

/**
 * A server-side media endpoint (the werift SFU, or a mediasoup deployment) that takes part in
 * signaling as the peer `SFU_PEER_ID`. The signaling server calls these hooks; the router answers
 * through the `send` callback it got in `join`.
 */
export interface MediaRouter {
  join(room: string, peer: PeerInfo, send: (msg: ServerMessage) => void): void;
  /** Handles an offer or candidate addressed to the SFU; rejects on bad SDP (reported as media_error). */
  signal(room: string, from: PeerInfo, msg: SignalMessage): Promise<void>;
  leave(room: string, peerId: string): void;
  close(): Promise<void>;
}
