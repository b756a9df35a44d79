import type { GeneratorConfig } from '../../src/model/types.js';
import { architecturePlan, type SepConvUnit } from '../../src/model/weightSpec.js';
import { ProtoWriter } from './protobuf.js';

/** Folded weights (no BN, no depthwise bias) in the TF.js layout, as models/<name>/ stores them. */
export type FoldedWeights = ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

const OPSET = 17;
const IR_VERSION = 8;
const FLOAT = 1;

/**
 * The generator as an ONNX graph (NCHW, input 'input' [1, 3, h, w] in [0, 1], output 'output'), built from
 * the same architecture plan as the TF.js forward pass. Pixel shuffles are DepthToSpace in DCR mode, whose
 * channel order ((i*r + j)*C + c) is TF's depthToSpace: the stored pointwise weights need no permutation.
 */
export function generatorToOnnx(config: GeneratorConfig, weights: FoldedWeights, producer = 'swiftsr bench'): Uint8Array {
  const plan = architecturePlan(config);
  const graph = new ProtoWriter();
  const inits: ProtoWriter[] = [];
  let nodes = 0;
  const get = (name: string): { shape: readonly number[]; data: Float32Array } => {
    const t = weights.get(name);
    if (t === undefined) throw new RangeError(`ONNX export: weights lack '${name}' (BN must be folded first)`);
    return t;
  };
  const init = (name: string, dims: readonly number[], data: Float32Array): string => {
    const t = new ProtoWriter().packedInts(1, dims).int(2, FLOAT).string(8, name);
    t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
    inits.push(t);
    return name;
  };
  const node = (op: string, inputs: readonly string[], attrs: readonly ProtoWriter[] = [], out = `t${nodes}`): string => {
    nodes++;
    const n = new ProtoWriter();
    for (const i of inputs) n.string(1, i);
    n.string(2, out).string(3, `${op}_${nodes}`).string(4, op);
    for (const a of attrs) n.message(5, a);
    graph.message(1, n);
    return out;
  };
  const ints = (name: string, vs: readonly number[]): ProtoWriter => new ProtoWriter().string(1, name).int(20, 7).packedInts(8, vs);
  const int = (name: string, v: number): ProtoWriter => new ProtoWriter().string(1, name).int(20, 2).int(3, v);
  const str = (name: string, v: string): ProtoWriter => new ProtoWriter().string(1, name).int(20, 3).string(4, v);

  const sepConv = (x: string, u: SepConvUnit): string => {
    if (weights.has(`${u.conv}.depthwise.bias`) || (u.bn !== null && weights.has(`${u.bn}.weight`))) {
      throw new RangeError(`ONNX export: '${u.conv}' is not BN-folded`);
    }
    const [k, c, o] = [u.kernel, u.inChannels, u.outChannels];
    const dw = get(`${u.conv}.depthwise.weight`).data;
    const dwT = new Float32Array(c * k * k);
    for (let y = 0; y < k; y++) for (let xx = 0; xx < k; xx++) for (let ch = 0; ch < c; ch++) dwT[ch * k * k + y * k + xx] = dw[(y * k + xx) * c + ch] ?? 0;
    const pw = get(`${u.conv}.pointwise.weight`).data;
    const pwT = new Float32Array(o * c);
    for (let i = 0; i < c; i++) for (let j = 0; j < o; j++) pwT[j * c + i] = pw[i * o + j] ?? 0;
    const p = Math.floor(k / 2);
    let y = node('Conv', [x, init(`${u.conv}.depthwise.weight`, [c, 1, k, k], dwT)], [int('group', c), ints('kernel_shape', [k, k]), ints('pads', [p, p, p, p])]);
    y = node('Conv', [y, init(`${u.conv}.pointwise.weight`, [o, c, 1, 1], pwT), init(`${u.conv}.pointwise.bias`, [o], get(`${u.conv}.pointwise.bias`).data)], [ints('kernel_shape', [1, 1])]);
    if (u.shuffle > 1) y = node('DepthToSpace', [y], [int('blocksize', u.shuffle), str('mode', 'DCR')]);
    if (u.prelu !== null) {
      const slope = get(u.prelu).data;
      y = node('PRelu', [y, init(u.prelu, [slope.length, 1, 1], slope)]);
    }
    return y;
  };

  const initial = sepConv('input', plan.initial);
  let h = initial;
  for (const r of plan.residual) h = node('Add', [sepConv(sepConv(h, r.block1), r.block2), h]);
  h = node('Add', [sepConv(h, plan.convblock), initial]);
  for (const u of plan.upsampler) h = sepConv(h, u);
  const r = sepConv(h, plan.final);
  let out: string;
  if (config.skip === 'none') {
    out = node('Sigmoid', [node('Mul', [r, init('two', [], Float32Array.of(2))])]);
  } else {
    const scales = init('scales', [4], Float32Array.of(1, 1, config.scale, config.scale));
    // Bilinear: half-pixel centres, as TF.js resizeBilinear(halfPixelCenters) and PyTorch align_corners=False.
    const attrs = config.skip === 'bilinear' ? [str('mode', 'linear'), str('coordinate_transformation_mode', 'half_pixel')] : [str('mode', 'nearest'), str('coordinate_transformation_mode', 'asymmetric'), str('nearest_mode', 'floor')];
    const up = node('Resize', ['input', '', scales], attrs);
    out = node('Clip', [node('Add', [up, r]), init('zero', [], Float32Array.of(0)), init('one', [], Float32Array.of(1))]);
  }
  const output = node('Identity', [out], [], 'output');

  const valueInfo = (name: string, dims: readonly (number | string)[]): ProtoWriter => {
    const shape = new ProtoWriter();
    for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
    const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
  };
  for (const t of inits) graph.message(5, t);
  graph.string(2, 'swiftsr_generator');
  graph.message(11, valueInfo('input', [1, 3, 'height', 'width']));
  graph.message(12, valueInfo(output, [1, 3, 'out_height', 'out_width']));
  return new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, producer)
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').int(2, OPSET))
    .finish();
}
