import type { ErrorCode, PeerInfo } from './protocol.js';

export interface Room<P extends PeerInfo> {
  readonly id: string;
  readonly peers: Map<string, P>;
}

export type JoinResult = { ok: true } | { ok: false; code: ErrorCode; message: string };

/**
 * Rooms and their roles, without any I/O: one sender and up to `capacity - 1` receivers per room.
 * Empty rooms are deleted at once, so a long-running server does not accumulate them.
 */
export class RoomRegistry<P extends PeerInfo> {
  private readonly rooms = new Map<string, Room<P>>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`roomCapacity must be an integer >= 2 (one sender and at least one receiver), got ${capacity}`);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  get peerCount(): number {
    let n = 0;
    for (const room of this.rooms.values()) n += room.peers.size;
    return n;
  }

  get(roomId: string): Room<P> | undefined {
    return this.rooms.get(roomId);
  }

  join(roomId: string, peer: P): JoinResult {
    const room = this.rooms.get(roomId) ?? { id: roomId, peers: new Map<string, P>() };
    if (room.peers.size >= this.capacity) {
      return { ok: false, code: 'room_full', message: `room "${roomId}" is full (${this.capacity} peers)` };
    }
    if (peer.role === 'sender' && [...room.peers.values()].some((p) => p.role === 'sender')) {
      return { ok: false, code: 'sender_taken', message: `room "${roomId}" already has a sender` };
    }
    room.peers.set(peer.id, peer);
    this.rooms.set(roomId, room);
    return { ok: true };
  }

  /** Removes the peer; returns the peers left in the room (empty when the room is gone). */
  leave(roomId: string, peerId: string): P[] {
    const room = this.rooms.get(roomId);
    if (room === undefined) return [];
    room.peers.delete(peerId);
    if (room.peers.size === 0) {
      this.rooms.delete(roomId);
      return [];
    }
    return [...room.peers.values()];
  }
}
