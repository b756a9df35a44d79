export type ModelUpdateErrorCode =
  /** Not a Uint8Array / ArrayBuffer (a data channel can deliver strings and Blobs). */
  | 'bad-type'
  /** Longer than any valid update for the base's variant can be. */
  | 'too-large'
  /** Shorter than its header says it is. */
  | 'truncated'
  | 'bad-magic'
  | 'bad-version'
  /** Unknown delta encoding. */
  | 'bad-encoding'
  /** A header field out of range (variant name length, sequence 0, tensor count). */
  | 'bad-header'
  /** Longer than its header says it is (but within the variant's limit). */
  | 'bad-length'
  | 'checksum-mismatch'
  /** Made for another variant or scale than the receiver's base. */
  | 'wrong-variant'
  /** A delta against other base weights (the base checksum differs). */
  | 'wrong-base'
  /** Sequence number not above the last applied one (replayed or out of order). */
  | 'stale-sequence'
  /** NaN or ±Infinity in a delta, a quantisation step or the resulting weights. */
  | 'non-finite'
  /** A resulting weight beyond the magnitude limit (finite, but would overflow the forward pass). */
  | 'out-of-range'
  /** A negative int8 quantisation step. */
  | 'bad-payload'
  /** ModelUpdateGate: over the message or byte rate. */
  | 'rate-limited';

/** Why an update message was refused. `code` is stable; the message is for people. */
export class ModelUpdateError extends Error {
  override readonly name = 'ModelUpdateError';
  readonly code: ModelUpdateErrorCode;

  constructor(code: ModelUpdateErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
