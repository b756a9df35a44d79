import {
  RTCPeerConnection,
  RtcpPayloadSpecificFeedback,
  useFIR,
  useH264,
  useNACK,
  usePLI,
  useREMB,
  useVP8,
  type MediaStreamTrack,
  type PeerConfig,
  type RTCDataChannel,
  type RTCIceCandidate,
  type RtpPacket,
  type RTCRtpTransceiver,
  type RtcpPacket,
} from 'werift';
import { isLoopbackCandidate, keepLoopbackCandidates } from '../candidates.js';
import type { MediaRouter } from '../MediaRouter.js';
import { SFU_PEER_ID, type IceServerConfig, type PeerInfo, type ServerMessage, type SignalMessage } from '../protocol.js';
import { detach, guarded, type SfuErrorHandler } from './guard.js';
import { DEFAULT_MODEL_RELAY_OPTIONS, ModelChannelRelay, checkModelRelayOptions, type ModelRelayOptions, type ModelRelayStats } from './ModelChannelRelay.js';

export interface WeriftSfuOptions {
  /**
   * The only address ICE binds to and advertises. The default keeps media on this machine; a real
   * deployment sets its public interface address (and `loopbackOnly: false`).
   */
  hostAddress: string;
  /** Drop remote candidates (trickled or in the SDP) that are not 127.0.0.1. */
  loopbackOnly: boolean;
  /** The one codec every publisher and subscriber negotiates, so RTP is forwarded untouched. */
  codec: 'VP8' | 'H264';
  /** STUN/TURN for the SFU's own ICE agent. Empty by default: werift's default is a public STUN server. */
  iceServers: IceServerConfig[];
  /** Upstream keyframe requests are coalesced to at most one per this many ms. */
  keyframeGapMs: number;
  /** Caps of the `swiftsr-model` data channel fan-out (ModelChannelRelay.ts). */
  modelChannel: ModelRelayOptions;
  /** A werift callback that threw, or a send that rejected: reported here, the call goes on. */
  onError: SfuErrorHandler;
}

/** Constructor options: any subset, the model channel caps too. */
export type WeriftSfuInit = Partial<Omit<WeriftSfuOptions, 'modelChannel'>> & { modelChannel?: Partial<ModelRelayOptions> };

/** RFC 5104 section 4.3.1: the payload-specific feedback format of a Full Intra Request. */
const FIR_FMT = 4;

export const DEFAULT_SFU_OPTIONS: WeriftSfuOptions = {
  hostAddress: '127.0.0.1', loopbackOnly: true, codec: 'VP8', iceServers: [], keyframeGapMs: 300,
  modelChannel: DEFAULT_MODEL_RELAY_OPTIONS, onError: (context, error) => console.error(`WeriftSfu: ${context}:`, error),
};

interface Peer {
  info: PeerInfo;
  send: (msg: ServerMessage) => void;
  pc?: RTCPeerConnection;
  /** Receivers: the transceiver we forward into. */
  down?: RTCRtpTransceiver;
}

interface Room {
  peers: Map<string, Peer>;
  upstream?: { peerId: string; track: MediaStreamTrack; transceiver: RTCRtpTransceiver; unsubscribe: () => void };
  lastKeyframeRequest: number;
  relay: ModelChannelRelay;
}

export interface SfuRoomStats {
  publishing: boolean;
  subscribers: number;
  forwardedPackets: number;
  keyframeRequests: number;
  /** The model-update channel: forwarded and dropped messages. */
  model: ModelRelayStats | null;
}

/**
 * One-to-many forwarding on werift: the sender publishes one video track, every receiver gets the same
 * RTP (rewritten to its own SSRC/payload type by werift), and receivers' PLI/FIR become PLIs upstream.
 * No transcoding, so every peer must negotiate the same codec. The sender's `swiftsr-model` data channel
 * (model updates) goes to every receiver's channel of that label (ModelChannelRelay).
 */
export class WeriftSfu implements MediaRouter {
  readonly options: WeriftSfuOptions;
  private readonly rooms = new Map<string, Room>();
  private readonly counters = new Map<string, { forwarded: number; keyframes: number }>();

  constructor(options: WeriftSfuInit = {}) {
    this.options = { ...DEFAULT_SFU_OPTIONS, ...options, modelChannel: { ...DEFAULT_MODEL_RELAY_OPTIONS, ...options.modelChannel } };
    if (this.options.keyframeGapMs < 0) throw new RangeError(`keyframeGapMs must be >= 0, got ${this.options.keyframeGapMs}`);
    checkModelRelayOptions(this.options.modelChannel);
  }

