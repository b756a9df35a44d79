import { fitRect } from '../fitRect.js';
import type { PlainRenderer, RenderResult } from '../renderers.js';

const VERTEX = `#version 300 es
void main() {
  vec2 xy = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(xy * 2.0 - 1.0, 0.0, 1.0);
}`;

/** Keys' cubic convolution (a = -0.5, i.e. Catmull-Rom), 4x4 taps, edges clamped: what "bicubic" means here. */
const FRAGMENT = `#version 300 es
precision highp float;
uniform sampler2D src;
uniform vec2 srcSize;
uniform vec4 rect;
uniform float outHeight;
out vec4 color;
float w(float x) {
  x = abs(x);
  if (x <= 1.0) return (1.5 * x - 2.5) * x * x + 1.0;
  if (x < 2.0) return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0;
  return 0.0;
}
vec3 px(ivec2 p) {
  return texelFetch(src, clamp(p, ivec2(0), ivec2(srcSize) - 1), 0).rgb;
}
void main() {
  vec2 local = vec2(gl_FragCoord.x, outHeight - gl_FragCoord.y) - rect.xy;
  if (any(lessThan(local, vec2(0.0))) || any(greaterThanEqual(local, rect.zw))) { color = vec4(0.0, 0.0, 0.0, 1.0); return; }
  vec2 s = local * (srcSize / rect.zw) - 0.5;
  vec2 f = floor(s);
  vec2 t = s - f;
  ivec2 base = ivec2(f);
  vec3 acc = vec3(0.0);
  for (int j = -1; j <= 2; j++) {
    float wy = w(float(j) - t.y);
    for (int i = -1; i <= 2; i++) acc += w(float(i) - t.x) * wy * px(base + ivec2(i, j));
  }
  color = vec4(clamp(acc, 0.0, 1.0), 1.0);
}`;

/**
 * The floor of the ladder and the A/B "off" view. Its own WebGL2 context, separate from any model backend,
 * so it keeps painting while a lost WebGPU device or WebGL context is being replaced. Without WebGL2 it
 * degrades to the 2D canvas's own smoothing.
 */
export class BicubicRenderer implements PlainRenderer<VideoFrame, OffscreenCanvas> {
  readonly canvas: OffscreenCanvas;
  readonly #gl: WebGL2RenderingContext | null;
  /** Separate canvas: one that once had a WebGL context can never get a 2D one. */
  #canvas2d: OffscreenCanvas | null = null;
  #program: WebGLProgram | null = null;
  #texture: WebGLTexture | null = null;
  #uniforms: { srcSize: WebGLUniformLocation | null; rect: WebGLUniformLocation | null; outHeight: WebGLUniformLocation | null } | null = null;

  constructor(private readonly outputWidth: number, private readonly outputHeight: number) {
    this.canvas = new OffscreenCanvas(outputWidth, outputHeight);
    this.#gl = this.canvas.getContext('webgl2', { antialias: false, premultipliedAlpha: false });
    if (this.#gl !== null) this.#setUp(this.#gl);
  }

  render(frame: VideoFrame): Promise<RenderResult<OffscreenCanvas>> {
    const r = fitRect(frame.displayWidth, frame.displayHeight, this.outputWidth, this.outputHeight);
    const gl = this.#gl;
    if (gl !== null && !gl.isContextLost() && this.#uniforms !== null) {
      gl.bindTexture(gl.TEXTURE_2D, this.#texture);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, frame);
      gl.viewport(0, 0, this.outputWidth, this.outputHeight);
      gl.useProgram(this.#program);
      gl.uniform2f(this.#uniforms.srcSize, frame.displayWidth, frame.displayHeight);
      gl.uniform4f(this.#uniforms.rect, r.x, r.y, r.width, r.height);
      gl.uniform1f(this.#uniforms.outHeight, this.outputHeight);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      return Promise.resolve({ surface: this.canvas, modelMs: null });
    }
    this.#canvas2d ??= new OffscreenCanvas(this.outputWidth, this.outputHeight);
    const ctx = this.#canvas2d.getContext('2d');
    if (ctx === null) throw new Error('neither WebGL2 nor 2D canvas in this worker');
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.outputWidth, this.outputHeight);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(frame, r.x, r.y, r.width, r.height);
    return Promise.resolve({ surface: this.#canvas2d, modelMs: null });
  }

  dispose(): void {
    const gl = this.#gl;
    if (gl !== null && !gl.isContextLost()) {
      gl.deleteTexture(this.#texture);
      gl.deleteProgram(this.#program);
    }
    this.#texture = null;
    this.#program = null;
  }

  #setUp(gl: WebGL2RenderingContext): void {
    const compile = (type: number, src: string): WebGLShader => {
      const sh = gl.createShader(type);
      if (sh === null) throw new Error('createShader failed');
      gl.shaderSource(sh, src);
      gl.compileShader(sh);
      if (gl.getShaderParameter(sh, gl.COMPILE_STATUS) !== true) throw new Error(`bicubic shader: ${gl.getShaderInfoLog(sh) ?? ''}`);
      return sh;
    };
    const program = gl.createProgram();
    gl.attachShader(program, compile(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (gl.getProgramParameter(program, gl.LINK_STATUS) !== true) throw new Error(`bicubic program: ${gl.getProgramInfoLog(program) ?? ''}`);
    this.#program = program;
    this.#texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, this.#texture);
    for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.texParameteri(gl.TEXTURE_2D, p, gl.NEAREST);
    for (const p of [gl.TEXTURE_WRAP_S, gl.TEXTURE_WRAP_T]) gl.texParameteri(gl.TEXTURE_2D, p, gl.CLAMP_TO_EDGE);
    this.#uniforms = {
      srcSize: gl.getUniformLocation(program, 'srcSize'),
      rect: gl.getUniformLocation(program, 'rect'),
      outHeight: gl.getUniformLocation(program, 'outHeight'),
    };
  }
}
