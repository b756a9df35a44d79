import type { SerializedError } from '../worker/protocol.js';

export type SwiftSRErrorCode =
  | 'invalid-state'
  | 'no-video-track'
  | 'unsupported'
  | 'worker-failed'
  | 'model-load-failed'
  | 'gpu-error'
  | 'aborted'
  | 'internal'
  | 'model-update-rejected'
  | (string & {});

/** Every error the SDK raises itself; `code` is stable, `message` is for people. */
export class SwiftSRError extends Error {
  override name = 'SwiftSRError';
  readonly code: SwiftSRErrorCode;

  constructor(code: SwiftSRErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A method was called in a state that forbids it (chiefly: after dispose()). */
export class InvalidStateError extends SwiftSRError {
  override name = 'InvalidStateError';

  constructor(message: string) {
    super('invalid-state', message);
  }
}

/**
 * Model update messages were refused (error events, at most one per reason per second). `reason` is the
 * refusal's code (a ModelUpdateError code such as 'wrong-base' or 'stale-sequence', or 'bad-info' for
 * update info text that is not the contract's JSON); `count` how many messages this event stands for.
 */
export class ModelUpdateRejectedError extends SwiftSRError {
  override name = 'ModelUpdateRejectedError';
  readonly reason: string;
  readonly count: number;

  constructor(reason: string, count: number, message: string) {
    super('model-update-rejected', message);
    this.reason = reason;
    this.count = count;
  }
}

/**
 * Rebuilds an error that crossed the worker boundary. Native TypeError/RangeError and AbortError keep their
 * type so callers can branch on it; everything else becomes a SwiftSRError that keeps the original name
 * (e.g. 'ModelLoadError') and code.
 */
export function deserializeError(wire: SerializedError): Error {
  switch (wire.name) {
    case 'TypeError':
      return new TypeError(wire.message);
    case 'RangeError':
      return new RangeError(wire.message);
    case 'AbortError':
      return new DOMException(wire.message, 'AbortError');
    case 'InvalidStateError':
      return new InvalidStateError(wire.message);
    default: {
      const e = new SwiftSRError(wire.code, wire.message);
      if (wire.name !== 'Error') e.name = wire.name;
      return e;
    }
  }
}
