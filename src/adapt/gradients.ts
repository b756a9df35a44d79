import * as tf from '@tensorflow/tfjs-core';

/**
 * For in-browser fine-tuning of the generator (issue #12: a generator gradient step in TF.js on wasm,
 * WebGL or WebGPU). Gradients that the wasm backend (and, for DepthToSpace, every backend) lacks, written with ops that
 * every backend has:
 * - Conv2D filter grad: one matMul per kernel tap (a single matMul for the 1x1 pointwise convs).
 * - DepthwiseConv2dNative input grad: depthwise conv of dy (zero-dilated when strided) with the
 *   spatially flipped filter.
 * - DepthwiseConv2dNative filter grad: a depthwise conv of the padded input with dy as the filter, batch
 *   folded into the channel axis (dilated by the stride), then summed over the batch.
 * - DepthToSpace: its adjoint, space-to-depth as reshape + transpose.
 * The overrides keep the backend's own kernel where it exists unless `force` is set. In TF.js 4.22 the cpu,
 * WebGL and WebGPU backends all register Conv2DBackpropFilter/Input, DepthwiseConv2dNativeBackpropInput/Filter
 * and Prelu, so there only the DepthToSpace gradient (absent from tfjs-core for every backend) is ours; the
 * browser spec (test/browser/sender.test.ts) checks that Adam steps on WebGPU and WebGL match cpu (2.4e-6).
 */
interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dilations?: number | [number, number];
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

let forceCustom = false;
let installed = false;

function hasKernel(name: string): boolean {
  return !forceCustom && tf.getKernel(name, tf.getBackend()) !== undefined;
}

function pair(v: number | [number, number] | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

/** Pads x as the forward conv did and returns it with the conv geometry. */
function padAsForward(x: tf.Tensor4D, filterShape: [number, number, number, number], a: ConvAttrs, depthwise: boolean) {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, pair(a.strides), pair(a.dilations), a.pad, a.dimRoundingMode, depthwise);
  const { top, left } = info.padInfo;
  const needH = (info.outHeight - 1) * info.strideHeight + info.filterHeight;
  const needW = (info.outWidth - 1) * info.strideWidth + info.filterWidth;
  const bottom = Math.max(0, needH - x.shape[1] - top);
  const right = Math.max(0, needW - x.shape[2] - left);
  let xp = top + bottom + left + right > 0 ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
  if (xp.shape[1] > needH || xp.shape[2] > needW) xp = tf.slice(xp, [0, 0, 0, 0], [-1, needH, needW, -1]);
  return { xp, info };
}

export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], a: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filterShape;
    if (pair(a.dilations).some((d) => d !== 1)) throw new RangeError('conv2d filter gradient: dilations must be 1');
    const { xp, info } = padAsForward(x, filterShape, a, false);
    const dy2 = tf.reshape(dy, [-1, co]);
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const end = [xp.shape[0], i + (info.outHeight - 1) * info.strideHeight + 1, j + (info.outWidth - 1) * info.strideWidth + 1, ci];
        const xs = tf.stridedSlice(xp, [0, i, j, 0], end, [1, info.strideHeight, info.strideWidth, 1]);
        // An explicit transpose: wasm's matMul with transposeA is ~4x slower than transpose + plain matMul.
        taps.push(tf.matMul(tf.transpose(tf.reshape(xs, [-1, ci])), dy2));
      }
    }
    return tf.reshape(taps.length === 1 ? (taps[0] as tf.Tensor) : tf.stack(taps), [kh, kw, ci, co]);
  });
}

/** Whether a conv is a plain 1x1 (stride 1, no dilation): its gradients are matMuls. */
export function isPointwise(filterShape: readonly number[], a: ConvAttrs): boolean {
  return filterShape[0] === 1 && filterShape[1] === 1 && pair(a.strides).every((v) => v === 1) && pair(a.dilations).every((v) => v === 1);
}

