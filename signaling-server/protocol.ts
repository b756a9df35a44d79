/**
 * The signaling wire protocol: JSON text frames, one message per frame. Client messages are validated
 * here with hand-written guards (no schema library: the schema is small and the guards double as the
 * documentation of every limit). Both the server and the browser pages import these types.
 */
import { isMsRequestType, validateMsRequest, type MsRequest, type MsServerMessage } from './mediasoupProtocol.js';
import { checkKeys, checkString, describeValue, isRecord, jsonTextNestsDeeperThan, nestsDeeperThan } from './schema.js';

export type Role = 'sender' | 'receiver';
export type MediaMode = 'p2p' | 'sfu' | 'mediasoup';

/** The id the SFU answers to when the server forwards media itself. */
export const SFU_PEER_ID = 'sfu';

export const LIMITS = {
  roomId: 64,
  peerId: 64,
  token: 1024,
  sdp: 64 * 1024,
  candidate: 1024,
  sdpMid: 64,
  /** Arrays/objects inside each other; the deepest real message (ms-produce: rtcpFeedback entries) nests 6. */
  jsonDepth: 16,
} as const;

const ROOM_ID_RE = /^[A-Za-z0-9_-]+$/;

export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export interface JoinMessage { type: 'join'; room: string; role: Role; token?: string }
export interface OfferMessage { type: 'offer'; to: string; sdp: string }
export interface AnswerMessage { type: 'answer'; to: string; sdp: string }
/** `candidate: null` is the end-of-candidates marker. */
export interface CandidateMessage { type: 'candidate'; to: string; candidate: IceCandidateInit | null }
export interface LeaveMessage { type: 'leave' }

export type ClientMessage = JoinMessage | OfferMessage | AnswerMessage | CandidateMessage | LeaveMessage | MsRequest;
export type SignalMessage = OfferMessage | AnswerMessage | CandidateMessage;

export interface PeerInfo { id: string; role: Role }
export interface IceServerConfig { urls: string | string[]; username?: string; credential?: string }

export type ErrorCode =
  | 'bad_json'
  | 'bad_message'
  | 'binary_unsupported'
  | 'not_joined'
  | 'already_joined'
  | 'unknown_peer'
  | 'forbidden'
  | 'room_full'
  | 'sender_taken'
  | 'token_required'
  | 'token_invalid'
  | 'token_expired'
  | 'token_in_use'
  | 'rate_limited'
  | 'media_error'
  | 'unsupported';

export interface JoinedMessage {
  type: 'joined';
  id: string;
  room: string;
  role: Role;
  mode: MediaMode;
  peers: PeerInfo[];
  iceServers: IceServerConfig[];
}
export interface PeerJoinedMessage { type: 'peer-joined'; peer: PeerInfo }
export interface PeerLeftMessage { type: 'peer-left'; peer: PeerInfo }
export interface RelayedOffer { type: 'offer'; from: string; sdp: string }
export interface RelayedAnswer { type: 'answer'; from: string; sdp: string }
export interface RelayedCandidate { type: 'candidate'; from: string; candidate: IceCandidateInit | null }
/** `requestId` is set when the error answers an `ms-*` request. */
export interface ErrorMessage { type: 'error'; code: ErrorCode; message: string; requestId?: number }

export type ServerMessage =
  | JoinedMessage
  | PeerJoinedMessage
  | PeerLeftMessage
  | RelayedOffer
  | RelayedAnswer
  | RelayedCandidate
  | ErrorMessage
  | MsServerMessage;

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; message: string };

function fail(code: ErrorCode, message: string): ParseResult {
  return { ok: false, code, message };
}

