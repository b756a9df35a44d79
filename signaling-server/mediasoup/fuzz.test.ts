import * as fakeParameters from 'mediasoup-client/fakeParameters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/model/initGeneratorWeights.js';
import type { MsTransportParameters } from '../mediasoupProtocol.js';
import { SignalingServer } from '../SignalingServer.js';
import { fakeMediasoupModule } from '../testing/FakeMediasoup.js';
import { TestClient, UNLIMITED } from '../testing/TestClient.js';
import { MediasoupRouter } from './MediasoupRouter.js';

const TOTAL = 3000;
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);

const dtls = fakeParameters.generateLocalDtlsParameters();
const caps = fakeParameters.generateRouterRtpCapabilities();
const rtp = fakeParameters.generateConsumerRemoteParameters({ codecMimeType: 'video/VP8' }).rtpParameters;

/** ids the server handed out on one lane, so that requests can also hit real objects, in any order. */
interface Known { transports: string[]; producers: string[]; consumers: string[] }

function makeRequest(rand: () => number, known: Known): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const id = rand() < 0.15 ? pick<unknown>([-1, 1.5, 'x', 2 ** 40, null]) : Math.floor(rand() * 1000);
  const transportId = pick(['t', '', 'x'.repeat(80), ...known.transports, ...known.transports]);
  switch (pick([0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 6, 6, 7, 8, 9])) {
    case 0: return { type: 'ms-capabilities', id };
    case 1: return { type: 'ms-create-transport', id, direction: pick(['send', 'recv', 'recv', 'both', 3]) };
    case 2: return { type: 'ms-connect', id, transportId, dtlsParameters: pick<unknown>([dtls, dtls, {}, { fingerprints: [] }, { role: 'x', fingerprints: dtls.fingerprints }, 'dtls']) };
    case 3: return { type: 'ms-produce', id, transportId, kind: pick(['video', 'video', 'audio']), rtpParameters: pick<unknown>([rtp, rtp, { codecs: [] }, { codecs: [{ mimeType: 5 }] }, []]) };
    case 4: return { type: 'ms-consume', id, transportId, producerId: pick(['p', ...known.producers, ...known.producers]), rtpCapabilities: pick<unknown>([caps, caps, { codecs: [{ kind: 'video', mimeType: 'video/H264', clockRate: 90000 }] }, {}]) };
    case 5: return { type: 'ms-resume', id, consumerId: pick(['c', ...known.consumers]) };
    case 6: return { type: 'join', room: pick(['fz1', 'fz2']), role: pick(['sender', 'receiver', 'receiver']) };
    case 7: return { type: 'leave' };
    case 8: return { type: pick(['ms-capabilities', 'ms-resume', 'ms-nothing']), id: 3, extra: true };
    default: return { type: 'offer', to: 'sfu', sdp: 'v=0' };
  }
}

describe('mediasoup mode fuzz', () => {
  const mod = fakeMediasoupModule();
  let router: MediasoupRouter;
  let server: SignalingServer;
  let url: string;
  beforeAll(async () => {
    router = await MediasoupRouter.create({}, () => Promise.resolve(mod));
    server = new SignalingServer({ mode: 'mediasoup', mediaRouter: router, rateLimit: UNLIMITED, heartbeatMs: 0 });
    url = await server.start();
  });
  afterAll(async () => server.close());

  it(`survives ${TOTAL} malformed and out-of-order ms-* requests, leaks no mediasoup object, and still serves a clean call`, async () => {
    const rand = seededRandom(SEED);
    let sent = 0;
    let answered = 0;
    let succeeded = 0;
    await Promise.all(Array.from({ length: 6 }, async () => {
      const c = await TestClient.connect(url);
      const known: Known = { transports: [], producers: [], consumers: [] };
      while (sent < TOTAL) {
        c.send(makeRequest(rand, known));
        sent += 1;
        if (sent % 25 === 0) {
          c.send({ type: 'marker' });
          await c.next('error', (m) => m.message.includes('"marker"'));
          for (const m of c.received.splice(0)) {
            if (m.type === 'ms-response' || (m.type === 'error' && m.requestId !== undefined)) answered += 1;
            if (m.type !== 'ms-response') continue;
            succeeded += 1;
            const d = m.data as Partial<MsTransportParameters & { producerId: string }>;
            if (typeof d.id === 'string') (d.iceParameters !== undefined ? known.transports : known.consumers).push(d.id);
            if (typeof d.producerId === 'string' && d.id === undefined) known.producers.push(d.producerId);
          }
        }
      }
      await c.close();
    }));
    // Many requests die in validation (bad ids, shapes); enough must reach mediasoup objects to matter.
    expect(answered).toBeGreaterThan(TOTAL / 10);
    expect(succeeded).toBeGreaterThan(60);
    await expect.poll(() => server.stats()).toMatchObject({ connections: 0, rooms: 0, peers: 0 });
    expect(router.stats()).toEqual({ rooms: 0, peers: 0, transports: 0, consumers: 0, producers: 0 });
    const routers = mod.workers[0]?.routers ?? [];
    expect(routers.length).toBeGreaterThan(0);
    expect(routers.every((r) => r.closed && r.transports.every((t) => t.closed))).toBe(true);

    const s = await TestClient.connect(url);
    const r = await TestClient.connect(url);
    s.send({ type: 'join', room: 'clean', role: 'sender' });
    await s.next('joined');
    r.send({ type: 'join', room: 'clean', role: 'receiver' });
    await r.next('joined');
    s.send({ type: 'ms-create-transport', id: 1, direction: 'send' });
    const send = (await s.next('ms-response')).data as MsTransportParameters;
    s.send({ type: 'ms-produce', id: 2, transportId: send.id, kind: 'video', rtpParameters: rtp });
    const { producerId } = (await s.next('ms-response')).data as { producerId: string };
    expect((await r.next('ms-producer')).producerId).toBe(producerId);
    r.send({ type: 'ms-create-transport', id: 1, direction: 'recv' });
    const recv = (await r.next('ms-response')).data as MsTransportParameters;
    r.send({ type: 'ms-consume', id: 2, transportId: recv.id, producerId, rtpCapabilities: caps });
    expect((await r.next('ms-response')).data).toMatchObject({ producerId, kind: 'video' });
    await Promise.all([s.close(), r.close()]);
  });
});