/** Input gradient of a 1x1 stride-1 conv: dy · filterᵀ (explicitly transposed, see conv2dFilterGrad). */
export function pointwiseInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, , ci, co] = filter.shape;
    const [n, h, w] = dy.shape;
    return tf.reshape(tf.matMul(tf.reshape(dy, [-1, co]), tf.transpose(tf.reshape(filter, [ci, co]))), [n, h, w, ci]);
  });
}

/** Inserts (stride - 1) zeros between the rows and columns of dy: a strided conv's adjoint input. */
function dilate(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape;
  const r = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.slice(tf.reshape<tf.Rank.R4>(r, [n, oh * sh, ow * sw, c]), [0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c]);
}

export function depthwiseInputGrad(xShape: [number, number, number, number], dy: tf.Tensor4D, filter: tf.Tensor4D, a: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, , mult] = filter.shape;
    const [sh, sw] = pair(a.strides);
    if (mult !== 1) throw new RangeError('depthwise input gradient: only channel multiplier 1');
    const info = tf.backend_util.computeConv2DInfo(xShape, filter.shape, [sh, sw], 1, a.pad, a.dimRoundingMode, true);
    const { top, left } = info.padInfo;
    const dyd = dilate(dy, sh, sw);
    const padTop = kh - 1 - top;
    const padLeft = kw - 1 - left;
    // Input rows that no window reaches (strided 'valid') get zero gradient: pad, then cut to size.
    const padBottom = Math.max(0, xShape[1] + kh - 1 - dyd.shape[1] - padTop);
    const padRight = Math.max(0, xShape[2] + kw - 1 - dyd.shape[2] - padLeft);
    const dyp = tf.pad(dyd, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
    return tf.slice(tf.depthwiseConv2d(dyp, tf.reverse(filter, [0, 1]), 1, 'valid'), [0, 0, 0, 0], xShape);
  });
}

export function depthwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], a: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, c, mult] = filterShape;
    const [sh, sw] = pair(a.strides);
    if (mult !== 1) throw new RangeError('depthwise filter gradient: only channel multiplier 1');
    const { xp } = padAsForward(x, filterShape, a, true);
    const n = x.shape[0];
    const [, oh, ow] = dy.shape;
    const xf = tf.reshape(tf.transpose(xp, [1, 2, 0, 3]), [1, xp.shape[1], xp.shape[2], n * c]);
    const df = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [oh, ow, n * c, 1]);
    // With stride s the filter taps of dy sit s apart in x: a dilated conv.
    const g = tf.depthwiseConv2d(xf as tf.Tensor4D, df as tf.Tensor4D, 1, 'valid', 'NHWC', [sh, sw]);
    return tf.reshape(tf.sum(tf.reshape(g, [kh, kw, n, c]), 2), [kh, kw, c, 1]);
  });
}

/** Adjoint of NHWC depthToSpace: out[n, h*b+i, w*b+j, c] = in[n, h, w, (i*b + j)*C + c]. */
export function spaceToDepth(dy: tf.Tensor4D, block: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, hb, wb, c] = dy.shape;
    const h = hb / block;
    const w = wb / block;
    const r = tf.reshape(dy, [n, h, block, w, block, c]);
    return tf.reshape(tf.transpose(r, [0, 1, 3, 2, 4, 5]), [n, h, w, block * block * c]);
  });
}

type KernelInputs = Record<string, tf.TensorInfo | undefined>;

/**
 * Backprop kernels for the wasm backend built from the op-based functions above: the fused conv ops'
 * own gradients (tfjs-layers uses them, e.g. in MobileNetV2) call these kernels directly.
 */
