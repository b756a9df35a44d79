import { describe, expect, it } from 'vitest';
import { floatToHalf, halfBitsToFloat } from './float16.js';
import { checkUpdateLayout, decodeModelUpdate, encodeModelUpdate, maxUpdateBytes, readUpdateHeader, updateBytes, variantUpdateShape, type DecodeExpectations } from './modelUpdate.js';
import { ModelUpdateError, type ModelUpdateErrorCode } from './ModelUpdateError.js';
import { crc32 } from '../model/pth/zip.js';
import { createUpdateBase, type UpdateBase } from './updateBase.js';
import { perturb, syntheticBase, tinyValues } from './testSupport.js';

function codeOf(f: () => unknown): ModelUpdateErrorCode | 'none' {
  try {
    f();
    return 'none';
  } catch (e) {
    if (!(e instanceof ModelUpdateError)) throw e;
    return e.code;
  }
}

/** Re-seals a hand-edited message with a valid CRC, so the check after the CRC is what fails. */
function reseal(m: Uint8Array): Uint8Array {
  const out = Uint8Array.from(m);
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

const tiny = async (): Promise<UpdateBase> => createUpdateBase('tiny', (await tinyValues()).values);
const SEQ_AT = 8 + 'tiny'.length + 32;

describe('float16', () => {
  it('round-trips every half value and rounds to nearest even', () => {
    for (let h = 0; h < 0x10000; h++) {
      const f = halfBitsToFloat(h);
      if (Number.isNaN(f)) expect(Number.isNaN(halfBitsToFloat(floatToHalf(f)))).toBe(true);
      else expect(floatToHalf(f)).toBe(h);
    }
    expect(halfBitsToFloat(floatToHalf(1 + 2 ** -11))).toBe(1);
    expect(halfBitsToFloat(floatToHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(halfBitsToFloat(floatToHalf(70000))).toBe(Infinity);
    expect(halfBitsToFloat(floatToHalf(2 ** -26))).toBe(0);
  });
});

describe('model update messages', () => {
  it('digests the base as the shipped shard is checksummed', async () => {
    const { values, shardSha256 } = await tinyValues();
    expect((await createUpdateBase('tiny', values)).digestHex).toBe(shardSha256);
  });

  it('round-trips fp16 deltas within half a fp16 step and int8 within half a quantisation step', async () => {
    const base = await tiny();
    const adapted = perturb(base, 0.05, 7);
    const fp16 = decodeModelUpdate(encodeModelUpdate(base, adapted, 1), base);
    const int8 = decodeModelUpdate(encodeModelUpdate(base, adapted, 2, { encoding: 'int8' }), base);
    expect([fp16.seq, fp16.encoding, int8.seq, int8.encoding]).toEqual([1, 'fp16', 2, 'int8']);
    base.values.forEach((b, t) => {
      const a = adapted[t] as Float32Array;
      let maxDelta = 0;
      for (let i = 0; i < a.length; i++) maxDelta = Math.max(maxDelta, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
      const step = maxDelta / 127;
      for (let i = 0; i < a.length; i++) {
        const d = (a[i] ?? 0) - (b[i] ?? 0);
        // fp16: relative 2^-11 of the delta (plus float32 rounding of the sum).
        expect(Math.abs((fp16.values[t]?.[i] ?? 0) - (a[i] ?? 0))).toBeLessThanOrEqual(Math.abs(d) * 2 ** -11 + 4e-6);
        expect(Math.abs((int8.values[t]?.[i] ?? 0) - (a[i] ?? 0))).toBeLessThanOrEqual(step / 2 + 4e-6);
      }
    });
  });

  it('sizes: tiny and lite48x8 (fp16 / int8), never above maxUpdateBytes', async () => {
    const base = await tiny();
    const lite = await syntheticBase('lite48x8', 3);
    const sizes = [base, lite].map((b) => [b.count, updateBytes(b, 'fp16'), updateBytes(b, 'int8'), maxUpdateBytes(b)]);
    // 46 header bytes + the variant name, the payload, a 4-byte CRC; tiny has 24 folded tensors, lite48x8 66.
    expect(sizes).toEqual([
      [3395, 6844, 3545, 6844],
      [50979, 102016, 51301, 102016],
    ]);
    expect(encodeModelUpdate(lite, perturb(lite, 0.01, 1), 9, { encoding: 'int8' }).length).toBe(updateBytes(lite, 'int8'));
  });

  it('refuses each fault with its own code', async () => {
    const base = await tiny();
    const good = encodeModelUpdate(base, perturb(base, 0.01, 1), 5);
    const at = (i: number, v: number): Uint8Array => {
      const m = Uint8Array.from(good);
      m[i] = v;
      return m;
    };
    const dec = (m: unknown, e: DecodeExpectations = {}) => () => decodeModelUpdate(m, base, e);
    const otherBase = await syntheticBase('tiny', 1);
    const nanDelta = reseal(at(SEQ_AT + 6, 0x00));
    nanDelta[SEQ_AT + 6] = 0x00;
    nanDelta[SEQ_AT + 7] = 0x7e;
    const int8 = encodeModelUpdate(base, perturb(base, 0.01, 1), 5, { encoding: 'int8' });
    const nanStep = Uint8Array.from(int8);
    new DataView(nanStep.buffer).setFloat32(SEQ_AT + 6, Number.NaN, true);
    const negStep = Uint8Array.from(int8);
    new DataView(negStep.buffer).setFloat32(SEQ_AT + 6, -1, true);
    const huge = Uint8Array.from(good);
    new DataView(huge.buffer).setUint16(SEQ_AT + 6, floatToHalf(60000), true);
    const cases: [ModelUpdateErrorCode | 'none', () => unknown][] = [
      ['none', dec(good)],
      ['bad-type', dec('SRWU')],
      ['bad-type', dec(null)],
      ['none', dec(good.buffer)],
      ['too-large', dec(new Uint8Array(maxUpdateBytes(base) + 1))],
      ['truncated', dec(good.subarray(0, 20))],
      ['truncated', dec(good.subarray(0, good.length - 1))],
      ['bad-magic', dec(at(0, 0x58))],
      ['bad-version', dec(at(4, 2))],
      ['bad-encoding', dec(at(5, 9))],
      ['bad-header', dec(at(7, 0))],
      ['bad-header', dec(at(7, 33))],
      ['bad-header', dec(at(SEQ_AT + 4, 35))],
      ['bad-length', dec(reseal(Uint8Array.from([...int8, 0])))],
      ['checksum-mismatch', dec(at(100, (good[100] ?? 0) ^ 1))],
      ['wrong-variant', dec(reseal(at(6, 2)))],
      ['wrong-variant', dec(reseal(at(8, 0x54)))],
      ['wrong-base', dec(encodeModelUpdate(otherBase, otherBase.values, 5))],
      ['bad-header', dec(reseal(new Uint8Array([...good.subarray(0, SEQ_AT), 0, 0, 0, 0, ...good.subarray(SEQ_AT + 4)])))],
      ['stale-sequence', dec(good, { after: 5 })],
      ['stale-sequence', dec(good, { after: 9 })],
      ['none', dec(good, { after: 4 })],
      ['non-finite', dec(reseal(nanDelta))],
      ['non-finite', dec(reseal(nanStep))],
      ['bad-payload', dec(reseal(negStep))],
      ['out-of-range', dec(reseal(huge))],
      ['none', dec(reseal(huge), { maxAbsWeight: 1e5 })],
    ];
    expect(cases.map(([, f]) => codeOf(f))).toEqual(cases.map(([c]) => c));
  });

  it('reads the header alone, and checks the layout against a variant shape without its base', async () => {
    const x2 = await syntheticBase('tiny-x2', 2);
    const good = encodeModelUpdate(x2, x2.values, 77, { encoding: 'int8' });
    const header = readUpdateHeader(good);
    expect({ ...header, digest: [...header.digest] }).toEqual({ encoding: 'int8', scale: 2, variant: 'tiny-x2', digest: [...x2.digest], seq: 77, tensors: 24, payloadAt: 46 + 7 });
    expect(codeOf(() => readUpdateHeader(good.subarray(0, 7)))).toBe('truncated');
    expect(codeOf(() => readUpdateHeader(good.subarray(0, 46 + 7 + 3)))).toBe('truncated');
    const shape = variantUpdateShape('tiny-x2');
    if (shape === null) throw new Error('tiny-x2 has no shape');
    expect([shape.count, shape.specs.length, shape.config.scale, maxUpdateBytes(shape)]).toEqual([x2.count, 24, 2, maxUpdateBytes(x2)]);
    expect(variantUpdateShape('tiny-x2')).toBe(shape);
    expect(variantUpdateShape('nope')).toBeNull();
    // Layout faults get decodeModelUpdate's codes with no base at hand; a wrong digest passes (only the base knows it).
    const otherBase = encodeModelUpdate(await syntheticBase('tiny-x2', 9), x2.values, 5);
    const cases: [ModelUpdateErrorCode | 'none', Uint8Array][] = [
      ['none', good],
      ['none', otherBase],
      ['too-large', new Uint8Array(maxUpdateBytes(shape) + 1)],
      ['truncated', good.subarray(0, good.length - 1)],
      ['bad-length', reseal(Uint8Array.from([...good, 0]))],
      ['checksum-mismatch', good.map((b, i) => (i === 60 ? b ^ 4 : b))],
      ['wrong-variant', reseal(good.map((b, i) => (i === 6 ? 4 : b)))],
      ['wrong-variant', reseal(good.map((b, i) => (i === 8 + 6 ? 0x33 : b)))],
      ['bad-header', reseal(good.map((b, i) => (i >= 8 + 7 + 32 && i < 8 + 7 + 36 ? 0 : b)))],
    ];
    expect(cases.map(([, m]) => codeOf(() => checkUpdateLayout(m, shape)))).toEqual(cases.map(([c]) => c));
    expect(codeOf(() => decodeModelUpdate(otherBase, x2))).toBe('wrong-base');
  });

  it('the encoder refuses what it cannot send', async () => {
    const base = await tiny();
    expect(() => encodeModelUpdate(base, base.values, 0)).toThrow(RangeError);
    expect(() => encodeModelUpdate(base, base.values, 2 ** 32)).toThrow(RangeError);
    expect(() => encodeModelUpdate(base, perturb(base, 1e5, 1), 1)).toThrow(/not a finite fp16/);
    expect(() => encodeModelUpdate(base, base.values.slice(1), 1)).toThrow(TypeError);
  });
});
