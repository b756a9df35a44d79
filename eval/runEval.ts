import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGenerator } from '../src/model/index.js';
import { UsageError } from './cli.js';
import { listImages } from '../imaging/imageSet.js';
import type { RgbImage } from '../imaging/image.js';
import { parseQuantizers, vp8RoundTrip } from '../imaging/vp8Intra.js';
import { BACKENDS, setupBackend, type BackendName } from './backend.js';
import { evaluateImages } from './evaluate.js';

const round = (x: number, d: number): number => Number(x.toFixed(d));

/** Several evals of one model (one per dataset, run in parallel) update swiftsr.json one at a time. */
async function withLock(path: string, fn: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 600) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

/** `npm run eval`: prints per-image and mean metrics as JSON; `--write-metrics` stores the means in swiftsr.json. */
export async function runEval(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, data: { type: 'string' }, scale: { type: 'string' }, 'write-metrics': { type: 'boolean' }, label: { type: 'string' }, backend: { type: 'string' }, vp8: { type: 'string' } },
    strict: true,
  });
  if (v.model === undefined || v.data === undefined) throw new UsageError('--model and --data are required');
  const backend = (v.backend ?? 'wasm') as BackendName;
  if (!BACKENDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  await setupBackend(backend);
  const model = await loadGenerator(resolve(v.model));
  try {
    const scale = v.scale === undefined ? model.config.scale : Number(v.scale);
    if (scale !== model.config.scale) throw new UsageError(`--scale ${scale} does not match the model's scale ${model.config.scale}`);
    const files = await listImages([v.data]);
    let q: number | null = null;
    if (v.vp8 !== undefined) {
      const qs = parseQuantizers(v.vp8);
      if (qs.length !== 1) throw new UsageError('eval takes one --vp8 quantizer per run');
      q = qs[0] ?? null;
    }
    const degrade = q === null ? undefined : (lr: RgbImage) => vp8RoundTrip(lr, q);
    const r = await evaluateImages((x) => model.predict(x), files, scale, undefined, degrade);
    const fmt = (m: { psnrY: number; ssimY: number; psnrRgb: number }) => ({ psnrY: round(m.psnrY, 3), ssimY: round(m.ssimY, 4), psnrRgb: round(m.psnrRgb, 3) });
    const label = v.label ?? `${basename(resolve(v.data))}${q === null ? '' : `-vp8q${q}`}`;
    const report = {
      model: basename(resolve(v.model)), variant: model.variant, dataset: label, scale,
      protocol: `HR modcrop(scale); LR = MATLAB bicubic (antialiased, a=-0.5), 8-bit${q === null ? '' : `, then one VP8 intra frame (libvpx realtime, cpu-used 8, 4:2:0, Q ${q}) for model and bicubic`}; Y = BT.601 (16-235) float; border crop = scale; SSIM 11x11 gaussian 1.5`,
      images: r.perImage.map((p) => ({ image: basename(p.image), width: p.width, height: p.height, model: fmt(p.model), bicubic: fmt(p.bicubic) })),
      mean: { images: r.mean.images, model: fmt(r.mean.model), bicubic: fmt(r.mean.bicubic) },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (v['write-metrics'] === true) {
      const metaPath = join(resolve(v.model), 'swiftsr.json');
      await withLock(`${metaPath}.lock`, async () => {
        const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { metrics?: Record<string, unknown> };
        meta.metrics = { ...(meta.metrics ?? {}), [label]: { ...report.mean, protocol: report.protocol, measuredAt: new Date().toISOString() } };
        const tmp = `${metaPath}.tmp-${process.pid}`;
        await writeFile(tmp, `${JSON.stringify(meta, null, 2)}\n`);
        await rename(tmp, metaPath);
      });
    }
    return 0;
  } finally {
    model.dispose();
  }
}
