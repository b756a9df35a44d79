import { FakeMediaStreamTrack } from 'fake-mediastreamtrack';
import { Device } from 'mediasoup-client';
import * as fakeParameters from 'mediasoup-client/fakeParameters';
import { FakeHandler } from 'mediasoup-client/handlers/FakeHandler';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MediasoupSession } from '../../demo/shared/MediasoupSession.js';
import { SignalingClient, SignalingError, type SocketLike } from '../../demo/shared/SignalingClient.js';
import type { Role, ServerMessage } from '../protocol.js';
import { SignalingServer } from '../SignalingServer.js';
import { fakeMediasoupModule, type FakeWorker } from '../testing/FakeMediasoup.js';
import { MediasoupRouter } from './MediasoupRouter.js';

/**
 * The SDK's mediasoup-client adapter, loaded by a path TypeScript does not follow: the SDK is DOM code and
 * this file is type-checked with the Node config (its own tests, on FakeHandler, live in src/sdk/adapters).
 */
type AttachConsumer = (receiver: { disposed: boolean; attach(track: { id: string }): Promise<void>; detach(): void }, consumer: unknown) => Promise<() => void>;
const SDK_ADAPTER = '../../src/sdk/adapters/mediasoup.js';
const { attachConsumer } = (await import(SDK_ADAPTER)) as { attachConsumer: AttachConsumer };

const servers: SignalingServer[] = [];
const clients: SignalingClient[] = [];

async function serveMediasoup(): Promise<{ url: string; router: MediasoupRouter; worker: FakeWorker }> {
  const mod = fakeMediasoupModule();
  const router = await MediasoupRouter.create({}, () => Promise.resolve(mod));
  const server = new SignalingServer({ mode: 'mediasoup', mediaRouter: router, heartbeatMs: 0 });
  servers.push(server);
  const url = await server.start();
  const worker = mod.workers[0];
  if (worker === undefined) throw new Error('no worker');
  return { url, router, worker };
}

/** The demo's own SignalingClient, over a `ws` socket instead of the browser's WebSocket. */
async function join(url: string, role: Role, room = 'ms'): Promise<{ client: SignalingClient; seen: ServerMessage[] }> {
  const client = new SignalingClient(url, (u) => new WebSocket(u) as unknown as SocketLike);
  clients.push(client);
  const seen: ServerMessage[] = [];
  client.on((m) => seen.push(m));
  await client.join(room, role);
  return { client, seen };
}

const fakeDevice = (): Device => new Device({ handlerFactory: FakeHandler.createFactory(fakeParameters) });

