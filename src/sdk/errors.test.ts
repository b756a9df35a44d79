import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../model/ModelLoadError.js';
import { serializeError } from '../worker/protocol.js';
import { deserializeError, InvalidStateError, SwiftSRError } from './errors.js';

const roundTrip = (e: unknown): Error => deserializeError(structuredClone(serializeError(e)));

describe('errors across the worker boundary', () => {
  it('keeps name, code and message of a coded error', () => {
    const back = roundTrip(new ModelLoadError('checksum-mismatch', 'shard 0 sha256 differs'));
    expect(back).toBeInstanceOf(SwiftSRError);
    expect(back.name).toBe('ModelLoadError');
    expect((back as SwiftSRError).code).toBe('checksum-mismatch');
    expect(back.message).toBe('shard 0 sha256 differs');
  });

  it('rebuilds native and DOM error types', () => {
    expect(roundTrip(new TypeError('t'))).toBeInstanceOf(TypeError);
    expect(roundTrip(new RangeError('r'))).toBeInstanceOf(RangeError);
    const abort = roundTrip(new DOMException('stop', 'AbortError'));
    expect(abort.name).toBe('AbortError');
    expect(serializeError(new DOMException('stop', 'AbortError')).code).toBe('aborted');
    const state = roundTrip(new InvalidStateError('disposed'));
    expect(state).toBeInstanceOf(InvalidStateError);
    expect((state as InvalidStateError).code).toBe('invalid-state');
  });

  it('wraps non-errors with the fallback code', () => {
    expect(serializeError('oops', 'gpu-error')).toEqual({ name: 'Error', code: 'gpu-error', message: 'oops' });
    const plain = roundTrip(new Error('x'));
    expect(plain).toBeInstanceOf(SwiftSRError);
    expect((plain as SwiftSRError).code).toBe('internal');
  });
});
