import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toBytes, type RgbImage } from '../imaging/image.js';
import { ffmpeg, runTool } from '../imaging/ffmpeg.js';

/**
 * VMAF, where this ffmpeg has it. Many builds (Debian's among them) ship no libvmaf filter, only
 * `vmafmotion`, which is not VMAF: so the bench asks `ffmpeg -filters` instead of assuming.
 */

/** Filter names from `ffmpeg -filters` output: lines of flags, name, `in->out`, description. */
export function parseFilterNames(listing: string): Set<string> {
  const names = new Set<string>();
  for (const line of listing.split('\n')) {
    const m = /^\s*[A-Z.|]{2,4}\s+(\S+)\s+\S*->\S*\s/.exec(line);
    if (m?.[1] !== undefined) names.add(m[1]);
  }
  return names;
}

export async function ffmpegFilters(): Promise<Set<string>> {
  // No ffmpeg, or one that fails to list its filters, simply has no VMAF.
  const out = await runTool('ffmpeg', ['-hide_banner', '-filters']).catch(() => Buffer.alloc(0));
  return parseFilterNames(out.toString());
}

export interface VmafSupport {
  readonly available: boolean;
  /** Why not, or which filter is used: goes into the results' config. */
  readonly note: string;
}

export function vmafSupport(filters: ReadonlySet<string>): VmafSupport {
  if (filters.has('libvmaf')) return { available: true, note: 'ffmpeg libvmaf filter, its default model, mean over the scored frames' };
  const motion = filters.has('vmafmotion') ? ' (it has vmafmotion only, which is one VMAF feature, not VMAF)' : '';
  return { available: false, note: `not measured: \`ffmpeg -filters\` lists no libvmaf${motion}` };
}

/** The pooled mean from a libvmaf JSON log: v2 writes pooled_metrics.vmaf.mean, v1 wrote "VMAF score". */
export function parseVmafLog(json: string): number {
  const log = JSON.parse(json) as { pooled_metrics?: { vmaf?: { mean?: unknown } }; 'VMAF score'?: unknown };
  const v = log.pooled_metrics?.vmaf?.mean ?? log['VMAF score'];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error('libvmaf log holds no pooled VMAF mean');
  return v;
}

/**
 * VMAF of `test` against `ref` over the frames both hold, in index order, each converted to 4:2:0 with
 * BT.601 limited range (the matrix every stream here is decoded with).
 */
export async function vmafScore(test: ReadonlyMap<number, RgbImage>, ref: ReadonlyMap<number, RgbImage>, work: string): Promise<number> {
  const ids = [...ref.keys()].filter((i) => test.has(i)).sort((a, b) => a - b);
  const first = ref.get(ids[0] ?? -1);
  if (first === undefined) throw new Error('no frame to score');
  const [t, r, log] = [join(work, 'vmaf-test.rgb'), join(work, 'vmaf-ref.rgb'), join(work, 'vmaf.json')];
  await writeFile(t, Buffer.concat(ids.map((i) => toBytes(test.get(i) as RgbImage))));
  await writeFile(r, Buffer.concat(ids.map((i) => toBytes(ref.get(i) as RgbImage))));
  const raw = ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${first.width}x${first.height}`, '-r', '25'];
  const yuv = 'scale=out_color_matrix=bt601:out_range=tv,format=yuv420p';
  try {
    await ffmpeg([...raw, '-i', t, ...raw, '-i', r, '-lavfi', `[0:v]${yuv}[d];[1:v]${yuv}[r];[d][r]libvmaf=log_fmt=json:log_path=${log}`, '-f', 'null', '-']);
    return parseVmafLog(await readFile(log, 'utf8'));
  } finally {
    await Promise.all([t, r, log].map((f) => rm(f, { force: true })));
  }
}
