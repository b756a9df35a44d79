import SimplePeer from '@thaunknown/simple-peer';
import { trackFromSimplePeer } from '../../src/sdk/index.js';
import { SFU_PEER_ID, type RelayedAnswer, type RelayedCandidate, type RelayedOffer, type SignalMessage } from '../../signaling-server/protocol.js';
import type { DemoMode } from '../shared/config.js';
import { PeerLink } from '../shared/PeerLink.js';
import { fromSimplePeer, toSimplePeer } from '../shared/simplePeerSignal.js';

/** The receiving end of one call: a connection and the remote video track it yields. */
export interface Downlink {
  /** Who signals with us: the sender's id (P2P, simple-peer) or the SFU. */
  readonly remoteId: string;
  readonly pc: RTCPeerConnection;
  readonly track: Promise<MediaStreamTrack>;
  handle(msg: RelayedOffer | RelayedAnswer | RelayedCandidate): void;
  close(): void;
}

export interface DownlinkOptions {
  mode: Exclude<DemoMode, 'mediasoup'>;
  senderId: string;
  rtc: RTCConfiguration;
  loopbackOnly: boolean;
  signal: (msg: SignalMessage) => void;
  onError: (error: unknown) => void;
}

function trackOf(pc: RTCPeerConnection): Promise<MediaStreamTrack> {
  return new Promise((resolve) => {
    pc.addEventListener('track', (ev) => {
      if (ev.track.kind === 'video') resolve(ev.track);
    });
  });
}

export function openDownlink(o: DownlinkOptions): Downlink {
  if (o.mode === 'simple-peer') {
    const peer = new SimplePeer({ initiator: false, trickle: true, config: o.rtc });
    peer.on('signal', (data) => {
      const m = fromSimplePeer(data, o.senderId, o.loopbackOnly);
      if (m !== null) o.signal(m);
    });
    peer.on('error', o.onError);
    return {
      remoteId: o.senderId,
      pc: peer._pc,
      track: trackFromSimplePeer(peer),
      handle: (msg) => {
        const data = toSimplePeer(msg, o.loopbackOnly);
        if (data !== null) peer.signal(data);
      },
      close: () => peer.destroy(),
    };
  }
  // P2P: the sender offers and we are the polite peer. SFU: we offer a receive-only transceiver.
  const remoteId = o.mode === 'sfu' ? SFU_PEER_ID : o.senderId;
  const link = new PeerLink(remoteId, true, o.rtc, o.signal, o.loopbackOnly, o.onError);
  const track = trackOf(link.pc);
  if (o.mode === 'sfu') link.pc.addTransceiver('video', { direction: 'recvonly' });
  return {
    remoteId,
    pc: link.pc,
    track,
    handle: (msg) => void link.handle(msg).catch(o.onError),
    close: () => link.close(),
  };
}

/** Inbound video numbers of a connection for the overlay; kbps from the byte delta since `previous`. */
export async function readInbound(pc: RTCPeerConnection, previous: { bytes: number; at: number } | undefined): Promise<{ kbps: number; fps: number; width: number; height: number; codec: string; sample: { bytes: number; at: number } } | null> {
  const report = await pc.getStats();
  let inbound: Record<string, unknown> | undefined;
  const byId = new Map<string, Record<string, unknown>>();
  report.forEach((s: Record<string, unknown>) => {
    byId.set(String(s.id), s);
    if (s.type === 'inbound-rtp' && s.kind === 'video') inbound = s;
  });
  if (inbound === undefined) return null;
  const bytes = Number(inbound.bytesReceived ?? 0);
  const at = Number(inbound.timestamp ?? 0);
  const kbps = previous !== undefined && at > previous.at ? ((bytes - previous.bytes) * 8) / (at - previous.at) : 0;
  const mime = byId.get(String(inbound.codecId))?.mimeType;
  return {
    kbps,
    fps: Number(inbound.framesPerSecond ?? 0),
    width: Number(inbound.frameWidth ?? 0),
    height: Number(inbound.frameHeight ?? 0),
    codec: typeof mime === 'string' ? mime.replace('video/', '') : '?',
    sample: { bytes, at },
  };
}