  join(room: string, peer: PeerInfo, send: (msg: ServerMessage) => void): void {
    const r = this.rooms.get(room) ?? { peers: new Map<string, Peer>(), lastKeyframeRequest: 0, relay: new ModelChannelRelay(this.options.modelChannel, this.options.onError) };
    r.peers.set(peer.id, { info: peer, send });
    this.rooms.set(room, r);
  }

  async signal(room: string, from: PeerInfo, msg: SignalMessage): Promise<void> {
    const r = this.rooms.get(room);
    const peer = r?.peers.get(from.id);
    if (r === undefined || peer === undefined) throw new Error('peer is not in a room known to the SFU');
    switch (msg.type) {
      case 'offer':
        await this.onOffer(room, r, peer, msg.sdp);
        return;
      case 'candidate': {
        if (peer.pc === undefined || msg.candidate === null || msg.candidate.candidate === '') return;
        if (this.options.loopbackOnly && !isLoopbackCandidate(msg.candidate.candidate)) return;
        const { candidate, sdpMid, sdpMLineIndex } = msg.candidate;
        await peer.pc.addIceCandidate({ candidate, ...(sdpMid != null ? { sdpMid } : {}), ...(sdpMLineIndex != null ? { sdpMLineIndex } : {}) });
        return;
      }
      case 'answer':
        throw new Error('the SFU never sends offers, so it takes no answers');
      default: {
        const never: never = msg;
        throw new Error(`unhandled ${JSON.stringify(never)}`);
      }
    }
  }

  leave(room: string, peerId: string): void {
    const r = this.rooms.get(room);
    const peer = r?.peers.get(peerId);
    if (r === undefined || peer === undefined) return;
    r.peers.delete(peerId);
    this.closePeer(r, peer);
    if (peer.info.role === 'sender') r.relay.resetPublisher();
    if (r.upstream?.peerId === peerId) {
      // Receivers renegotiate with the next sender: a fresh stream restarts sequence numbers cleanly.
      r.upstream.unsubscribe();
      delete r.upstream;
      for (const p of r.peers.values()) this.closePeer(r, p);
    }
    if (r.peers.size === 0) {
      r.relay.close();
      this.rooms.delete(room);
      this.counters.delete(room);
    }
  }

  async close(): Promise<void> {
    const pcs = [...this.rooms.values()].flatMap((r) => [...r.peers.values()].flatMap((p) => (p.pc ? [p.pc] : [])));
    for (const r of this.rooms.values()) r.relay.close();
    this.rooms.clear();
    await Promise.all(pcs.map((pc) => pc.close()));
  }

  stats(room: string): SfuRoomStats {
    const r = this.rooms.get(room);
    const c = this.counters.get(room) ?? { forwarded: 0, keyframes: 0 };
    const subscribers = r === undefined ? 0 : [...r.peers.values()].filter((p) => p.down !== undefined).length;
    return { publishing: r?.upstream !== undefined, subscribers, forwardedPackets: c.forwarded, keyframeRequests: c.keyframes, model: r?.relay.stats() ?? null };
  }

  /** Addresses of every candidate the SFU advertised; the tests check they are all loopback. */
  localCandidateAddresses(): string[] {
    const out: string[] = [];
    for (const r of this.rooms.values()) {
      for (const p of r.peers.values()) {
        const sdp = p.pc?.localDescription?.sdp ?? '';
        for (const line of sdp.split(/\r?\n/)) if (line.startsWith('a=candidate:')) out.push(line.split(/\s+/)[4] ?? '');
      }
    }
    return out;
  }

  private newPeerConnection(): RTCPeerConnection {
    const { hostAddress, codec, iceServers } = this.options;
    const rtcpFeedback = [useNACK(), usePLI(), useFIR(), useREMB()];
    const config: Partial<PeerConfig> = {
      codecs: { video: [codec === 'VP8' ? useVP8({ rtcpFeedback }) : useH264({ rtcpFeedback })] },
      iceServers,
      // Gather on hostAddress only: no interface enumeration, no IPv6, sockets bound to that address.
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [hostAddress],
      iceInterfaceAddresses: { udp4: hostAddress },
      // Advertised in the SDP (a=max-message-size): a publisher's browser refuses to send larger updates.
      maxMessageSize: this.options.modelChannel.maxBinaryBytes,
    };
    if (this.options.loopbackOnly) {
      config.iceFilterCandidatePair = (pair) => pair.remoteCandidate.host === '127.0.0.1';
    }
    return new RTCPeerConnection(config);
  }

