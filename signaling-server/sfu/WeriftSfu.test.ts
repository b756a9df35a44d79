import { afterEach, describe, expect, it, vi } from 'vitest';
import { RTCRtpSender, RtpHeader, RtpPacket } from 'werift';
import { isLoopbackCandidate } from '../candidates.js';
import { SFU_PEER_ID } from '../protocol.js';
import { SignalingServer } from '../SignalingServer.js';
import { TestClient } from '../testing/TestClient.js';
import { connectPeer } from './testPeer.js';
import { WeriftSfu } from './WeriftSfu.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

describe('WeriftSfu', () => {
  it('forwards one publisher\'s RTP to every subscriber and relays their PLI upstream, on loopback only', async () => {
    const sfu = new WeriftSfu({ keyframeGapMs: 0 });
    const server = new SignalingServer({ mode: 'sfu', mediaRouter: sfu, heartbeatMs: 0 });
    const url = await server.start();
    cleanups.push(() => server.close());

    const pub = await connectPeer(url, 'sfu-room', 'sender');
    const subs = await Promise.all([0, 1].map(() => connectPeer(url, 'sfu-room', 'receiver')));
    for (const p of [pub, ...subs]) cleanups.push(async () => { await p.pc.close(); p.c.ws.terminate(); });

    const received = subs.map(() => [] as RtpPacket[]);
    subs.forEach((s, i) => s.t.receiver.track.onReceiveRtp.subscribe((rtp) => received[i]?.push(rtp)));
    let plis = 0;
    pub.t.sender.onPictureLossIndication.subscribe(() => { plis += 1; });

    await expect.poll(() => [pub, ...subs].every((p) => p.pc.connectionState === 'connected'), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => sfu.stats('sfu-room'), { timeout: 15_000 }).toMatchObject({ publishing: true, subscribers: 2 });

    // Synthetic VP8 RTP: the SFU forwards payloads untouched, so the bytes can be anything.
    let seq = 1000;
    const sendBurst = async (): Promise<void> => {
      for (let k = 0; k < 20; k++) {
        const payload = Buffer.from([0x10, 0x00, k, 0xaa, 0xbb, 0xcc]);
        await pub.t.sender.sendRtp(new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: seq++, timestamp: seq * 3000, marker: true }), payload));
      }
    };
    await expect.poll(async () => {
      await sendBurst();
      return received.every((r) => r.length >= 10);
    }, { timeout: 15_000, interval: 200 }).toBe(true);
    expect(sfu.stats('sfu-room').publishing).toBe(true);
    for (const r of received) {
      const pkt = r[r.length - 1];
      expect(pkt?.payload.subarray(0, 2)).toEqual(Buffer.from([0x10, 0x00]));
      expect(pkt?.payload.subarray(3)).toEqual(Buffer.from([0xaa, 0xbb, 0xcc]));
    }
    // Each subscriber has its own SSRC, as werift rewrites it per outgoing stream.
    expect(new Set(received.map((r) => r[0]?.header.ssrc)).size).toBe(2);

    const before = plis;
    const sub0 = subs[0];
    const ssrc = received[0]?.[0]?.header.ssrc;
    if (sub0 === undefined || ssrc === undefined) throw new Error('no subscriber stream');
    await expect.poll(async () => {
      await sub0.t.receiver.sendRtcpPLI(ssrc);
      return plis > before;
    }, { timeout: 10_000, interval: 200 }).toBe(true);

    expect(sfu.localCandidateAddresses().length).toBeGreaterThan(0);
    expect(sfu.localCandidateAddresses().every((a) => a === '127.0.0.1')).toBe(true);
    const pubLocal = (pub.pc.localDescription?.sdp ?? '').split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));
    expect(pubLocal.every(isLoopbackCandidate)).toBe(true);

    // The publisher leaves: subscribers' transports are closed so they can renegotiate with the next one.
    pub.c.ws.terminate();
    await subs[0]?.c.next('peer-left');
    await expect.poll(() => sfu.stats('sfu-room')).toMatchObject({ publishing: false, subscribers: 0 });
  }, 60_000);

  it('a werift callback that throws is reported to onError; the SFU keeps forwarding once the fault is gone', async () => {
    const errors: Array<{ context: string; message: string }> = [];
    const sfu = new WeriftSfu({ keyframeGapMs: 0, onError: (context, e) => errors.push({ context, message: e instanceof Error ? e.message : String(e) }) });
    const server = new SignalingServer({ mode: 'sfu', mediaRouter: sfu, heartbeatMs: 0 });
    const url = await server.start();
    cleanups.push(() => server.close());
    const pub = await connectPeer(url, 'guard-room', 'sender');
    const sub = await connectPeer(url, 'guard-room', 'receiver');
    for (const p of [pub, sub]) cleanups.push(async () => { await p.pc.close(); p.c.ws.terminate(); });
    const received: RtpPacket[] = [];
    sub.t.receiver.track.onReceiveRtp.subscribe((rtp) => received.push(rtp));
    await expect.poll(() => sfu.stats('guard-room'), { timeout: 15_000 }).toMatchObject({ publishing: true, subscribers: 1 });

    // Every sender but the publisher's own (the SFU's downstream ones) throws inside werift's RTP receive path.
    const original = RTCRtpSender.prototype.sendRtp.bind(pub.t.sender);
    const spy = vi.spyOn(RTCRtpSender.prototype, 'sendRtp').mockImplementation(function (this: RTCRtpSender, ...args: Parameters<RTCRtpSender['sendRtp']>) {
      if (this === pub.t.sender) return original(...args);
      throw new Error('injected downstream failure');
    });
    let seq = 1;
    const burst = async (): Promise<void> => {
      for (let k = 0; k < 10; k++) await pub.t.sender.sendRtp(new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: seq++, timestamp: seq * 3000, marker: true }), Buffer.from([0x10, 0, k])));
    };
    try {
      await expect.poll(async () => { await burst(); return errors.length; }, { timeout: 15_000, interval: 200 }).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toEqual({ context: 'forward', message: 'injected downstream failure' });
    const before = received.length;
    await expect.poll(async () => { await burst(); return received.length; }, { timeout: 15_000, interval: 200 }).toBeGreaterThan(before);
  }, 60_000);

  it('rejects an answer addressed to it and reports a bad offer as media_error', async () => {
    const sfu = new WeriftSfu();
    const server = new SignalingServer({ mode: 'sfu', mediaRouter: sfu, heartbeatMs: 0 });
    const url = await server.start();
    cleanups.push(() => server.close());
    const c = await TestClient.connect(url);
    cleanups.push(() => Promise.resolve(c.ws.terminate()));
    c.send({ type: 'join', room: 'x', role: 'receiver' });
    await c.next('joined');
    c.send({ type: 'answer', to: SFU_PEER_ID, sdp: 'v=0' });
    expect((await c.next('error')).code).toBe('media_error');
    c.send({ type: 'offer', to: SFU_PEER_ID, sdp: 'not an sdp' });
    expect((await c.next('error')).code).toBe('media_error');
    c.send({ type: 'offer', to: 'someone', sdp: 'v=0' });
    expect((await c.next('error')).code).toBe('forbidden');
  });
});
