import { EventEmitter } from 'node:events';
import * as fakeParameters from 'mediasoup-client/fakeParameters';
import type { JsonObject } from '../mediasoupProtocol.js';
import type {
  MediasoupConsumer, MediasoupListenInfo, MediasoupModule, MediasoupProducer, MediasoupRouterHandle, MediasoupWebRtcTransport, MediasoupWorker,
} from '../mediasoup/types.js';

/**
 * An in-process stand-in for the `mediasoup` server package, implementing the structural interface in
 * mediasoup/types.ts with mediasoup-client's own fake parameters, so that a mediasoup-client Device on
 * FakeHandler accepts what it answers. It keeps mediasoup's close cascade: closing a transport closes
 * its producers and consumers, and a closed producer fires 'producerclose' on its consumers.
 */

let nextId = 0;
const uid = (prefix: string): string => `${prefix}-${(nextId += 1).toString(16).padStart(8, '0')}`;
const json = <T>(v: T): JsonObject => JSON.parse(JSON.stringify(v)) as JsonObject;

function firstMime(rtpParameters: JsonObject): string {
  const codecs = rtpParameters.codecs as Array<{ mimeType: string }>;
  return codecs[0]?.mimeType ?? '';
}

export class FakeProducer implements MediasoupProducer {
  readonly id = uid('producer');
  readonly kind = 'video' as const;
  closed = false;
  readonly consumers = new Set<FakeConsumer>();
  constructor(readonly rtpParameters: JsonObject, private readonly registry: Map<string, FakeProducer>) {
    registry.set(this.id, this);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.registry.delete(this.id);
    for (const c of [...this.consumers]) c.closeFrom('producerclose');
  }
}

export class FakeConsumer extends EventEmitter implements MediasoupConsumer {
  readonly kind = 'video' as const;
  readonly id: string;
  readonly rtpParameters: JsonObject;
  closed = false;
  paused: boolean;
  constructor(readonly producer: FakeProducer, paused: boolean) {
    super();
    const remote = fakeParameters.generateConsumerRemoteParameters({ id: uid('consumer'), codecMimeType: firstMime(producer.rtpParameters) });
    this.id = remote.id;
    this.rtpParameters = json(remote.rtpParameters);
    this.paused = paused;
    producer.consumers.add(this);
  }

  get producerId(): string {
    return this.producer.id;
  }

  resume(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('consumer closed'));
    this.paused = false;
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.producer.consumers.delete(this);
  }

  /** What mediasoup does when the producer or the transport goes away underneath the consumer. */
  closeFrom(event: 'producerclose' | 'transportclose'): void {
    if (this.closed) return;
    this.close();
    this.emit(event);
  }
}

export class FakeWebRtcTransport implements MediasoupWebRtcTransport {
  readonly id: string;
  readonly iceParameters: JsonObject;
  readonly iceCandidates: JsonObject[];
  readonly dtlsParameters: JsonObject;
  closed = false;
  remoteDtls: JsonObject | undefined;
  readonly producers: FakeProducer[] = [];
  readonly consumers: FakeConsumer[] = [];

  constructor(readonly listenInfos: MediasoupListenInfo[], private readonly router: FakeRouter) {
    const remote = fakeParameters.generateTransportRemoteParameters();
    this.id = remote.id;
    this.iceParameters = json(remote.iceParameters);
    // Like mediasoup: advertise the address the transport listens on (the fake parameters' own are public
    // IPs), and no tcpType on UDP candidates (Chromium rejects an SDP that has one).
    const ip = listenInfos[0]?.announcedAddress ?? listenInfos[0]?.ip ?? '127.0.0.1';
    this.iceCandidates = remote.iceCandidates.filter((c) => c.protocol === 'udp' && !c.ip.includes(':')).map(({ tcpType: _tcp, ...c }) => ({ ...json(c), ip, address: ip }));
    this.dtlsParameters = json(remote.dtlsParameters);
  }

  connect({ dtlsParameters }: { dtlsParameters: JsonObject }): Promise<void> {
    // Like mediasoup: connect() is allowed once.
    if (this.remoteDtls !== undefined) return Promise.reject(new Error('connect() already called'));
    this.remoteDtls = dtlsParameters;
    return Promise.resolve();
  }

  produce({ kind, rtpParameters }: { kind: 'audio' | 'video'; rtpParameters: JsonObject }): Promise<MediasoupProducer> {
    if (this.closed) return Promise.reject(new Error('transport closed'));
    if (kind !== 'video') return Promise.reject(new TypeError('the fake only produces video'));
    const p = new FakeProducer(rtpParameters, this.router.producers);
    this.producers.push(p);
    return Promise.resolve(p);
  }

  consume({ producerId, paused }: { producerId: string; rtpCapabilities: JsonObject; paused?: boolean }): Promise<MediasoupConsumer> {
    const producer = this.router.producers.get(producerId);
    if (this.closed || producer === undefined) return Promise.reject(new Error(`Producer with id "${producerId}" not found`));
    const c = new FakeConsumer(producer, paused ?? false);
    this.consumers.push(c);
    return Promise.resolve(c);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.producers) p.close();
    for (const c of this.consumers) c.closeFrom('transportclose');
  }
}

export class FakeRouter implements MediasoupRouterHandle {
  readonly id = uid('router');
  readonly rtpCapabilities = json(fakeParameters.generateRouterRtpCapabilities());
  readonly producers = new Map<string, FakeProducer>();
  readonly transports: FakeWebRtcTransport[] = [];
  closed = false;

  constructor(readonly mediaCodecs: JsonObject[]) {}

  canConsume({ producerId, rtpCapabilities }: { producerId: string; rtpCapabilities: JsonObject }): boolean {
    const producer = this.producers.get(producerId);
    if (producer === undefined) return false;
    const mime = firstMime(producer.rtpParameters).toLowerCase();
    return (rtpCapabilities.codecs as Array<{ mimeType: string }>).some((c) => c.mimeType.toLowerCase() === mime);
  }

  createWebRtcTransport(options: { listenInfos: MediasoupListenInfo[] }): Promise<MediasoupWebRtcTransport> {
    const t = new FakeWebRtcTransport(options.listenInfos, this);
    this.transports.push(t);
    return Promise.resolve(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.transports) t.close();
  }
}

export class FakeWorker extends EventEmitter implements MediasoupWorker {
  readonly pid = 4242;
  closed = false;
  readonly routers: FakeRouter[] = [];

  createRouter({ mediaCodecs }: { mediaCodecs: JsonObject[] }): Promise<MediasoupRouterHandle> {
    if (this.closed) return Promise.reject(new Error('worker closed'));
    const r = new FakeRouter(mediaCodecs);
    this.routers.push(r);
    return Promise.resolve(r);
  }

  close(): void {
    this.closed = true;
    for (const r of this.routers) r.close();
  }

  /** Simulates the worker process crashing. */
  die(): void {
    this.closed = true;
    this.emit('died', new Error(`worker ${this.pid} exited`));
  }
}

/** A module namespace like `import('mediasoup')`, recording the workers it made. */
export function fakeMediasoupModule(): MediasoupModule & { workers: FakeWorker[] } {
  const workers: FakeWorker[] = [];
  return {
    workers,
    createWorker: () => {
      const w = new FakeWorker();
      workers.push(w);
      return Promise.resolve(w);
    },
  };
}
