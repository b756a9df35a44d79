/**
 * The part of the `mediasoup` (v3.14+) server API that MediasoupRouter uses, typed here because the
 * package is an optional peer that is absent on most installs (it needs Node >= 22 and a native worker).
 * Parameter objects stay opaque JSON: they travel between mediasoup and mediasoup-client untouched.
 */
import type { JsonObject } from '../mediasoupProtocol.js';

export interface Closable {
  readonly id: string;
  readonly closed: boolean;
  close(): void;
}

export interface MediasoupProducer extends Closable {
  readonly kind: 'audio' | 'video';
}

export interface MediasoupConsumer extends Closable {
  readonly producerId: string;
  readonly kind: 'audio' | 'video';
  readonly rtpParameters: JsonObject;
  resume(): Promise<void>;
  /** 'producerclose' and 'transportclose' fire when the consumer is closed from the server side. */
  on(event: 'producerclose' | 'transportclose', listener: () => void): unknown;
}

export interface MediasoupListenInfo {
  protocol: 'udp' | 'tcp';
  ip: string;
  announcedAddress?: string;
  portRange?: { min: number; max: number };
}

export interface MediasoupWebRtcTransport extends Closable {
  readonly iceParameters: JsonObject;
  readonly iceCandidates: JsonObject[];
  readonly dtlsParameters: JsonObject;
  connect(params: { dtlsParameters: JsonObject }): Promise<void>;
  produce(params: { kind: 'audio' | 'video'; rtpParameters: JsonObject }): Promise<MediasoupProducer>;
  consume(params: { producerId: string; rtpCapabilities: JsonObject; paused?: boolean }): Promise<MediasoupConsumer>;
}

export interface MediasoupRouterHandle extends Closable {
  readonly rtpCapabilities: JsonObject;
  canConsume(params: { producerId: string; rtpCapabilities: JsonObject }): boolean;
  createWebRtcTransport(options: { listenInfos: MediasoupListenInfo[]; enableUdp?: boolean; enableTcp?: boolean; preferUdp?: boolean; appData?: JsonObject }): Promise<MediasoupWebRtcTransport>;
}

export interface MediasoupWorker {
  readonly pid: number;
  readonly closed: boolean;
  createRouter(options: { mediaCodecs: JsonObject[] }): Promise<MediasoupRouterHandle>;
  /** 'died': the worker process exited; every router on it is gone. */
  on(event: 'died', listener: (error: Error) => void): unknown;
  close(): void;
}

/** The module namespace of `import('mediasoup')`. */
export interface MediasoupModule {
  createWorker(settings?: { logLevel?: 'debug' | 'warn' | 'error' | 'none' }): Promise<MediasoupWorker>;
}
