import { describe, expect, it } from 'vitest';
import { SwiftSRError } from './errors.js';
import { resolveVideoTrack } from './sources.js';

const track = (kind: string, readyState = 'live') => ({ kind, readyState, id: kind, stop: () => undefined }) as unknown as MediaStreamTrack;

class FakePc extends EventTarget {
  connectionState = 'new';
  receivers: { track: MediaStreamTrack; getParameters: () => object }[] = [];
  getReceivers() {
    return this.receivers;
  }
}

function trackEvent(t: MediaStreamTrack): Event {
  return Object.assign(new Event('track'), { track: t });
}

describe('resolveVideoTrack', () => {
  it('accepts a live video track and an RTCRtpReceiver', async () => {
    const v = track('video');
    expect(await resolveVideoTrack(v)).toBe(v);
    expect(await resolveVideoTrack({ track: v, getParameters: () => ({}) })).toBe(v);
  });

  it('rejects audio (TypeError), ended tracks (SwiftSRError) and other objects (TypeError)', async () => {
    await expect(resolveVideoTrack(track('audio'))).rejects.toThrow(TypeError);
    await expect(resolveVideoTrack(track('video', 'ended'))).rejects.toBeInstanceOf(SwiftSRError);
    await expect(resolveVideoTrack(42)).rejects.toThrow(/needs a video MediaStreamTrack, an RTCRtpReceiver or an RTCPeerConnection/);
  });

  it("takes a peer connection's live video receiver, or waits for its video track event", async () => {
    const pc = new FakePc();
    const v = track('video');
    pc.receivers.push({ track: track('audio'), getParameters: () => ({}) }, { track: v, getParameters: () => ({}) });
    expect(await resolveVideoTrack(pc)).toBe(v);
    const later = new FakePc();
    const pending = resolveVideoTrack(later);
    later.dispatchEvent(trackEvent(track('audio')));
    const v2 = track('video');
    later.dispatchEvent(trackEvent(v2));
    expect(await pending).toBe(v2);
  });

  it('the wait is abortable', async () => {
    const ac = new AbortController();
    const pending = resolveVideoTrack(new FakePc(), ac.signal);
    ac.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
