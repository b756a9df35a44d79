import { describe, expect, it } from 'vitest';
import { crc32 } from '../model/pth/zip.js';
import { seededRandom } from '../model/initGeneratorWeights.js';
import { floatToHalf } from './float16.js';
import { ModelUpdateGate } from './ModelUpdateGate.js';
import { decodeModelUpdate, DEFAULT_MAX_ABS_WEIGHT, encodeModelUpdate, maxUpdateBytes } from './modelUpdate.js';
import { ModelUpdateError } from './ModelUpdateError.js';
import { createUpdateBase, type UpdateBase } from './updateBase.js';
import { perturb, syntheticBase, tinyValues } from './testSupport.js';

const tiny = async (): Promise<UpdateBase> => createUpdateBase('tiny', (await tinyValues()).values);

describe('ModelUpdateGate', () => {
  it('applies rising sequences, refuses replays and counts refusals by code', async () => {
    const base = await tiny();
    const gate = new ModelUpdateGate(base, { maxMessagesPerSecond: 100, maxBytesPerSecond: 1e6 });
    const m = (seq: number): Uint8Array => encodeModelUpdate(base, perturb(base, 0.01, seq), seq);
    const verdicts = [gate.offer(m(3), 0), gate.offer(m(3), 100), gate.offer(m(2), 200), gate.offer(m(7), 300), gate.offer('x', 400)];
    expect(verdicts.map((v) => (v.apply ? `apply ${v.update.seq} gen ${v.generation}` : v.error.code))).toEqual(['apply 3 gen 1', 'stale-sequence', 'stale-sequence', 'apply 7 gen 2', 'bad-type']);
    expect([gate.lastSeq, gate.generation, gate.rejected, Object.fromEntries(gate.rejections)]).toEqual([7, 2, 3, { 'stale-sequence': 2, 'bad-type': 1 }]);
    gate.resetToBase();
    expect([gate.generation, gate.offer(m(7), 500).apply]).toEqual([0, false]);
  });

  it('applies int4 updates; an encoding it does not know is refused (bad-encoding) and counted, and the next one applies', async () => {
    const base = await tiny();
    const gate = new ModelUpdateGate(base, { maxMessagesPerSecond: 100, maxBytesPerSecond: 1e6 });
    const future = encodeModelUpdate(base, perturb(base, 0.01, 1), 1, { encoding: 'int4' });
    future[5] = 4;
    new DataView(future.buffer).setUint32(future.length - 4, crc32(future.subarray(0, future.length - 4)), true);
    const int4 = encodeModelUpdate(base, perturb(base, 0.01, 2), 2, { encoding: 'int4' });
    const verdicts = [gate.offer(future, 0), gate.offer(int4, 10)];
    expect(verdicts.map((v) => (v.apply ? `apply ${v.update.encoding} ${v.update.seq}` : v.error.code))).toEqual(['bad-encoding', 'apply int4 2']);
    expect(Object.fromEntries(gate.rejections)).toEqual({ 'bad-encoding': 1 });
  });

  it('rate-limits messages and bytes without decoding, and recovers as time passes', async () => {
    const base = await tiny();
    const size = maxUpdateBytes(base);
    const gate = new ModelUpdateGate(base, { maxMessagesPerSecond: 2, maxBytesPerSecond: size / 4 });
    const m = (seq: number): Uint8Array => encodeModelUpdate(base, base.values, seq);
    const codes = (vs: ReturnType<ModelUpdateGate['offer']>[]): string[] => vs.map((v) => (v.apply ? 'apply' : v.error.code));
    // Burst of one full message worth of bytes, then one every 4 s.
    expect(codes([gate.offer(m(1), 0), gate.offer(m(2), 10), gate.offer(m(3), 3000), gate.offer(m(4), 4100)])).toEqual(['apply', 'rate-limited', 'rate-limited', 'apply']);
    const flood = new ModelUpdateGate(base, { maxMessagesPerSecond: 2 });
    const tinyJunk = new Uint8Array(8);
    expect(codes([0, 1, 2, 3].map((i) => flood.offer(tinyJunk, i)))).toEqual(['truncated', 'truncated', 'rate-limited', 'rate-limited']);
    expect(flood.offer(m(1), 1000).apply).toBe(true);
    expect(() => new ModelUpdateGate(base, { maxMessagesPerSecond: 0 })).toThrow(RangeError);
  });

  it('survives 10,000 hostile messages: only ModelUpdateError, consistent state, base untouched', async () => {
    const base = await tiny();
    const other = await syntheticBase('tiny', 99);
    const snapshot = base.values.map((v) => Float32Array.from(v));
    const digest = Uint8Array.from(base.digest);
    const limit = maxUpdateBytes(base);
    const rand = seededRandom(2026);
    const pick = (n: number): number => Math.floor(rand() * n);
    const adapted = [perturb(base, 0.02, 1), perturb(base, 0.05, 2), perturb(base, 0.001, 3)];
    let nextSeq = 1;
    const sent: Uint8Array[] = [];
    const fresh = (): Uint8Array => {
      const m = encodeModelUpdate(base, adapted[pick(3)] as Float32Array[], nextSeq++, { encoding: (['fp16', 'int8', 'int4'] as const)[pick(3)] ?? 'int4' });
      sent.push(m);
      return m;
    };
    const reseal = (m: Uint8Array): Uint8Array => {
      new DataView(m.buffer, m.byteOffset).setUint32(m.length - 4, crc32(m.subarray(0, m.length - 4)), true);
      return m;
    };
    const gate = new ModelUpdateGate(base, { maxMessagesPerSecond: 50, maxBytesPerSecond: 20 * limit });
    let now = 0;
    let applied = 0;
    let lastSeq = 0;
    const appliedEncodings = new Set<string>();
    const kinds = new Map<string, number>();
    for (let n = 0; n < 10_000; n++) {
      const kind = pick(9);
      let msg: unknown;
      let original: Uint8Array | undefined;
      if (kind === 0) msg = Uint8Array.from({ length: pick(limit + 200) }, () => pick(256));
      else if (kind === 1) {
        original = (rand() < 0.7 ? sent[pick(sent.length)] : undefined) ?? fresh();
        const m = Uint8Array.from(original);
        for (let f = 1 + pick(8); f > 0; f--) {
          const i = pick(m.length);
          m[i] = (m[i] ?? 0) ^ (1 << pick(8));
        }
        msg = m;
      } else if (kind === 2) msg = fresh().subarray(0, pick(limit));
      else if (kind === 3) msg = encodeModelUpdate(other, perturb(other, 0.01, n), nextSeq++);
      else if (kind === 4) {
        const m = Uint8Array.from(fresh());
        if (m[5] === 1) new DataView(m.buffer).setUint16(50 + 2 * pick(base.count), rand() < 0.5 ? 0x7e00 : floatToHalf(Infinity), true);
        else if (m[5] === 3) new DataView(m.buffer).setUint16(50 + 2 * pick(3), rand() < 0.5 ? 0x7e00 : floatToHalf(-Infinity), true);
        else new DataView(m.buffer).setFloat32(50, Number.NaN, true);
        msg = reseal(m);
      } else if (kind === 5) msg = sent.length > 0 ? sent[pick(sent.length)] : fresh();
      else if (kind === 6) msg = rand() < 0.5 ? new Uint8Array(limit + 1 + pick(1 << 20)) : [undefined, 'text', 42, {}, new Float32Array(4)][pick(5)];
      else msg = fresh();
      kinds.set(String(kind), (kinds.get(String(kind)) ?? 0) + 1);
      if (msg instanceof Uint8Array && msg.length > limit) expect(() => decodeModelUpdate(msg, base)).toThrow(expect.objectContaining({ code: 'too-large' }));
      try {
        decodeModelUpdate(msg, base);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelUpdateError);
      }
      // Floods: a third of the messages arrive in the same millisecond.
      now += rand() < 0.33 ? 0 : pick(40);
      const v = gate.offer(msg, now);
      if (v.apply) {
        applied++;
        appliedEncodings.add(v.update.encoding);
        expect(v.update.seq).toBeGreaterThan(lastSeq);
        lastSeq = v.update.seq;
        expect(v.generation).toBe(applied);
        expect(v.update.values.map((a) => a.length)).toEqual(base.values.map((b) => b.length));
        expect(v.update.values.every((a) => a.every((x) => Number.isFinite(x) && Math.abs(x) <= DEFAULT_MAX_ABS_WEIGHT))).toBe(true);
        // A mutation that still decodes must decode as its original (CRC-32 catches every flip pattern here).
        if (original !== undefined) expect(v.update.values).toEqual(decodeModelUpdate(original, base).values);
      } else expect(v.error).toBeInstanceOf(ModelUpdateError);
      expect(gate.lastSeq).toBe(lastSeq);
    }
    expect(gate.generation).toBe(applied);
    expect(applied + gate.rejected).toBe(10_000);
    expect(applied).toBeGreaterThan(100);
    expect([...appliedEncodings].sort()).toEqual(['fp16', 'int4', 'int8']);
    for (const code of ['rate-limited', 'stale-sequence', 'checksum-mismatch', 'truncated', 'wrong-base', 'non-finite', 'too-large', 'bad-type', 'bad-magic']) {
      expect(gate.rejections.get(code as never) ?? 0, code).toBeGreaterThan(0);
    }
    expect(base.values).toEqual(snapshot);
    expect(base.digest).toEqual(digest);
  });
});
