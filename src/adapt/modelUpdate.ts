import { crc32 } from '../model/pth/zip.js';
import { checkWeightValues } from '../model/weightValues.js';
import { shapeSize } from '../model/weightSpec.js';
import { floatToHalf, halfBitsToFloat } from './float16.js';
import { int4Channels, int4TensorBytes, readInt4Tensor, writeInt4Tensor } from './int4Deltas.js';
import { ModelUpdateError } from './ModelUpdateError.js';
import { DIGEST_BYTES, type UpdateBase, type UpdateShape } from './updateBase.js';

/**
 * A model update on the wire (all integers little-endian):
 *
 * | bytes | field |
 * |---|---|
 * | 4 | magic `SRWU` |
 * | 1 | version (1) |
 * | 1 | encoding: 1 = fp16 deltas, 2 = int8 deltas with a float32 step per tensor, 3 = int4 deltas with an fp16 step per output channel |
 * | 1 | scale (2, 3, 4) |
 * | 1 | n = variant name length (1..32), then n ASCII bytes |
 * | 32 | base digest (UpdateBase.digest: SHA-256 of the base's folded float32 weights) |
 * | 4 | sequence number (u32, >= 1) |
 * | 2 | tensor count (must equal the variant's folded weightSpecs) |
 * | … | payload, tensors in folded weightSpecs order, no names: fp16: 2 bytes per weight; int8: per tensor a float32 step then 1 byte per weight; int4: per tensor int4Deltas.ts's layout |
 * | 4 | CRC-32 of everything before it |
 *
 * A receiver that predates an encoding refuses it as 'bad-encoding' (readUpdateHeader), before the length check.
 * The CRC is for integrity (a corrupted relay, a bug); authenticity is the transport's (DTLS data channel).
 */
export const UPDATE_MAGIC = 'SRWU';
export const UPDATE_VERSION = 1;
export const MAX_VARIANT_NAME = 32;
/** Default magnitude limit of a decoded weight (shipped models stay below ~30). */
export const DEFAULT_MAX_ABS_WEIGHT = 1024;

export type UpdateEncoding = 'fp16' | 'int8' | 'int4';
const ENCODING_IDS: Record<UpdateEncoding, number> = { fp16: 1, int8: 2, int4: 3 };
const FIXED_HEADER = 4 + 1 + 1 + 1 + 1 + DIGEST_BYTES + 4 + 2;

export interface EncodeOptions {
  readonly encoding?: UpdateEncoding;
}

export interface DecodeExpectations {
  /** The last applied sequence number: anything at or below it is 'stale-sequence'. */
  readonly after?: number;
  /** Refuse decoded weights beyond this magnitude ('out-of-range'); default DEFAULT_MAX_ABS_WEIGHT. */
  readonly maxAbsWeight?: number;
}

export interface DecodedUpdate {
  readonly seq: number;
  readonly encoding: UpdateEncoding;
  /** New folded weights in spec order (fresh arrays; the base is untouched). */
  readonly values: Float32Array[];
}

/** The header fields of an update, read before anything is known of the receiver's base. */
export interface UpdateHeader {
  readonly encoding: UpdateEncoding;
  readonly scale: number;
  readonly variant: string;
  /** The base digest the deltas are against (a view into the message). */
  readonly digest: Uint8Array;
  readonly seq: number;
  readonly tensors: number;
  /** Offset of the payload (the header's length). */
  readonly payloadAt: number;
}

function payloadBytes(base: UpdateShape, encoding: UpdateEncoding): number {
  if (encoding === 'int4') return base.specs.reduce((n, s) => n + int4TensorBytes(shapeSize(s.shape), int4Channels(s.shape)), 0);
  return encoding === 'fp16' ? 2 * base.count : base.count + 4 * base.specs.length;
}

function headerBytes(base: UpdateShape): number {
  return FIXED_HEADER + base.variant.length;
}

/** Exact size of an update for this base: header, payload and CRC. */
export function updateBytes(base: UpdateShape, encoding: UpdateEncoding): number {
  return headerBytes(base) + payloadBytes(base, encoding) + 4;
}

/** The largest valid update for this base: anything longer is refused before it is parsed. */
export function maxUpdateBytes(base: UpdateShape): number {
  return Math.max(...(Object.keys(ENCODING_IDS) as UpdateEncoding[]).map((e) => updateBytes(base, e)));
}

/**
 * Encodes `adapted` (folded values in spec order, as foldedValues() reads them) as deltas against the base.
 * Throws RangeError for a bad sequence number or a delta beyond fp16 range, TypeError for wrong sizes.
 */
