import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fromBytes, type RgbImage } from '../imaging/image.js';
import type { Curve, CurvePoint } from './bandwidthAnalysis.js';
import type { Codec } from '../imaging/codecs.js';
import { capOneStepLower, nativeBarcodeRows, scoreAdaptive, type ScaleLadder } from './adaptiveCurves.js';
import type { FrameUpscaler } from './nodeUpscalers.js';
import type { WebrtcCodec } from './pages/webrtcTypes.js';
import { barcodeBlock, measureWebrtcCurve, writeBarcodedY4m, type NativeFrame, type WebrtcPoint } from './webrtcCurve.js';

export interface ScoredFrames {
  readonly psnrY: number;
  readonly ssimY: number;
  readonly vmaf?: number;
  readonly frames: number;
}

export interface CallCurvesOptions {
  readonly work: string;
  /** Source y4m files at the HR and the LR size (the sender's downscale). */
  readonly hrY4m: string;
  readonly lrY4m: string;
  readonly hr: readonly [number, number];
  readonly lr: readonly [number, number];
  readonly fps: number;
  readonly frames: number;
  readonly wanted: readonly number[];
  readonly bitratesKbps: readonly number[];
  readonly warmupMs: number;
  readonly captureMs: number;
  /** Upscalers for curve D (the 270p call); empty to skip D. */
  readonly upscalers: readonly FrameUpscaler[];
  /** Codec the browser sends (default vp8). */
  readonly codec?: Codec;
  /** Curve E: one curve per ladder (a ladder without models is plain bicubic); empty or unset skips E and F. */
  readonly ladders?: readonly ScaleLadder[];
  /** Curve F: a second call per rate capped one step below the height C's encoder chose. */
  readonly capLower?: boolean;
  /** Writes E's and F's frames at their arriving size here (keptFramePath), for `bench rescore-calls`. */
  readonly keepFrames?: string;
  readonly score: (frames: ReadonlyMap<number, RgbImage>) => Promise<ScoredFrames>;
  readonly log: (msg: string) => void;
}

/**
 * Overwrites the barcode rows of a received LR frame with the row above them. Those rows are not scored,
 * but an upscaler's receptive field would carry the black and white blocks into the scored rows above.
 */
export function hideBarcode(img: RgbImage, block: number): RgbImage {
  const data = Float32Array.from(img.data);
  const rowLen = img.width * 3;
  const src = (img.height - block - 1) * rowLen;
  for (let y = img.height - block; y < img.height; y++) data.copyWithin(y * rowLen, src, src + rowLen);
  return { width: img.width, height: img.height, data };
}

/** Where a kept frame lives: `<dir>/<E|F>-<codec>/<target kbit/s>/<index>-<w>x<h>.rgb` (8-bit RGB). */
export function keptFramePath(dir: string, tag: string, targetKbps: number, index: number, f: { width: number; height: number }): string {
  return join(dir, tag, String(targetKbps), `${index}-${f.width}x${f.height}.rgb`);
}

async function keepFrames(dir: string, tag: string, targetKbps: number, frames: ReadonlyMap<number, NativeFrame>): Promise<void> {
  for (const [i, f] of frames) {
    const path = keptFramePath(dir, tag, targetKbps, i, f);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.rgb);
  }
}

function callPoint(p: WebrtcPoint, r: ScoredFrames): CurvePoint {
  return {
    targetKbps: p.targetKbps,
    kbps: p.kbps,
    psnrY: r.psnrY,
    ssimY: r.ssimY,
    ...(r.vmaf !== undefined ? { vmaf: r.vmaf } : {}),
    sentWidth: p.sentWidth,
    sentHeight: p.sentHeight,
    receivedFps: p.receivedFps,
    scoredFrames: r.frames,
    scoredReceived: p.captured.length - p.repeated.length,
    scoredNotReceived: p.repeated.length,
    framesEncoded: p.framesEncoded,
    framesDecoded: p.framesDecoded,
    framesRead: p.framesRead,
    limitation: p.qualityLimitationReason,
  };
}

/**
 * Curves through Chromium's own WebRTC stack (127.0.0.1 only), all with the same browser encoder:
 * C, what a call does today: the HR source, default degradation, shown at HR with the browser's scaling;
 * E, the same call's frames at their arriving size, upscaled by each ladder (the model scale from planScale);
 * F, a call capped one step below the height C's encoder chose at each rate, upscaled the same way;
 * D, what a 270p SwiftSR call does: the LR source with 'maintain-resolution', upscaled by each upscaler.
 */
