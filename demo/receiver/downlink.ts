import SimplePeer from '@thaunknown/simple-peer';
import { UPDATE_CHANNEL_LABEL, attachConsumer, trackFromSimplePeer, type SwiftSRReceiver } from '../../src/sdk/index.js';
import { SFU_PEER_ID, type RelayedAnswer, type RelayedCandidate, type RelayedOffer, type SignalMessage } from '../../signaling-server/protocol.js';
import type { DemoMode } from '../shared/config.js';
import type { MediasoupSession } from '../shared/MediasoupSession.js';
import { PeerLink } from '../shared/PeerLink.js';
import { readVideoRtp, type ByteSample, type StatsSource } from '../shared/rtpStats.js';
import { fromSimplePeer, toSimplePeer } from '../shared/simplePeerSignal.js';

/** The receiving end of one call: a connection and the remote video track it yields. */
export interface Downlink extends StatsSource {
  /** Who signals with us: the sender's id (P2P, simple-peer), the SFU, or the mediasoup producer. */
  readonly remoteId: string;
  readonly track: Promise<MediaStreamTrack>;
  /**
   * The sender's model-update channel (issue 12): P2P accepts the one the sender opens, SFU opens its own
   * (the SFU forwards the sender's into it). null: simple-peer and mediasoup carry no updates here.
   */
  readonly modelChannel: Promise<RTCDataChannel> | null;
  connectionState(): string;
  handle(msg: RelayedOffer | RelayedAnswer | RelayedCandidate): void;
  /** Hands the video to the SDK (through the adapter that fits the transport); resolves at the first painted frame. */
  attachTo(receiver: SwiftSRReceiver): Promise<void>;
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

function modelChannelOf(pc: RTCPeerConnection): Promise<RTCDataChannel> {
  return new Promise((resolve) => {
    pc.addEventListener('datachannel', (ev) => {
      if (ev.channel.label === UPDATE_CHANNEL_LABEL) resolve(ev.channel);
    });
  });
}

function fromPeerConnection(remoteId: string, pc: RTCPeerConnection, track: Promise<MediaStreamTrack>, modelChannel: Downlink['modelChannel'], rest: Pick<Downlink, 'handle' | 'close'>): Downlink {
  return {
    remoteId, track, modelChannel, ...rest,
    getStats: () => pc.getStats(),
    connectionState: () => pc.connectionState,
    attachTo: async (receiver) => receiver.attach(await track),
  };
}

export function openDownlink(o: DownlinkOptions): Downlink {
  if (o.mode === 'simple-peer') {
    const peer = new SimplePeer({ initiator: false, trickle: true, config: o.rtc });
    peer.on('signal', (data) => {
      const m = fromSimplePeer(data, o.senderId, o.loopbackOnly);
      if (m !== null) o.signal(m);
    });
    peer.on('error', o.onError);
    return fromPeerConnection(o.senderId, peer._pc, trackFromSimplePeer(peer), null, {
      handle: (msg) => {
        const data = toSimplePeer(msg, o.loopbackOnly);
        if (data !== null) peer.signal(data);
      },
      close: () => peer.destroy(),
    });
  }
  // P2P: the sender offers and we are the polite peer. SFU: we offer a receive-only transceiver.
  const remoteId = o.mode === 'sfu' ? SFU_PEER_ID : o.senderId;
  const link = new PeerLink(remoteId, true, o.rtc, o.signal, o.loopbackOnly, o.onError);
  const track = trackOf(link.pc);
  let modelChannel: Promise<RTCDataChannel>;
  if (o.mode === 'sfu') {
    link.pc.addTransceiver('video', { direction: 'recvonly' });
    // Added in the same task as the transceiver: one offer carries both m-lines.
    modelChannel = Promise.resolve(link.pc.createDataChannel(UPDATE_CHANNEL_LABEL, { ordered: true }));
  } else {
    modelChannel = modelChannelOf(link.pc);
  }
  return fromPeerConnection(remoteId, link.pc, track, modelChannel, { handle: (msg) => void link.handle(msg).catch(o.onError), close: () => link.close() });
}

/** mediasoup: consumes the room's producer; the SDK follows the consumer through its attachConsumer adapter. */
export function openMediasoupDownlink(session: MediasoupSession, producerId: string): Downlink {
  const consumer = session.subscribe(producerId);
  let closed = false;
  void consumer.then((c) => { if (closed) c.close(); }, () => undefined);
  const transport = (): ReturnType<MediasoupSession['transportOf']> => session.transportOf('recv');
  let state = 'new';
  void transport()?.then((t) => {
    state = t.connectionState;
    t.on('connectionstatechange', (s) => { state = s; });
  });
  return {
    remoteId: producerId,
    track: consumer.then((c) => c.track),
    modelChannel: null,
    connectionState: () => state,
    getStats: async () => {
      const t = await transport();
      if (t === undefined) throw new Error('no mediasoup transport');
      return t.getStats();
    },
    handle: () => undefined,
    attachTo: async (receiver) => { await attachConsumer(receiver, await consumer); },
    close: () => {
      closed = true;
      void consumer.then((c) => c.close(), () => undefined);
    },
  };
}

export interface InboundVideo {
  kbps: number;
  fps: number;
  width: number;
  height: number;
  codec: string;
  sample: ByteSample;
}

/** Inbound video numbers of a connection for the overlay; kbps from the byte delta since `previous`. */
export async function readInbound(source: StatsSource, previous: ByteSample | undefined): Promise<InboundVideo | null> {
  const r = await readVideoRtp(source, 'inbound-rtp', previous);
  if (r === null) return null;
  const e = r.entry;
  return { kbps: r.kbps, fps: Number(e.framesPerSecond ?? 0), width: Number(e.frameWidth ?? 0), height: Number(e.frameHeight ?? 0), codec: r.codec, sample: r.sample };
}
