import { describe, expect, it } from 'vitest';
import { createRoomToken, verifyRoomToken } from './tokens.js';

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

  it('refuses to sign with an empty secret', () => {
    expect(() => createRoomToken('', { room: 'r', exp })).toThrow(TypeError);
  });
});
