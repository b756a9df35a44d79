/**
 * The overlay's honest comparison: what the browser's own call delivers at the bitrate this receiver is
 * getting (bench curve C: same browser encoder, its own adaptation and scaling), and the dB difference
 * SwiftSR made on that call's frames (curve E: the same frames at their arriving size, upscaled with the
 * model scale planScale picks). Read from the bandwidth bench's JSON, interpolated between measured rates.
 */
export const CALL_RESULTS_URL = '/bench/results/adaptive/bbb/bandwidth.json';

/** Curves C and E of one codec: C's Y-PSNR and E - C at each measured rate (same call, same frames). */
export interface CallCurves {
  readonly codec: string;
  /** The model ladder of curve E, e.g. "tiny+tiny-x2+tiny-x3". */
  readonly ladder: string;
  readonly points: readonly { readonly kbps: number; readonly cPsnrY: number; readonly deltaDb: number; readonly arrivedHeight: number | null }[];
}

export type Readout =
  | { kind: 'not-measured'; codec: string }
  | { kind: 'out-of-range'; codec: string; minKbps: number; maxKbps: number }
  | { kind: 'estimate'; codec: string; ladder: string; cPsnrY: number; deltaDb: number; arrivedHeight: number | null };

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Reads the bench's `goals` (one per curve E with models: its rows pair E with C point by point, see
 * bench/callGoals.ts). Per codec the ladder with the most model scales wins (the receiver runs one model per
 * scale), the first on a tie. Anything malformed counts as not measured.
 */
export function parseCallCurves(json: unknown): CallCurves[] {
  if (typeof json !== 'object' || json === null) return [];
  const goals = (json as { goals?: unknown }).goals;
  if (!Array.isArray(goals)) return [];
  const out: CallCurves[] = [];
  for (const g of goals as unknown[]) {
    if (typeof g !== 'object' || g === null) continue;
    const { test, anchor, rows } = g as Record<string, unknown>;
    // Ids: "E/<codec>/adaptive+<ladder>" against "C/<codec>/webrtc".
    const [, codec, rest] = typeof test === 'string' ? test.split('/') : [];
    if (codec === undefined || rest === undefined || typeof anchor !== 'string' || !Array.isArray(rows)) continue;
    const ladder = rest.replace(/^adaptive\+/, '');
    const taken = out.findIndex((c) => c.codec === codec);
    if (taken >= 0 && (out[taken]?.ladder.split('+').length ?? 0) >= ladder.split('+').length) continue;
    const points = (rows as unknown[]).flatMap((r) => {
      const { kbps, cPsnrY, deltaDb, arrivedHeight } = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
      return num(kbps) && num(cPsnrY) && num(deltaDb) ? [{ kbps, cPsnrY, deltaDb, arrivedHeight: num(arrivedHeight) ? arrivedHeight : null }] : [];
    }).sort((a, b) => a.kbps - b.kbps);
    if (points.length === 0) continue;
    if (taken >= 0) out.splice(taken, 1);
    out.push({ codec, ladder, points });
  }
  return out;
}

/** Linear in log(rate) between the two measured rates around `kbps`. */
export function readoutAt(curves: readonly CallCurves[], codec: string, kbps: number): Readout {
  const want = codec.toLowerCase();
  const curve = curves.find((c) => c.codec.toLowerCase() === want);
  if (curve === undefined) return { kind: 'not-measured', codec: want };
  const pts = curve.points;
  const first = pts[0];
  const last = pts[pts.length - 1];
  if (first === undefined || last === undefined || kbps < first.kbps || kbps > last.kbps) {
    return { kind: 'out-of-range', codec: want, minKbps: first?.kbps ?? NaN, maxKbps: last?.kbps ?? NaN };
  }
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1];
    const b = pts[i];
    if (a === undefined || b === undefined || kbps > b.kbps) continue;
    const t = b.kbps === a.kbps ? 0 : Math.log(kbps / a.kbps) / Math.log(b.kbps / a.kbps);
    const near = t < 0.5 ? a : b;
    return { kind: 'estimate', codec: want, ladder: curve.ladder, cPsnrY: a.cPsnrY + t * (b.cPsnrY - a.cPsnrY), deltaDb: a.deltaDb + t * (b.deltaDb - a.deltaDb), arrivedHeight: near.arrivedHeight };
  }
  return { kind: 'estimate', codec: want, ladder: curve.ladder, cPsnrY: first.cPsnrY, deltaDb: first.deltaDb, arrivedHeight: first.arrivedHeight };
}

export function describeReadout(r: Readout): string {
  switch (r.kind) {
    case 'not-measured':
      return `vs the browser's own call: not measured for ${r.codec} (npm run bench:bandwidth -- --e-models …)`;
    case 'out-of-range':
      return `vs the browser's own call: outside the measured ${r.codec} rates (${Math.round(r.minKbps)}-${Math.round(r.maxKbps)} kbit/s)`;
    case 'estimate': {
      const sign = r.deltaDb >= 0 ? '+' : '';
      const at = r.arrivedHeight === null ? '' : `, ${r.arrivedHeight}p arriving`;
      return `browser's own call here: ~${r.cPsnrY.toFixed(1)} dB (bench C, ${r.codec}${at}); SwiftSR on it: ${sign}${r.deltaDb.toFixed(2)} dB (bench E, ${r.ladder})`;
    }
    default: {
      const never: never = r;
      return String(never);
    }
  }
}
