import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, client, joined, serve } from './testing/serve.js';
import { createRoomToken, verifyRoomToken } from './tokens.js';

afterEach(cleanUp);

/** A token over any payload text, signed the way the server signs (createRoomToken refuses bad claims). */
function signRaw(secret: string, json: string): string {
  const payload = Buffer.from(json).toString('base64url');
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

const SECRET = 'a-secret-of-sufficient-length';

describe('room tokens', () => {
  const now = Date.UTC(2030, 0, 1);
  const exp = now / 1000 + 60;

  it('accepts a token for its room before expiry', () => {
    const t = createRoomToken(SECRET, { room: 'r', exp });
    expect(verifyRoomToken(SECRET, t, 'r', 'receiver', now)).toEqual({ ok: true, claims: { room: 'r', exp } });
  });

  it('rejects expiry, other rooms, other roles, other secrets and tampering', () => {
    const t = createRoomToken(SECRET, { room: 'r', exp, role: 'sender' });
    expect(verifyRoomToken(SECRET, t, 'r', 'sender', now + 61_000)).toMatchObject({ ok: false, reason: 'token_expired' });
    expect(verifyRoomToken(SECRET, t, 'other', 'sender', now)).toMatchObject({ ok: false, reason: 'token_invalid' });
    expect(verifyRoomToken(SECRET, t, 'r', 'receiver', now)).toMatchObject({ ok: false, reason: 'token_invalid' });
    expect(verifyRoomToken('another-secret-xxxxxxxx', t, 'r', 'sender', now)).toMatchObject({ ok: false, reason: 'token_invalid' });
    const [payload, sig] = t.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ room: 'r', exp: exp + 1e6, role: 'sender' })).toString('base64url');
    expect(verifyRoomToken(SECRET, `${forged}.${sig}`, 'r', 'sender', now)).toMatchObject({ ok: false, reason: 'token_invalid' });
    expect(verifyRoomToken(SECRET, `${payload}`, 'r', 'sender', now)).toMatchObject({ ok: false, reason: 'token_invalid' });
    expect(verifyRoomToken(SECRET, 'a.b.c', 'r', 'sender', now)).toMatchObject({ ok: false, reason: 'token_invalid' });
  });

  it('refuses to sign with an empty secret or an exp that is not a whole number of seconds', () => {
    expect(() => createRoomToken('', { room: 'r', exp })).toThrow(TypeError);
    for (const bad of [exp + 0.5, 1e300, Number.NaN, -1]) expect(() => createRoomToken(SECRET, { room: 'r', exp: bad })).toThrow(TypeError);
  });

  it('accepts exactly one spelling of a signature (red team #8: "=", "==", "!" and unused low bits)', () => {
    const t = createRoomToken(SECRET, { room: 'r', exp });
    expect(verifyRoomToken(SECRET, t, 'r', 'receiver', now).ok).toBe(true);
    // The 43rd character carries 2 unused bits: a decoder maps these siblings to the same 32 bytes.
    const last = t.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    expect(Buffer.from(`${t.slice(t.indexOf('.') + 1, -1)}${sibling}`, 'base64url')).toEqual(Buffer.from(t.slice(t.indexOf('.') + 1), 'base64url'));
    for (const variant of [`${t}=`, `${t}==`, `${t}!`, `${t.slice(0, -1)}${sibling}`, ` ${t}`, `${t}\n`]) {
      expect(verifyRoomToken(SECRET, variant, 'r', 'receiver', now)).toMatchObject({ ok: false, reason: 'token_invalid' });
    }
  });

  it('refuses exp that is not a safe whole number, or lies beyond the lifetime cap (red team #8: exp 1e300)', () => {
    for (const bad of ['1e300', '1.5', '9007199254740993', '-5', '"2030"']) {
      expect(verifyRoomToken(SECRET, signRaw(SECRET, `{"room":"r","exp":${bad}}`), 'r', 'receiver', now)).toMatchObject({ ok: false, reason: 'token_invalid' });
    }
    const day = createRoomToken(SECRET, { room: 'r', exp: now / 1000 + 24 * 3600 });
    expect(verifyRoomToken(SECRET, day, 'r', 'receiver', now).ok).toBe(true);
    expect(verifyRoomToken(SECRET, day, 'r', 'receiver', now, 3600)).toMatchObject({ ok: false, message: expect.stringMatching(/3600 s ahead/) as unknown });
    expect(verifyRoomToken(SECRET, createRoomToken(SECRET, { room: 'r', exp: now / 1000 + 24 * 3600 + 1 }), 'r', 'receiver', now).ok).toBe(false);
  });
});

describe('token leases on the server (red team #8)', () => {
  it('one token admits at most maxConnectionsPerToken connections at once; a leave frees a lease', async () => {
    const secret = 'lease-test-secret-0123456789';
    const { url } = await serve({ tokenSecret: secret, maxConnectionsPerToken: 2 });
    const token = createRoomToken(secret, { room: 'r', exp: Math.floor(Date.now() / 1000) + 60 });
    const first = await joined(url, 'r', 'receiver', token);
    const second = await joined(url, 'r', 'receiver', token);
    const third = await client(url);
    third.send({ type: 'join', room: 'r', role: 'receiver', token });
    expect((await third.next('error')).code).toBe('token_in_use');
    // Another token for the same room is not affected.
    await joined(url, 'r', 'receiver', createRoomToken(secret, { room: 'r', exp: Math.floor(Date.now() / 1000) + 61 }));
    first.c.send({ type: 'leave' });
    await second.c.next('peer-left'); // the leave was processed
    third.send({ type: 'join', room: 'r', role: 'receiver', token });
    expect((await third.next('joined')).room).toBe('r');
  });
});
