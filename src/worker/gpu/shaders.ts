/**
 * WGSL of the two hand-written passes around the generator. TF.js tensors are f32, so the buffers stay
 * f32; with shader-f16 the arithmetic in between (clamping, the fitting filter) runs in f16, which halves
 * register pressure on GPUs that have native half ALUs. Both variants are compiled from the same text.
 */

export type Precision = 'f32' | 'f16';

/** f16 only when the device was created with shader-f16 (SwiftShader, for one, has no half floats). */
export function choosePrecision(deviceFeatures: ReadonlySet<string>, preferF16: boolean): Precision {
  return preferF16 && deviceFeatures.has('shader-f16') ? 'f16' : 'f32';
}

const header = (p: Precision): string => (p === 'f16' ? 'enable f16;\nalias real = f16;\n' : 'alias real = f32;\n');

/** VideoFrame (external texture, any pixel format) -> NHWC float32 RGB in [0, 1], gamut mapping undone. */
export function inputShader(p: Precision): string {
  return `${header(p)}
struct Params { width: u32, height: u32, restore: u32, pad: u32, gamut: mat3x3f }
@group(0) @binding(0) var src: texture_external;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// Extended sRGB curves (sign-mirrored), the ones Dawn used when it colour-managed the frame.
fn decode(v: vec3f) -> vec3f {
  let a = abs(v);
  return sign(v) * select(pow((a + 0.055) / 1.055, vec3f(2.4)), a / 12.92, a <= vec3f(0.04045));
}
fn encode(v: vec3f) -> vec3f {
  let a = abs(v);
  return sign(v) * select(1.055 * pow(a, vec3f(1.0 / 2.4)) - 0.055, a * 12.92, a <= vec3f(0.0031308));
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= params.width || id.y >= params.height) { return; }
  var rgb = textureLoad(src, id.xy).rgb;
  // Undo Dawn's gamut mapping (see colour.ts) so that the model sees what the 2D canvas would show.
  if (params.restore == 1u) { rgb = encode(params.gamut * decode(rgb)); }
  let c = clamp(vec3<real>(rgb), vec3<real>(0.0), vec3<real>(1.0));
  let i = (id.y * params.width + id.x) * 3u;
  dst[i] = f32(c.r);
  dst[i + 1u] = f32(c.g);
  dst[i + 2u] = f32(c.b);
}
`;
}

/**
 * Generator output (NHWC float32, srcW x srcH) -> canvas, fitted into rect (letterboxed, aspect kept) with
 * Keys' cubic (a = -0.5, the bicubic rung's filter). When the plan downsamples (a model scale above the
 * ratio), the kernel is stretched by 1 / k and normalised, as MATLAB's imresize does, so the model's detail
 * is averaged instead of aliased. When the rect equals the source size every pixel maps 1:1 (the weights
 * at integer offsets are 1, 0, 0).
 */
export function outputShader(p: Precision): string {
  return `${header(p)}
struct Params { src: vec2f, rectPos: vec2f, rectSize: vec2f, pad: vec2f }
@group(0) @binding(0) var<storage, read> img: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

@vertex
fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
  let xy = vec2f(f32((i << 1u) & 2u), f32(i & 2u));
  return vec4f(xy * 2.0 - 1.0, 0.0, 1.0);
}

fn px(x: i32, y: i32) -> vec3<real> {
  let w = i32(params.src.x);
  let h = i32(params.src.y);
  let i = u32((clamp(y, 0, h - 1) * w + clamp(x, 0, w - 1)) * 3);
  return vec3<real>(vec3f(img[i], img[i + 1u], img[i + 2u]));
}

fn keys(d: f32) -> f32 {
  let x = abs(d);
  if (x <= 1.0) { return (1.5 * x - 2.5) * x * x + 1.0; }
  if (x < 2.0) { return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0; }
  return 0.0;
}

// Ratios below 1/4 are never planned (a model runs only from 1.3x up); the cap bounds the loop.
const MAX_RADIUS = 8;

@fragment
fn fs(@builtin(position) pos: vec4f) -> @location(0) vec4f {
  let local = pos.xy - params.rectPos;
  if (any(local < vec2f(0.0)) || any(local >= params.rectSize)) { return vec4f(0.0, 0.0, 0.0, 1.0); }
  let k = min(params.rectSize / params.src, vec2f(1.0));
  let s = local * (params.src / params.rectSize) - 0.5;
  let lo = vec2i(ceil(s - 2.0 / k));
  let hi = vec2i(floor(s + 2.0 / k));
  let x0 = max(lo.x, i32(floor(s.x)) - MAX_RADIUS);
  let x1 = min(hi.x, i32(floor(s.x)) + MAX_RADIUS);
  let y0 = max(lo.y, i32(floor(s.y)) - MAX_RADIUS);
  let y1 = min(hi.y, i32(floor(s.y)) + MAX_RADIUS);
  var acc = vec3<real>(0.0);
  var wsum = 0.0;
  for (var y = y0; y <= y1; y++) {
    let wy = keys((f32(y) - s.y) * k.y);
    var row = vec3<real>(0.0);
    var rsum = 0.0;
    for (var x = x0; x <= x1; x++) {
      let wx = keys((f32(x) - s.x) * k.x);
      row += real(wx) * px(x, y);
      rsum += wx;
    }
    acc += real(wy) * row;
    wsum += wy * rsum;
  }
  let c = clamp(acc / real(wsum), vec3<real>(0.0), vec3<real>(1.0));
  return vec4f(vec3f(c), 1.0);
}
`;
}
