import { SwiftSRError } from '../errors.js';

/** The part of a mediasoup-client Consumer the adapter uses. */
export interface ConsumerLike {
  readonly id: string;
  readonly kind: string;
  readonly closed: boolean;
  readonly track: MediaStreamTrack;
  readonly observer: {
    on(event: 'close' | 'trackended', listener: () => void): unknown;
    off(event: 'close' | 'trackended', listener: () => void): unknown;
  };
}

/** The consumer's track, after checking that it is a live video consumer. */
export function trackFromConsumer(consumer: ConsumerLike): MediaStreamTrack {
  if (typeof consumer !== 'object' || consumer === null || !('track' in consumer) || !('observer' in consumer)) {
    throw new TypeError('trackFromConsumer(consumer): consumer must be a mediasoup-client Consumer');
  }
  if (consumer.kind !== 'video') throw new TypeError(`consumer ${consumer.id} is ${consumer.kind}; SwiftSR needs a video consumer`);
  if (consumer.closed) throw new SwiftSRError('no-video-track', `consumer ${consumer.id} is closed`);
  return consumer.track;
}

interface Attachable {
  attach(track: MediaStreamTrack, options?: { signal?: AbortSignal }): Promise<void>;
  detach(): void;
  readonly disposed: boolean;
}

/**
 * attach() the consumer's track and detach() when the consumer closes or its track ends (mediasoup
 * closes consumers on producer close and transport close). Returns a function that stops following.
 */
export async function attachConsumer(receiver: Attachable, consumer: ConsumerLike, options: { signal?: AbortSignal } = {}): Promise<() => void> {
  const track = trackFromConsumer(consumer);
  const onGone = (): void => {
    if (!receiver.disposed) receiver.detach();
  };
  consumer.observer.on('close', onGone);
  consumer.observer.on('trackended', onGone);
  const stop = (): void => {
    consumer.observer.off('close', onGone);
    consumer.observer.off('trackended', onGone);
  };
  try {
    await receiver.attach(track, options);
  } catch (error) {
    stop();
    throw error;
  }
  return stop;
}
