import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGenerator } from '../src/model/loadGenerator.js';
import type { Generator } from '../src/model/types.js';
import { BACKENDS, setupBackend, type BackendName } from '../eval/backend.js';
import { commandLine, runInfo, type RunInfo } from './machine.js';
import { shippedModels } from './models.js';
import { MissingDataError, RESULTS_DIR, SHARED_DATASETS, requirePath } from './paths.js';
import { DATASETS, measureFlicker, measureQuality, readClip, type FlickerRow, type QualityRow, type QualityUpscaler } from './quality.js';
import { loadUpscalerJs, UPSCALERJS_MODELS, type UpscalerJsModel, type UpscalerJsSize } from './upscalerJs.js';

export const QUALITY_HELP = `npm run bench:quality -- [options]
  --data-root <dir>     folder holding Set5, Set14, BSD100, Urban100 (default ../shared/datasets)
  --sets <list>         default Set5,Set14,BSD100,Urban100 (Urban100 here is its first 20 images)
  --max-images <n>      per set (default: all)
  --models <list>       model dirs under models/ (default: all; x2 models run at x2);
                        name@Set5+Set14 runs that model on those sets only (for slow models)
  --upscalerjs <list>   slim,medium,thick or none (default slim,medium,thick)
  --peer-sets <list>    sets the UpscalerJS models run on (default Set5,Set14: thick takes ~1 min per 480x270)
  --video <file>        clip for the flicker index (default the foreman CIF clip in ../shared/datasets/video)
  --video-frames <n>    consecutive frames (default 30)
  --backend <name>      TF.js backend in Node (default wasm)
  --out <dir>           results directory (default bench/results)`;

/** Paper numbers, cited from issue #3: another protocol (PIL bicubic LR, training data DIV2K). */
export const PAPER_REPORTED = { note: 'Swift-SRGAN paper, Set5 x4, as cited in the project issue; different LR protocol and training data', set5x4: { psnrY: 25.13, ssimY: 0.794 } };

export interface QualityResult {
  readonly run: RunInfo;
  readonly protocol: string;
  readonly rows: QualityRow[];
  readonly flicker: { readonly clip: string; readonly frames: number; readonly scale: number; readonly rows: FlickerRow[] } | null;
  readonly paper: typeof PAPER_REPORTED;
}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '' && x !== 'none');

export async function qualityMain(argv: readonly string[]): Promise<QualityResult> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'data-root': { type: 'string', default: SHARED_DATASETS },
      sets: { type: 'string', default: DATASETS.join(',') },
      'max-images': { type: 'string' },
      models: { type: 'string' },
      upscalerjs: { type: 'string', default: UPSCALERJS_MODELS.join(',') },
      'peer-sets': { type: 'string', default: 'Set5,Set14' },
      video: { type: 'string', default: join(SHARED_DATASETS, 'video', 'test_cif_I_CABAC_slice.264') },
      'video-frames': { type: 'string', default: '30' },
      backend: { type: 'string', default: 'wasm' },
      out: { type: 'string', default: RESULTS_DIR },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(QUALITY_HELP);
    process.exit(0);
  }
  const sets = list(values.sets);
  for (const s of sets) requirePath(join(values['data-root'], s), `dataset ${s}`, '--data-root');
  if (!(BACKENDS as readonly string[]).includes(values.backend)) throw new RangeError(`--backend must be one of ${BACKENDS.join(', ')}`);
  await setupBackend(values.backend as BackendName);
  const peerSets = list(values['peer-sets']);
  const owned: (Generator | UpscalerJsModel)[] = [];
  const ups: QualityUpscaler[] = [];
  try {
    const only = new Map(list(values.models ?? '').map((item) => [item.split('@')[0] ?? '', item.includes('@') ? (item.split('@')[1] ?? '').split('+') : null]));
    for (const [name, at] of only) {
      const bad = at?.find((s) => !sets.includes(s));
      if (bad !== undefined) throw new RangeError(`--models: ${name}@${at?.join('+') ?? ''}: ${bad} is not one of --sets (${sets.join(',')})`);
    }
    for (const m of shippedModels(values.models !== undefined ? { names: [...only.keys()] } : {})) {
      const g = await loadGenerator(m.dir);
      owned.push(g);
      ups.push({ name: m.name, kind: 'swiftsr', scale: g.config.scale, sets: only.get(m.name) ?? sets, predict: (x) => g.predict(x) });
    }
    if (ups.length === 0) console.warn('bench:quality: no model under models/: measuring bicubic and the peers only');
    for (const size of list(values.upscalerjs)) {
      if (!(UPSCALERJS_MODELS as readonly string[]).includes(size)) throw new RangeError(`--upscalerjs: unknown model '${size}'`);
      const m = await loadUpscalerJs(size as UpscalerJsSize);
      owned.push(m);
      ups.push({ name: m.name, kind: 'upscalerjs', scale: 4, sets: peerSets, predict: (x) => m.predict(x) });
    }
    const run = runInfo(commandLine('bench:quality', argv), { tfjsBackend: `${values.backend} (Node)` });
    const maxImages = values['max-images'] === undefined ? undefined : Number(values['max-images']);
    const rows = await measureQuality({ dataRoot: values['data-root'], sets, ...(maxImages !== undefined ? { maxImages } : {}), upscalers: ups, log: (m) => console.log(m) });
    let flickerResult: QualityResult['flicker'] = null;
    if (existsSync(values.video)) {
      const frames = Number(values['video-frames']);
      const clip = await readClip(values.video, frames);
      flickerResult = { clip: values.video, frames: clip.length, scale: 4, rows: measureFlicker(clip, ups, 4) };
      for (const r of flickerResult.rows) console.log(`flicker ${r.upscaler}: ${r.flickerIndex.toFixed(3)} (Y-PSNR ${r.psnrY.toFixed(2)})`);
    } else {
      console.warn(new MissingDataError(`flicker clip not found at ${values.video}; pass --video <file>. Skipping the flicker index.`).message);
    }
    const result: QualityResult = {
      run,
      protocol: 'eval/evaluate.ts evaluateImages: HR modcropped to the scale, LR = MATLAB bicubic (antialiased, a=-0.5) rounded to 8 bit; outputs clipped and rounded to 8 bit; Y = BT.601 luma; border = scale pixels cropped',
      rows,
      flicker: flickerResult,
      paper: PAPER_REPORTED,
    };
    await writeQualityResult(values.out, result);
    return result;
  } finally {
    for (const o of owned) o.dispose();
  }
}

