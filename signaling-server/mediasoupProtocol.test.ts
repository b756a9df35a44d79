import * as fakeParameters from 'mediasoup-client/fakeParameters';
import { describe, expect, it } from 'vitest';
import { MS_LIMITS } from './mediasoupProtocol.js';
import { validateClientMessage } from './protocol.js';

const dtls = fakeParameters.generateLocalDtlsParameters();
const caps = fakeParameters.generateRouterRtpCapabilities();
const rtp = fakeParameters.generateConsumerRemoteParameters({ codecMimeType: 'video/VP8' }).rtpParameters;

describe('ms-* requests in the protocol schema', () => {
  it('accepts what mediasoup-client produces and returns exactly the known fields', () => {
    expect(validateClientMessage({ type: 'ms-capabilities', id: 1 })).toEqual({ ok: true, message: { type: 'ms-capabilities', id: 1 } });
    expect(validateClientMessage({ type: 'ms-create-transport', id: 2, direction: 'recv' })).toEqual({ ok: true, message: { type: 'ms-create-transport', id: 2, direction: 'recv' } });
    expect(validateClientMessage({ type: 'ms-connect', id: 3, transportId: 't', dtlsParameters: dtls })).toMatchObject({ ok: true, message: { dtlsParameters: dtls } });
    expect(validateClientMessage({ type: 'ms-produce', id: 4, transportId: 't', kind: 'video', rtpParameters: rtp })).toMatchObject({ ok: true, message: { kind: 'video' } });
    expect(validateClientMessage({ type: 'ms-consume', id: 5, transportId: 't', producerId: 'p', rtpCapabilities: caps })).toMatchObject({ ok: true });
    expect(validateClientMessage({ type: 'ms-resume', id: 6, consumerId: 'c' })).toEqual({ ok: true, message: { type: 'ms-resume', id: 6, consumerId: 'c' } });
  });

  it.each([
    [{ type: 'ms-capabilities' }, '"id" must be an integer'],
    [{ type: 'ms-capabilities', id: -1 }, '"id" must be an integer'],
    [{ type: 'ms-capabilities', id: 1.5 }, '"id" must be an integer'],
    [{ type: 'ms-capabilities', id: 1, x: 1 }, 'unknown field "x"'],
    [{ type: 'ms-create-transport', id: 1, direction: 'both' }, '"direction" must be "send" or "recv"'],
    [{ type: 'ms-connect', id: 1, transportId: 't' }, '"dtlsParameters" must be an object'],
    [{ type: 'ms-connect', id: 1, transportId: 't', dtlsParameters: { fingerprints: [] } }, '"fingerprints" must be an array of 1..8'],
    [{ type: 'ms-connect', id: 1, transportId: 't', dtlsParameters: { role: 'boss', fingerprints: dtls.fingerprints } }, 'dtlsParameters.role'],
    [{ type: 'ms-connect', id: 1, transportId: 't', dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 5 }] } }, 'fingerprints: "value" must be a string'],
    [{ type: 'ms-connect', id: 1, transportId: '', dtlsParameters: dtls }, '"transportId" must be 1..64'],
    [{ type: 'ms-produce', id: 1, transportId: 't', kind: 'audio', rtpParameters: rtp }, '"kind" must be "video"'],
    [{ type: 'ms-produce', id: 1, transportId: 't', kind: 'video', rtpParameters: { codecs: [] } }, '"codecs" must be an array of 1..32'],
    [{ type: 'ms-produce', id: 1, transportId: 't', kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', clockRate: 90000, payloadType: 300 }] } }, '"payloadType" must be an integer in 0..127'],
    [{ type: 'ms-produce', id: 1, transportId: 't', kind: 'video', rtpParameters: { ...rtp, ssrc: 1 } }, 'unknown field "ssrc" in rtpParameters'],
    [{ type: 'ms-consume', id: 1, transportId: 't', producerId: 'p', rtpCapabilities: { codecs: [{ mimeType: 'video/VP8', clockRate: 90000 }] } }, '"kind" must be "audio" or "video"'],
    [{ type: 'ms-consume', id: 1, transportId: 't', producerId: 'p', rtpCapabilities: [] }, '"rtpCapabilities" must be an object'],
    [{ type: 'ms-resume', id: 1 }, '"consumerId" must be a string'],
  ])('rejects %j naming the problem', (msg, fragment) => {
    expect(validateClientMessage(msg)).toMatchObject({ ok: false, code: 'bad_message', message: expect.stringContaining(fragment) as string });
  });

  it('bounds the size of parameter objects', () => {
    const big = { codecs: [{ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, parameters: { pad: 'x'.repeat(MS_LIMITS.paramsBytes) } }] };
    expect(validateClientMessage({ type: 'ms-produce', id: 1, transportId: 't', kind: 'video', rtpParameters: big })).toMatchObject({ ok: false, message: expect.stringContaining('at most 32768 bytes') as string });
  });
});
