import { basename, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { degradationKey, degradeClip, parseDegradation, type CallDegradation } from '../imaging/callDegrade.js';
import type { RgbImage } from '../imaging/image.js';
import { listImages } from '../imaging/imageSet.js';
import type { ImageMetrics } from '../imaging/metrics.js';
import { parseQuantizers, vp8RoundTrip } from '../imaging/vp8Intra.js';
import { loadGenerator } from '../src/model/index.js';
import type { Generator } from '../src/model/types.js';
import { BACKENDS, setupBackend, type BackendName } from './backend.js';
import { predictBanded } from './banded.js';
import { evaluateCall } from './callEval.js';
import { UsageError } from './cli.js';
import { evaluateImages, type EvalSummary, type ImageResult } from './evaluate.js';
import { writeMetrics } from './metricsFile.js';

const round = (x: number, d: number): number => Number(x.toFixed(d));
const fmt = (m: ImageMetrics) => ({ psnrY: round(m.psnrY, 3), ssimY: round(m.ssimY, 4), psnrRgb: round(m.psnrRgb, 3) });
const fmtMean = (m: EvalSummary) => ({ images: m.images, model: fmt(m.model), bicubic: fmt(m.bicubic) });
const fmtImage = (p: ImageResult) => ({ image: basename(p.image), width: p.width, height: p.height, model: fmt(p.model), bicubic: fmt(p.bicubic) });

const IMAGE_PROTOCOL = 'HR modcrop(scale); LR = MATLAB bicubic (antialiased, a=-0.5), 8-bit';
const METRIC_PROTOCOL = 'Y = BT.601 (16-235) float; border crop = scale; SSIM 11x11 gaussian 1.5';

function positiveInt(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${v}'`);
  return n;
}

function parseDegrade(s: string): CallDegradation {
  try {
    return parseDegradation(s);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A clip's name for the metrics key: `--label`, else the file name without extension and `_WxH...` suffix. */
function clipName(path: string, label: string | undefined): string {
  return label ?? basename(path, extname(path)).replace(/_\d+x\d+.*$/, '');
}

async function imageSetReport(model: Generator, data: string, scale: number, vp8: string | undefined, label: string | undefined) {
  let q: number | null = null;
  if (vp8 !== undefined) {
    const qs = parseQuantizers(vp8);
    if (qs.length !== 1) throw new UsageError('eval takes one --vp8 quantizer per run');
    q = qs[0] ?? null;
  }
  const degrade = q === null ? undefined : (lr: RgbImage) => vp8RoundTrip(lr, q);
  const r = await evaluateImages((x) => model.predict(x), await listImages([data]), scale, undefined, degrade);
  return {
    key: label ?? `${basename(resolve(data))}${q === null ? '' : `-vp8q${q}`}`,
    protocol: `${IMAGE_PROTOCOL}${q === null ? '' : `, then one VP8 intra frame (libvpx realtime, cpu-used 8, 4:2:0, Q ${q}) for model and bicubic`}; ${METRIC_PROTOCOL}`,
    extra: {},
    images: r.perImage.map(fmtImage),
    mean: fmtMean(r.mean),
  };
}

async function callReport(model: Generator, clip: string, scale: number, d: CallDegradation, o: { frames: number; fps: number; scoreEvery: number; label: string | undefined }) {
  // Frame 0 is the key frame; a call's frames are nearly all inter frames, so those are the ones scored.
  const scored = Array.from({ length: Math.floor((o.frames - 1) / o.scoreEvery) }, (_, k) => (k + 1) * o.scoreEvery);
  if (scored.length === 0) throw new UsageError(`--frames ${o.frames} with --score-every ${o.scoreEvery} leaves no inter frame to score`);
  const c = await degradeClip({ source: clip, scale, degradation: d, frames: o.frames, fps: o.fps, scored });
  const r = evaluateCall((lr) => predictBanded(model, lr), c, scale);
  return {
    key: degradationKey(d, clipName(clip, o.label)),
    protocol: `call: ${c.config.hrSize} source frames at ${o.fps} fps (${c.config.crop}); sender downscale to ${c.config.lrSize} (${c.config.downscale}); ${c.config.encoder} at ${d.kbps} kbit/s over ${o.frames} frames (key frame, then inter frames), decoded (BT.601); model and MATLAB bicubic on the decoded LR, scored on frames ${scored.join(', ')} against the clean source frame; ${METRIC_PROTOCOL}`,
    extra: { degrade: { codec: d.codec, targetKbps: d.kbps, kbps: round(c.kbps, 1), ...c.config } },
    images: r.perImage.map((p) => ({ ...fmtImage(p), lrPsnrY: round(p.lrPsnrY, 3) })),
    mean: fmtMean(r.mean),
  };
}

/** `npm run eval`: prints per-image and mean metrics as JSON; `--write-metrics` stores the means in swiftsr.json. */
export async function runEval(argv: string[]): Promise<number> {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: argv,
    options: { model: s, data: s, scale: s, 'write-metrics': { type: 'boolean' }, label: s, backend: s, vp8: s, degrade: s, frames: s, fps: s, 'score-every': s },
    strict: true,
  });
  if (v.model === undefined || v.data === undefined) throw new UsageError('--model and --data are required');
  const backend = (v.backend ?? 'wasm') as BackendName;
  if (!BACKENDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  const degrade = v.degrade === undefined ? null : parseDegrade(v.degrade);
  if (degrade === null && (v.frames ?? v.fps ?? v['score-every']) !== undefined) throw new UsageError('--frames, --fps and --score-every need --degrade call:...');
  if (degrade !== null && v.vp8 !== undefined) throw new UsageError('--vp8 (image sets) and --degrade (video clips) do not combine');
  const callOpts = { frames: positiveInt(v.frames, 'frames', 60), fps: positiveInt(v.fps, 'fps', 30), scoreEvery: positiveInt(v['score-every'], 'score-every', 10), label: v.label };
  await setupBackend(backend);
  const model = await loadGenerator(resolve(v.model));
  try {
    const scale = v.scale === undefined ? model.config.scale : Number(v.scale);
    if (scale !== model.config.scale) throw new UsageError(`--scale ${scale} does not match the model's scale ${model.config.scale}`);
    const r = degrade === null ? await imageSetReport(model, v.data, scale, v.vp8, v.label) : await callReport(model, resolve(v.data), scale, degrade, callOpts);
    const report = { model: basename(resolve(v.model)), variant: model.variant, dataset: r.key, scale, protocol: r.protocol, ...r.extra, images: r.images, mean: r.mean };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (v['write-metrics'] === true) await writeMetrics(resolve(v.model), r.key, { ...r.mean, protocol: r.protocol, ...r.extra });
    return 0;
  } finally {
    model.dispose();
  }
}
