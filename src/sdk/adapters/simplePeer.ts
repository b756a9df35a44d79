import { SwiftSRError } from '../errors.js';

/** The part of a simple-peer instance the adapter uses (structural: no import of simple-peer itself). */
export interface SimplePeerLike {
  readonly destroyed?: boolean;
  /** simple-peer keeps the tracks it has already announced here. */
  readonly _remoteTracks?: readonly { readonly track: MediaStreamTrack }[];
  on(event: 'track', listener: (track: MediaStreamTrack, stream: MediaStream) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'track', listener: (track: MediaStreamTrack, stream: MediaStream) => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The remote video track of a simple-peer connection: the one already received, or the next one. */
export function trackFromSimplePeer(peer: SimplePeerLike, options: { signal?: AbortSignal } = {}): Promise<MediaStreamTrack> {
  if (typeof peer !== 'object' || peer === null || typeof peer.on !== 'function') throw new TypeError('trackFromSimplePeer(peer): peer must be a simple-peer instance');
  const known = peer._remoteTracks?.find((t) => t.track.kind === 'video' && t.track.readyState !== 'ended');
  if (known !== undefined) return Promise.resolve(known.track);
  if (peer.destroyed === true) return Promise.reject(new SwiftSRError('no-video-track', 'the simple-peer instance is destroyed'));
  const { signal } = options;
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      peer.removeListener('track', onTrack);
      peer.removeListener('close', onClose);
      peer.removeListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onTrack = (track: MediaStreamTrack): void => {
      if (track.kind !== 'video') return;
      cleanup();
      resolve(track);
    };
    const onClose = (): void => {
      cleanup();
      reject(new SwiftSRError('no-video-track', 'the simple-peer connection closed before a video track arrived'));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new SwiftSRError('no-video-track', `simple-peer failed before a video track arrived: ${error.message}`, { cause: error }));
    };
    const onAbort = (): void => {
      cleanup();
      reject(new DOMException('aborted', 'AbortError'));
    };
    if (signal?.aborted === true) return onAbort();
    peer.on('track', onTrack);
    peer.on('close', onClose);
    peer.on('error', onError);
    signal?.addEventListener('abort', onAbort);
  });
}

interface Attachable {
  attach(track: MediaStreamTrack, options?: { signal?: AbortSignal }): Promise<void>;
  detach(): void;
  readonly disposed: boolean;
}

/** attach() the peer's video, and detach() when the peer closes. Returns a function that stops following. */
export async function attachSimplePeer(receiver: Attachable, peer: SimplePeerLike, options: { signal?: AbortSignal } = {}): Promise<() => void> {
  const track = await trackFromSimplePeer(peer, options);
  const onClose = (): void => {
    if (!receiver.disposed) receiver.detach();
  };
  peer.on('close', onClose);
  await receiver.attach(track, options);
  return () => void peer.removeListener('close', onClose);
}