  private async onOffer(roomId: string, r: Room, peer: Peer, offerSdp: string): Promise<void> {
    this.closePeer(r, peer);
    const pc = this.newPeerConnection();
    peer.pc = pc;
    const onError = this.options.onError;
    const { id, role } = peer.info;
    pc.onDataChannel.subscribe(guarded('data channel', onError, (channel: RTCDataChannel) => r.relay.accept(role, id, channel)));
    // werift gathers inside setLocalDescription, before the answer is out: hold candidates until then,
    // or the peer would get candidates for a description it has not seen.
    const held: ServerMessage[] = [];
    let answered = false;
    pc.onIceCandidate.subscribe(guarded('ice candidate', onError, (c: RTCIceCandidate | undefined) => {
      const json = c?.toJSON();
      if (json === undefined || (this.options.loopbackOnly && !isLoopbackCandidate(json.candidate ?? ''))) return;
      const m: ServerMessage = { type: 'candidate', from: SFU_PEER_ID, candidate: { candidate: json.candidate ?? '', sdpMid: json.sdpMid ?? null, sdpMLineIndex: json.sdpMLineIndex ?? null } };
      if (answered) peer.send(m);
      else held.push(m);
    }));
    if (peer.info.role === 'sender') {
      pc.onTrack.subscribe(guarded('track', onError, (track: MediaStreamTrack) => {
        const transceiver = pc.getTransceivers().find((t) => t.receiver.track === track) ?? pc.getTransceivers()[0];
        if (track.kind !== 'video' || transceiver === undefined) return;
        r.upstream?.unsubscribe();
        const { unSubscribe } = track.onReceiveRtp.subscribe(guarded('forward', onError, (rtp: RtpPacket) => this.forward(roomId, r, rtp.serialize())));
        r.upstream = { peerId: peer.info.id, track, transceiver, unsubscribe: unSubscribe };
        this.requestKeyframe(roomId, r, true);
      }));
    }
    let sdp = this.options.loopbackOnly ? keepLoopbackCandidates(offerSdp) : offerSdp;
    // A receiver sends no media; werift would otherwise route RTCP from its advertised SSRC (its PLIs
    // among them) to our receive side instead of to the sender that must act on them.
    if (peer.info.role === 'receiver') sdp = sdp.split(/\r?\n/).filter((l) => !l.startsWith('a=ssrc')).join('\r\n');
    await pc.setRemoteDescription({ type: 'offer', sdp });
    if (peer.info.role === 'receiver') {
      const down = pc.getTransceivers().find((t) => t.kind === 'video');
      if (down === undefined) throw new Error('the receiver offer has no video m-line');
      down.setDirection('sendonly');
      peer.down = down;
      down.sender.onPictureLossIndication.subscribe(guarded('pli', onError, () => this.requestKeyframe(roomId, r)));
      down.sender.onRtcp.subscribe(guarded('rtcp', onError, (p: RtcpPacket) => {
        if (p instanceof RtcpPayloadSpecificFeedback && p.feedback.count === FIR_FMT) this.requestKeyframe(roomId, r);
      }));
      down.sender.onReady.subscribe(guarded('sender ready', onError, () => this.requestKeyframe(roomId, r, true)));
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    const local = pc.localDescription?.sdp ?? answer.sdp;
    peer.send({ type: 'answer', from: SFU_PEER_ID, sdp: this.options.loopbackOnly ? keepLoopbackCandidates(local) : local });
    answered = true;
    for (const m of held.splice(0)) peer.send(m);
  }

  private forward(roomId: string, r: Room, packet: Buffer): void {
    const c = this.counter(roomId);
    for (const p of r.peers.values()) {
      if (p.down === undefined) continue;
      c.forwarded += 1;
      // sendRtp parses its own copy from the buffer, so peers never share a mutable header.
      detach('forward', this.options.onError, p.down.sender.sendRtp(packet));
    }
  }

  private requestKeyframe(roomId: string, r: Room, force = false): void {
    const up = r.upstream;
    if (up === undefined) return;
    const now = performance.now();
    if (!force && now - r.lastKeyframeRequest < this.options.keyframeGapMs) return;
    r.lastKeyframeRequest = now;
    this.counter(roomId).keyframes += 1;
    const ssrc = up.track.ssrc;
    if (ssrc !== undefined) detach('keyframe request', this.options.onError, up.transceiver.receiver.sendRtcpPLI(ssrc));
  }

  private counter(roomId: string): { forwarded: number; keyframes: number } {
    let c = this.counters.get(roomId);
    if (c === undefined) {
      c = { forwarded: 0, keyframes: 0 };
      this.counters.set(roomId, c);
    }
    return c;
  }

  private closePeer(r: Room, p: Peer): void {
    r.relay.remove(p.info.id);
    if (p.pc !== undefined) detach('close', this.options.onError, p.pc.close());
    delete p.pc;
    delete p.down;
  }
}
