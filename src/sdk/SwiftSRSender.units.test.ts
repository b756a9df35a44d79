import { describe, expect, it } from 'vitest';
import { isSenderFromWorker, isSenderToWorker } from '../sender/protocol.js';
import { PauseRequests } from './senderPause.js';
import { pickOutbound, provisionalFromRtpSender, sendParametersFrom, watchRtpSender } from './sendStats.js';
import { checkSendParameters, resolveSenderOptions, SENDER_DEFAULTS } from './senderOptions.js';
import { FANOUT_RETRY_MS, UpdateFanout } from './UpdateFanout.js';
import type { UpdateChannelLike } from './updateChannel.js';

describe('sender options', () => {
  it('defaults to the contract values and validates each option by name', () => {
    expect(resolveSenderOptions({})).toMatchObject({ model: 'lite48x8', backend: 'auto', budgetMsPerSecond: 250, crop: 16, batch: 8, cropCandidates: 4, learningRate: 1e-3, sampleIntervalMs: 500, codec: 'vp8', encoding: 'int4', maxUpdateShare: 0.05, minGainDb: 0.05 });
    expect(resolveSenderOptions({ codec: null, backend: 'cpu' })).toMatchObject({ codec: null, backend: 'cpu' });
    expect(() => resolveSenderOptions({ budgetMsPerSecond: 0 })).toThrow(/options.budgetMsPerSecond must be in \[1, 1000\]/);
    expect(() => resolveSenderOptions({ crop: 7.5 })).toThrow(TypeError);
    expect(() => resolveSenderOptions({ maxUpdateShare: 0 })).toThrow(RangeError);
    expect(() => resolveSenderOptions({ codec: 'av1' as never })).toThrow(/options.codec must be one of vp8, vp9, h264, null/);
    expect(() => resolveSenderOptions({ backend: 'wasm' as never })).toThrow(RangeError);
    expect(() => resolveSenderOptions({ model: '../x' })).toThrow(TypeError);
    expect(() => resolveSenderOptions({ bogus: 1 })).toThrow(/options.bogus is not a known option/);
    expect(Object.isFrozen(SENDER_DEFAULTS)).toBe(true);
  });

  it('checks setSendParameters() fields by name', () => {
    expect(checkSendParameters({ width: 320, height: 180, bitrateBps: 300_000 })).toEqual({ width: 320, height: 180, bitrateBps: 300_000 });
    expect(() => checkSendParameters({ width: 320.5, height: 180, bitrateBps: 300_000 })).toThrow(/width must be an integer/);
    expect(() => checkSendParameters({ width: 320, height: 8, bitrateBps: 300_000 })).toThrow(RangeError);
    expect(() => checkSendParameters({ width: 320, height: 180, bitrateBps: 5 })).toThrow(/bitrateBps must be in/);
    expect(() => checkSendParameters(null)).toThrow(TypeError);
  });
});

describe('sender protocol guards', () => {
  it('tell the directions apart by their discriminant', () => {
    expect(isSenderToWorker({ type: 'pause', reason: 'app' })).toBe(true);
    expect(isSenderToWorker({ type: 'update' })).toBe(false);
    expect(isSenderFromWorker({ type: 'update' })).toBe(true);
    expect(isSenderFromWorker({ type: 'init' })).toBe(false);
    expect(isSenderFromWorker(null)).toBe(false);
    expect(isSenderToWorker('dispose')).toBe(false);
  });
});

describe('send parameters from RTCRtpSender stats', () => {
  const outbound = (o: Record<string, unknown>) => ({ type: 'outbound-rtp', kind: 'video', id: 'o1', timestamp: 1000, bytesSent: 0, ...o });

  it('picks the largest video layer that has a frame size, and reads the CPU limitation', () => {
    const s = pickOutbound([
      { type: 'codec', id: 'c' },
      outbound({ id: 'a', frameWidth: 320, frameHeight: 180 }),
      outbound({ id: 'b', frameWidth: 640, frameHeight: 360, qualityLimitationReason: 'cpu', targetBitrate: 600_000 }),
      outbound({ id: 'c', active: false, frameWidth: 1280, frameHeight: 720 }),
      outbound({ id: 'd', kind: 'audio', frameWidth: 9999, frameHeight: 9999 }),
      outbound({ id: 'e' }),
    ]);
    expect(s).toMatchObject({ id: 'b', width: 640, height: 360, targetBitrate: 600_000, cpuLimited: true });
    expect(pickOutbound([outbound({})])).toBeNull();
  });

  it('uses targetBitrate when reported, else bytesSent over the interval (null on the first sample)', () => {
    const a = pickOutbound([outbound({ frameWidth: 320, frameHeight: 180, bytesSent: 10_000, timestamp: 1000 })])!;
    const b = pickOutbound([outbound({ frameWidth: 320, frameHeight: 180, bytesSent: 47_500, timestamp: 2000 })])!;
    expect(sendParametersFrom(a, null)).toBeNull();
    expect(sendParametersFrom(b, a)).toEqual({ width: 320, height: 180, bitrateBps: 300_000 });
    const t = pickOutbound([outbound({ frameWidth: 320, frameHeight: 180, targetBitrate: 250_000 })])!;
    expect(sendParametersFrom(t, null)).toEqual({ width: 320, height: 180, bitrateBps: 250_000 });
  });
});