function until(pred: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - started > 5000) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('MediasoupRouter over the signaling server (fake mediasoup, mediasoup-client FakeHandler)', () => {
  it('carries publish, consume and resume from sender to receiver, and closes the consumer when the sender leaves', async () => {
    const { url, router, worker } = await serveMediasoup();
    const early = await join(url, 'receiver');
    const sender = await join(url, 'sender');
    const sendSession = await MediasoupSession.open(sender.client, fakeDevice());
    const producer = await sendSession.publish({ track: new FakeMediaStreamTrack({ kind: 'video' }) }, { maxBitrateKbps: 600, codec: 'VP8' });

    const [fakeRouter] = worker.routers;
    const sendTransport = fakeRouter?.transports[0];
    expect(sendTransport?.listenInfos).toEqual([{ protocol: 'udp', ip: '127.0.0.1' }]);
    expect(sendTransport?.iceCandidates.map((c) => c.ip)).toEqual(['127.0.0.1']);
    // The DTLS fingerprint the device made reached mediasoup's transport.connect().
    expect(sendTransport?.remoteDtls?.fingerprints).toEqual(fakeParameters.generateLocalDtlsParameters().fingerprints);
    const fakeProducer = sendTransport?.producers[0];
    expect(fakeProducer?.id).toBe(producer.id);
    expect((fakeProducer?.rtpParameters.codecs as Array<{ mimeType: string }>)[0]?.mimeType).toBe('video/VP8');
    expect(producer.rtpParameters.encodings?.[0]?.maxBitrate).toBe(600_000);

    // A receiver that was already there hears of the producer; one that joins later is told on join.
    await until(() => early.seen.some((m) => m.type === 'ms-producer' && m.producerId === producer.id), 'ms-producer to the early receiver');
    const late = await join(url, 'receiver');
    await until(() => late.seen.some((m) => m.type === 'ms-producer' && m.producerId === producer.id), 'ms-producer on join');

    const recvSession = await MediasoupSession.open(late.client, fakeDevice());
    const consumer = await recvSession.subscribe(producer.id);
    expect(consumer.kind).toBe('video');
    expect(consumer.producerId).toBe(producer.id);
    const recvTransport = fakeRouter?.transports[1];
    const fakeConsumer = recvTransport?.consumers[0];
    expect(fakeConsumer?.id).toBe(consumer.id);
    expect(fakeConsumer?.paused).toBe(false);
    expect(router.stats()).toMatchObject({ rooms: 1, peers: 3, transports: 2, consumers: 1, producers: 1 });

    // The SDK's adapter takes the consumer's track and follows its close.
    const calls: string[] = [];
    const attached: unknown[] = [];
    const sdkReceiver = { disposed: false, attach: (t: { id: string }) => { attached.push(t); calls.push('attach'); return Promise.resolve(); }, detach: () => { calls.push('detach'); } };
    await attachConsumer(sdkReceiver, consumer);
    expect(calls).toEqual(['attach']);
    expect(attached[0]).toBe(consumer.track);

    sender.client.close();
    await until(() => consumer.closed, 'the consumer to close after the sender left');
    expect(late.seen.some((m) => m.type === 'ms-consumer-closed' && m.consumerId === consumer.id)).toBe(true);
    expect(calls).toEqual(['attach', 'detach']);
    expect(router.stats()).toMatchObject({ producers: 0, consumers: 0, transports: 1 });

    early.client.close();
    late.client.close();
    await until(() => router.stats().rooms === 0, 'the room to empty');
    await until(() => fakeRouter?.closed === true, 'the mediasoup router to close');
    expect(recvTransport?.closed).toBe(true);
  });

  it('enforces roles and ownership with error codes on the request', async () => {
    const { url } = await serveMediasoup();
    const r = await join(url, 'receiver');
    await expect(r.client.request({ type: 'ms-create-transport', direction: 'send' })).rejects.toMatchObject({ code: 'forbidden' });
    const recv = await r.client.request({ type: 'ms-create-transport', direction: 'recv' });
    const rtpParameters = { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }] };
    await expect(r.client.request({ type: 'ms-produce', transportId: recv.id, kind: 'video', rtpParameters })).rejects.toMatchObject({ code: 'forbidden' });
    const caps = fakeParameters.generateRouterRtpCapabilities();
    await expect(r.client.request({ type: 'ms-consume', transportId: recv.id, producerId: 'nobody', rtpCapabilities: caps })).rejects.toMatchObject({ code: 'media_error', message: expect.stringContaining('is not this room\'s sender') as string });
    await expect(r.client.request({ type: 'ms-connect', transportId: 'not-mine', dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } })).rejects.toMatchObject({ code: 'media_error' });
    await expect(r.client.request({ type: 'ms-resume', consumerId: 'none' })).rejects.toBeInstanceOf(SignalingError);

    // A receiver whose device has no codec in common with the producer is refused before mediasoup consumes.
    const s = await join(url, 'sender');
    const send = await s.client.request({ type: 'ms-create-transport', direction: 'send' });
    const { producerId } = await s.client.request({ type: 'ms-produce', transportId: send.id, kind: 'video', rtpParameters });
    const h264Only = { codecs: [{ kind: 'video', mimeType: 'video/H264', clockRate: 90000 }] };
    await expect(r.client.request({ type: 'ms-consume', transportId: recv.id, producerId, rtpCapabilities: h264Only })).rejects.toMatchObject({ code: 'media_error', message: expect.stringContaining('cannot receive any codec') as string });
    await expect(r.client.request({ type: 'ms-consume', transportId: send.id, producerId, rtpCapabilities: caps })).rejects.toMatchObject({ code: 'media_error' });
  });

  it('answers ms-* on a server in another mode with "unsupported", and offers in mediasoup mode with media_error', async () => {
    const p2p = new SignalingServer({ heartbeatMs: 0 });
    servers.push(p2p);
    const c = await join(await p2p.start(), 'receiver');
    await expect(c.client.request({ type: 'ms-capabilities' })).rejects.toMatchObject({ code: 'unsupported' });

    const { url } = await serveMediasoup();
    const s = await join(url, 'sender');
    s.client.send({ type: 'offer', to: 'sfu', sdp: 'v=0' });
    await until(() => s.seen.some((m) => m.type === 'error' && m.code === 'media_error' && m.message.includes('ms-* requests')), 'media_error for an offer');
  });

  it('fails every request with media_error once the worker died', async () => {
    const { url, worker } = await serveMediasoup();
    const s = await join(url, 'sender');
    expect((await s.client.request({ type: 'ms-capabilities' })).routerRtpCapabilities).toHaveProperty('codecs');
    worker.die();
    await expect(s.client.request({ type: 'ms-capabilities' })).rejects.toMatchObject({ code: 'media_error', message: expect.stringContaining('worker died') as string });
  });

  it('needs a router that answers ms-* requests for mode "mediasoup"', () => {
    expect(() => new SignalingServer({ mode: 'mediasoup' })).toThrow(TypeError);
    expect(() => new SignalingServer({ mode: 'mediasoup' })).toThrow(/MediasoupRouter\.create/);
  });
});
