import { encodeModelUpdate, maxUpdateBytes, type UpdateEncoding } from '../../adapt/modelUpdate.js';
import type { UpdateBase } from '../../adapt/updateBase.js';
import { seededRandom } from '../../model/initGeneratorWeights.js';
import { crc32 } from '../../model/pth/zip.js';

/** One message of a hostile stream: binary bytes, or something else a data channel (or an app) may deliver. */
export type HostileMessage =
  | { readonly kind: 'binary'; readonly bytes: Uint8Array; readonly what: string; readonly validSeq: number | null }
  | { readonly kind: 'other'; readonly value: unknown; readonly what: string; readonly validSeq: null };

/** The base's values plus seeded uniform noise of amplitude `amp`: an adapted model. */
export function adaptedValues(base: UpdateBase, seed: number, amp = 0.01): Float32Array[] {
  const rand = seededRandom(seed);
  return base.values.map((v) => Float32Array.from(v, (x) => x + amp * (2 * rand() - 1)));
}

function flip(bytes: Uint8Array, at: number, mask: number): Uint8Array {
  bytes[at] = (bytes[at] ?? 0) ^ mask;
  return bytes;
}

/** A message whose CRC is right for its (hostile) content, so the checks after the CRC are reached. */
export function withCrc(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

function nanFp16(base: UpdateBase, seq: number, pick: (n: number) => number): Uint8Array {
  const nan = encodeModelUpdate(base, base.values, seq, { encoding: 'fp16' });
  new DataView(nan.buffer).setUint16(nan.length - 4 - 2 * (1 + pick(100)), pick(2) === 0 ? 0x7e00 : 0x7c00, true);
  return withCrc(nan);
}

/** An int4 update with its first step NaN/-Inf, or its last nibble byte holding level -8 or a non-zero pad. */
function badInt4(base: UpdateBase, seq: number, pick: (n: number) => number): Uint8Array {
  const bad = encodeModelUpdate(base, adaptedValues(base, seq), seq, { encoding: 'int4' });
  if (pick(2) === 0) new DataView(bad.buffer).setUint16(8 + base.variant.length + 32 + 6, pick(2) === 0 ? 0x7e00 : 0xfc00, true);
  else bad[bad.length - 5] = pick(2) === 0 ? 0x08 : 0x80;
  return withCrc(bad);
}

/**
 * A seeded stream of update messages for `base`, most of them hostile: random bytes, bit flips, truncations,
 * an update of `other` (another variant, never loaded), a delta against another base (digest flipped, CRC
 * fixed), NaN/Inf fp16 deltas or int4 steps, int4 level -8 or padding (CRC fixed), replays of older sequences, oversize messages, non-binary
 * values; about one in six is a valid update with a rising sequence (validSeq says which).
 */
export function* hostileUpdates(base: UpdateBase, other: UpdateBase, seed: number, count: number): Generator<HostileMessage> {
  const rand = seededRandom(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  let seq = 10;
  const digestAt = 8 + base.variant.length;
  const encodings: readonly UpdateEncoding[] = ['fp16', 'int8', 'int4'];
  for (let i = 0; i < count; i++) {
    const m = encodeModelUpdate(base, adaptedValues(base, seed * 100_003 + i, 0.02), ++seq, { encoding: encodings[i % 3] ?? 'int4' });
    switch (pick(12)) {
      case 0: yield { kind: 'binary', bytes: Uint8Array.from({ length: pick(200) }, () => pick(256)), what: 'random bytes', validSeq: null }; break;
      case 1: yield { kind: 'binary', bytes: flip(m, pick(m.length), 1 << pick(8)), what: 'bit flip', validSeq: null }; break;
      case 2: yield { kind: 'binary', bytes: m.slice(0, pick(m.length)), what: 'truncated', validSeq: null }; break;
      case 3: yield { kind: 'binary', bytes: encodeModelUpdate(other, other.values, seq), what: `update for ${other.variant}`, validSeq: null }; break;
      case 4: yield { kind: 'binary', bytes: pick(2) === 0 ? badInt4(base, seq, pick) : nanFp16(base, seq, pick), what: 'NaN/Inf delta or int4 step, int4 level -8 or padding', validSeq: null }; break;
      case 5: {
        const replayed = Math.max(1, seq - 5 - pick(5));
        // A well-formed update; refused as stale unless nothing newer was applied yet.
        yield { kind: 'binary', bytes: encodeModelUpdate(base, adaptedValues(base, replayed), replayed), what: 'replayed sequence', validSeq: replayed };
        break;
      }
      case 6: yield { kind: 'binary', bytes: new Uint8Array(maxUpdateBytes(base) + 1 + pick(1000)), what: 'oversize', validSeq: null }; break;
      case 7: yield { kind: 'other', value: [null, 'text', 42, { type: 'x' }, undefined][pick(5)], what: 'not binary', validSeq: null }; break;
      case 8: yield { kind: 'binary', bytes: withCrc(flip(m, digestAt + pick(32), 0xff)), what: 'other base', validSeq: null }; break;
      default: yield { kind: 'binary', bytes: m, what: 'valid', validSeq: seq };
    }
  }
}
