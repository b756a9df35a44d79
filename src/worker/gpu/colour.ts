/**
 * Undoing the gamut conversion that WebGPU applies to imported video frames.
 *
 * `importExternalTexture` (and `copyExternalImageToTexture`) colour-manage a VideoFrame into sRGB: after
 * the YUV matrix, Dawn decodes to linear light, maps the frame's primaries to BT.709 and re-encodes. A
 * WebRTC VP8/VP9/H.264 frame is tagged SMPTE 170M (BT.601 primaries), so pure red arrives as
 * (247, 36, -5) instead of (254, 0, 0). Chromium's 2D canvas, `createImageBitmap`, WebGL and `<video>`
 * apply the matrix only, the sender never converted its sRGB camera/canvas pixels to SMPTE-C in the
 * first place, and the model was trained on plain sRGB: so the input pass inverts Dawn's step, and every
 * rung of the ladder sees the same pixels. Measured on Chromium 156: Dawn uses the (extended, sign-
 * mirrored) sRGB curve on both sides for SDR transfers, and does not clamp, so the inverse is exact up to
 * its own matrix constants (within 1/255).
 */

type Xy = readonly [number, number];
type Primaries = readonly [Xy, Xy, Xy];

const D65: Xy = [0.3127, 0.329];

/** CIE xy of the red, green and blue primaries of each WebCodecs VideoColorPrimaries value. */
const PRIMARIES: Readonly<Record<string, Primaries>> = {
  bt709: [[0.64, 0.33], [0.3, 0.6], [0.15, 0.06]],
  bt470bg: [[0.64, 0.33], [0.29, 0.6], [0.15, 0.06]],
  smpte170m: [[0.63, 0.34], [0.31, 0.595], [0.155, 0.07]],
  bt2020: [[0.708, 0.292], [0.17, 0.797], [0.131, 0.046]],
  smpte432: [[0.68, 0.32], [0.265, 0.69], [0.15, 0.06]],
};

/** Transfers Dawn treats as SDR video; PQ/HLG frames are tone-mapped and left alone here. */
const SDR_TRANSFERS = new Set(['bt709', 'smpte170m', 'iec61966-2-1', 'linear']);

/** 3x3 row-major. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

function mul(a: Mat3, b: Mat3): Mat3 {
  const r: number[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r.push(a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!);
  return r as unknown as Mat3;
}

export function invert(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new RangeError('singular colour matrix');
  const k = 1 / det;
  return [A * k, -(b * i - c * h) * k, (b * f - c * e) * k, B * k, (a * i - c * g) * k, -(a * f - c * d) * k, C * k, -(a * h - b * g) * k, (a * e - b * d) * k];
}

/** Linear RGB (these primaries, D65 white) -> CIE XYZ. */
function rgbToXyz([r, g, b]: Primaries): Mat3 {
  const col = ([x, y]: Xy): [number, number, number] => [x / y, 1, (1 - x - y) / y];
  const [rx, ry, rz] = col(r);
  const [gx, gy, gz] = col(g);
  const [bx, by, bz] = col(b);
  const p: Mat3 = [rx, gx, bx, ry, gy, by, rz, gz, bz];
  const [wx, wy, wz] = col(D65);
  const s = invert(p);
  const sr = s[0] * wx + s[1] * wy + s[2] * wz;
  const sg = s[3] * wx + s[4] * wy + s[5] * wz;
  const sb = s[6] * wx + s[7] * wy + s[8] * wz;
  return [rx * sr, gx * sg, bx * sb, ry * sr, gy * sg, by * sb, rz * sr, gz * sg, bz * sb];
}

/** Linear-light matrix that Dawn applies to a frame with these primaries to reach BT.709 / sRGB. */
export function toSrgbGamut(primaries: string): Mat3 | null {
  const src = PRIMARIES[primaries];
  const dst = PRIMARIES.bt709;
  if (src === undefined || dst === undefined) return null;
  return mul(invert(rgbToXyz(dst)), rgbToXyz(src));
}

/**
 * The matrix the input pass applies in linear light to get the frame's unmanaged RGB back, or null when
 * WebGPU already gives it (BT.709/sRGB frames such as canvas captures, untagged frames, HDR frames).
 */
export function gamutRestoreMatrix(space: { primaries?: string | null; transfer?: string | null } | null | undefined): Mat3 | null {
  const primaries = space?.primaries ?? null;
  if (primaries === null || primaries === 'bt709') return null;
  const transfer = space?.transfer ?? null;
  if (transfer !== null && !SDR_TRANSFERS.has(transfer)) return null;
  const m = toSrgbGamut(primaries);
  return m === null ? null : invert(m);
}

/** A Mat3 as WGSL's mat3x3f uniform layout: three column vec3s, each padded to 16 bytes. */
export function mat3Uniform(m: Mat3): Float32Array {
  const out = new Float32Array(12);
  for (let c = 0; c < 3; c++) for (let r = 0; r < 3; r++) out[c * 4 + r] = m[r * 3 + c]!;
  return out;
}

/** The extended (sign-mirrored) sRGB curves, as Dawn applies them; exported for the unit test. */
export function srgbDecode(v: number): number {
  const a = Math.abs(v);
  return Math.sign(v) * (a <= 0.04045 ? a / 12.92 : ((a + 0.055) / 1.055) ** 2.4);
}

export function srgbEncode(v: number): number {
  const a = Math.abs(v);
  return Math.sign(v) * (a <= 0.0031308 ? a * 12.92 : 1.055 * a ** (1 / 2.4) - 0.055);
}
