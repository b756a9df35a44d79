import { EventEmitter } from 'node:events';
import { Device } from 'mediasoup-client';
import { FakeHandler } from 'mediasoup-client/handlers/FakeHandler';
import * as fakeParameters from 'mediasoup-client/fakeParameters';
import { describe, expect, it } from 'vitest';
import { SwiftSRError } from '../errors.js';
import { attachConsumer, trackFromConsumer, type ConsumerLike } from './mediasoup.js';
import { attachSimplePeer, trackFromSimplePeer, type SimplePeerLike } from './simplePeer.js';

const fakeTrack = (kind: string, readyState = 'live'): MediaStreamTrack => ({ kind, readyState, id: `${kind}-1`, stop: () => undefined }) as unknown as MediaStreamTrack;

/** A receiver stand-in recording what the adapters ask of it. */
function fakeReceiver() {
  const calls: string[] = [];
  return {
    calls,
    disposed: false,
    attach(track: MediaStreamTrack) {
      calls.push(`attach ${track.kind}:${track.id}`);
      return Promise.resolve();
    },
    detach() {
      calls.push('detach');
    },
  };
}

async function consumer(kind: 'audio' | 'video'): Promise<ConsumerLike> {
  const device = new Device({ handlerFactory: FakeHandler.createFactory(fakeParameters) });
  await device.load({ routerRtpCapabilities: fakeParameters.generateRouterRtpCapabilities() });
  const transport = device.createRecvTransport(fakeParameters.generateTransportRemoteParameters());
  transport.on('connect', (_params, callback) => callback());
  const remote = fakeParameters.generateConsumerRemoteParameters({ codecMimeType: kind === 'video' ? 'video/VP8' : 'audio/opus' });
  return transport.consume({ id: remote.id, producerId: remote.producerId, kind: remote.kind, rtpParameters: remote.rtpParameters });
}

describe('mediasoup-client adapter (FakeHandler)', () => {
  it('takes the track of a live video consumer and follows its close', async () => {
    const c = await consumer('video');
    expect(trackFromConsumer(c)).toBe(c.track);
    expect(c.track.kind).toBe('video');
    const r = fakeReceiver();
    await attachConsumer(r, c);
    expect(r.calls).toEqual([`attach video:${c.track.id}`]);
    (c as unknown as { close(): void }).close();
    expect(r.calls).toEqual([`attach video:${c.track.id}`, 'detach']);
  });

  it('rejects audio and closed consumers, and non-consumers', async () => {
    const a = await consumer('audio');
    expect(() => trackFromConsumer(a)).toThrow(TypeError);
    expect(() => trackFromConsumer(a)).toThrow(/is audio; SwiftSR needs a video consumer/);
    const v = await consumer('video');
    (v as unknown as { close(): void }).close();
    expect(() => trackFromConsumer(v)).toThrow(SwiftSRError);
    expect(() => trackFromConsumer({} as ConsumerLike)).toThrow(TypeError);
  });

  it('stop() returned by attachConsumer stops following', async () => {
    const c = await consumer('video');
    const r = fakeReceiver();
    const stop = await attachConsumer(r, c);
    stop();
    (c as unknown as { close(): void }).close();
    expect(r.calls).toEqual([`attach video:${c.track.id}`]);
  });
});

class FakePeer extends EventEmitter implements SimplePeerLike {
  destroyed = false;
  _remoteTracks: { track: MediaStreamTrack }[] = [];
}

describe('simple-peer adapter', () => {
  it('waits for the first video track, skipping audio', async () => {
    const peer = new FakePeer();
    const pending = trackFromSimplePeer(peer);
    const audio = fakeTrack('audio');
    const video = fakeTrack('video');
    peer.emit('track', audio, {});
    peer.emit('track', video, {});
    expect(await pending).toBe(video);
    expect(peer.listenerCount('track')).toBe(0);
  });

  it('uses a track announced before the call', async () => {
    const peer = new FakePeer();
    const video = fakeTrack('video');
    peer._remoteTracks.push({ track: fakeTrack('audio') }, { track: video });
    expect(await trackFromSimplePeer(peer)).toBe(video);
  });

  it('rejects on close, error, abort and for destroyed peers', async () => {
    const closing = new FakePeer();
    const p1 = trackFromSimplePeer(closing);
    closing.emit('close');
    await expect(p1).rejects.toMatchObject({ code: 'no-video-track' });
    const failing = new FakePeer();
    const p2 = trackFromSimplePeer(failing);
    failing.emit('error', new Error('ice failed'));
    await expect(p2).rejects.toThrow(/ice failed/);
    const ac = new AbortController();
    const p3 = trackFromSimplePeer(new FakePeer(), { signal: ac.signal });
    ac.abort();
    await expect(p3).rejects.toMatchObject({ name: 'AbortError' });
    const dead = new FakePeer();
    dead.destroyed = true;
    await expect(trackFromSimplePeer(dead)).rejects.toBeInstanceOf(SwiftSRError);
    expect(() => trackFromSimplePeer({} as SimplePeerLike)).toThrow(TypeError);
  });

  it('attachSimplePeer attaches the video and detaches when the peer closes', async () => {
    const peer = new FakePeer();
    const video = fakeTrack('video');
    const r = fakeReceiver();
    const following = attachSimplePeer(r, peer);
    peer.emit('track', video, {});
    await following;
    peer.emit('close');
    expect(r.calls).toEqual(['attach video:video-1', 'detach']);
  });
});
