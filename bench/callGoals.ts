import { bdRate, type BdResult } from './bdRate.js';
import type { Curve } from './bandwidthAnalysis.js';

/** Issue 11's goals for a SwiftSR call (E) against the browser's own call (C) at the same rates. */
export const CALL_GOALS = {
  /** E - C at or above this at every rate (a tie within 0.05 dB counts). */
  tieDb: -0.05,
  /** E - C at or above this where the arriving height is at most `lowResMaxHeight` rows. */
  lowResGainDb: 0.3,
  lowResMaxHeight: 540,
  /** BD-rate(E vs C), PSNR, at or below this. */
  bdRatePercent: -15,
} as const;

export interface GoalRow {
  readonly targetKbps: number;
  readonly kbps: number;
  /** The most frequent arriving height over the scored frames. */
  readonly arrivedHeight: number | null;
  readonly cPsnrY: number;
  readonly ePsnrY: number;
  readonly deltaDb: number;
  /** The least E - C this rate needs (the tie, or the low-resolution gain). */
  readonly needDb: number;
  readonly met: boolean;
}

export interface GoalCheck {
  readonly test: string;
  readonly anchor: string;
  readonly rows: readonly GoalRow[];
  /** E ties or beats C at every measured rate. */
  readonly everyRate: boolean;
  /** E - C reaches the low-resolution gain wherever the arriving height is 540 rows or fewer (true when none is). */
  readonly lowRes: boolean;
  readonly bdRatePsnrPercent: BdResult;
  /** null when the BD-rate could not be computed. */
  readonly bdRate: boolean | null;
  readonly summary: string;
}

/**
 * E and C come from the same call (the same frames, one at its arriving size, one as the browser scaled it),
 * so each rate is compared point to point, not interpolated.
 */
export function goalChecks(curves: readonly Curve[]): GoalCheck[] {
  const out: GoalCheck[] = [];
  for (const e of curves.filter((x) => x.kind === 'webrtc-sr' && x.upscaler !== 'bicubic')) {
    const c = curves.find((x) => x.kind === 'webrtc' && x.codec === e.codec);
    if (c === undefined) continue;
    const rows: GoalRow[] = [];
    for (const p of e.points) {
      const q = c.points.find((x) => x.targetKbps === p.targetKbps);
      if (q === undefined) continue;
      const h = p.arrivedHeight ?? null;
      const needDb = h !== null && h <= CALL_GOALS.lowResMaxHeight ? CALL_GOALS.lowResGainDb : CALL_GOALS.tieDb;
      const deltaDb = p.psnrY - q.psnrY;
      rows.push({ targetKbps: p.targetKbps, kbps: p.kbps, arrivedHeight: h, cPsnrY: q.psnrY, ePsnrY: p.psnrY, deltaDb, needDb, met: deltaDb >= needDb });
    }
    const bd = bdRate(c.points.map((p) => ({ kbps: p.kbps, quality: p.psnrY })), e.points.map((p) => ({ kbps: p.kbps, quality: p.psnrY })));
    const everyRate = rows.every((r) => r.deltaDb >= CALL_GOALS.tieDb);
    const low = rows.filter((r) => r.needDb === CALL_GOALS.lowResGainDb);
    const lowRes = low.every((r) => r.met);
    const bdOk = bd.value === null ? null : bd.value <= CALL_GOALS.bdRatePercent;
    const worst = rows.reduce<GoalRow | undefined>((a, r) => (a === undefined || r.deltaDb < a.deltaDb ? r : a), undefined);
    const parts = [
      `ties or beats C at ${rows.filter((r) => r.deltaDb >= CALL_GOALS.tieDb).length} of ${rows.length} rates` +
        (worst !== undefined ? ` (lowest E - C ${worst.deltaDb.toFixed(2)} dB at ${worst.kbps.toFixed(0)} kbit/s, ${worst.arrivedHeight ?? '?'} rows arriving)` : ''),
      `+${CALL_GOALS.lowResGainDb} dB where ${CALL_GOALS.lowResMaxHeight} rows or fewer arrive: ${low.filter((r) => r.met).length} of ${low.length}`,
      `BD-rate ${bd.value === null ? `n/a (${bd.reason})` : `${bd.value.toFixed(1)} %`} (goal <= ${CALL_GOALS.bdRatePercent} %)`,
    ];
    out.push({ test: e.id, anchor: c.id, rows, everyRate, lowRes, bdRatePsnrPercent: bd, bdRate: bdOk, summary: parts.join('; ') });
  }
  return out;
}