export function encodeModelUpdate(base: UpdateBase, adapted: readonly Float32Array[], seq: number, opts: EncodeOptions = {}): Uint8Array {
  const encoding = opts.encoding ?? 'fp16';
  if (!Number.isInteger(seq) || seq < 1 || seq > 0xffffffff) throw new RangeError(`sequence number must be an integer in [1, 2^32 - 1], got ${seq}`);
  if (!(encoding in ENCODING_IDS)) throw new RangeError(`unknown encoding '${String(encoding)}'`);
  if (base.variant.length > MAX_VARIANT_NAME || !/^[\x21-\x7e]+$/.test(base.variant)) throw new RangeError(`variant name '${base.variant}' cannot be sent`);
  if (adapted.length !== base.specs.length) throw new TypeError(`${adapted.length} tensors, ${base.variant} has ${base.specs.length}`);
  const out = new Uint8Array(updateBytes(base, encoding));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const ch of UPDATE_MAGIC) out[at++] = ch.charCodeAt(0);
  out[at++] = UPDATE_VERSION;
  out[at++] = ENCODING_IDS[encoding];
  out[at++] = base.config.scale;
  out[at++] = base.variant.length;
  for (const ch of base.variant) out[at++] = ch.charCodeAt(0);
  out.set(base.digest, at);
  at += DIGEST_BYTES;
  view.setUint32(at, seq, true);
  view.setUint16(at + 4, base.specs.length, true);
  at += 6;
  base.specs.forEach((spec, t) => {
    const b = base.values[t] as Float32Array;
    const a = adapted[t] as Float32Array;
    if (a.length !== b.length) throw new TypeError(`'${spec.name}' has ${a.length} values, expected ${b.length}`);
    if (encoding === 'int4') {
      at = writeInt4Tensor(view, at, a, b, int4Channels(spec.shape), spec.name);
      return;
    }
    if (encoding === 'fp16') {
      for (let i = 0; i < a.length; i++, at += 2) {
        const h = floatToHalf((a[i] ?? 0) - (b[i] ?? 0));
        if ((h & 0x7c00) === 0x7c00) throw new RangeError(`'${spec.name}'[${i}]: the delta ${(a[i] ?? 0) - (b[i] ?? 0)} is not a finite fp16`);
        view.setUint16(at, h, true);
      }
      return;
    }
    let maxAbs = 0;
    for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
    if (!Number.isFinite(maxAbs)) throw new RangeError(`'${spec.name}': non-finite adapted weights`);
    const step = Math.fround(maxAbs / 127);
    view.setFloat32(at, step, true);
    at += 4;
    for (let i = 0; i < a.length; i++, at++) {
      const q = step === 0 ? 0 : Math.round(((a[i] ?? 0) - (b[i] ?? 0)) / step);
      view.setInt8(at, Math.max(-127, Math.min(127, q)));
    }
  });
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

function fail(code: ConstructorParameters<typeof ModelUpdateError>[0], message: string): never {
  throw new ModelUpdateError(code, message);
}

/**
 * Reads the header of a version 1 update (the one parser of it: routing and decoding both use it). Throws
 * ModelUpdateError: 'truncated', 'bad-magic', 'bad-version', 'bad-encoding' or 'bad-header' (name length).
 */
