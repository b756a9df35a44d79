/**
 * "A direct 1080p stream of similar quality would need N kbit/s": read from the bandwidth benchmark
 * (bench/results/bandwidth.json, `equivalents`), interpolated at the bitrate this receiver is getting.
 */
export interface EquivalentPoint {
  readonly curve: string;
  readonly linkKbps: number;
  readonly psnrY: number;
  readonly direct1080pKbps: number | null;
}

export type Estimate =
  | { kind: 'not-measured' }
  | { kind: 'out-of-range'; curve: string; minKbps: number; maxKbps: number }
  /** Below every rate where direct 1080p matched the 270p picture: the direct encoder could not go that low. */
  | { kind: 'below-direct-floor'; curve: string; directAtLeastKbps: number }
  | { kind: 'estimate'; curve: string; direct1080pKbps: number; psnrY: number };

/** Pulls the `equivalents` array out of the benchmark JSON; anything else counts as not measured. */
export function parseEquivalents(json: unknown): EquivalentPoint[] {
  if (typeof json !== 'object' || json === null) return [];
  const list = (json as { equivalents?: unknown }).equivalents;
  if (!Array.isArray(list)) return [];
  return list.filter((e): e is EquivalentPoint => {
    if (typeof e !== 'object' || e === null) return false;
    const r = e as Record<string, unknown>;
    return typeof r.curve === 'string' && typeof r.linkKbps === 'number' && typeof r.psnrY === 'number' && (r.direct1080pKbps === null || typeof r.direct1080pKbps === 'number');
  });
}

/**
 * Picks the curve whose id names both the upscaler (tier, or 'bicubic') and the codec, e.g.
 * "B/vp8/tiny" (bench/bandwidth.ts); falls back to any curve naming the upscaler. Linear in kbit/s between points.
 */
export function estimate1080p(points: readonly EquivalentPoint[], upscaler: string, codec: string, receivedKbps: number): Estimate {
  if (points.length === 0) return { kind: 'not-measured' };
  const lc = (s: string): string => s.toLowerCase();
  const names = (curve: string): string[] => lc(curve).split(/[^a-z0-9]+/);
  const curveIds = [...new Set(points.map((p) => p.curve))];
  const id = curveIds.find((c) => names(c).includes(lc(upscaler)) && names(c).includes(lc(codec)))
    ?? curveIds.find((c) => names(c).includes(lc(upscaler)));
  if (id === undefined) return { kind: 'not-measured' };
  const pts = points.filter((p) => p.curve === id && p.direct1080pKbps !== null).sort((a, b) => a.linkKbps - b.linkKbps);
  const first = pts[0];
  const last = pts[pts.length - 1];
  if (first === undefined || last === undefined) return { kind: 'out-of-range', curve: id, minKbps: NaN, maxKbps: NaN };
  const floorBelow = points.some((p) => p.curve === id && p.direct1080pKbps === null && p.linkKbps < first.linkKbps);
  if (receivedKbps < first.linkKbps && floorBelow) return { kind: 'below-direct-floor', curve: id, directAtLeastKbps: first.direct1080pKbps as number };
  if (receivedKbps < first.linkKbps || receivedKbps > last.linkKbps) return { kind: 'out-of-range', curve: id, minKbps: first.linkKbps, maxKbps: last.linkKbps };
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1] as EquivalentPoint;
    const b = pts[i] as EquivalentPoint;
    if (receivedKbps <= b.linkKbps) {
      const t = b.linkKbps === a.linkKbps ? 0 : (receivedKbps - a.linkKbps) / (b.linkKbps - a.linkKbps);
      const lerp = (x: number, y: number): number => x + t * (y - x);
      return { kind: 'estimate', curve: id, direct1080pKbps: lerp(a.direct1080pKbps as number, b.direct1080pKbps as number), psnrY: lerp(a.psnrY, b.psnrY) };
    }
  }
  return { kind: 'estimate', curve: id, direct1080pKbps: first.direct1080pKbps as number, psnrY: first.psnrY };
}

export function describeEstimate(e: Estimate): string {
  switch (e.kind) {
    case 'not-measured':
      return '1080p equivalent: not measured (run npm run bench:bandwidth)';
    case 'out-of-range':
      return `1080p equivalent: outside the measured range (${e.minKbps}-${e.maxKbps} kbit/s)`;
    case 'below-direct-floor':
      return `1080p equivalent: direct 1080p needs ≥ ~${Math.round(e.directAtLeastKbps)} kbit/s (its encoder could not go lower in the benchmark)`;
    case 'estimate':
      return `1080p equivalent: ~${Math.round(e.direct1080pKbps)} kbit/s (${e.psnrY.toFixed(1)} dB Y-PSNR)`;
    default: {
      const never: never = e;
      return String(never);
    }
  }
}
