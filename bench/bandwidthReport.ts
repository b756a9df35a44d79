import type { BdResult } from './bdRate.js';
import type { BandwidthMeasurement } from './bandwidth.js';
import type { Curve } from './bandwidthAnalysis.js';
import { linePlotSvg, type Series } from './svgPlot.js';

const label = (c: Curve): string => {
  switch (c.kind) {
    case 'direct':
      return `${c.codec} direct 1080p`;
    case 'webrtc':
      return `browser ${c.codec} call, balanced (C)`;
    case 'webrtc-lr':
      return `browser ${c.codec} call at 270p + ${c.upscaler ?? '?'} (D)`;
    case 'webrtc-sr':
      return `browser ${c.codec} call, balanced, + ${c.upscaler ?? '?'} at the arriving size (E)`;
    case 'webrtc-cap':
      return `browser ${c.codec} call capped 1 step lower + ${c.upscaler ?? '?'} (F)`;
    case 'downscaled':
      return `${c.codec} 270p + ${c.upscaler ?? '?'}`;
    default: {
      const never: never = c.kind;
      return never;
    }
  }
};

/** One SVG per codec and metric: direct, downscaled + each upscaler, and the browser curve. */
export function bandwidthPlots(m: BandwidthMeasurement): Map<string, string> {
  const plots = new Map<string, string>();
  for (const codec of new Set(m.curves.map((c) => c.codec))) {
    const curves = m.curves.filter((c) => c.codec === codec);
    for (const metric of ['psnrY', 'ssimY'] as const) {
      const series: Series[] = curves.map((c) => ({
        label: label(c),
        points: c.points.map((p) => [p.kbps, p[metric]] as const),
        dashed: c.kind === 'direct' || c.kind === 'webrtc',
      }));
      plots.set(
        `bandwidth-${codec}-${metric === 'psnrY' ? 'psnr' : 'ssim'}.svg`,
        linePlotSvg(series, {
          title: `${codec}: ${m.config.hrSize} source, ${metric === 'psnrY' ? 'Y-PSNR' : 'SSIM (Y)'} vs link bitrate`,
          xLabel: 'measured bitrate (kbit/s, log)',
          yLabel: metric === 'psnrY' ? 'Y-PSNR (dB)' : 'SSIM (Y)',
          logX: true,
        }),
      );
    }
  }
  return plots;
}

const bd = (r: BdResult, digits: number, unit: string): string => (r.value === null ? `n/a (${r.reason})` : `${r.value.toFixed(digits)}${unit}`);

/** Markdown tables for bench/README.md. */
export function bandwidthMarkdown(m: BandwidthMeasurement): string {
  const lines: string[] = [];
  const hasVmaf = m.curves.some((c) => c.points.some((p) => p.vmaf !== undefined));
  const vmafCell = (v: number | undefined): string => (hasVmaf ? ` ${v?.toFixed(2) ?? '-'} |` : '');
  lines.push(`| curve | target kbit/s | measured kbit/s | Y-PSNR dB | SSIM |${hasVmaf ? ' VMAF |' : ''}`, `|---|---:|---:|---:|---:|${hasVmaf ? '---:|' : ''}`);
  for (const c of m.curves) {
    for (const p of c.points) {
      const got = p.scoredReceived !== undefined ? `, scored frames ${p.scoredReceived} received / ${p.scoredNotReceived ?? 0} not` : '';
      const arrived = p.arrived !== undefined ? `; arrived ${Object.entries(p.arrived).map(([k, n]) => `${k} x${n}`).join(', ')}` : '';
      const models = p.modelScales !== undefined ? `; models ${Object.entries(p.modelScales).map(([k, n]) => `${k} x${n}`).join(', ')}` : '';
      const cap = p.scaleResolutionDownBy !== undefined ? `; cap /${p.scaleResolutionDownBy.toFixed(2)}` : '';
      const size = p.sentWidth !== undefined ? ` (sent ${p.sentWidth}x${p.sentHeight ?? 0}, ${p.receivedFps?.toFixed(0) ?? '?'} fps${got}${arrived}${models}${cap})` : '';
      lines.push(`| ${c.id}${size} | ${p.targetKbps} | ${p.kbps.toFixed(0)} | ${p.psnrY.toFixed(2)} | ${p.ssimY.toFixed(4)} |${vmafCell(p.vmaf)}`);
    }
    if (c.lossless !== undefined) lines.push(`| ${c.id} (uncompressed 270p) | - | - | ${c.lossless.psnrY.toFixed(2)} | ${c.lossless.ssimY.toFixed(4)} |${vmafCell(c.lossless.vmaf)}`);
  }
  lines.push('', '| test vs anchor | BD-rate @ equal PSNR | BD-rate @ equal SSIM | BD-PSNR | where it wins / loses |', '|---|---:|---:|---:|---|');
  for (const c of m.comparisons) {
    lines.push(`| ${c.test} vs ${c.anchor} | ${bd(c.bdRatePsnrPercent, 1, ' %')} | ${bd(c.bdRateSsimPercent, 1, ' %')} | ${bd(c.bdPsnrDb, 2, ' dB')} | ${c.summary} |`);
  }
  for (const g of m.goals) {
    const yes = (b: boolean | null): string => (b === null ? 'n/a' : b ? 'met' : 'NOT met');
    lines.push('', `**Goal check, ${g.test} vs ${g.anchor}:** every rate ${yes(g.everyRate)}, 540p-or-lower gain ${yes(g.lowRes)}, BD-rate ${yes(g.bdRate)}. ${g.summary}.`, '');
    lines.push('| target kbit/s | measured kbit/s | arriving rows | C dB | E dB | E - C dB | needs | |', '|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const r of g.rows) lines.push(`| ${r.targetKbps} | ${r.kbps.toFixed(0)} | ${r.arrivedHeight ?? '?'} | ${r.cPsnrY.toFixed(2)} | ${r.ePsnrY.toFixed(2)} | ${r.deltaDb >= 0 ? '+' : ''}${r.deltaDb.toFixed(2)} | >= ${r.needDb.toFixed(2)} | ${r.met ? 'met' : 'short'} |`);
  }
  return lines.join('\n') + '\n';
}
