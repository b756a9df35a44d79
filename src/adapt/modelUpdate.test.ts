import { describe, expect, it } from 'vitest';
import { floatToHalf, halfBitsToFloat } from './float16.js';
import { checkUpdateLayout, decodeModelUpdate, encodeModelUpdate, maxUpdateBytes, readUpdateHeader, updateBytes, type DecodeExpectations } from './modelUpdate.js';
import { ModelUpdateError, type ModelUpdateErrorCode } from './ModelUpdateError.js';
import { crc32 } from '../model/pth/zip.js';
import { createUpdateBase, variantUpdateShape, type UpdateBase } from './updateBase.js';
import { int4Channels } from './int4Deltas.js';
import { shapeSize } from '../model/weightSpec.js';
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

  it('sizes: tiny and lite48x8 (fp16 / int8 / int4), never above maxUpdateBytes', async () => {
    const base = await tiny();
    const lite = await syntheticBase('lite48x8', 3);
    const sizes = [base, lite].map((b) => [b.count, updateBytes(b, 'fp16'), updateBytes(b, 'int8'), updateBytes(b, 'int4'), maxUpdateBytes(b)]);
    // 46 header bytes + the variant name, the payload, a 4-byte CRC; tiny has 24 folded tensors, lite48x8 66.
    // int4: half a byte per weight (rounded up per tensor) and 2 bytes per channel (tiny 1,101, lite48x8 3,123).
    expect(sizes).toEqual([
      [3395, 6844, 3545, 2622, 6844],
      [50979, 102016, 51301, 31794, 102016],
    ]);
    for (const b of [base, lite]) {
      const channels = b.specs.reduce((n, sp) => n + int4Channels(sp.shape), 0);
      const nibbleBytes = b.specs.reduce((n, sp) => n + Math.ceil(shapeSize(sp.shape) / 2), 0);
      expect(updateBytes(b, 'int4')).toBe(46 + b.variant.length + 2 * channels + nibbleBytes + 4);
    }
    expect(encodeModelUpdate(lite, perturb(lite, 0.01, 1), 9, { encoding: 'int8' }).length).toBe(updateBytes(lite, 'int8'));
    expect(encodeModelUpdate(lite, perturb(lite, 0.01, 1), 9, { encoding: 'int4' }).length).toBe(updateBytes(lite, 'int4'));
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

describe('int4 updates', () => {
  const PAYLOAD_AT = SEQ_AT + 6;

  it('round-trip within half a step per channel; the step is the smallest fp16 with 7 steps >= the channel\'s largest delta', async () => {
    const base = await tiny();
    // Deltas of very different size per channel, so a per-tensor step would not meet the bound.
    const adapted = perturb(base, 0.05, 11).map((a, t) => {
      const b = base.values[t] as Float32Array;
      const channels = int4Channels(base.specs[t]?.shape ?? []);
      return Float32Array.from(a, (x, i) => (b[i] ?? 0) + (x - (b[i] ?? 0)) * 10 ** -(i % channels % 4));
    });
    const message = encodeModelUpdate(base, adapted, 3, { encoding: 'int4' });
    const decoded = decodeModelUpdate(message, base);
    expect([decoded.seq, decoded.encoding]).toEqual([3, 'int4']);
    const view = new DataView(message.buffer);
    let at = PAYLOAD_AT;
    base.specs.forEach((spec, t) => {
      const b = base.values[t] as Float32Array;
      const a = adapted[t] as Float32Array;
      const channels = int4Channels(spec.shape);
      const maxDelta = new Float64Array(channels);
      for (let i = 0; i < a.length; i++) maxDelta[i % channels] = Math.max(maxDelta[i % channels] ?? 0, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
      const steps = Array.from({ length: channels }, (_, c) => halfBitsToFloat(view.getUint16(at + 2 * c, true)));
      steps.forEach((step, c) => {
        const m = maxDelta[c] ?? 0;
        expect(7 * step).toBeGreaterThanOrEqual(m);
        expect(step).toBeLessThanOrEqual((m / 7) * (1 + 2 ** -10) + 2 ** -24);
      });
      for (let i = 0; i < a.length; i++) {
        expect(Math.abs((decoded.values[t]?.[i] ?? 0) - (a[i] ?? 0))).toBeLessThanOrEqual((steps[i % channels] ?? 0) / 2 + 4e-6);
      }
      at += 2 * channels + Math.ceil(a.length / 2);
    });
    expect(at).toBe(message.length - 4);
  });

  it('packs element 2k in the low nibble, 2k+1 in the high one, two\'s complement; channels are the last axis (depthwise: the third)', async () => {
    expect([int4Channels([9, 9, 3, 1]), int4Channels([1, 1, 3, 16]), int4Channels([16]), int4Channels([])]).toEqual([3, 16, 16, 1]);
    const shipped = await tiny();
    // The first tensor is the initial depthwise kernel [9, 9, 3, 1]: 243 values (odd), 3 channels; zero base values keep the deltas exact.
    expect(shipped.specs[0]?.shape).toEqual([9, 9, 3, 1]);
    const base = await createUpdateBase('tiny', shipped.values.map((v, t) => (t === 0 ? new Float32Array(v.length) : v)));
    const first = new Float32Array(243);
    [3.5, -3.5, 0.7, 1, -0.5, 0].forEach((d, i) => (first[i] = d));
    first[242] = 0.1;
    const m = encodeModelUpdate(base, [first, ...base.values.slice(1)], 1, { encoding: 'int4' });
    const view = new DataView(m.buffer);
    // Channel 2: fp16(0.7 / 7) is 0.0999755859375, and 7 of it falls short of 0.7: the step is the next fp16 up.
    expect([0, 1, 2].map((c) => halfBitsToFloat(view.getUint16(PAYLOAD_AT + 2 * c, true)))).toEqual([0.5, 0.5, 0.10003662109375]);
    // Levels 7, -7 | 7, 2 | -1, 0, and element 242 at level 1 beside a zero pad nibble.
    expect([...m.subarray(PAYLOAD_AT + 6, PAYLOAD_AT + 9), m[PAYLOAD_AT + 6 + 121]]).toEqual([0x97, 0x27, 0x0f, 0x01]);
    const decoded = decodeModelUpdate(m, base).values[0] as Float32Array;
    expect([...decoded.subarray(0, 6)]).toEqual([3.5, -3.5, Math.fround(7 * 0.10003662109375), 1, -0.5, 0]);
    expect(decoded[242]).toBe(Math.fround(0.10003662109375));
    expect(decoded.subarray(6, 242).every((x) => x === 0)).toBe(true);
  });

  it('refuses NaN/Inf and negative steps, level -8, a non-zero pad, wrong lengths; old receivers say bad-encoding', async () => {
    const base = await tiny();
    const good = encodeModelUpdate(base, perturb(base, 0.01, 4), 5, { encoding: 'int4' });
    const edit = (f: (m: Uint8Array, v: DataView) => void): Uint8Array => {
      const m = Uint8Array.from(good);
      f(m, new DataView(m.buffer));
      return reseal(m);
    };
    const padAt = PAYLOAD_AT + 6 + 121;
    const cases: [ModelUpdateErrorCode | 'none', Uint8Array][] = [
      ['none', good],
      ['non-finite', edit((_, v) => v.setUint16(PAYLOAD_AT + 2, 0x7e00, true))],
      ['non-finite', edit((_, v) => v.setUint16(PAYLOAD_AT, 0x7c00, true))],
      ['non-finite', edit((_, v) => v.setUint16(PAYLOAD_AT, 0xfc00, true))],
      ['bad-payload', edit((_, v) => v.setUint16(PAYLOAD_AT + 4, 0x8000 | 0x1000, true))],
      ['bad-payload', edit((_, v) => v.setUint16(PAYLOAD_AT, 0x8000, true))],
      ['bad-payload', edit((m) => (m[PAYLOAD_AT + 6] = 0x78))],
      ['bad-payload', edit((m) => (m[padAt] = ((m[padAt] ?? 0) & 0xf) | 0x10))],
      ['out-of-range', edit((_, v) => v.setUint16(PAYLOAD_AT, floatToHalf(60000), true))],
      ['truncated', good.subarray(0, good.length - 1)],
      ['bad-length', reseal(Uint8Array.from([...good, 0]))],
      ['checksum-mismatch', good.map((b, i) => (i === 200 ? b ^ 2 : b))],
      // A receiver that does not know encoding 3 (or a future 4) refuses it from the header, whatever its length.
      ['bad-encoding', edit((m) => (m[5] = 4))],
    ];
    expect(cases.map(([, m]) => codeOf(() => decodeModelUpdate(m, base)))).toEqual(cases.map(([c]) => c));
    const shape = variantUpdateShape('tiny');
    if (shape === null) throw new Error('tiny has no shape');
    expect(checkUpdateLayout(good, shape).encoding).toBe('int4');
    expect(codeOf(() => checkUpdateLayout(good.subarray(0, good.length - 2), shape))).toBe('truncated');
    expect(() => encodeModelUpdate(base, perturb(base, 1e6, 1), 1, { encoding: 'int4' })).toThrow(/beyond fp16 range/);
    expect(() => encodeModelUpdate(base, base.values.map((v) => Float32Array.from(v, () => Number.NaN)), 1, { encoding: 'int4' })).toThrow(/non-finite/);
  });
});