function parseCandidate(v: unknown): IceCandidateInit | null | string {
  if (v === null) return null;
  if (!isRecord(v)) return '"candidate" must be an object or null';
  const keys = checkKeys({ ...v, type: 'candidate' }, ['type', 'candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment']);
  if (keys !== null) return keys;
  if (typeof v.candidate !== 'string' || v.candidate.length > LIMITS.candidate) return `candidate.candidate must be a string of at most ${LIMITS.candidate} characters`;
  const out: IceCandidateInit = { candidate: v.candidate };
  const { sdpMid, sdpMLineIndex, usernameFragment } = v;
  if (sdpMid !== undefined) {
    if (sdpMid !== null && (typeof sdpMid !== 'string' || sdpMid.length > LIMITS.sdpMid)) return `candidate.sdpMid must be a string of at most ${LIMITS.sdpMid} characters or null`;
    out.sdpMid = sdpMid;
  }
  if (sdpMLineIndex !== undefined) {
    if (sdpMLineIndex !== null && (typeof sdpMLineIndex !== 'number' || !Number.isInteger(sdpMLineIndex) || sdpMLineIndex < 0 || sdpMLineIndex > 1023)) {
      return 'candidate.sdpMLineIndex must be an integer in 0..1023 or null';
    }
    out.sdpMLineIndex = sdpMLineIndex;
  }
  if (usernameFragment !== undefined) {
    if (usernameFragment !== null && (typeof usernameFragment !== 'string' || usernameFragment.length > 256)) return 'candidate.usernameFragment must be a string of at most 256 characters or null';
    out.usernameFragment = usernameFragment;
  }
  return out;
}

/** Validates one already-decoded JSON value. Never throws. */
export function validateClientMessage(data: unknown): ParseResult {
  if (!isRecord(data)) return fail('bad_message', 'a message must be a JSON object');
  if (nestsDeeperThan(data, LIMITS.jsonDepth)) return fail('bad_message', `a message may nest arrays and objects at most ${LIMITS.jsonDepth} deep`);
  const type = data.type;
  switch (type) {
    case 'join': {
      const err = checkKeys(data, ['type', 'room', 'role', 'token'])
        ?? checkString(data, 'room', LIMITS.roomId)
        ?? (ROOM_ID_RE.test(data.room as string) ? null : '"room" may only contain A-Z, a-z, 0-9, "_" and "-"')
        ?? (data.role === 'sender' || data.role === 'receiver' ? null : '"role" must be "sender" or "receiver"')
        ?? (data.token === undefined ? null : checkString(data, 'token', LIMITS.token));
      if (err !== null) return fail('bad_message', err);
      const msg: JoinMessage = { type, room: data.room as string, role: data.role as Role };
      if (data.token !== undefined) msg.token = data.token as string;
      return { ok: true, message: msg };
    }
    case 'offer':
    case 'answer': {
      const err = checkKeys(data, ['type', 'to', 'sdp']) ?? checkString(data, 'to', LIMITS.peerId) ?? checkString(data, 'sdp', LIMITS.sdp);
      if (err !== null) return fail('bad_message', err);
      return { ok: true, message: { type, to: data.to as string, sdp: data.sdp as string } };
    }
    case 'candidate': {
      const err = checkKeys(data, ['type', 'to', 'candidate']) ?? checkString(data, 'to', LIMITS.peerId)
        ?? (data.candidate === undefined ? '"candidate" is required (null marks the end of candidates)' : null);
      if (err !== null) return fail('bad_message', err);
      const candidate = parseCandidate(data.candidate);
      if (typeof candidate === 'string') return fail('bad_message', candidate);
      return { ok: true, message: { type, to: data.to as string, candidate } };
    }
    case 'leave': {
      const err = checkKeys(data, ['type']);
      if (err !== null) return fail('bad_message', err);
      return { ok: true, message: { type } };
    }
    default: {
      if (isMsRequestType(type)) {
        const r = validateMsRequest(data, type);
        return typeof r === 'string' ? fail('bad_message', r) : { ok: true, message: r };
      }
      const got = typeof type === 'string' ? `"${type.slice(0, 32).replace(/[^\x20-\x7e]/g, '?')}"` : describeValue(type ?? null);
      return fail('bad_message', `unknown message type ${got}; expected join, offer, answer, candidate, leave or an ms-* request`);
    }
  }
}

/** Decodes and validates one text frame. Never throws. */
export function parseClientMessage(text: string): ParseResult {
  if (jsonTextNestsDeeperThan(text, LIMITS.jsonDepth)) return fail('bad_message', `a message may nest arrays and objects at most ${LIMITS.jsonDepth} deep`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return fail('bad_json', 'the message is not valid JSON');
  }
  return validateClientMessage(data);
}
