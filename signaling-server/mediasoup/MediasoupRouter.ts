import { MediaRequestError, type MediaRouter } from '../MediaRouter.js';
import type { JsonObject, MsDirection, MsRequest, MsResponseMap } from '../mediasoupProtocol.js';
import type { PeerInfo, ServerMessage, SignalMessage } from '../protocol.js';
import { loadMediasoup } from './loadMediasoup.js';
import type { MediasoupConsumer, MediasoupModule, MediasoupProducer, MediasoupRouterHandle, MediasoupWebRtcTransport, MediasoupWorker } from './types.js';

export interface MediasoupRouterOptions {
  /** Address the WebRTC transports listen on; loopback by default, like the werift SFU. */
  listenIp: string;
  /** Public address to advertise when listening on 0.0.0.0 or behind NAT. */
  announcedAddress: string | undefined;
  /** Router codecs. Video only: SwiftSR forwards one video track per room. */
  mediaCodecs: JsonObject[];
  /** Open consumers per receiver; one is normal, a few cover a sender that republishes. */
  maxConsumersPerPeer: number;
}

export const DEFAULT_MEDIASOUP_OPTIONS: MediasoupRouterOptions = {
  listenIp: '127.0.0.1',
  announcedAddress: undefined,
  mediaCodecs: [
    { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
    { kind: 'video', mimeType: 'video/H264', clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 } },
  ],
  maxConsumersPerPeer: 4,
};

interface Peer {
  info: PeerInfo;
  send: (msg: ServerMessage) => void;
  transports: Map<MsDirection, MediasoupWebRtcTransport>;
  consumers: Map<string, MediasoupConsumer>;
}

interface Room {
  router: Promise<MediasoupRouterHandle>;
  peers: Map<string, Peer>;
  producer?: { peerId: string; producer: MediasoupProducer };
}

/**
 * Mode "mediasoup": answers the `ms-*` requests of mediasoup-client Devices with a mediasoup worker, one
 * mediasoup Router per room. The sender produces one video track; each receiver consumes it (paused until
 * it sends `ms-resume`, so that the first packet it gets is a keyframe requested for it).
 */
export class MediasoupRouter implements MediaRouter {
  readonly options: MediasoupRouterOptions;
  private readonly rooms = new Map<string, Room>();
  private failure: Error | undefined;

  constructor(private readonly worker: MediasoupWorker, options: Partial<MediasoupRouterOptions> = {}) {
    this.options = { ...DEFAULT_MEDIASOUP_OPTIONS, ...options };
    if (!Number.isInteger(this.options.maxConsumersPerPeer) || this.options.maxConsumersPerPeer < 1) {
      throw new RangeError(`maxConsumersPerPeer must be an integer >= 1, got ${this.options.maxConsumersPerPeer}`);
    }
    worker.on('died', (error) => {
      this.failure = error;
      this.rooms.clear();
    });
  }

  /** Loads `mediasoup` (MediasoupUnavailableError when absent) and starts one worker. */
  static async create(options: Partial<MediasoupRouterOptions> = {}, load: () => Promise<MediasoupModule> = () => loadMediasoup()): Promise<MediasoupRouter> {
    const mediasoup = await load();
    const worker = await mediasoup.createWorker({ logLevel: 'warn' });
    return new MediasoupRouter(worker, options);
  }

  join(room: string, peer: PeerInfo, send: (msg: ServerMessage) => void): void {
    let r = this.rooms.get(room);
    if (r === undefined) {
      r = { router: this.worker.createRouter({ mediaCodecs: this.options.mediaCodecs }), peers: new Map() };
      // A failed router surfaces on the first request that needs it; never as an unhandled rejection.
      r.router.catch(() => undefined);
      this.rooms.set(room, r);
    }
    r.peers.set(peer.id, { info: peer, send, transports: new Map(), consumers: new Map() });
    if (peer.role === 'receiver' && r.producer !== undefined) send({ type: 'ms-producer', producerId: r.producer.producer.id });
  }

  signal(_room: string, _from: PeerInfo, msg: SignalMessage): Promise<void> {
    return Promise.reject(new MediaRequestError('unsupported', `mode "mediasoup" negotiates with ms-* requests, not ${msg.type}`));
  }

  async request<T extends MsRequest>(room: string, from: PeerInfo, msg: T): Promise<MsResponseMap[T['type']]> {
    return (await this.answer(room, from, msg)) as MsResponseMap[T['type']];
  }

  leave(room: string, peerId: string): void {
    const r = this.rooms.get(room);
    const peer = r?.peers.get(peerId);
    if (r === undefined || peer === undefined) return;
    r.peers.delete(peerId);
    if (r.producer?.peerId === peerId) delete r.producer;
    // Closing a transport closes its producer, whose consumers then fire 'producerclose' (see consume).
    for (const t of peer.transports.values()) t.close();
    if (r.peers.size === 0) {
      this.rooms.delete(room);
      r.router.then((router) => router.close(), () => undefined);
    }
  }

  async close(): Promise<void> {
    const routers = [...this.rooms.values()].map((r) => r.router);
    this.rooms.clear();
    await Promise.allSettled(routers.map(async (p) => (await p).close()));
    if (!this.worker.closed) this.worker.close();
  }

  /** Rooms, peers and open mediasoup objects, for tests and monitoring. */
  stats(): { rooms: number; peers: number; transports: number; consumers: number; producers: number } {
    let peers = 0, transports = 0, consumers = 0, producers = 0;
    for (const r of this.rooms.values()) {
      peers += r.peers.size;
      if (r.producer !== undefined) producers += 1;
      for (const p of r.peers.values()) {
        transports += p.transports.size;
        consumers += p.consumers.size;
      }
    }
    return { rooms: this.rooms.size, peers, transports, consumers, producers };
  }

