import { join } from 'node:path';
import { fromBytes, type RgbImage } from '../imaging/image.js';
import type { Curve, CurvePoint } from './bandwidthAnalysis.js';
import type { FrameUpscaler } from './nodeUpscalers.js';
import { barcodeBlock, measureWebrtcCurve, writeBarcodedY4m, type WebrtcPoint } from './webrtcCurve.js';

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
 * Curves through Chromium's own WebRTC stack (VP8, 127.0.0.1 only):
 * C, what a call does today: the HR source, default degradation, shown at HR with the browser's scaling;
 * D, what a SwiftSR call does: the LR source with 'maintain-resolution' (the sender pins 270p), received
 * frames upscaled by each upscaler. Same browser encoder for both, so D vs C is resolution, not encoder.
 */
export async function measureCallCurves(o: CallCurvesOptions): Promise<Curve[]> {
  const curves: Curve[] = [];
  const [w, h] = o.hr;
  const cY4m = join(o.work, 'camera-hr.y4m');
  await writeBarcodedY4m(o.hrY4m, cY4m, w, h, o.fps);
  const c: CurvePoint[] = [];
  const common = { bitratesKbps: o.bitratesKbps, wanted: o.wanted, loopFrames: o.frames, warmupMs: o.warmupMs, captureMs: o.captureMs, log: o.log };
  await measureWebrtcCurve({
    ...common,
    y4m: cY4m,
    width: w,
    height: h,
    onPoint: async (p) => {
      if (p.frames.size === 0) return o.log(`webrtc ${p.targetKbps} kbit/s: no frame captured, point dropped`);
      const r = await o.score(new Map([...p.frames].map(([i, b]) => [i, fromBytes(w, h, b)])));
      c.push(callPoint(p, r));
      o.log(`C webrtc ${p.targetKbps} kbit/s: ${r.psnrY.toFixed(2)} dB on ${r.frames} frames`);
    },
  });
  curves.push({ id: 'C/vp8/webrtc', kind: 'webrtc', codec: 'vp8', upscaler: 'browser', points: c });
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
      o.log(`D webrtc ${lw}x${lh} ${p.targetKbps} kbit/s: ${line.join(', ')}`);
    },
  });
  for (const u of o.upscalers) curves.push({ id: `D/vp8/call-${lw}x${lh}+${u.name}`, kind: 'webrtc-lr', codec: 'vp8', upscaler: u.name, points: d.get(u.name) ?? [] });
  return curves;
}
