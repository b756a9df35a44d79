import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setupBackend } from '../eval/backend.js';
import { callGeometry, writeSourceY4m } from '../imaging/callDegrade.js';
import type { RgbImage } from '../imaging/image.js';
import { nativeBarcodeRows, scaleLadder, scoreAdaptive, type ScaleLadder } from './adaptiveCurves.js';
import { analyse, decodeImages, scoreFrames } from './bandwidth.js';
import type { Curve, CurvePoint } from './bandwidthAnalysis.js';
import { parseLadders, writeBandwidthResult, type BandwidthResult } from './bandwidthCli.js';
import { hideBarcode } from './callCurves.js';
import { commandLine, runInfo, type RunInfo } from './machine.js';
import { shippedModels } from './models.js';
import { modelUpscaler, type FrameUpscaler } from './nodeUpscalers.js';
import type { NativeFrame } from './webrtcCurve.js';

export const RESCORE_HELP = `npm run bench -- rescore-calls --result <bandwidth.json> --frames <dir> --e-models <ladders> [--source <clip>] [--out <dir>]
  Scores the kept frames of curves E and F (bench:bandwidth --keep-frames) with other model ladders, without
  calling again: same calls, same frames, new upscalers. Adds (or replaces) E/F curves per ladder, recomputes
  the comparisons and goals, and rewrites bandwidth.json, .md and plots in --out (default: the result's folder).`;

/** A re-scoring pass recorded next to the run that made the frames. */
export interface RescoreInfo extends RunInfo {
  readonly ladders: readonly string[];
  /** Model name -> sha256 (12 hex) of its model.json and weight files, as they were read. */
  readonly models: Record<string, string>;
}

async function modelDigest(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const name of (await readdir(dir)).filter((n) => n === 'model.json' || n.endsWith('.bin')).sort()) h.update(await readFile(join(dir, name)));
  return h.digest('hex').slice(0, 12);
}

/** Reads `<dir>/<index>-<w>x<h>.rgb` frames (callCurves' keptFramePath) of one point. */
async function readKept(dir: string): Promise<Map<number, NativeFrame>> {
  const out = new Map<number, NativeFrame>();
  for (const name of await readdir(dir)) {
    const m = /^(\d+)-(\d+)x(\d+)\.rgb$/.exec(name);
    if (m === null) continue;
    const [index, width, height] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const rgb = new Uint8Array(await readFile(join(dir, name)));
    if (rgb.length !== width * height * 3) throw new RangeError(`${join(dir, name)}: ${rgb.length} bytes, expected ${width * height * 3}`);
    out.set(index, { width, height, rgb });
  }
  return out;
}

/** New E/F curves for `ladders` from the kept frames of each E/F bicubic curve (whose points carry the call's fields). */
export async function rescoreCurves(result: BandwidthResult, framesDir: string, ladders: readonly ScaleLadder[], ref: ReadonlyMap<number, RgbImage>, log: (m: string) => void): Promise<Curve[]> {
  const [w = 0, h = 0] = result.config.hrSize.split('x').map(Number);
  const scale = Math.round(w / Number(result.config.lrSize.split('x')[0]));
  const cropBottom = h - Number(/^top (\d+)/.exec(result.config.scoredRegion)?.[1] ?? h);
  const hide = (img: RgbImage): RgbImage => hideBarcode(img, nativeBarcodeRows(cropBottom, img.height, h));
  const score = (test: ReadonlyMap<number, RgbImage>) => Promise.resolve(scoreFrames(test, ref, scale, cropBottom));
  let curves = [...result.curves];
  for (const base of result.curves.filter((c) => (c.kind === 'webrtc-sr' || c.kind === 'webrtc-cap') && c.upscaler === 'bicubic')) {
    const tag = `${base.kind === 'webrtc-sr' ? 'E' : 'F'}-${base.codec}`;
    const made = new Map<string, CurvePoint[]>(ladders.map((l) => [l.name, []]));
    for (const p of base.points) {
      const r = await scoreAdaptive(await readKept(join(framesDir, tag, String(p.targetKbps))), w, h, ladders, hide, score);
      if (r === null) throw new RangeError(`no kept frames for ${tag} at ${p.targetKbps} kbit/s under ${framesDir}`);
      for (const [name, s] of r.scores) made.get(name)?.push({ ...p, psnrY: s.psnrY, ssimY: s.ssimY, scoredFrames: s.frames, modelScales: s.modelScales });
      log(`${tag} ${p.targetKbps} kbit/s: ${[...r.scores].map(([n, s]) => `${n} ${s.psnrY.toFixed(2)} ${JSON.stringify(s.modelScales)}`).join(', ')}`);
    }
    for (const l of ladders) {
      const id = base.id.replace(/\+bicubic$/, `+${l.name}`);
      const curve: Curve = { ...base, id, upscaler: l.name, points: made.get(l.name) ?? [] };
      const at = curves.findIndex((c) => c.id === id);
      curves = at >= 0 ? curves.map((c, i) => (i === at ? curve : c)) : [...curves, curve];
    }
  }
  return curves;
}

export async function rescoreMain(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: { result: { type: 'string' }, frames: { type: 'string' }, 'e-models': { type: 'string' }, source: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) return console.log(RESCORE_HELP);
  if (values.result === undefined || values.frames === undefined || values['e-models'] === undefined) throw new RangeError(`--result, --frames and --e-models are required\n${RESCORE_HELP}`);
  const result = JSON.parse(await readFile(values.result, 'utf8')) as BandwidthResult & { rescored?: RescoreInfo[] };
  const source = values.source ?? result.config.source;
  const names = parseLadders(values['e-models']);
  await setupBackend('wasm');
  const models: FrameUpscaler[] = [];
  const work = await mkdtemp(join(tmpdir(), 'swiftsr-rescore-'));
  try {
    const ladders: ScaleLadder[] = [];
    const digests: Record<string, string> = {};
    for (const ladder of names) {
      const ups: FrameUpscaler[] = [];
      for (const m of shippedModels({ names: ladder })) {
        digests[m.name] = await modelDigest(m.dir);
        ups.push(await modelUpscaler(m.dir, m.name));
      }
      models.push(...ups);
      ladders.push(scaleLadder(ups.map((u) => u.name).join('+'), ups));
    }
    const g = await callGeometry(source, Math.round(Number(result.config.hrSize.split('x')[0]) / Number(result.config.lrSize.split('x')[0])));
    if (g.hrSize !== result.config.hrSize) throw new RangeError(`${source} crops to ${g.hrSize}, the result was measured at ${result.config.hrSize}`);
    const hr = join(work, 'hr.y4m');
    await writeSourceY4m(source, hr, { fps: result.config.fps, frames: result.config.frames, width: g.width, height: g.height });
    const ref = await decodeImages(hr, g.width, g.height, (i) => result.config.scoredFrames.includes(i));
    const curves = await rescoreCurves(result, values.frames, ladders, ref, (m) => console.log(m));
    const info: RescoreInfo = { ...runInfo(commandLine('bench rescore-calls', argv)), ladders: ladders.map((l) => l.name), models: digests };
    const out: BandwidthResult & { rescored: RescoreInfo[] } = { ...result, curves, ...analyse(curves), rescored: [...(result.rescored ?? []), info] };
    await writeBandwidthResult(values.out ?? join(values.result, '..'), out);
  } finally {
    for (const m of models) m.dispose();
    await rm(work, { recursive: true, force: true });
  }
}
