import { bdQuality, bdRate, monotoneCurve, qualityAt, rateFor, type BdResult, type RatePoint } from './bdRate.js';

export interface CurvePoint {
  readonly targetKbps: number;
  /** Measured: compressed bytes over the clip duration. */
  readonly kbps: number;
  readonly psnrY: number;
  readonly ssimY: number;
  /** Where ffmpeg has libvmaf (see bench/vmaf.ts). */
  readonly vmaf?: number;
  /** Curve C only: the resolution and frame rate the browser encoder chose. */
  readonly sentWidth?: number;
  readonly sentHeight?: number;
  readonly receivedFps?: number;
  readonly scoredFrames?: number;
  /** Curve C: scored source frames the receiver got, and those it never got (dropped by the encoder or the
   * network), which are scored with the frame on screen. */
  readonly scoredReceived?: number;
  readonly scoredNotReceived?: number;
  /** Curve C, over the measured window: frames encoded, decoded, and read by the measuring page. */
  readonly framesEncoded?: number;
  readonly framesDecoded?: number;
  readonly framesRead?: number;
  /** Curve C: why the browser encoder limited quality ('cpu', 'bandwidth', 'none'). */
  readonly limitation?: string;
  /** Curves E, F: arriving frame sizes over the scored frames ({ "640x360": 3 }), the most frequent
   * arriving height, and the model scales planScale chose for them ({ "x3": 3, "none": 1 }). */
  readonly arrived?: Readonly<Record<string, number>>;
  readonly arrivedHeight?: number;
  readonly modelScales?: Readonly<Record<string, number>>;
  /** Curve F: the sender's resolution cap (scaleResolutionDownBy of the source). */
  readonly scaleResolutionDownBy?: number;
}

/** webrtc: curve C (a call today); webrtc-lr: curve D (a 270p call, upscaled on receipt); webrtc-sr: curve E
 * (C's call upscaled on receipt at whatever arrives); webrtc-cap: curve F (capped one step lower, upscaled). */
export type CurveKind = 'direct' | 'downscaled' | 'webrtc' | 'webrtc-lr' | 'webrtc-sr' | 'webrtc-cap';

export interface Curve {
  readonly id: string;
  readonly kind: CurveKind;
  readonly codec: string;
  /** 'bicubic' or a model name for downscaled curves; the browser's own scaling for webrtc. */
  readonly upscaler: string | null;
  readonly points: readonly CurvePoint[];
  /** Downscaled curves: the same upscaler on the uncompressed LR frames (the curve's ceiling). */
  readonly lossless?: { readonly psnrY: number; readonly ssimY: number; readonly vmaf?: number };
}

export interface RateComparison {
  readonly linkKbps: number;
  readonly anchor: number | null;
  readonly test: number | null;
  /** test - anchor (dB); null where either curve has no point at this rate. */
  readonly delta: number | null;
  readonly note?: string;
}

export interface Comparison {
  readonly anchor: string;
  readonly test: string;
  readonly bdRatePsnrPercent: BdResult;
  readonly bdRateSsimPercent: BdResult;
  readonly bdPsnrDb: BdResult;
  /** Y-PSNR of both at each of the test curve's measured rates. */
  readonly atEqualRate: readonly RateComparison[];
  readonly summary: string;
}

const psnrPoints = (c: Curve): RatePoint[] => c.points.map((p) => ({ kbps: p.kbps, quality: p.psnrY }));
const ssimPoints = (c: Curve): RatePoint[] => c.points.map((p) => ({ kbps: p.kbps, quality: p.ssimY }));

export function compareCurves(anchor: Curve, test: Curve): Comparison {
  const a = psnrPoints(anchor);
  const aMin = monotoneCurve(a)[0];
  const aMax = monotoneCurve(a).at(-1);
  const atEqualRate = test.points.map((p): RateComparison => {
    const q = qualityAt(a, p.kbps);
    if (q !== null) return { linkKbps: p.kbps, anchor: q, test: p.psnrY, delta: p.psnrY - q };
    const note =
      aMin !== undefined && p.kbps < aMin.kbps
        ? `${anchor.id} spent at least ${aMin.kbps.toFixed(0)} kbit/s (${aMin.quality.toFixed(2)} dB): it cannot run on this link`
        : `above ${anchor.id}'s highest measured rate (${aMax?.kbps.toFixed(0) ?? '?'} kbit/s)`;
    return { linkKbps: p.kbps, anchor: null, test: p.psnrY, delta: null, note };
  });
  return {
    anchor: anchor.id,
    test: test.id,
    bdRatePsnrPercent: bdRate(a, psnrPoints(test)),
    bdRateSsimPercent: bdRate(ssimPoints(anchor), ssimPoints(test)),
    bdPsnrDb: bdQuality(a, psnrPoints(test)),
    atEqualRate,
    summary: summarize(anchor.id, test.id, atEqualRate),
  };
}

/** One sentence: where the test curve wins, loses, or the anchor cannot reach the link rate at all. */
export function summarize(anchorId: string, testId: string, rows: readonly RateComparison[]): string {
  const fmt = (r: readonly RateComparison[]): string => {
    const lo = Math.min(...r.map((x) => x.linkKbps));
    const hi = Math.max(...r.map((x) => x.linkKbps));
    return lo === hi ? `${lo.toFixed(0)} kbit/s` : `${lo.toFixed(0)}-${hi.toFixed(0)} kbit/s`;
  };
  const wins = rows.filter((r) => r.delta !== null && r.delta > 0);
  const loses = rows.filter((r) => r.delta !== null && r.delta <= 0);
  const unreachable = rows.filter((r) => r.delta === null && r.note?.includes('cannot run') === true);
  const parts: string[] = [];
  if (unreachable.length > 0) parts.push(`${anchorId} cannot go as low as ${fmt(unreachable)}`);
  if (wins.length > 0) parts.push(`${testId} is better at ${fmt(wins)} (up to +${Math.max(...wins.map((r) => r.delta ?? 0)).toFixed(2)} dB)`);
  if (loses.length > 0) parts.push(`${anchorId} is better at ${fmt(loses)} (by up to ${(-Math.min(...loses.map((r) => r.delta ?? 0))).toFixed(2)} dB)`);
  return parts.length > 0 ? parts.join('; ') : 'no shared rate range';
}

export interface Equivalent {
  readonly curve: string;
  readonly linkKbps: number;
  readonly psnrY: number;
  /** Direct 1080p rate with the same Y-PSNR (same codec), or null outside the measured range. */
  readonly direct1080pKbps: number | null;
  readonly note?: string;
}

/** For the demo: "a direct 1080p stream of similar quality would need N kbit/s". */
export function equivalents(direct: Curve, downscaled: Curve): Equivalent[] {
  const a = psnrPoints(direct);
  const c = monotoneCurve(a);
  return downscaled.points.map((p) => {
    const r = rateFor(a, p.psnrY);
    if (r !== null) return { curve: downscaled.id, linkKbps: p.kbps, psnrY: p.psnrY, direct1080pKbps: r };
    const lowest = c[0];
    const note =
      lowest !== undefined && p.psnrY < lowest.quality
        ? `below the lowest quality direct 1080p reached (${lowest.quality.toFixed(2)} dB at ${lowest.kbps.toFixed(0)} kbit/s)`
        : 'above the highest quality direct 1080p reached';
    return { curve: downscaled.id, linkKbps: p.kbps, psnrY: p.psnrY, direct1080pKbps: null, note };
  });
}