describe('pause confirmations', () => {
  it('pause() waits for the worker to confirm its own request or a later one, in order; nothing pending resolves at once', async () => {
    const p = new PauseRequests();
    const log: string[] = [];
    await p.settled();
    const first = p.next();
    const a = p.settled().then(() => log.push('a'));
    await Promise.resolve();
    expect(log).toEqual([]);
    const second = p.next();
    const b = p.settled().then(() => log.push('b'));
    // The first confirmation is not the newest: the state must not follow it, and b still waits.
    expect(p.confirm(first)).toBe(false);
    await a;
    expect(log).toEqual(['a']);
    expect(p.confirm(second)).toBe(true);
    await b;
    expect(log).toEqual(['a', 'b']);
    // A late or repeated confirmation changes nothing.
    expect(p.confirm(first)).toBe(false);
    p.next();
    const c = p.settled().then(() => log.push('c'));
    p.release();
    await c;
    expect(log).toEqual(['a', 'b', 'c']);
    p.next();
    await p.settled();
  });
});

describe('provisional send size', () => {
  it('is the track size over the first encoding\'s scaleResolutionDownBy (1 when unset); null without a track size', () => {
    const rtp = (by?: number) => ({ getParameters: () => ({ encodings: by === undefined ? [{}] : [{ scaleResolutionDownBy: by }] }) });
    expect(provisionalFromRtpSender(rtp(4), { width: 1280, height: 720 })).toEqual({ width: 320, height: 180 });
    expect(provisionalFromRtpSender(rtp(), { width: 640, height: 360 })).toEqual({ width: 640, height: 360 });
    expect(provisionalFromRtpSender(rtp(3), { width: 1280, height: 720 })).toEqual({ width: 426, height: 240 });
    expect(provisionalFromRtpSender({ getParameters: () => ({}) }, { width: 640, height: 360 })).toEqual({ width: 640, height: 360 });
    expect(provisionalFromRtpSender(rtp(2), {})).toBeNull();
  });
});

describe('watchRtpSender', () => {
  it('reports parameters from the second byte count on, the CPU limitation when it changes, and getStats() failures', async () => {
    const samples = [
      [{ type: 'outbound-rtp', kind: 'video', id: 'v', timestamp: 0, bytesSent: 0, frameWidth: 320, frameHeight: 180 }],
      [{ type: 'outbound-rtp', kind: 'video', id: 'v', timestamp: 1000, bytesSent: 25_000, frameWidth: 320, frameHeight: 180, qualityLimitationReason: 'cpu' }],
      [{ type: 'outbound-rtp', kind: 'video', id: 'v', timestamp: 2000, bytesSent: 50_000, frameWidth: 640, frameHeight: 360, qualityLimitationReason: 'none' }],
    ];
    let i = 0;
    const seen: string[] = [];
    const getStats = (): Promise<Map<string, unknown>> => {
      const s = samples[i++];
      return s === undefined ? Promise.reject(new Error('closed')) : Promise.resolve(new Map(s.map((e) => [e.id, e])));
    };
    const stop = watchRtpSender({ getStats }, 20, {
      params: (p) => seen.push(`${p.width}x${p.height}@${p.bitrateBps}`),
      cpuLimited: (c) => seen.push(`cpu ${c}`),
      error: (e) => seen.push((e as Error & { code: string }).code),
    });
    await new Promise((r) => setTimeout(r, 150));
    stop();
    expect(seen.slice(0, 5)).toEqual(['320x180@200000', 'cpu true', '640x360@200000', 'cpu false', 'stats-failed']);
  });
});

class FakeChannel implements UpdateChannelLike {
  readyState = 'connecting';
  bufferedAmount = 0;
  binaryType = 'blob';
  readonly sent: (ArrayBuffer | string)[] = [];
  addEventListener(): void {}
  removeEventListener(): void {}
  send(data: ArrayBuffer | ArrayBufferView | string): void {
    this.sent.push(typeof data === 'string' ? data : (data as ArrayBuffer));
  }
}

describe('UpdateFanout', () => {
  const update = (seq: number, bytes = 1000) => ({ seq, message: new ArrayBuffer(bytes), info: `info ${seq}` });

  it('sends the latest update (binary, then its info) when a channel opens, newer ones within each channel budget, never to a backed-up channel', async () => {
    let now = 0;
    const fanout = new UpdateFanout(() => now);
    fanout.setRate(500);
    const a = new FakeChannel();
    a.readyState = 'open';
    fanout.add(a);
    expect(a.binaryType).toBe('arraybuffer');
    fanout.publish(update(1));
    expect(a.sent.map((m) => (typeof m === 'string' ? m : m.byteLength))).toEqual([1000, 'info 1']);
    // 1000 B at 500 B/s: the next one waits two seconds.
    fanout.publish(update(2));
    expect(a.sent).toHaveLength(2);
    now = 2000;
    fanout.flush();
    expect(a.sent).toHaveLength(4);
    // A late channel gets the latest at once when it opens; updates it missed are not queued.
    const b = new FakeChannel();
    fanout.add(b);
    fanout.publish(update(3));
    expect(b.sent).toHaveLength(0);
    b.readyState = 'open';
    now = 2001;
    fanout.flush();
    expect(b.sent).toEqual([expect.any(ArrayBuffer), 'info 3']);
    // Backed up: skipped until it drains, then only the newest goes.
    a.bufferedAmount = 5000;
    now = 10_000;
    fanout.publish(update(4));
    fanout.publish(update(5));
    expect(a.sent).toHaveLength(4);
    a.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, FANOUT_RETRY_MS + 50));
    expect(a.sent.slice(4)).toEqual([expect.any(ArrayBuffer), 'info 5']);
    const remove = fanout.add(new FakeChannel());
    expect(fanout.channelCount).toBe(3);
    remove();
    b.readyState = 'closed';
    fanout.flush();
    expect(fanout.channelCount).toBe(1);
    fanout.close();
    expect(() => fanout.add({} as UpdateChannelLike)).toThrow(TypeError);
  });
});
