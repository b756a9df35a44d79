export type ModelLoadErrorCode =
  | 'fetch-failed'
  | 'bad-manifest'
  | 'unknown-variant'
  | 'missing-tensor'
  | 'extra-tensor'
  | 'shape-mismatch'
  | 'dtype-mismatch'
  | 'truncated-shard'
  | 'checksum-mismatch'
  /** A file over its size limit (model.json / swiftsr.json over 1 MiB) or too many shards. */
  | 'too-large'
  /** NaN or Infinity in the weights, or a negative BN running variance. */
  | 'non-finite-weights'
  | 'aborted'
  /** models/index.json (catalog.ts): */
  | 'bad-index'
  | 'index-version'
  | 'index-too-large';

/** Why a weights directory could not be loaded. `code` is stable; the message is for people. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  readonly code: ModelLoadErrorCode;

  constructor(code: ModelLoadErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
