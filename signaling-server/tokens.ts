import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Role } from './protocol.js';

/**
 * Room tokens: `base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, payload part))`.
 * A JWT library would do, but the format here is two lines of crypto and needs no dependency.
 */
export interface RoomTokenClaims {
  room: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** When present, the token only admits this role. */
  role?: Role;
}

export type TokenCheck = { ok: true; claims: RoomTokenClaims } | { ok: false; reason: 'token_invalid' | 'token_expired'; message: string };

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function createRoomToken(secret: string, claims: RoomTokenClaims): string {
  if (secret.length === 0) throw new TypeError('createRoomToken: secret must not be empty');
  if (!Number.isFinite(claims.exp)) throw new TypeError('createRoomToken: exp must be a finite number of seconds since the epoch');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/** Checks signature, expiry, room and role. `nowMs` is injectable for tests. */
export function verifyRoomToken(secret: string, token: string, room: string, role: Role, nowMs = Date.now()): TokenCheck {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return { ok: false, reason: 'token_invalid', message: 'the token is malformed' };
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(secret, payload), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'token_invalid', message: 'the token signature does not match' };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'token_invalid', message: 'the token payload is not JSON' };
  }
  if (typeof claims !== 'object' || claims === null) return { ok: false, reason: 'token_invalid', message: 'the token payload is not an object' };
  const c = claims as Record<string, unknown>;
  if (typeof c.room !== 'string' || typeof c.exp !== 'number') return { ok: false, reason: 'token_invalid', message: 'the token lacks room or exp' };
  if (c.room !== room) return { ok: false, reason: 'token_invalid', message: `the token is for another room, not "${room}"` };
  if (c.role !== undefined && c.role !== role) return { ok: false, reason: 'token_invalid', message: `the token does not admit the role "${role}"` };
  if (c.exp * 1000 <= nowMs) return { ok: false, reason: 'token_expired', message: 'the token has expired' };
  const out: RoomTokenClaims = { room: c.room, exp: c.exp };
  if (c.role === 'sender' || c.role === 'receiver') out.role = c.role;
  return { ok: true, claims: out };
}
