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

  it('models restricts the catalogue; tiers (variant names) means models.names; no output size means the canvas size', () => {
    expect(resolveOptions({ models: { scales: [2, 4], tiers: ['fast'] } }).models).toEqual({ scales: [2, 4], tiers: ['fast'], names: null });
    expect(resolveOptions({ tiers: ['tiny', 'tiny-x3'], initialTier: 'tiny-x3' }).models).toEqual({ scales: null, tiers: null, names: ['tiny', 'tiny-x3'] });
    expect(resolveOptions().models).toEqual({ scales: null, tiers: null, names: null });
    expect([DEFAULTS.outputWidth, DEFAULTS.outputHeight]).toEqual([null, null]);
  });

  it.each([
    [{ outputWidth: 1.5 }, TypeError, /options\.outputWidth must be an integer/],
    [{ outputWidth: 8 }, RangeError, /options\.outputWidth must be in \[16, 7680\]/],
    [{ outputHeight: 5000 }, RangeError, /options\.outputHeight/],
    [{ tiers: [] }, TypeError, /options\.tiers must be a non-empty array/],
    [{ tiers: ['huge'] }, RangeError, /options\.tiers contains unknown variant 'huge'; known: paper/],
    [{ tiers: ['tiny', 'tiny'] }, RangeError, /must not repeat/],
    [{ tiers: ['tiny'], initialTier: 'paper' }, RangeError, /options\.initialTier must be one of/],
    [{ models: [] }, TypeError, /options\.models must be an object/],
    [{ models: { sizes: [1] } }, TypeError, /options\.models\.sizes is not a known option; known: scales, tiers, names/],
    [{ models: { scales: [5] } }, RangeError, /options\.models\.scales contains 5; expected one of 2, 3, 4/],
    [{ models: { scales: [] } }, TypeError, /options\.models\.scales must be a non-empty array/],
    [{ models: { tiers: ['turbo'] } }, RangeError, /options\.models\.tiers contains "turbo"; expected one of fast, quality, paper/],
    [{ models: { names: ['../x'] } }, RangeError, /options\.models\.names contains "\.\.\/x"/],
    [{ models: { scales: [2, 2] } }, RangeError, /options\.models\.scales must not repeat/],
    [{ tiers: ['tiny'], models: { names: ['tiny'] } }, RangeError, /options\.tiers and options\.models\.names both name models/],
    [{ models: { names: ['tiny'] }, initialTier: 'lite32x4' }, RangeError, /options\.initialTier must be one of tiny/],
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
