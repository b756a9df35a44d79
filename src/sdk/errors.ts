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
