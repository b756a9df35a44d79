import { RTCPeerConnection, useNACK, usePLI, useVP8, type RTCDataChannel, type RTCRtpTransceiver } from 'werift';
import { SFU_PEER_ID } from '../protocol.js';
import { TestClient } from '../testing/TestClient.js';
import { MODEL_CHANNEL_LABEL } from './ModelChannelRelay.js';

export interface TestPeer {
  c: TestClient;
  pc: RTCPeerConnection;
  t: RTCRtpTransceiver;
  /** The `swiftsr-model` channel, when asked for. */
  model: RTCDataChannel | undefined;
}

/**
 * A werift peer standing in for a browser page: loopback only, like the SFU. It joins `room`, offers one
 * video transceiver (and, with `modelChannel`, the model-update data channel, as the demo pages do) to the
 * SFU and applies its answer.
 */
export async function connectPeer(url: string, room: string, role: 'sender' | 'receiver', options: { modelChannel?: boolean } = {}): Promise<TestPeer> {
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
  const model = options.modelChannel === true ? pc.createDataChannel(MODEL_CHANNEL_LABEL, { ordered: true }) : undefined;
  pc.onIceCandidate.subscribe((cand) => {
    const j = cand?.toJSON();
    if (j?.candidate !== undefined) c.send({ type: 'candidate', to: SFU_PEER_ID, candidate: { candidate: j.candidate, sdpMid: j.sdpMid ?? null, sdpMLineIndex: j.sdpMLineIndex ?? null } });
  });
  await pc.setLocalDescription(await pc.createOffer());
  c.send({ type: 'offer', to: SFU_PEER_ID, sdp: pc.localDescription?.sdp ?? '' });
  const answer = await c.next('answer', undefined, 10_000);
  if (answer.from !== SFU_PEER_ID) throw new Error(`answer from ${answer.from}, not the SFU`);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  return { c, pc, t, model };
}
