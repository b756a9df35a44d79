import { describe, expect, it } from 'vitest';
import { fitRect } from '../fitRect.js';
import { choosePrecision, inputShader, outputShader } from './shaders.js';

describe('hand-written WGSL passes', () => {
  it('f16 is chosen only when the device has shader-f16 and the caller prefers it', () => {
    expect(choosePrecision(new Set(['shader-f16', 'timestamp-query']), true)).toBe('f16');
    expect(choosePrecision(new Set(['shader-f16']), false)).toBe('f32');
    expect(choosePrecision(new Set(['timestamp-query']), true)).toBe('f32');
  });

  it('the f16 variants are the f32 text (compiled and pixel-tested in the browser specs) under another header', () => {
    for (const make of [inputShader, outputShader]) {
      const f32 = make('f32');
      const f16 = make('f16');
      expect(f32).toContain('alias real = f32;');
      expect(f32).not.toContain('enable f16');
      expect(f16.startsWith('enable f16;\nalias real = f16;\n')).toBe(true);
      expect(f16.replace('enable f16;\nalias real = f16;\n', '')).toBe(f32.replace('alias real = f32;\n', ''));
      // Buffers stay f32: TF.js tensors have no f16 dtype.
      expect(f16).toMatch(/array<f32>/);
    }
  });
});

describe('fitRect', () => {
  it('keeps the aspect ratio, centres, and is exact for 4x of 480x270 into 1080p', () => {
    expect(fitRect(1920, 1080, 1920, 1080)).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
    expect(fitRect(1280, 720, 1920, 1080)).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
    expect(fitRect(640, 640, 1920, 1080)).toEqual({ x: 420, y: 0, width: 1080, height: 1080 });
    expect(fitRect(1920, 800, 1920, 1080)).toEqual({ x: 0, y: 140, width: 1920, height: 800 });
  });
});
