import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection, RtpHeader, RtpPacket, useVP8, useNACK, usePLI, type RTCRtpTransceiver } from 'werift';
import { isLoopbackCandidate } from '../candidates.js';
import { SFU_PEER_ID } from '../protocol.js';
import { SignalingServer } from '../SignalingServer.js';
import { TestClient } from '../testing/TestClient.js';
import { WeriftSfu } from './WeriftSfu.js';

/** A werift peer standing in for a browser page: loopback only, like the SFU. */
async function connectPeer(url: string, room: string, role: 'sender' | 'receiver'): Promise<{ c: TestClient; pc: RTCPeerConnection; t: RTCRtpTransceiver }> {
  const c = await TestClient.connect(url);
  c.send({ type: 'join', room, role });
  await c.next('joined');
  const pc = new RTCPeerConnection({
    codecs: { video: [useVP8({ rtcpFeedback: [useNACK(), usePLI()] })] },
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
  });
  const t = pc.addTransceiver('video', { direction: role === 'sender' ? 'sendonly' : 'recvonly' });
  pc.onIceCandidate.subscribe((cand) => {
    const j = cand?.toJSON();
    if (j?.candidate !== undefined) c.send({ type: 'candidate', to: SFU_PEER_ID, candidate: { candidate: j.candidate, sdpMid: j.sdpMid ?? null, sdpMLineIndex: j.sdpMLineIndex ?? null } });
  });
  await pc.setLocalDescription(await pc.createOffer());
  c.send({ type: 'offer', to: SFU_PEER_ID, sdp: pc.localDescription?.sdp ?? '' });
  const answer = await c.next('answer', undefined, 10_000);
  expect(answer.from).toBe(SFU_PEER_ID);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  return { c, pc, t };
}

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
