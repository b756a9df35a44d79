import type { Device, types } from 'mediasoup-client';
import type { MsDirection } from '../../signaling-server/mediasoupProtocol.js';
import type { IceServerConfig, ServerMessage } from '../../signaling-server/protocol.js';
import type { SignalingClient } from './SignalingClient.js';

/** The signaling a session needs: SignalingClient, or anything with its request() and on(). */
export type MediasoupChannel = Pick<SignalingClient, 'request' | 'on'>;

export interface SessionOptions {
  /** From the server's `joined` message (STUN/TURN for the transports). */
  iceServers?: IceServerConfig[];
  iceTransportPolicy?: 'all' | 'relay';
}

export interface PublishOptions {
  maxBitrateKbps: number;
  /** e.g. "VP8": the first device codec with this name is used; absent = the router's first codec. */
  codec?: string;
}

/**
 * One mediasoup-client Device talking to the signaling server's mediasoup mode: the sender publishes a
 * track over a send transport, a receiver consumes the room's producer over a recv transport. Consumers
 * that the server reports closed (`ms-consumer-closed`) are closed here, which fires their observer's
 * 'close' (the SDK's attachConsumer follows that and detaches).
 */
export class MediasoupSession {
  private readonly transports = new Map<MsDirection, Promise<types.Transport>>();
  private readonly consumers = new Map<string, types.Consumer>();
  private readonly off: () => void;
  private closedFlag = false;

  private constructor(private readonly channel: MediasoupChannel, readonly device: Device, private readonly options: SessionOptions) {
    this.off = channel.on((msg: ServerMessage) => {
      if (msg.type === 'ms-consumer-closed') this.consumers.get(msg.consumerId)?.close();
    });
  }

  /** Loads the device with the router's RTP capabilities (once per device). */
  static async open(channel: MediasoupChannel, device: Device, options: SessionOptions = {}): Promise<MediasoupSession> {
    const { routerRtpCapabilities } = await channel.request({ type: 'ms-capabilities' });
    if (!device.loaded) await device.load({ routerRtpCapabilities });
    return new MediasoupSession(channel, device, options);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** `source` is `{ track }` (a live video MediaStreamTrack; it is not stopped when the producer closes). */
  async publish(source: Pick<types.ProducerOptions, 'track'>, options: PublishOptions): Promise<types.Producer> {
    if (!this.device.canProduce('video')) throw new TypeError('this device cannot send video with the router\'s codecs');
    const transport = await this.transport('send');
    const wanted = options.codec?.toLowerCase();
    const codec = wanted === undefined ? undefined : this.device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === `video/${wanted}`);
    if (wanted !== undefined && codec === undefined) throw new RangeError(`the router does not offer ${options.codec}`);
    return transport.produce({
      ...source,
      stopTracks: false,
      encodings: [{ maxBitrate: Math.round(options.maxBitrateKbps * 1000) }],
      ...(codec !== undefined ? { codec } : {}),
    });
  }

  /** Consumes `producerId` (paused on the server), then resumes it once the local consumer exists. */
  async subscribe(producerId: string): Promise<types.Consumer> {
    const transport = await this.transport('recv');
    const p = await this.channel.request({ type: 'ms-consume', transportId: transport.id, producerId, rtpCapabilities: this.device.rtpCapabilities });
    const consumer = await transport.consume({ id: p.id, producerId: p.producerId, kind: p.kind, rtpParameters: p.rtpParameters as types.RtpParameters });
    this.consumers.set(consumer.id, consumer);
    consumer.observer.on('close', () => this.consumers.delete(consumer.id));
    await this.channel.request({ type: 'ms-resume', consumerId: consumer.id });
    return consumer;
  }

  /** The transport of one direction, for stats (getStats, connectionState). */
  transportOf(direction: MsDirection): Promise<types.Transport> | undefined {
    return this.transports.get(direction);
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.off();
    for (const t of this.transports.values()) void t.then((tr) => tr.close(), () => undefined);
    this.transports.clear();
  }

  private transport(direction: MsDirection): Promise<types.Transport> {
    if (this.closedFlag) return Promise.reject(new Error('the mediasoup session is closed'));
    let t = this.transports.get(direction);
    if (t === undefined) {
      t = this.createTransport(direction);
      this.transports.set(direction, t);
      t.catch(() => this.transports.delete(direction));
    }
    return t;
  }

  private async createTransport(direction: MsDirection): Promise<types.Transport> {
    const p = await this.channel.request({ type: 'ms-create-transport', direction });
    const init: types.TransportOptions = {
      id: p.id,
      iceParameters: p.iceParameters as types.IceParameters,
      iceCandidates: p.iceCandidates as types.IceCandidate[],
      dtlsParameters: p.dtlsParameters as types.DtlsParameters,
      ...(this.options.iceServers !== undefined ? { iceServers: this.options.iceServers } : {}),
      ...(this.options.iceTransportPolicy !== undefined ? { iceTransportPolicy: this.options.iceTransportPolicy } : {}),
    };
    const transport = direction === 'send' ? this.device.createSendTransport(init) : this.device.createRecvTransport(init);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.channel.request({ type: 'ms-connect', transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ rtpParameters }, callback, errback) => {
        this.channel.request({ type: 'ms-produce', transportId: transport.id, kind: 'video', rtpParameters }).then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    return transport;
  }
}