  private async answer(roomId: string, from: PeerInfo, msg: MsRequest): Promise<MsResponseMap[MsRequest['type']]> {
    if (this.failure !== undefined) throw new MediaRequestError('media_error', `the mediasoup worker died: ${this.failure.message}`);
    const room = this.rooms.get(roomId);
    const peer = room?.peers.get(from.id);
    if (room === undefined || peer === undefined) throw new MediaRequestError('not_joined', 'peer is not in a room known to the mediasoup router');
    switch (msg.type) {
      case 'ms-capabilities':
        return { routerRtpCapabilities: (await room.router).rtpCapabilities };
      case 'ms-create-transport':
        return this.createTransport(room, peer, msg.direction);
      case 'ms-connect':
        await this.transport(peer, msg.transportId).connect({ dtlsParameters: msg.dtlsParameters });
        return {};
      case 'ms-produce':
        return this.produce(room, peer, msg.transportId, msg.rtpParameters);
      case 'ms-consume':
        return this.consume(room, peer, msg.transportId, msg.producerId, msg.rtpCapabilities);
      case 'ms-resume': {
        const consumer = peer.consumers.get(msg.consumerId);
        if (consumer === undefined) throw new MediaRequestError('media_error', `no consumer "${msg.consumerId}" for this peer`);
        await consumer.resume();
        return {};
      }
      default: {
        const never: never = msg;
        throw new Error(`unhandled ${JSON.stringify(never)}`);
      }
    }
  }

  private async createTransport(room: Room, peer: Peer, direction: MsDirection): Promise<MsResponseMap['ms-create-transport']> {
    const allowed: MsDirection = peer.info.role === 'sender' ? 'send' : 'recv';
    if (direction !== allowed) throw new MediaRequestError('forbidden', `a ${peer.info.role} may only create a "${allowed}" transport`);
    const { listenIp, announcedAddress } = this.options;
    const router = await room.router;
    const transport = await router.createWebRtcTransport({
      listenInfos: [{ protocol: 'udp', ip: listenIp, ...(announcedAddress !== undefined ? { announcedAddress } : {}) }],
      enableUdp: true,
      appData: { peerId: peer.info.id, direction },
    });
    if (!this.isCurrent(room, peer)) {
      transport.close();
      throw new MediaRequestError('not_joined', 'the peer left while its transport was being created');
    }
    // One transport per direction: a new one replaces (and closes) the previous one.
    peer.transports.get(direction)?.close();
    peer.transports.set(direction, transport);
    return { id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters };
  }

  private async produce(room: Room, peer: Peer, transportId: string, rtpParameters: JsonObject): Promise<MsResponseMap['ms-produce']> {
    if (peer.info.role !== 'sender') throw new MediaRequestError('forbidden', 'only the sender may produce');
    const transport = this.transport(peer, transportId, 'send');
    const producer = await transport.produce({ kind: 'video', rtpParameters });
    if (!this.isCurrent(room, peer)) {
      producer.close();
      throw new MediaRequestError('not_joined', 'the sender left while producing');
    }
    room.producer?.producer.close();
    room.producer = { peerId: peer.info.id, producer };
    for (const p of room.peers.values()) if (p.info.role === 'receiver') p.send({ type: 'ms-producer', producerId: producer.id });
    return { producerId: producer.id };
  }

  private async consume(room: Room, peer: Peer, transportId: string, producerId: string, rtpCapabilities: JsonObject): Promise<MsResponseMap['ms-consume']> {
    if (peer.info.role !== 'receiver') throw new MediaRequestError('forbidden', 'only receivers consume');
    const transport = this.transport(peer, transportId, 'recv');
    if (room.producer?.producer.id !== producerId) throw new MediaRequestError('media_error', `producer "${producerId}" is not this room's sender`);
    if (peer.consumers.size >= this.options.maxConsumersPerPeer) throw new MediaRequestError('media_error', `at most ${this.options.maxConsumersPerPeer} open consumers per receiver`);
    const router = await room.router;
    if (!router.canConsume({ producerId, rtpCapabilities })) throw new MediaRequestError('media_error', 'this device cannot receive any codec the sender produces');
    const consumer = await transport.consume({ producerId, rtpCapabilities, paused: true });
    if (!this.isCurrent(room, peer)) {
      consumer.close();
      throw new MediaRequestError('not_joined', 'the receiver left while consuming');
    }
    peer.consumers.set(consumer.id, consumer);
    const gone = (): void => {
      if (!peer.consumers.delete(consumer.id)) return;
      peer.send({ type: 'ms-consumer-closed', consumerId: consumer.id });
    };
    consumer.on('producerclose', gone);
    consumer.on('transportclose', gone);
    return { id: consumer.id, producerId, kind: 'video', rtpParameters: consumer.rtpParameters };
  }

  private transport(peer: Peer, id: string, direction?: MsDirection): MediasoupWebRtcTransport {
    for (const [dir, t] of peer.transports) {
      if (t.id !== id) continue;
      if (direction !== undefined && dir !== direction) throw new MediaRequestError('forbidden', `transport "${id}" is a ${dir} transport`);
      return t;
    }
    throw new MediaRequestError('media_error', `no transport "${id}" for this peer`);
  }

  private isCurrent(room: Room, peer: Peer): boolean {
    return room.peers.get(peer.info.id) === peer && [...this.rooms.values()].includes(room);
  }
}
