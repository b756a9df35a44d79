import { describe, expect, it } from 'vitest';
import { isGlobal, PickleError, unpickle, type PickleHooks } from './pickle.js';

const hooks: PickleHooks = {
  persistentLoad: (pid) => ({ pid }),
  reduce: (callable) => (isGlobal(callable, 'collections', 'OrderedDict') ? new Map() : undefined),
};

describe('unpickle', () => {
  it('reads protocol 4 (frames, memoize, long, float, tuple, bytes) as Python wrote it', () => {
    // pickle.dumps({'a': 5, 'b': -2, 'big': 2**70, 'f': 1.5, 't': (1, 'x', None, True), 'l': [b'\x01\x02']}, protocol=4)
    const bytes = new Uint8Array([128, 4, 149, 77, 0, 0, 0, 0, 0, 0, 0, 125, 148, 40, 140, 1, 97, 148, 75, 5, 140, 1, 98, 148, 74, 254, 255, 255, 255, 140, 3, 98, 105, 103, 148, 138, 9, 0, 0, 0, 0, 0, 0, 0, 0, 64, 140, 1, 102, 148, 71, 63, 248, 0, 0, 0, 0, 0, 0, 140, 1, 116, 148, 40, 75, 1, 140, 1, 120, 148, 78, 136, 116, 148, 140, 1, 108, 148, 93, 148, 67, 2, 1, 2, 148, 97, 117, 46]);
    const v = unpickle(bytes, hooks) as Map<string, unknown>;
    expect(v.get('a')).toBe(5);
    expect(v.get('b')).toBe(-2);
    expect(v.get('big')).toBe(2n ** 70n);
    expect(v.get('f')).toBe(1.5);
    expect(v.get('t')).toEqual([1, 'x', null, true]);
    expect(v.get('l')).toEqual([new Uint8Array([1, 2])]);
  });

  it('reads protocol 2 OrderedDict through REDUCE, with memo references', () => {
    // pickle.dumps(collections.OrderedDict([('k', [1, 2])]), protocol=2)
    const bytes = new Uint8Array([128, 2, 99, 99, 111, 108, 108, 101, 99, 116, 105, 111, 110, 115, 10, 79, 114, 100, 101, 114, 101, 100, 68, 105, 99, 116, 10, 113, 0, 41, 82, 113, 1, 88, 1, 0, 0, 0, 107, 113, 2, 93, 113, 3, 40, 75, 1, 75, 2, 101, 115, 46]);
    expect(unpickle(bytes, hooks)).toEqual(new Map([['k', [1, 2]]]));
  });

  it('never executes globals: unknown calls stay inert descriptors', () => {
    // c os\nsystem\n (S'echo' t R .  -- the classic pickle exploit, as data only
    const bytes = new TextEncoder().encode("cos\nsystem\n(X\u0004\u0000\u0000\u0000echotR.");
    expect(unpickle(bytes, hooks)).toEqual({ kind: 'object', callable: { kind: 'global', module: 'os', name: 'system' }, args: ['echo'] });
  });

  it('rejects truncated input and unknown opcodes', () => {
    expect(() => unpickle(new Uint8Array([128, 2, 74, 1]), hooks)).toThrow(PickleError);
    expect(() => unpickle(new Uint8Array([128, 2, 0xff]), hooks)).toThrow(/unsupported pickle opcode 0xff/);
  });
});
