/**
 * Bjøntegaard delta (VCEG-M33): cubic fits of log10(rate) against quality, integrated over the quality
 * range both curves cover. Plus piecewise-linear reads of a curve at a given rate, for the places where
 * curves do not overlap and only "quality at equal link bitrate" can be said.
 */

export interface RatePoint {
  /** Bits per second actually spent. */
  readonly kbps: number;
  readonly quality: number;
}

export type BdResult = { readonly value: number; readonly range: readonly [number, number] } | { readonly value: null; readonly reason: string };

/** Least-squares polynomial fit; coefficients lowest order first. */
export function polyfit(xs: readonly number[], ys: readonly number[], degree: number): number[] {
  const n = degree + 1;
  if (xs.length !== ys.length) throw new RangeError('polyfit: xs and ys differ in length');
  if (xs.length < n) throw new RangeError(`polyfit: need at least ${n} points, got ${xs.length}`);
  // Centre and scale x: PSNR-sized values cubed make the normal equations badly conditioned otherwise.
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const spread = Math.max(...xs.map((x) => Math.abs(x - mean))) || 1;
  const a: number[][] = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  xs.forEach((x0, k) => {
    const x = (x0 - mean) / spread;
    const pw = Array.from({ length: 2 * n }, (_, i) => x ** i);
    for (let i = 0; i < n; i++) {
      const row = a[i] as number[];
      for (let j = 0; j < n; j++) row[j] = (row[j] ?? 0) + (pw[i + j] ?? 0);
      row[n] = (row[n] ?? 0) + (pw[i] ?? 0) * (ys[k] ?? 0);
    }
  });
  const c = solve(a, n);
  // Expand p((x - mean) / spread) back to powers of x.
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const ci = (c[i] ?? 0) / spread ** i;
    for (let k = 0; k <= i; k++) out[k] = (out[k] ?? 0) + ci * binomial(i, k) * (-mean) ** (i - k);
  }
  return out;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Gaussian elimination with partial pivoting on an n x (n+1) augmented matrix. */
function solve(a: number[][], n: number): number[] {
  const at = (r: number, c: number): number => (a[r] as number[])[c] ?? 0;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(at(r, col)) > Math.abs(at(piv, col))) piv = r;
    if (Math.abs(at(piv, col)) < 1e-300) throw new RangeError('polyfit: singular system (repeated points?)');
    [a[col], a[piv]] = [a[piv] as number[], a[col] as number[]];
    for (let r = col + 1; r < n; r++) {
      const f = at(r, col) / at(col, col);
      for (let c = col; c <= n; c++) (a[r] as number[])[c] = at(r, c) - f * at(col, c);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = at(r, n);
    for (let c = r + 1; c < n; c++) s -= at(r, c) * (x[c] ?? 0);
    x[r] = s / at(r, r);
  }
  return x;
}

/** Definite integral of a polynomial (lowest order first) over [lo, hi]. */
function integrate(p: readonly number[], lo: number, hi: number): number {
  let s = 0;
  p.forEach((c, i) => (s += (c * (hi ** (i + 1) - lo ** (i + 1))) / (i + 1)));
  return s;
}

/**
 * Keeps the points that form a usable rate-quality curve: sorted by rate, each strictly higher in rate
 * (by 1 %) and in quality than the last one kept. Encoders pinned at their quantiser floor spend the same
 * bits for several targets; those duplicates would make the cubic fit singular.
 */
export function monotoneCurve(points: readonly RatePoint[]): RatePoint[] {
  const sorted = points.filter((p) => p.kbps > 0 && Number.isFinite(p.quality)).sort((a, b) => a.kbps - b.kbps);
  const kept: RatePoint[] = [];
  for (const p of sorted) {
    const last = kept[kept.length - 1];
    if (last === undefined || (p.kbps > last.kbps * 1.01 && p.quality > last.quality)) kept.push(p);
  }
  return kept;
}

/**
 * Percent bitrate change of `test` against `anchor` at equal quality (negative: test saves bits).
 * Null with a reason when a curve has fewer than 4 usable points or the quality ranges do not overlap.
 */
export function bdRate(anchor: readonly RatePoint[], test: readonly RatePoint[]): BdResult {
  const a = monotoneCurve(anchor);
  const t = monotoneCurve(test);
  if (a.length < 4 || t.length < 4) return { value: null, reason: `need 4 distinct points per curve (anchor ${a.length}, test ${t.length})` };
  const lo = Math.max(a[0]?.quality ?? 0, t[0]?.quality ?? 0);
  const hi = Math.min(a[a.length - 1]?.quality ?? 0, t[t.length - 1]?.quality ?? 0);
  if (!(hi > lo)) return { value: null, reason: 'quality ranges do not overlap' };
  const fit = (c: RatePoint[]) => polyfit(c.map((p) => p.quality), c.map((p) => Math.log10(p.kbps)), 3);
  const diff = (integrate(fit(t), lo, hi) - integrate(fit(a), lo, hi)) / (hi - lo);
  return { value: (10 ** diff - 1) * 100, range: [lo, hi] };
}

/** Mean quality difference (test minus anchor) at equal rate over the shared log-rate range. */
export function bdQuality(anchor: readonly RatePoint[], test: readonly RatePoint[]): BdResult {
  const a = monotoneCurve(anchor);
  const t = monotoneCurve(test);
  if (a.length < 4 || t.length < 4) return { value: null, reason: `need 4 distinct points per curve (anchor ${a.length}, test ${t.length})` };
  const lo = Math.max(Math.log10(a[0]?.kbps ?? 1), Math.log10(t[0]?.kbps ?? 1));
  const hi = Math.min(Math.log10(a[a.length - 1]?.kbps ?? 1), Math.log10(t[t.length - 1]?.kbps ?? 1));
  if (!(hi > lo)) return { value: null, reason: 'rate ranges do not overlap' };
  const fit = (c: RatePoint[]) => polyfit(c.map((p) => Math.log10(p.kbps)), c.map((p) => p.quality), 3);
  const diff = (integrate(fit(t), lo, hi) - integrate(fit(a), lo, hi)) / (hi - lo);
  return { value: diff, range: [10 ** lo, 10 ** hi] };
}

/** Quality at `kbps`, linear in log-rate between measured points; null outside the measured range. */
export function qualityAt(points: readonly RatePoint[], kbps: number): number | null {
  const c = monotoneCurve(points);
  for (let i = 0; i + 1 < c.length; i++) {
    const p = c[i] as RatePoint;
    const q = c[i + 1] as RatePoint;
    if (kbps >= p.kbps && kbps <= q.kbps) {
      const f = (Math.log10(kbps) - Math.log10(p.kbps)) / (Math.log10(q.kbps) - Math.log10(p.kbps));
      return p.quality + f * (q.quality - p.quality);
    }
  }
  const only = c.length === 1 ? c[0] : undefined;
  return only !== undefined && Math.abs(only.kbps - kbps) < 1e-9 ? only.quality : null;
}

/** Rate needed to reach `quality`, linear in log-rate between points; null outside the measured range. */
export function rateFor(points: readonly RatePoint[], quality: number): number | null {
  const c = monotoneCurve(points);
  for (let i = 0; i + 1 < c.length; i++) {
    const p = c[i] as RatePoint;
    const q = c[i + 1] as RatePoint;
    if (quality >= p.quality && quality <= q.quality) {
      const f = (quality - p.quality) / (q.quality - p.quality);
      return 10 ** (Math.log10(p.kbps) + f * (Math.log10(q.kbps) - Math.log10(p.kbps)));
    }
  }
  return null;
}
