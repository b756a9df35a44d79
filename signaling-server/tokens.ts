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
  if (!Number.isSafeInteger(claims.exp) || claims.exp <= 0) throw new TypeError('createRoomToken: exp must be a whole number of seconds since the epoch');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/** Payload, ".", and the 43 characters of an unpadded base64url SHA-256 HMAC: nothing else is a token. */
const TOKEN_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

/**
 * Checks signature, expiry, room and role. `nowMs` is injectable for tests; tokens whose `exp` is more
 * than `maxLifetimeS` ahead are refused, so that no token (leaked, or signed by mistake) lives for ever.
 */
export function verifyRoomToken(secret: string, token: string, room: string, role: Role, nowMs = Date.now(), maxLifetimeS = 24 * 3600): TokenCheck {
  if (!TOKEN_RE.test(token)) return { ok: false, reason: 'token_invalid', message: 'the token is malformed' };
  const dot = token.indexOf('.');
  const payload = token.slice(0, dot);
  // The signature as sign() writes it, compared as text: base64url decoders ignore padding, junk and the
  // unused low bits of the last character, so comparing decoded bytes would accept many spellings of one token.
  const given = Buffer.from(token.slice(dot + 1), 'latin1');
  const expected = Buffer.from(sign(secret, payload), 'latin1');
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
  if (!Number.isSafeInteger(c.exp) || c.exp <= 0) return { ok: false, reason: 'token_invalid', message: 'the token exp is not a whole number of seconds' };
  if (c.exp - nowMs / 1000 > maxLifetimeS) return { ok: false, reason: 'token_invalid', message: `the token expires more than ${maxLifetimeS} s ahead` };
  if (c.room !== room) return { ok: false, reason: 'token_invalid', message: `the token is for another room, not "${room}"` };
  if (c.role !== undefined && c.role !== role) return { ok: false, reason: 'token_invalid', message: `the token does not admit the role "${role}"` };
  if (c.exp * 1000 <= nowMs) return { ok: false, reason: 'token_expired', message: 'the token has expired' };
  const out: RoomTokenClaims = { room: c.room, exp: c.exp };
  if (c.role === 'sender' || c.role === 'receiver') out.role = c.role;
  return { ok: true, claims: out };
}

/**
 * How many connections are in a room on each token right now: a token admits at most `max` at once, so
 * a leaked token cannot fill the server. Keyed by the signature, which is unique per signed payload.
 */
export class TokenLeases {
  private readonly held = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a lease; false when the token already has `max` connections in rooms. */
  take(token: string): boolean {
    const key = token.slice(token.indexOf('.') + 1);
    const n = this.held.get(key) ?? 0;
    if (n >= this.max) return false;
    this.held.set(key, n + 1);
    return true;
  }

  release(token: string): void {
    const key = token.slice(token.indexOf('.') + 1);
    const n = (this.held.get(key) ?? 0) - 1;
    if (n > 0) this.held.set(key, n);
    else this.held.delete(key);
  }

  get size(): number {
    return this.held.size;
  }
}
