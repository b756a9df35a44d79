import type { RunInfo } from '../machine.js';
import { linePlotSvg, type Series } from '../svgPlot.js';
import type { Rate } from './clips.js';
import type { SessionResult, TuneOptions } from './session.js';

export interface CellResult extends SessionResult {
  readonly clip: string;
  readonly rate: Rate;
  readonly tier: string;
  readonly variant: string;
  readonly baseSha256: string;
  readonly weights: number;
  readonly measuredKbps: number | null;
  readonly bicubicYPsnr: number;
  readonly tune: TuneOptions;
}

export interface AdaptReport {
  readonly run: RunInfo;
  readonly method: Record<string, unknown>;
  readonly cells: readonly CellResult[];
}

const signed = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
const rateLabel = (r: Rate): string => (r === 'clean' ? 'clean' : `${r} kbit/s`);

/** What a run's checkpoints count: wall seconds, CPU seconds (a core given to the sender) or steps. */
export type Unit = 'seconds' | 'cpuSeconds' | 'steps';

const UNIT_LABEL: Record<Unit, string> = { seconds: 's', cpuSeconds: 'CPU s', steps: 'steps' };

/**
 * The checkpoint `at` (in `unit`) of a cell: the last point at or before it. Checkpoints are reached after
 * the step that crosses them, so a point's seconds are slightly above.
 */
export function pointAt(cell: SessionResult, at: number, unit: Unit): SessionResult['curve'][number] | undefined {
  return cell.curve.filter((p) => p[unit] <= at * 1.05 + 0.5).at(-1);
}

/** Where the received gains are read: the checkpoint nearest `goal` seconds (or the last one, counting steps). */
function goalPoint(c: SessionResult, unit: Unit, goal: number): SessionResult['curve'][number] | undefined {
  return unit === 'steps' ? c.curve.filter((p) => p.received.length > 0).at(-1) : pointAt(c, goal, unit);
}

/** The markdown table of a run: one row per cell, the gain of the sender's weights and under each cap. */
export function adaptMarkdown(r: AdaptReport, goal = 60): string {
  const unit = (r.method['checkpointsIn'] ?? 'cpuSeconds') as Unit;
  const first = r.cells[0];
  const marks = first === undefined ? [] : first.curve.slice(1).map((p) => Math.round(p[unit]));
  const shares = first?.curve[0]?.received.map((x) => x.share) ?? [];
  const at = unit === 'steps' ? 'the last checkpoint' : `${goal} ${UNIT_LABEL[unit]}`;
  const lines = [
    `# Online adaptation: gain over the static model on the following frames`,
    '',
    `Command: \`${r.run.command}\` (commit ${r.run.gitCommit ?? '?'}, ${r.run.date})`,
    `Machine: ${r.run.machine.cpu}, ${r.run.machine.cores} cores, load average ${r.run.machine.loadAverage1m} at the start; TF.js ${r.run.tools['tfjsBackend'] ?? ''}`,
    '',
    ...Object.entries(r.method).map(([k, v]) => `- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`),
    '',
    `Sender: gain (dB) of the sender's weights (${encodingsOf(r.cells)} update) after N ${UNIT_LABEL[unit]} of adaptation (steps, wall s in brackets).`,
    `Received: gain of what a receiver paints at ${at} under each cap on the update bitrate (updates sent, update kbit/s).`,
    '',
    `| clip | rate | tier | bicubic | static | ${marks.map((m) => `${m} ${UNIT_LABEL[unit]}`).join(' | ')} | ${shares.map((s) => `received, cap ${s * 100} %`).join(' | ')} |`,
    `|---|---|---|---|---|${marks.map(() => '---|').join('')}${shares.map(() => '---|').join('')}`,
  ];
  for (const c of r.cells) {
    const pts = c.curve.slice(1).map((p) => `${signed(p.gain)} (${p.steps}, ${p.seconds})`);
    const recv = (goalPoint(c, unit, goal)?.received ?? []).map((x) => `${signed(x.gain)} (${x.updates}, ${x.updateKbps})`);
    while (recv.length < shares.length) recv.push('n/a');
    lines.push(`| ${c.clip} | ${rateLabel(c.rate)}${c.measuredKbps === null ? '' : ` (${c.measuredKbps})`} | ${c.tier} | ${c.bicubicYPsnr.toFixed(2)} | ${c.staticYPsnr.toFixed(2)} | ${pts.join(' | ')} | ${recv.join(' | ')} |`);
  }
  const tiers = [...new Set(r.cells.map((c) => c.tier))];
  lines.push('', `Update size (${encodingsOf(r.cells)}): ${tiers.map((t) => `${t} ${r.cells.find((c) => c.tier === t)?.updateBytes.toLocaleString('en-US')} B`).join(', ')}.`, '');
  return `${lines.join('\n')}\n`;
}

const encodingsOf = (cells: readonly CellResult[]): string => [...new Set(cells.map((c) => c.encoding))].join(', ');
const cellLabel = (c: CellResult): string => `${c.clip} ${c.rate === 'clean' ? 'clean' : c.rate} ${c.tier}`;

/** Gain vs adaptation seconds (or steps): one line per (clip, rate, tier), the sender's weights. */
export function adaptSvg(cells: readonly CellResult[], unit: Unit, title = 'Online adaptation: gain over the static model (following frames)'): string {
  const series: Series[] = cells.map((c) => ({
    label: cellLabel(c),
    points: c.curve.map((p) => [p[unit], p.gain] as const),
    dashed: c.tier.startsWith('tiny'),
  }));
  return linePlotSvg(series, { title, xLabel: `adaptation ${UNIT_LABEL[unit]} (TF.js wasm, one thread, this machine)`, yLabel: 'Y-PSNR gain (dB)' });
}

/** Gain a receiver paints at `goal` seconds vs the update bitrate each cap allowed (points: the caps). */
export function adaptRateSvg(cells: readonly CellResult[], unit: Unit, goal = 60): string | null {
  const series: Series[] = cells.flatMap((c) => {
    const p = pointAt(c, goal, unit);
    const pts = (p?.received ?? []).filter((x) => x.updateKbps > 0).map((x) => [x.updateKbps, x.gain] as const);
    return pts.length === 0 ? [] : [{ label: cellLabel(c), points: pts, dashed: c.tier.startsWith('tiny') }];
  });
  if (series.length === 0) return null;
  return linePlotSvg(series, { title: `Gain a receiver paints after ${goal} ${UNIT_LABEL[unit]} vs update bitrate`, xLabel: `update kbit/s (${encodingsOf(cells)}, PublishPolicy caps)`, yLabel: 'Y-PSNR gain (dB)', logX: true });
}
