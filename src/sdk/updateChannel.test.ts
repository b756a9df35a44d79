import { describe, expect, it } from 'vitest';
import { MAX_VARIANT_NAME } from '../adapt/modelUpdate.js';
import { encodeUpdateInfo, MAX_INFO_VARIANT_NAME, MAX_UPDATE_INFO_BYTES, parseUpdateInfo, UPDATE_CHANNEL_LABEL } from './updateChannel.js';

describe('update info', () => {
  it('round-trips and has the exact contract shape', () => {
    const text = encodeUpdateInfo({ seq: 7, gainDb: 0.42, variant: 'lite48x8' });
    expect(JSON.parse(text)).toEqual({ type: 'swiftsr-update-info', seq: 7, gainDb: 0.42, variant: 'lite48x8' });
    expect(parseUpdateInfo(text)).toEqual({ seq: 7, gainDb: 0.42, variant: 'lite48x8' });
    expect(parseUpdateInfo(encodeUpdateInfo({ seq: 0xffffffff, gainDb: -20, variant: 'x'.repeat(32) }))?.seq).toBe(0xffffffff);
    expect(UPDATE_CHANNEL_LABEL).toBe('swiftsr-model');
    expect(MAX_INFO_VARIANT_NAME).toBe(MAX_VARIANT_NAME);
  });

  it('encode refuses what parse would refuse', () => {
    expect(() => encodeUpdateInfo({ seq: 0, gainDb: 0, variant: 'tiny' })).toThrow(RangeError);
    expect(() => encodeUpdateInfo({ seq: 1.5, gainDb: 0, variant: 'tiny' })).toThrow(RangeError);
    expect(() => encodeUpdateInfo({ seq: 1, gainDb: Number.NaN, variant: 'tiny' })).toThrow(/gainDb/);
    expect(() => encodeUpdateInfo({ seq: 1, gainDb: 20.01, variant: 'tiny' })).toThrow(/gainDb/);
    expect(() => encodeUpdateInfo({ seq: 1, gainDb: 0, variant: '' })).toThrow(/variant/);
    expect(() => encodeUpdateInfo({ seq: 1, gainDb: 0, variant: 'a b' })).toThrow(/variant/);
    expect(() => encodeUpdateInfo({ seq: 1, gainDb: 0, variant: 'x'.repeat(33) })).toThrow(/variant/);
  });

  it('parse answers null for anything else and never throws', () => {
    const ok = { type: 'swiftsr-update-info', seq: 3, gainDb: 1, variant: 'tiny' };
    const bad: unknown[] = [
      undefined, null, 3, new ArrayBuffer(8), {}, '', 'not json', '[]', 'null', '"x"', '{"type":"swiftsr-update-info"}',
      JSON.stringify({ ...ok, type: 'other' }),
      JSON.stringify({ ...ok, seq: 0 }),
      JSON.stringify({ ...ok, seq: -1 }),
      JSON.stringify({ ...ok, seq: 2 ** 32 }),
      JSON.stringify({ ...ok, seq: '3' }),
      JSON.stringify({ ...ok, gainDb: 21 }),
      JSON.stringify({ ...ok, gainDb: '1' }),
      JSON.stringify({ ...ok, gainDb: null }),
      JSON.stringify({ ...ok, variant: '' }),
      JSON.stringify({ ...ok, variant: 'é' }),
      JSON.stringify({ ...ok, variant: 7 }),
      JSON.stringify({ ...ok, extra: 1 }),
      `{"type":"swiftsr-update-info","seq":3,"gainDb":1e999,"variant":"tiny"}`,
      JSON.stringify({ ...ok, variant: 'tiny' }) + ' '.repeat(MAX_UPDATE_INFO_BYTES),
      '{"__proto__":{"seq":3},"type":"swiftsr-update-info","gainDb":1,"variant":"tiny"}',
    ];
    for (const b of bad) expect(parseUpdateInfo(b), String(b)).toBeNull();
    // Multi-byte padding: short in UTF-16 units, over the limit in UTF-8 bytes.
    const padded = JSON.stringify(ok).replace('}', `,"pad":"${'€'.repeat(170)}"}`);
    expect(padded.length).toBeLessThan(MAX_UPDATE_INFO_BYTES);
    expect(parseUpdateInfo(padded)).toBeNull();
    // Whitespace JSON allows is fine within the limit.
    expect(parseUpdateInfo(` ${JSON.stringify(ok)} `)).toEqual({ seq: 3, gainDb: 1, variant: 'tiny' });
  });
});
