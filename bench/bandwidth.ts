import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crop, fromBytes, type RgbImage } from '../imaging/image.js';
import { measure } from '../imaging/metrics.js';
import { compareCurves, equivalents, type Comparison, type Curve, type CurvePoint, type Equivalent } from './bandwidthAnalysis.js';
import { callGeometry, senderDownscale, writeSourceY4m, type ClipReport } from '../imaging/callDegrade.js';
import { CODEC_SPECS, type Codec } from '../imaging/codecs.js';
import { decodeRgbFrames, ffmpeg, packetBytes } from '../imaging/ffmpeg.js';
import type { FrameUpscaler } from './nodeUpscalers.js';
import { ffmpegFilters, vmafScore, vmafSupport } from './vmaf.js';
import type { ScaleLadder } from './adaptiveCurves.js';
import { measureCallCurves } from './callCurves.js';
import { goalChecks, type GoalCheck } from './callGoals.js';
import { barcodeBlock } from './webrtcCurve.js';

export interface BandwidthOptions {
  readonly source: string;
  /** Frames encoded (after resampling to `fps`). */
  readonly frames: number;
  readonly fps: number;
  /** Score every n-th frame (all frames are encoded). */
  readonly scoreEvery: number;
  readonly scale: number;
  readonly bitratesKbps: readonly number[];
  readonly codecs: readonly Codec[];
  /** Codecs whose downscaled curves also get the SR models (bicubic runs on every codec). */
  readonly srCodecs: readonly Codec[];
  /** ffmpeg swscale flag for the sender's downscale. */
  readonly downscale: string;
  readonly upscalers: readonly FrameUpscaler[];
  /** Upscalers that run at these target bitrates only (slow models); the others run at every bitrate. */
  readonly upscalerBitrates?: ReadonlyMap<string, readonly number[]>;
  /** Curve C (and with lowRes, D: the 270p call) through headless Chromium's WebRTC stack; null to skip. */
  readonly webrtc: WebrtcCurves | null;
  readonly log: (msg: string) => void;
}

export interface WebrtcCurves {
  readonly warmupMs: number;
  readonly captureMs: number;
  /** Curve D (the pinned 270p call); it runs with the first of `codecs` only. */
  readonly lowRes: boolean;
  /** Codecs the browser sends, one set of call curves each (default vp8). */
  readonly codecs?: readonly Codec[];
  /** Curve E ladders (per-scale models, or none for bicubic), and the codecs that also run curve F (cap one step lower). */
  readonly ladders?: readonly ScaleLadder[];
  readonly capLower?: readonly Codec[];
  /** Folder for E's and F's arriving frames (bench rescore-calls re-scores them with other models). */
  readonly keepFrames?: string;
}

export interface BandwidthConfig extends ClipReport {
  readonly scoredRegion: string;
  readonly downscale: string;
  readonly colorMatrix: string;
  readonly metric: string;
  /** How VMAF was measured, or why not. */
  readonly vmaf: string;
  /** Target bitrates of each upscaler on the 270p curves ('all' unless limited with name@kbps+kbps). */
  readonly upscalerBitrates: Record<string, readonly number[] | 'all'>;
  readonly encoders: Record<string, { label: string; ffmpegArgs: string }>;
}

export interface BandwidthMeasurement {
  readonly config: BandwidthConfig;
  readonly curves: Curve[];
  readonly comparisons: Comparison[];
  readonly equivalents: Equivalent[];
  /** Issue 11's goals for each curve E with models against curve C of the same codec and run. */
  readonly goals: GoalCheck[];
}

interface Scored {
  psnrY: number;
  ssimY: number;
  vmaf?: number;
}

/**
 * Mean Y-PSNR/SSIM over the frames both maps hold. The bottom `cropBottom` rows are left out for every
 * curve alike: curve C's source carries its frame-index barcode there.
 */
export function scoreFrames(test: ReadonlyMap<number, RgbImage>, ref: ReadonlyMap<number, RgbImage>, border: number, cropBottom: number): Scored & { frames: number } {
  let p = 0;
  let s = 0;
  let n = 0;
  for (const [i, r] of ref) {
    const t = test.get(i);
    if (t === undefined) continue;
    const region = (img: RgbImage): RgbImage => crop(img, 0, 0, img.width, img.height - cropBottom);
    const m = measure(region(t), region(r), border);
    p += m.psnrY;
    s += m.ssimY;
    n++;
  }
  if (n === 0) throw new Error('no frame to score');
  return { psnrY: p / n, ssimY: s / n, frames: n };
}