export function qualityMarkdown(r: QualityResult): string {
  const lines: string[] = [];
  for (const scale of [...new Set(r.rows.map((x) => x.scale))]) {
    const sets = [...new Set(r.rows.filter((x) => x.scale === scale).map((x) => x.set))];
    lines.push(`**x${scale}** (Y-PSNR dB / SSIM; s/image on this machine)`, '', `| upscaler | ${sets.join(' | ')} |`, `|---|${sets.map(() => '---:').join('|')}|`);
    for (const name of [...new Set(r.rows.filter((x) => x.scale === scale).map((x) => x.upscaler))]) {
      const cells = sets.map((s) => {
        const row = r.rows.find((x) => x.scale === scale && x.set === s && x.upscaler === name);
        return row === undefined ? '-' : `${row.psnrY.toFixed(2)} / ${row.ssimY.toFixed(4)}${row.kind === 'bicubic' ? '' : ` (${row.secondsPerImage.toFixed(1)} s)`}`;
      });
      lines.push(`| ${name} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  if (r.flicker !== null) {
    lines.push(`Flicker index on ${r.flicker.frames} frames of ${r.flicker.clip.split('/').at(-1) ?? ''} at x${r.flicker.scale} (mean |Y_t - Y_t-1| of the output minus that of the ground truth; 0 = as steady as the source):`, '');
    lines.push('| upscaler | flicker index | output mean diff | ground truth mean diff | Y-PSNR |', '|---|---:|---:|---:|---:|');
    for (const f of r.flicker.rows) lines.push(`| ${f.upscaler} | ${f.flickerIndex.toFixed(3)} | ${f.srMeanDiff.toFixed(3)} | ${f.gtMeanDiff.toFixed(3)} | ${f.psnrY.toFixed(2)} |`);
    lines.push('');
  }
  lines.push(`Paper: ${r.paper.note}: ${r.paper.set5x4.psnrY} dB / ${r.paper.set5x4.ssimY}.`);
  return lines.join('\n') + '\n';
}

export async function writeQualityResult(dir: string, r: QualityResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'quality.json'), JSON.stringify(r, null, 2) + '\n');
  await writeFile(join(dir, 'quality.md'), `<!-- ${r.run.command} on ${r.run.date} -->\n${qualityMarkdown(r)}`);
  console.log(`wrote ${join(dir, 'quality.json')} and quality.md`);
}