function registerWasmBackpropKernels(): void {
  const asTensor = (info: tf.TensorInfo | undefined): tf.Tensor4D => {
    if (info === undefined) throw new Error('missing kernel input');
    // The wrapper does not own a backend reference; take one so that disposing it leaves the input alive.
    const t = tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
    tf.engine().backend.incRef(info.dataId);
    return t;
  };
  const kernels: [string, (inputs: KernelInputs, attrs: ConvAttrs & Record<string, unknown>) => tf.Tensor][] = [
    ['Conv2DBackpropFilter', (i, a) => conv2dFilterGrad(asTensor(i['x']), asTensor(i['dy']), a['filterShape'] as [number, number, number, number], a)],
    ['DepthwiseConv2dNativeBackpropInput', (i, a) => depthwiseInputGrad(a['inputShape'] as [number, number, number, number], asTensor(i['dy']), asTensor(i['filter']), a)],
    ['DepthwiseConv2dNativeBackpropFilter', (i, a) => depthwiseFilterGrad(asTensor(i['x']), asTensor(i['dy']), a['filterShape'] as [number, number, number, number], a)],
  ];
  for (const [kernelName, fn] of kernels) {
    if (tf.getKernel(kernelName, 'wasm') !== undefined) continue;
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      // Inner ops run untaped (kernel depth > 0); the engine adopts the returned tensor as the output.
      kernelFunc: ({ inputs, attrs }) => tf.tidy(() => fn(inputs, attrs as unknown as ConvAttrs & Record<string, unknown>)),
    });
  }
}

/**
 * Registers the gradients (idempotent). `force` uses the op-based versions even where the backend has
 * the native backprop kernels (tests compare the two).
 */
export async function installGradients(opts: { force?: boolean } = {}): Promise<void> {
  forceCustom = opts.force === true;
  if (installed) return;
  installed = true;
  // tfjs-core alone registers no gradients: src/model/gradients.ts registers them (through tfjs-layers).
  if (tf.getGradient('Abs') === undefined) await import('../model/gradients.js');
  if (tf.getGradient('Abs') === undefined) throw new Error('TF.js gradients could not be registered');
  registerWasmBackpropKernels();
  const conv = tf.getGradient('Conv2D');
  const dw = tf.getGradient('DepthwiseConv2dNative');
  if (conv === undefined || dw === undefined) throw new Error('tfjs-core gradients for Conv2D/DepthwiseConv2dNative are not registered');
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const native = conv.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as ConvAttrs;
      // wasm's own Conv2DBackpropInput is a plain loop, ~7x slower than the matMul for the generator's 1x1 convs.
      const fastPointwise = (forceCustom || tf.getBackend() === 'wasm') && isPointwise(filter.shape, a);
      return {
        x: fastPointwise ? () => pointwiseInputGrad(dy as tf.Tensor4D, filter) : (native['x'] as () => tf.Tensor),
        filter: hasKernel('Conv2DBackpropFilter') ? (native['filter'] as () => tf.Tensor) : () => conv2dFilterGrad(x, dy as tf.Tensor4D, filter.shape, a),
      };
    },
  });
  tf.registerGradient({
    kernelName: 'DepthwiseConv2dNative',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const native = dw.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as ConvAttrs;
      return {
        x: hasKernel('DepthwiseConv2dNativeBackpropInput') ? (native['x'] as () => tf.Tensor) : () => depthwiseInputGrad(x.shape, dy as tf.Tensor4D, filter, a),
        filter: hasKernel('DepthwiseConv2dNativeBackpropFilter') ? (native['filter'] as () => tf.Tensor) : () => depthwiseFilterGrad(x, dy as tf.Tensor4D, filter.shape, a),
      };
    },
  });
  tf.registerGradient({
    kernelName: 'DepthToSpace',
    gradFunc: (dy, _saved, attrs) => {
      const { blockSize, dataFormat } = attrs as unknown as { blockSize: number; dataFormat: string };
      if (dataFormat !== 'NHWC') throw new RangeError('DepthToSpace gradient: only NHWC');
      return { x: () => spaceToDepth(dy as tf.Tensor4D, blockSize) };
    },
  });
}
