/**
 * The message channel model updates travel on (issue 12), shared by SwiftSRSender and SwiftSRReceiver:
 * one binary message per update (src/adapt/modelUpdate.ts), and right after it a small JSON text message,
 * the update info, with the sender's validation gain.
 */

/** What the SDK needs of a channel; an RTCDataChannel satisfies it. */
export interface UpdateChannelLike {
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  /** Set to 'arraybuffer' when present (an RTCDataChannel delivers Blobs by default). */
  binaryType?: string;
  /** Needed by the sender only. */
  send?(data: ArrayBuffer | ArrayBufferView | string): void;
  /** 'open' when sendable (RTCDataChannel). */
  readyState?: string;
  bufferedAmount?: number;
}

/** Label of the data channel (ordered, reliable) that carries model updates. */
export const UPDATE_CHANNEL_LABEL = 'swiftsr-model';

export const UPDATE_INFO_TYPE = 'swiftsr-update-info';
/** Longest update info text, in UTF-8 bytes: anything longer is refused unread. */
export const MAX_UPDATE_INFO_BYTES = 512;
/** The gain a sender may claim, in dB; beyond it the info is refused. */
export const MAX_UPDATE_GAIN_DB = 20;
/**
 * Longest variant name. Equal to the wire format's MAX_VARIANT_NAME (a test checks it): not imported, so the
 * SDK's main-thread code does not pull in the update decoder.
 */
export const MAX_INFO_VARIANT_NAME = 32;

/** The update info text message: the sender's held-back validation gain of the update with the same `seq`. */
export interface UpdateInfo {
  readonly seq: number;
  readonly gainDb: number;
  readonly variant: string;
}

const KEYS = ['type', 'seq', 'gainDb', 'variant'] as const;

function validSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 0xffffffff;
}

function validGain(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_UPDATE_GAIN_DB;
}

function validVariant(v: unknown): v is string {
  return typeof v === 'string' && v.length >= 1 && v.length <= MAX_INFO_VARIANT_NAME && /^[\x21-\x7e]+$/.test(v);
}

/** The JSON text of `info`. Throws RangeError for a field the receiver would refuse. */
export function encodeUpdateInfo(info: UpdateInfo): string {
  if (!validSeq(info.seq)) throw new RangeError(`update info: seq must be an integer in [1, 2^32 - 1], got ${String(info.seq)}`);
  if (!validGain(info.gainDb)) throw new RangeError(`update info: gainDb must be a finite number in [-${MAX_UPDATE_GAIN_DB}, ${MAX_UPDATE_GAIN_DB}], got ${String(info.gainDb)}`);
  if (!validVariant(info.variant)) throw new RangeError(`update info: variant must be 1-${MAX_INFO_VARIANT_NAME} printable ASCII characters, got '${String(info.variant)}'`);
  return JSON.stringify({ type: UPDATE_INFO_TYPE, seq: info.seq, gainDb: info.gainDb, variant: info.variant });
}

/** The update info in `text`, or null for anything else (not a string, too long, not JSON, another shape). Never throws. */
export function parseUpdateInfo(text: unknown): UpdateInfo | null {
  // Every UTF-16 unit takes at least one UTF-8 byte: a string over the limit in units is over it in bytes too.
  if (typeof text !== 'string' || text.length > MAX_UPDATE_INFO_BYTES) return null;
  if (new TextEncoder().encode(text).length > MAX_UPDATE_INFO_BYTES) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const o = parsed as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== KEYS.length || !KEYS.every((k) => Object.hasOwn(o, k))) return null;
  const { type, seq, gainDb, variant } = o;
  if (type !== UPDATE_INFO_TYPE || !validSeq(seq) || !validGain(gainDb) || !validVariant(variant)) return null;
  return { seq, gainDb, variant };
}