export function readUpdateHeader(bytes: Uint8Array): UpdateHeader {
  if (bytes.length < FIXED_HEADER + 1 + 4) fail('truncated', `${bytes.length} bytes is shorter than any update header`);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== UPDATE_MAGIC) fail('bad-magic', 'not a SwiftSR model update (magic differs)');
  if (bytes[4] !== UPDATE_VERSION) fail('bad-version', `update format version ${String(bytes[4])}; this receiver reads ${UPDATE_VERSION}`);
  const encoding = (Object.keys(ENCODING_IDS) as UpdateEncoding[]).find((k) => ENCODING_IDS[k] === bytes[5]);
  if (encoding === undefined) fail('bad-encoding', `unknown delta encoding ${String(bytes[5])}`);
  const nameLength = bytes[7] ?? 0;
  if (nameLength < 1 || nameLength > MAX_VARIANT_NAME) fail('bad-header', `variant name length ${nameLength} is outside [1, ${MAX_VARIANT_NAME}]`);
  const payloadAt = FIXED_HEADER + nameLength;
  if (bytes.length < payloadAt + 4) fail('truncated', `${bytes.length} bytes; the header alone needs ${payloadAt + 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const digestAt = 8 + nameLength;
  return {
    encoding,
    scale: bytes[6] ?? 0,
    variant: String.fromCharCode(...bytes.subarray(8, digestAt)),
    digest: bytes.subarray(digestAt, digestAt + DIGEST_BYTES),
    seq: view.getUint32(digestAt + DIGEST_BYTES, true),
    tensors: view.getUint16(payloadAt - 2, true),
    payloadAt,
  };
}

/**
 * Checks everything an update's layout decides, given only the shape of the model it must fit: size limit,
 * header, tensor count, exact length for its encoding, CRC, variant and scale, sequence above 0. What is
 * left needs the base's values: its digest, and the decoded weights. Throws ModelUpdateError only.
 */
export function checkUpdateLayout(bytes: Uint8Array, shape: UpdateShape): UpdateHeader {
  const limit = maxUpdateBytes(shape);
  if (bytes.length > limit) fail('too-large', `${bytes.length} bytes; an update for ${shape.variant} is at most ${limit}`);
  const header = readUpdateHeader(bytes);
  if (header.tensors !== shape.specs.length) fail('bad-header', `${header.tensors} tensors; ${shape.variant} has ${shape.specs.length}`);
  const size = header.payloadAt + payloadBytes(shape, header.encoding) + 4;
  if (bytes.length < size) fail('truncated', `${bytes.length} bytes; this ${header.encoding} update needs ${size}`);
  if (bytes.length > size) fail('bad-length', `${bytes.length} bytes; this ${header.encoding} update is exactly ${size}`);
  const crc = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(size - 4, true);
  if (crc32(bytes.subarray(0, size - 4)) !== crc) fail('checksum-mismatch', 'the update CRC-32 differs (corrupted message)');
  if (header.variant !== shape.variant || header.scale !== shape.config.scale) {
    fail('wrong-variant', `update for '${header.variant}' x${header.scale}; this receiver runs '${shape.variant}' x${shape.config.scale}`);
  }
  if (header.seq === 0) fail('bad-header', 'sequence number 0 is reserved for the base model');
  return header;
}

/**
 * Validates an update against the receiver's base and returns the new weights. Costs are bounded by the
 * base: a message longer than maxUpdateBytes(base) is refused unread, and the only allocation is the new
 * weights (base.count floats). Throws ModelUpdateError only.
 */
export function decodeModelUpdate(message: unknown, base: UpdateBase, expect: DecodeExpectations = {}): DecodedUpdate {
  let bytes: Uint8Array;
  if (message instanceof Uint8Array) bytes = message;
  else if (message instanceof ArrayBuffer) bytes = new Uint8Array(message);
  else fail('bad-type', `an update must be binary (Uint8Array or ArrayBuffer), got ${message === null ? 'null' : typeof message}`);
  const { digest, seq, encoding, payloadAt } = checkUpdateLayout(bytes, base);
  if (!digest.every((b, i) => b === base.digest[i])) fail('wrong-base', `update is a delta against other base weights than ${base.variant} ${base.digestHex.slice(0, 12)}…`);
  if (expect.after !== undefined && seq <= expect.after) fail('stale-sequence', `sequence ${seq} is not after the last applied ${expect.after}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { seq, encoding, values: applyDeltas(base, view, payloadAt, encoding, expect.maxAbsWeight ?? DEFAULT_MAX_ABS_WEIGHT) };
}

function applyDeltas(base: UpdateBase, view: DataView, start: number, encoding: UpdateEncoding, maxAbs: number): Float32Array[] {
  let at = start;
  return base.specs.map((spec, t) => {
    const b = base.values[t] as Float32Array;
    const out = new Float32Array(b.length);
    let step = 0;
    if (encoding === 'int4') {
      at = readInt4Tensor(view, at, b, out, int4Channels(spec.shape), spec.name);
      return checkTensor(spec.name, out, maxAbs);
    }
    if (encoding === 'int8') {
      step = view.getFloat32(at, true);
      at += 4;
      if (!Number.isFinite(step)) fail('non-finite', `'${spec.name}': quantisation step ${step}`);
      if (step < 0) fail('bad-payload', `'${spec.name}': negative quantisation step ${step}`);
    }
    for (let i = 0; i < out.length; i++) {
      const d = encoding === 'fp16' ? halfBitsToFloat(view.getUint16(at + 2 * i, true)) : step * view.getInt8(at + i);
      out[i] = (b[i] ?? 0) + d;
    }
    at += encoding === 'fp16' ? 2 * out.length : out.length;
    return checkTensor(spec.name, out, maxAbs);
  });
}

/** Refuses a decoded tensor with a weight beyond ±maxAbs ('out-of-range') or a NaN/Inf ('non-finite'). */
function checkTensor(name: string, out: Float32Array, maxAbs: number): Float32Array {
  for (let i = 0; i < out.length; i++) {
    const v = out[i] ?? 0;
    // NaN compares false here; checkWeightValues below names it.
    if (Math.abs(v) > maxAbs && Number.isFinite(v)) fail('out-of-range', `'${name}' element ${i} would be ${v}, beyond ±${maxAbs}`);
  }
  try {
    checkWeightValues(name, out);
  } catch (e) {
    fail('non-finite', (e as Error).message);
  }
  return out;
}
