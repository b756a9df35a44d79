import { MAX_VARIANT_NAME, UPDATE_MAGIC, UPDATE_VERSION, maxUpdateBytes } from '../adapt/modelUpdate.js';
import { ModelUpdateError } from '../adapt/ModelUpdateError.js';
import { DIGEST_BYTES } from '../adapt/updateBase.js';
import { VARIANTS } from '../model/variants.js';
import { shapeSize, weightSpecs } from '../model/weightSpec.js';

/** Which model an update message is for, read from its header before any base is known. */
export interface UpdateTarget {
  readonly variant: string;
  readonly scale: number;
  readonly seq: number;
  readonly digest: Uint8Array;
}

/**
 * Reads the routing fields of a version 1 update (layout in src/adapt/modelUpdate.ts: magic, version,
 * encoding, scale, name length + name, digest, sequence). Only enough to pick the model whose gate judges
 * the message, or to hold it until that model loads; decodeModelUpdate does the full validation. A header
 * it cannot read is refused with the code decodeModelUpdate would give.
 */
export function readUpdateTarget(bytes: Uint8Array): UpdateTarget | ModelUpdateError {
  if (bytes.length < 8) return new ModelUpdateError('truncated', `${bytes.length} bytes is shorter than any update header`);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== UPDATE_MAGIC) return new ModelUpdateError('bad-magic', 'not a SwiftSR model update (magic differs)');
  if (bytes[4] !== UPDATE_VERSION) return new ModelUpdateError('bad-version', `update format version ${String(bytes[4])}; this receiver reads ${UPDATE_VERSION}`);
  const n = bytes[7] ?? 0;
  if (n < 1 || n > MAX_VARIANT_NAME) return new ModelUpdateError('bad-header', `variant name length ${n} is outside [1, ${MAX_VARIANT_NAME}]`);
  const end = 8 + n + DIGEST_BYTES + 4;
  if (bytes.length < end) return new ModelUpdateError('truncated', `${bytes.length} bytes; the header needs more`);
  const seq = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8 + n + DIGEST_BYTES, true);
  return {
    variant: String.fromCharCode(...bytes.subarray(8, 8 + n)),
    scale: bytes[6] ?? 0,
    seq,
    digest: bytes.slice(8 + n, 8 + n + DIGEST_BYTES),
  };
}

const limits = new Map<string, number>();

/**
 * The largest valid update for an architecture variant (null: no such variant), from its weight shapes
 * alone: what a message held before its model loads may weigh at most.
 */
export function variantUpdateLimit(variant: string): number | null {
  const cached = limits.get(variant);
  if (cached !== undefined) return cached;
  const info = VARIANTS.get(variant);
  if (info === undefined) return null;
  const specs = weightSpecs(info.config, { folded: true });
  const limit = maxUpdateBytes({ variant, specs, count: specs.reduce((s, w) => s + shapeSize(w.shape), 0) });
  limits.set(variant, limit);
  return limit;
}
