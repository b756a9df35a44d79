import { describe, expect, it } from 'vitest';
import { gamutRestoreMatrix, invert, mat3Uniform, srgbDecode, srgbEncode, toSrgbGamut, type Mat3 } from './colour.js';

const apply = (m: Mat3, v: readonly number[]): number[] => [0, 1, 2].map((r) => m[r * 3]! * v[0]! + m[r * 3 + 1]! * v[1]! + m[r * 3 + 2]! * v[2]!);
const through = (m: Mat3, rgb255: readonly number[]): number[] => apply(m, rgb255.map((c) => srgbDecode(c / 255))).map((c) => srgbEncode(c) * 255);

/**
 * Measured in Chromium 156 (SwiftShader): I420 frames tagged SMPTE 170M (as WebRTC's decoded frames are),
 * read through importExternalTexture + textureLoad, against the same frame drawn on a 2D canvas
 * (the BT.601 matrix alone).
 */
const MEASURED = [
  { yuv: [81, 90, 240], webgpu: [247.1, 36.0, -5.3], canvas: [254.4, -0.5, -1.0] },
  { yuv: [145, 54, 34], webgpu: [63.3, 251.1, -13.1], canvas: [0.2, 255.6, 0.9] },
  { yuv: [41, 240, 110], webgpu: [25.9, 34.5, 255.7], canvas: [0.4, -0.1, 255.0] },
  { yuv: [126, 128, 128], webgpu: [128, 128, 128], canvas: [128, 128, 128] },
];

describe('WebGPU gamut mapping of video frames, undone', () => {
  it('the model of what Dawn does predicts the measured shift within 1/255', () => {
    const forward = toSrgbGamut('smpte170m');
    if (forward === null) throw new Error('no smpte170m');
    for (const m of MEASURED) {
      const predicted = through(forward, m.canvas);
      for (let c = 0; c < 3; c++) expect(Math.abs(predicted[c]! - m.webgpu[c]!)).toBeLessThan(1.05);
    }
  });

  it('restores the matrix-only colours from what importExternalTexture gave (red 247,36,-5 -> 254,0,0)', () => {
    const restore = gamutRestoreMatrix({ primaries: 'smpte170m', transfer: 'smpte170m' });
    if (restore === null) throw new Error('expected a restore matrix');
    for (const m of MEASURED) {
      const back = through(restore, m.webgpu);
      for (let c = 0; c < 3; c++) expect(Math.abs(back[c]! - m.canvas[c]!)).toBeLessThan(1.5);
    }
  });

  it('leaves BT.709/sRGB, untagged and HDR frames alone, and knows every WebCodecs primaries value', () => {
    expect(gamutRestoreMatrix({ primaries: 'bt709', transfer: 'iec61966-2-1' })).toBeNull();
    expect(gamutRestoreMatrix({ primaries: null, transfer: null })).toBeNull();
    expect(gamutRestoreMatrix(null)).toBeNull();
    expect(gamutRestoreMatrix({ primaries: 'bt2020', transfer: 'pq' })).toBeNull();
    expect(gamutRestoreMatrix({ primaries: 'unknown-primaries' })).toBeNull();
    for (const p of ['bt470bg', 'smpte170m', 'bt2020', 'smpte432']) {
      const m = gamutRestoreMatrix({ primaries: p, transfer: 'bt709' });
      expect(m).not.toBeNull();
      // White stays white: every row of a D65-to-D65 gamut matrix sums to 1.
      if (m !== null) for (let r = 0; r < 3; r++) expect(m[r * 3]! + m[r * 3 + 1]! + m[r * 3 + 2]!).toBeCloseTo(1, 6);
    }
    const bt709 = toSrgbGamut('bt709');
    expect(bt709?.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('inverts, and lays a matrix out as WGSL mat3x3f columns padded to vec4', () => {
    const m: Mat3 = [2, 0, 1, 1, 3, 0, 0, 1, 4];
    const id = apply(m, apply(invert(m), [0.3, -0.2, 0.9]));
    expect(id.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0.3, -0.2, 0.9]);
    expect(Array.from(mat3Uniform(m))).toEqual([2, 1, 0, 0, 0, 3, 1, 0, 1, 0, 4, 0]);
    expect(() => invert([1, 2, 3, 2, 4, 6, 0, 0, 1])).toThrow(RangeError);
  });

  it('sRGB curves are inverse to each other, sign-mirrored below zero', () => {
    for (const v of [-0.5, -0.002, 0, 0.002, 0.04, 0.5, 1, 1.1]) expect(srgbEncode(srgbDecode(v))).toBeCloseTo(v, 9);
    expect(srgbEncode(-0.0016) * 255).toBeCloseTo(-5.27, 1);
  });
});
