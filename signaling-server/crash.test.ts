import { afterEach, describe, expect, it } from 'vitest';
import type { MediaRouter } from './MediaRouter.js';
import { MediasoupRouter } from './mediasoup/MediasoupRouter.js';
import { validateMsRequest } from './mediasoupProtocol.js';
import { LIMITS, parseClientMessage, validateClientMessage } from './protocol.js';
import { fakeMediasoupModule } from './testing/FakeMediasoup.js';
import { cleanUp, client, joined, serve } from './testing/serve.js';
import { createRoomToken } from './tokens.js';

afterEach(cleanUp);

const SECRET = 'crash-test-secret-0123456789';
/** The red team's frame: ~9 KB, 4,500 arrays deep in `type`; stringifying it overflows the stack. */
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
/** A decoded value `n` arrays deep, built without recursion. */
function deepValue(n: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

describe('red team #1: deeply nested frames', () => {
  it('answers a 4,500-deep `type` sent before join and without a token, then serves a legitimate client', async () => {
    const { url, server } = await serve({ tokenSecret: SECRET });
    const attacker = await client(url);
    const frame = `{"type":${deep(4500)}}`;
    expect(frame.length).toBeLessThan(10_000);
    attacker.sendRaw(frame);
    const err = await attacker.next('error');
    expect(err.code).toBe('bad_message');
    expect(err.message.length).toBeLessThan(200);
    attacker.sendRaw(`{"type":${deep(60_000)}}`); // 120 KB, under maxPayload
    expect((await attacker.next('error')).code).toBe('bad_message');
    const token = createRoomToken(SECRET, { room: 'r', exp: Math.floor(Date.now() / 1000) + 60 });
    expect((await joined(url, 'r', 'sender', token)).id).toMatch(/^[0-9a-f]{16}$/);
    expect(server.stats().dropped.error).toBe(0);
  });

  it('answers nested ms-* parameters in p2p and mediasoup mode and keeps serving', async () => {
    const router = await MediasoupRouter.create({}, () => Promise.resolve(fakeMediasoupModule()));
    for (const options of [{}, { mode: 'mediasoup' as const, mediaRouter: router }]) {
      const { url } = await serve(options);
      const attacker = await client(url);
      const nested = `{"codecs":${deep(4500)}}`;
      for (const request of [
        `"type":"ms-connect","id":1,"transportId":"t","dtlsParameters":${nested}`,
        `"type":"ms-produce","id":2,"transportId":"t","kind":"video","rtpParameters":${nested}`,
        `"type":"ms-consume","id":3,"transportId":"t","producerId":"p","rtpCapabilities":${nested}`,
      ]) {
        attacker.sendRaw(`{${request}}`);
        expect((await attacker.next('error')).code).toBe('bad_message');
      }
      expect((await joined(url, 'r', 'sender')).id).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('validators never recurse on decoded input: deep values get an error sentence, not a RangeError', () => {
    expect(parseClientMessage(deep(200_000))).toMatchObject({ ok: false, code: 'bad_message' });
    expect(parseClientMessage(`{"type":"leave","x":"${deep(50)}"}`)).toMatchObject({ ok: false, message: 'unknown field "x" in "leave" message' });
    expect(validateClientMessage({ type: deepValue(100_000) })).toMatchObject({ ok: false, code: 'bad_message' });
    expect(validateMsRequest({ type: 'ms-connect', id: 1, transportId: 't', dtlsParameters: { a: deepValue(100_000) } }, 'ms-connect')).toMatch(/nest/);
    // The deepest legitimate nesting passes; one level more does not.
    const atLimit = `{"type":"leave","x":${deep(LIMITS.jsonDepth - 1)}}`;
    expect(parseClientMessage(atLimit)).toMatchObject({ ok: false, message: 'unknown field "x" in "leave" message' });
    expect(parseClientMessage(`{"type":"leave","x":${deep(LIMITS.jsonDepth)}}`)).toMatchObject({ ok: false, message: expect.stringMatching(/nest/) as unknown });
  });

  it('a handler that throws closes only its own connection (1011) and is reported; the server keeps serving', async () => {
    const reported: string[] = [];
    const explosive: MediaRouter = {
      join: (room) => { if (room === 'boom') throw new Error('router exploded'); },
      signal: () => Promise.resolve(),
      leave: () => undefined,
      close: () => Promise.resolve(),
    };
    const { url, server } = await serve({ mode: 'sfu', mediaRouter: explosive, onError: (context, e) => reported.push(`${context}: ${(e as Error).message}`) });
    const bystander = await joined(url, 'calm', 'sender');
    const victim = await client(url);
    victim.send({ type: 'join', room: 'boom', role: 'sender' });
    expect((await victim.closed).code).toBe(1011);
    expect(reported).toEqual(['message: router exploded']);
    expect(server.stats().dropped.error).toBe(1);
    bystander.c.send({ type: 'leave' });
    expect((await joined(url, 'calm', 'receiver')).id).toMatch(/^[0-9a-f]{16}$/);
  });
});