export async function measureCallCurves(o: CallCurvesOptions): Promise<Curve[]> {
  const curves: Curve[] = [];
  const [w, h] = o.hr;
  const codec = o.codec ?? 'vp8';
  const sendCodec = codec.toUpperCase() as WebrtcCodec;
  const ladders = o.ladders ?? [];
  const cY4m = join(o.work, 'camera-hr.y4m');
  await writeBarcodedY4m(o.hrY4m, cY4m, w, h, o.fps);
  const c: CurvePoint[] = [];
  const common = { bitratesKbps: o.bitratesKbps, wanted: o.wanted, loopFrames: o.frames, warmupMs: o.warmupMs, captureMs: o.captureMs, codec: sendCodec, log: o.log };
  const block = barcodeBlock(h);
  const hideNative = (img: RgbImage): RgbImage => hideBarcode(img, nativeBarcodeRows(block, img.height, h));
  const sr = async (p: WebrtcPoint, into: Map<string, CurvePoint[]>, tag: string): Promise<void> => {
    if (o.keepFrames !== undefined) await keepFrames(o.keepFrames, tag.split(' ').join('-'), p.targetKbps, p.native);
    const r = await scoreAdaptive(p.native, w, h, ladders, hideNative, o.score);
    if (r === null) return o.log(`${tag} ${p.targetKbps} kbit/s: no frame at its arriving size, point dropped`);
    const cap = p.scaleResolutionDownBy !== undefined ? { scaleResolutionDownBy: p.scaleResolutionDownBy } : {};
    for (const [name, s] of r.scores) into.get(name)?.push({ ...callPoint(p, s), ...r.info, modelScales: s.modelScales, ...cap });
    o.log(`${tag} ${p.targetKbps} kbit/s, arrived ${JSON.stringify(r.info.arrived)}: ${[...r.scores].map(([n, s]) => `${n} ${s.psnrY.toFixed(2)} ${JSON.stringify(s.modelScales)}`).join(', ')}`);
  };
  const e = new Map<string, CurvePoint[]>(ladders.map((l) => [l.name, []]));
  await measureWebrtcCurve({
    ...common,
    y4m: cY4m,
    width: w,
    height: h,
    upload: ladders.length > 0 ? 'both' : 'display',
    onPoint: async (p) => {
      if (p.frames.size === 0) return o.log(`webrtc ${p.targetKbps} kbit/s: no frame captured, point dropped`);
      const r = await o.score(new Map([...p.frames].map(([i, b]) => [i, fromBytes(w, h, b)])));
      c.push(callPoint(p, r));
      o.log(`C ${codec} webrtc ${p.targetKbps} kbit/s: ${r.psnrY.toFixed(2)} dB on ${r.frames} frames`);
      if (ladders.length > 0) await sr(p, e, `E ${codec}`);
    },
  });
  curves.push({ id: `C/${codec}/webrtc`, kind: 'webrtc', codec, upscaler: 'browser', points: c });
  for (const l of ladders) curves.push({ id: `E/${codec}/adaptive+${l.name}`, kind: 'webrtc-sr', codec, upscaler: l.name, points: e.get(l.name) ?? [] });
  if (o.capLower === true && ladders.length > 0) {
    const caps = new Map(c.map((p) => [p.targetKbps, capOneStepLower(p.sentHeight ?? 0, h)]));
    for (const [kbps, cap] of caps) if (cap === null) o.log(`F ${codec} ${kbps} kbit/s: no step below the ${String(c.find((p) => p.targetKbps === kbps)?.sentHeight)} rows C sent, skipped`);
    const f = new Map<string, CurvePoint[]>(ladders.map((l) => [l.name, []]));
    await measureWebrtcCurve({ ...common, y4m: cY4m, width: w, height: h, upload: 'native', capFor: (k) => caps.get(k) ?? null, onPoint: (p) => sr(p, f, `F ${codec}`) });
    for (const l of ladders) curves.push({ id: `F/${codec}/cap-1-step+${l.name}`, kind: 'webrtc-cap', codec, upscaler: l.name, points: f.get(l.name) ?? [] });
  }
  if (o.upscalers.length === 0) return curves;
  const [lw, lh] = o.lr;
  const dY4m = join(o.work, 'camera-lr.y4m');
  await writeBarcodedY4m(o.lrY4m, dY4m, lw, lh, o.fps);
  const d = new Map<string, CurvePoint[]>(o.upscalers.map((u) => [u.name, []]));
  await measureWebrtcCurve({
    ...common,
    y4m: dY4m,
    width: lw,
    height: lh,
    degradation: 'maintain-resolution',
    onPoint: async (p) => {
      if (p.frames.size === 0) return o.log(`webrtc ${lw}x${lh} ${p.targetKbps} kbit/s: no frame captured, point dropped`);
      const lrFrames = new Map([...p.frames].map(([i, b]) => [i, hideBarcode(fromBytes(lw, lh, b), barcodeBlock(lh))]));
      const line: string[] = [];
      for (const u of o.upscalers) {
        const r = await o.score(new Map([...lrFrames].map(([i, f]) => [i, u.upscale(f)])));
        d.get(u.name)?.push(callPoint(p, r));
        line.push(`${u.name} ${r.psnrY.toFixed(2)}`);
      }
      o.log(`D ${codec} webrtc ${lw}x${lh} ${p.targetKbps} kbit/s: ${line.join(', ')}`);
    },
  });
  for (const u of o.upscalers) curves.push({ id: `D/${codec}/call-${lw}x${lh}+${u.name}`, kind: 'webrtc-lr', codec, upscaler: u.name, points: d.get(u.name) ?? [] });
  return curves;
}
