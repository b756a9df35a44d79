import { SwiftSRError } from './errors.js';

/** What attach() accepts. Duck-typed so that wrappers and polyfilled tracks work too. */
export type VideoSource = MediaStreamTrack | RTCRtpReceiver | RTCPeerConnection;

function isTrack(x: unknown): x is MediaStreamTrack {
  return typeof x === 'object' && x !== null && typeof (x as MediaStreamTrack).kind === 'string' && typeof (x as MediaStreamTrack).stop === 'function' && 'readyState' in x;
}

function isReceiver(x: unknown): x is RTCRtpReceiver {
  return typeof x === 'object' && x !== null && 'track' in x && typeof (x as RTCRtpReceiver).getParameters === 'function';
}

function isPeerConnection(x: unknown): x is RTCPeerConnection {
  return typeof x === 'object' && x !== null && typeof (x as RTCPeerConnection).getReceivers === 'function' && typeof (x as RTCPeerConnection).addEventListener === 'function';
}

function checkVideo(track: MediaStreamTrack, what: string): MediaStreamTrack {
  if (track.kind !== 'video') throw new TypeError(`${what} is a ${track.kind} track; SwiftSR needs a video track`);
  if (track.readyState === 'ended') throw new SwiftSRError('no-video-track', `${what} has already ended`);
  return track;
}

function liveVideoReceiverTrack(pc: RTCPeerConnection): MediaStreamTrack | null {
  for (const r of pc.getReceivers()) {
    if (r.track.kind === 'video' && r.track.readyState === 'live') return r.track;
  }
  return null;
}

/**
 * The video track behind a source. A peer connection without a video receiver yet is waited on (its
 * 'track' event), since attach() is typically called right after setRemoteDescription.
 */
export async function resolveVideoTrack(source: unknown, signal?: AbortSignal): Promise<MediaStreamTrack> {
  if (isTrack(source)) return checkVideo(source, 'the track');
  if (isReceiver(source)) return checkVideo(source.track, 'the RTCRtpReceiver track');
  if (!isPeerConnection(source)) throw new TypeError('attach() needs a video MediaStreamTrack, an RTCRtpReceiver or an RTCPeerConnection');
  const pc = source;
  const existing = liveVideoReceiverTrack(pc);
  if (existing !== null) return existing;
  if (pc.connectionState === 'closed') throw new SwiftSRError('no-video-track', 'the RTCPeerConnection is closed');
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      pc.removeEventListener('track', onTrack);
      signal?.removeEventListener('abort', onAbort);
    };
    const onTrack = (e: RTCTrackEvent): void => {
      if (e.track.kind !== 'video') return;
      cleanup();
      resolve(e.track);
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal?.reason instanceof Error ? signal.reason : new DOMException('attach aborted', 'AbortError'));
    };
    pc.addEventListener('track', onTrack);
    signal?.addEventListener('abort', onAbort);
  });
}
