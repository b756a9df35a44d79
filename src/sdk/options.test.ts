import { describe, expect, it } from 'vitest';
import { DEFAULTS, resolveOptions } from './options.js';

describe('resolveOptions', () => {
  it('merges over DEFAULTS and freezes the result', () => {
    const o = resolveOptions({ outputWidth: 1280, outputHeight: 720, tiers: ['tiny'] });
    expect(o.outputWidth).toBe(1280);
    expect(o.tiers).toEqual(['tiny']);
    expect(o.statsIntervalMs).toBe(DEFAULTS.statsIntervalMs);
    expect(Object.isFrozen(o)).toBe(true);
    expect(resolveOptions().modelBaseUrl).toMatch(/\/models\/$/);
  });

  it.each([
    [{ outputWidth: 1.5 }, TypeError, /options\.outputWidth must be an integer/],
    [{ outputWidth: 8 }, RangeError, /options\.outputWidth must be in \[16, 7680\]/],
    [{ outputHeight: 5000 }, RangeError, /options\.outputHeight/],
    [{ tiers: [] }, TypeError, /options\.tiers must be a non-empty array/],
    [{ tiers: ['huge'] }, RangeError, /options\.tiers contains unknown variant 'huge'; known: paper/],
    [{ tiers: ['tiny', 'tiny'] }, RangeError, /must not repeat/],
    [{ tiers: ['tiny'], initialTier: 'paper' }, RangeError, /options\.initialTier must be one of/],
    [{ backend: 'cuda' }, RangeError, /options\.backend must be one of auto, webgpu, webgl, bicubic/],
    [{ adaptive: 'yes' }, TypeError, /options\.adaptive must be a boolean/],
    [{ modelUrl: '' }, TypeError, /options\.modelUrl must be a non-empty string or URL or null/],
    [{ canvas: {} }, TypeError, /options\.canvas must be/],
    [{ statsIntervalMs: 10 }, RangeError, /options\.statsIntervalMs/],
    [{ frobnicate: true }, TypeError, /options\.frobnicate is not a known option/],
  ])('rejects %j', (input, type, message) => {
    expect(() => resolveOptions(input)).toThrow(type);
    expect(() => resolveOptions(input)).toThrow(message);
  });

  it('rejects a non-object', () => {
    expect(() => resolveOptions(42)).toThrow(TypeError);
    expect(() => resolveOptions(null)).toThrow(TypeError);
  });
});
