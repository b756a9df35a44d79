import { describe, expect, it } from 'vitest';
import { isMainToWorker, isWorkerToMain } from './protocol.js';

describe('protocol guards', () => {
  it('accept each direction only its own messages', () => {
    expect(isMainToWorker({ type: 'dispose' })).toBe(true);
    expect(isMainToWorker({ type: 'stats', stats: {} })).toBe(false);
    expect(isWorkerToMain({ type: 'stats', stats: {} })).toBe(true);
    expect(isWorkerToMain({ type: 'attach' })).toBe(false);
  });

  it('reject non-messages', () => {
    for (const v of [null, undefined, 3, 'dispose', {}, { type: 7 }]) {
      expect(isMainToWorker(v)).toBe(false);
      expect(isWorkerToMain(v)).toBe(false);
    }
  });
});