export async function decodeImages(path: string, w: number, h: number, keep: (i: number) => boolean): Promise<Map<number, RgbImage>> {
  const raw = await decodeRgbFrames(path, w, h, keep);
  return new Map([...raw].map(([i, bytes]) => [i, fromBytes(w, h, bytes)]));
}

function upscaleAll(up: FrameUpscaler, frames: ReadonlyMap<number, RgbImage>): Map<number, RgbImage> {
  return new Map([...frames].map(([i, f]) => [i, up.upscale(f)]));
}

/**
 * Curves A (direct) and B (downscaled, then upscaled) for each codec and bitrate, scored against the
 * source frames with the eval command's Y-PSNR/SSIM (border = scale, as in SR papers, for every curve).
 */
export async function measureBandwidth(o: BandwidthOptions): Promise<BandwidthMeasurement> {
  const geometry = await callGeometry(o.source, o.scale);
  const { width: w, height: h, lrWidth: lw, lrHeight: lh } = geometry;
  const work = await mkdtemp(join(tmpdir(), 'swiftsr-bw-'));
  const keep = (i: number): boolean => i % o.scoreEvery === 0 && i < o.frames;
  const seconds = o.frames / o.fps;
  const cropBottom = barcodeBlock(h);
  const vmaf = vmafSupport(await ffmpegFilters());
  try {
    const hr = join(work, 'hr.y4m');
    const lr = join(work, 'lr.y4m');
    await writeSourceY4m(o.source, hr, { fps: o.fps, frames: o.frames, width: w, height: h });
    await senderDownscale(hr, lr, lw, lh, o.downscale);
    const ref = await decodeImages(hr, w, h, keep);
    if (ref.size === 0) throw new RangeError(`source gave no frames to score (${o.frames} frames, every ${o.scoreEvery})`);
    // VMAF sees the whole frame, barcode strip included: the strip is identical in every stream but curve C's.
    const withVmaf = async <S extends Scored>(test: ReadonlyMap<number, RgbImage>, s: S): Promise<S> => (vmaf.available ? { ...s, vmaf: await vmafScore(test, ref, work) } : s);
    const score = async (test: ReadonlyMap<number, RgbImage>): Promise<Scored> => {
      const r = scoreFrames(test, ref, o.scale, cropBottom);
      if (r.frames !== ref.size) throw new Error(`decoded stream has ${r.frames} of ${ref.size} scored frames`);
      return withVmaf(test, { psnrY: r.psnrY, ssimY: r.ssimY });
    };
    const lrLossless = await decodeImages(lr, lw, lh, keep);
    const curves: Curve[] = [];
    for (const codec of o.codecs) {
      const spec = CODEC_SPECS[codec];
      const ups = o.upscalers.filter((u) => u.name === 'bicubic' || o.srCodecs.includes(codec));
      const direct: CurvePoint[] = [];
      const down = new Map<string, CurvePoint[]>(ups.map((u) => [u.name, []]));
      for (const kbps of o.bitratesKbps) {
        const rate = async (file: string): Promise<number> => ((await packetBytes(file)).bytes * 8) / seconds / 1000;
        const a = join(work, `a.${spec.extension}`);
        await ffmpeg(['-f', 'yuv4mpegpipe', '-i', hr, ...spec.args(kbps * 1000), '-f', spec.format, a]);
        const aScore = await score(await decodeImages(a, w, h, keep));
        direct.push({ targetKbps: kbps, kbps: await rate(a), ...aScore });
        const b = join(work, `b.${spec.extension}`);
        await ffmpeg(['-f', 'yuv4mpegpipe', '-i', lr, ...spec.args(kbps * 1000), '-f', spec.format, b]);
        const bFrames = await decodeImages(b, lw, lh, keep);
        const bKbps = await rate(b);
        const line: string[] = [];
        for (const u of ups) {
          if (!(o.upscalerBitrates?.get(u.name)?.includes(kbps) ?? true)) continue;
          const s = await score(upscaleAll(u, bFrames));
          down.get(u.name)?.push({ targetKbps: kbps, kbps: bKbps, ...s });
          line.push(`${u.name} ${s.psnrY.toFixed(2)}`);
        }
        o.log(`${codec} ${kbps} kbit/s: direct ${(direct.at(-1)?.kbps ?? 0).toFixed(0)} kbit/s ${aScore.psnrY.toFixed(2)} dB | ${lw}x${lh} ${bKbps.toFixed(0)} kbit/s ${line.join(', ')}`);
      }
      curves.push({ id: `A/${codec}/direct`, kind: 'direct', codec, upscaler: null, points: direct });
      for (const u of ups) {
        const lossless = await score(upscaleAll(u, lrLossless));
        curves.push({ id: `B/${codec}/${u.name}`, kind: 'downscaled', codec, upscaler: u.name, points: down.get(u.name) ?? [], lossless });
      }
    }
    if (o.webrtc !== null) {
      // Curve D runs the upscalers of the VP8 270p curve except the slow ones limited to a few bitrates.
      const dUps = o.upscalers.filter((u) => (u.name === 'bicubic' || o.srCodecs.includes('vp8')) && o.upscalerBitrates?.get(u.name) === undefined);
      const scoreCall = async (test: ReadonlyMap<number, RgbImage>) => withVmaf(test, scoreFrames(test, ref, o.scale, cropBottom));
      const { warmupMs, captureMs, lowRes, ladders, capLower, keepFrames } = o.webrtc;
      for (const [k, codec] of (o.webrtc.codecs ?? ['vp8']).entries()) {
        const upscalers = lowRes && k === 0 ? dUps : [];
        const call = await measureCallCurves({ work, hrY4m: hr, lrY4m: lr, hr: [w, h], lr: [lw, lh], fps: o.fps, frames: o.frames, wanted: [...ref.keys()], bitratesKbps: o.bitratesKbps, warmupMs, captureMs, codec, ladders: ladders ?? [], capLower: capLower?.includes(codec) ?? false, ...(keepFrames !== undefined ? { keepFrames } : {}), upscalers, score: scoreCall, log: o.log });
        curves.push(...call);
      }
    }
    const size = await stat(o.source);
    o.log(`source ${o.source} (${size.size} bytes) scored on ${ref.size} frames`);
    return {
      config: {
        source: o.source,
        sourceSize: geometry.sourceSize,
        hrSize: geometry.hrSize,
        lrSize: geometry.lrSize,
        fps: o.fps,
        frames: o.frames,
        scoredFrames: [...ref.keys()],
        scoredRegion: `top ${h - cropBottom} of ${h} rows (the bottom ${cropBottom} hold curve C's frame-index barcode), then a ${o.scale}-pixel border`,
        downscale: `ffmpeg scale flags=${o.downscale}, in YUV 4:2:0 as a WebRTC sender scales`,
        colorMatrix: 'decoded YUV -> RGB with BT.601 limited range for every stream (as Chromium shows untagged VP8), so the metric luma (BT.601) is the Y plane',
        vmaf: vmaf.note,
        upscalerBitrates: Object.fromEntries(o.upscalers.map((u) => [u.name, o.upscalerBitrates?.get(u.name) ?? 'all'])),
        metric: `imaging/metrics measure(): Y-PSNR and SSIM (BT.601 luma), border ${o.scale}, mean over scored frames`,
        encoders: Object.fromEntries(o.codecs.map((c) => [c, { label: CODEC_SPECS[c].label, ffmpegArgs: CODEC_SPECS[c].args(1000).join(' ').replace(/1000\b/g, '<bitrate>') }])),
      },
      curves,
      ...analyse(curves),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * BD-rate of every downscaled curve against direct 1080p of the same codec; of B, D, E and F against the
 * browser call (C); of E against D, and of F against E with the same ladder.
 */
export function analyse(curves: readonly Curve[]): { comparisons: Comparison[]; equivalents: Equivalent[]; goals: GoalCheck[] } {
  const comparisons: Comparison[] = [];
  const eq: Equivalent[] = [];
  for (const c of curves) {
    const direct = curves.find((d) => d.kind === 'direct' && d.codec === c.codec);
    if (c.kind === 'downscaled' && direct !== undefined) {
      comparisons.push(compareCurves(direct, c));
      eq.push(...equivalents(direct, c));
    }
    if (c.kind === 'webrtc') {
      const tests = curves.filter((d) => ['downscaled', 'webrtc-lr', 'webrtc-sr', 'webrtc-cap'].includes(d.kind) && d.codec === c.codec);
      for (const b of tests) comparisons.push(compareCurves(c, b));
    }
    if (c.kind === 'webrtc-sr') {
      for (const d of curves.filter((x) => x.kind === 'webrtc-lr' && x.codec === c.codec && x.upscaler !== 'bicubic')) comparisons.push(compareCurves(d, c));
      for (const f of curves.filter((x) => x.kind === 'webrtc-cap' && x.codec === c.codec && x.upscaler === c.upscaler)) comparisons.push(compareCurves(c, f));
    }
  }
  return { comparisons, equivalents: eq, goals: goalChecks(curves) };
}
