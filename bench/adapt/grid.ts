import { parseRate, type Rate } from './clips.js';

/** A comma list of numbers, each finite and > 0 (or >= 0 with allowZero), ascending when asked. */
export function parseNumbers(flag: string, text: string, o: { allowZero?: boolean; ascending?: boolean } = {}): number[] {
  const values = text.split(',').map((t) => Number(t.trim()));
  const bad = values.find((v) => !Number.isFinite(v) || v < 0 || (v === 0 && o.allowZero !== true));
  if (text.trim() === '' || bad !== undefined) throw new RangeError(`--${flag}: '${text}' must be a comma list of ${o.allowZero === true ? 'non-negative' : 'positive'} numbers`);
  if (o.ascending === true && values.some((v, i) => i > 0 && v <= (values[i - 1] ?? 0))) throw new RangeError(`--${flag}: '${text}' must be ascending`);
  return values;
}

/**
 * A per-tier option: `1e-3` for every tier, or `tiny=3e-3,lite48x8=1e-3` (tiers left out take `fallback`).
 */
export function perTier(flag: string, text: string, tiers: readonly string[], fallback: number): Map<string, number> {
  const out = new Map(tiers.map((t) => [t, fallback]));
  if (!text.includes('=')) {
    const v = Number(text);
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`--${flag}: '${text}' is not a number >= 0`);
    for (const t of tiers) out.set(t, v);
    return out;
  }
  for (const item of text.split(',')) {
    const [tier, value] = item.split('=');
    const v = Number(value);
    if (tier === undefined || !tiers.includes(tier) || !Number.isFinite(v) || v < 0) throw new RangeError(`--${flag}: '${item}' must be <tier>=<number> with tier one of ${tiers.join(', ')}`);
    out.set(tier, v);
  }
  return out;
}

export interface GridCell {
  readonly clip: string;
  readonly rate: Rate;
  readonly tier: string;
}

/** Every (clip, rate, tier), clips outermost so one encode of a clip at a rate serves all tiers. */
export function gridCells(clips: readonly string[], rates: readonly Rate[], tiers: readonly string[]): GridCell[] {
  return clips.flatMap((clip) => rates.flatMap((rate) => tiers.map((tier) => ({ clip, rate, tier }))));
}

export function parseRates(text: string): Rate[] {
  return text.split(',').map((t) => parseRate(t.trim()));
}
